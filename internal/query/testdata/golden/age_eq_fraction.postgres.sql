-- age_eq_fraction (postgres)
-- age eq ["30.5"]
1 = 0
-- args:
