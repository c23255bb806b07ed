-- pinyin_not_letters (sqlite)
-- pinyin contains ["张"]
1 = 0
-- args:
