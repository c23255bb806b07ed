package textindex

// Surname readings. go-pinyin's default (first) reading is shown in the
// comment where it differs from the surname reading; entries whose default is
// already right are kept so the table documents the intended reading and stays
// correct if the dictionary's order changes. Traditional forms are listed
// where they differ from the simplified ones.

// singleSurnames overrides the reading of the first character of a value.
var singleSurnames = map[rune]string{
	'单': "shan", '單': "shan", // dan
	'曾': "zeng",          // ceng
	'区': "ou", '區': "ou", // qu
	'解': "xie",           // jie
	'仇': "qiu",           // chou
	'朴': "piao",          // pu
	'查': "zha",           // cha
	'覃': "qin",           // tan
	'尉': "yu",            // wei; disputed, alternate wei
	'盖': "ge", '蓋': "ge", // gai
	'缪': "miao", '繆': "miao", // mou
	'乐': "yue", '樂': "yue", // le
	'召': "shao", // zhao
	'华': "hua", '華': "hua",
	'任': "ren",
	'种': "chong", '種': "chong", // zhong
	'秘': "bi",  // mi
	'隗': "wei", // kui; disputed, alternate kui
	'冼': "xian",
	'繁': "po",              // fan
	'员': "yun", '員': "yun", // yuan
	'燕': "yan",
	'过': "guo", '過': "guo",
	'阚': "kan", '闞': "kan", // 阚: han
	'句': "gou", // ju
	'纪': "ji", '紀': "ji",
	'翟': "zhai", // di; disputed, alternate di
	'祭': "zhai", // ji
	'万': "wan", '萬': "wan",
	'柏': "bai",
	'薄': "bo", // bao
	'沈': "shen",
	'石': "shi",
	'长': "chang", '長': "chang", // zhang
	'重': "chong", // zhong
	'黑': "he",    // hei; disputed, alternate hei
	'那': "na",
	'能': "nai", // neng
	'宓': "mi",
	'洗': "xian", // xi
	'莘': "shen",
	'台': "tai", '臺': "tai",
	'车': "che", '車': "che",
	'谌': "chen", '諶': "chen",
	'贲': "ben", '賁': "ben", // 賁: bi
	'佘': "she",
	'藏': "zang", // cang
	'应': "ying", '應': "ying",
}

// disputedSurnames are single surnames with two readings in real use; the
// value is indexed under both (primary from singleSurnames, this alternate).
var disputedSurnames = map[rune]string{
	'尉': "wei",
	'黑': "hei",
	'翟': "di",
	'隗': "kui",
}

// compoundSurnames are two-character surnames; they take precedence over
// singleSurnames. The single-surname reading is kept as an alternate when it
// differs (单于 chanyu / shanyu), since "single surname + given name" is the
// more likely parse for some of these.
var compoundSurnames = map[[2]rune][2]string{
	{'尉', '迟'}: {"yu", "chi"}, {'尉', '遲'}: {"yu", "chi"},
	{'欧', '阳'}: {"ou", "yang"}, {'歐', '陽'}: {"ou", "yang"},
	{'司', '马'}: {"si", "ma"}, {'司', '馬'}: {"si", "ma"},
	{'上', '官'}: {"shang", "guan"},
	{'诸', '葛'}: {"zhu", "ge"}, {'諸', '葛'}: {"zhu", "ge"},
	{'东', '方'}: {"dong", "fang"}, {'東', '方'}: {"dong", "fang"},
	{'皇', '甫'}: {"huang", "fu"},
	{'令', '狐'}: {"ling", "hu"},
	{'长', '孙'}: {"zhang", "sun"}, {'長', '孫'}: {"zhang", "sun"},
	{'宇', '文'}: {"yu", "wen"},
	{'慕', '容'}: {"mu", "rong"},
	{'万', '俟'}: {"mo", "qi"}, {'萬', '俟'}: {"mo", "qi"},
	{'澹', '台'}: {"tan", "tai"}, {'澹', '臺'}: {"tan", "tai"},
	{'单', '于'}: {"chan", "yu"}, {'單', '于'}: {"chan", "yu"},
	{'公', '孙'}: {"gong", "sun"}, {'公', '孫'}: {"gong", "sun"},
	{'夏', '侯'}: {"xia", "hou"},
	{'南', '宫'}: {"nan", "gong"}, {'南', '宮'}: {"nan", "gong"},
	{'轩', '辕'}: {"xuan", "yuan"}, {'軒', '轅'}: {"xuan", "yuan"},
	{'端', '木'}: {"duan", "mu"},
	{'呼', '延'}: {"hu", "yan"},
	{'闻', '人'}: {"wen", "ren"}, {'聞', '人'}: {"wen", "ren"},
	{'赫', '连'}: {"he", "lian"}, {'赫', '連'}: {"he", "lian"},
	{'濮', '阳'}: {"pu", "yang"}, {'濮', '陽'}: {"pu", "yang"},
	{'申', '屠'}: {"shen", "tu"},
	{'太', '史'}: {"tai", "shi"},
	{'钟', '离'}: {"zhong", "li"}, {'鍾', '離'}: {"zhong", "li"},
	{'宗', '政'}: {"zong", "zheng"},
	{'仲', '孙'}: {"zhong", "sun"}, {'仲', '孫'}: {"zhong", "sun"},
	{'司', '徒'}: {"si", "tu"},
	{'司', '空'}: {"si", "kong"},
	{'乐', '正'}: {"yue", "zheng"}, {'樂', '正'}: {"yue", "zheng"},
	{'拓', '跋'}: {"tuo", "ba"},
	{'第', '五'}: {"di", "wu"},
}
