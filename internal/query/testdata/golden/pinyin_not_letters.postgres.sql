-- pinyin_not_letters (postgres)
-- pinyin contains ["张"]
1 = 0
-- args:
