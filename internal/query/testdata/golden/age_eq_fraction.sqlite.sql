-- age_eq_fraction (sqlite)
-- age eq ["30.5"]
1 = 0
-- args:
