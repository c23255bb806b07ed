package fakedata

// This file holds the static pools the generator draws from. Orders matter:
// pools whose weights are derived from the position (given names, roads,
// brands) list the most common entries first, and changing any pool changes
// the generated records for every seed.

// Levels are the options of the 4-option level select; Person.Level indexes it.
var Levels = []string{"普通", "银卡", "金卡", "钻石"}

// InterestOptions are the options of the 6-option interests multi-select;
// Person.Interests indexes it.
var InterestOptions = []string{"旅游", "美食", "运动", "理财", "数码", "阅读"}

// TagNames is the 10-tag pool; Person.Tags indexes it.
var TagNames = []string{"重要客户", "VIP", "潜在客户", "已流失", "老客户", "展会", "转介绍", "线上", "大客户", "待跟进"}

// tagWeights are the relative frequencies of TagNames.
var tagWeights = []float64{8, 5, 18, 7, 12, 8, 9, 13, 4, 16}

// levelWeights are the relative frequencies of Levels.
var levelWeights = []float64{62, 24, 10, 4}

// Department is one node of the demo department tree. Parent is the index of
// the parent node in Departments, -1 for the root; parents come before their
// children.
type Department struct {
	Name   string
	Parent int
}

// Departments is a small department tree:
//
//	总部
//	├── 销售部
//	│   ├── 华南区
//	│   ├── 华北区
//	│   └── 华东区
//	├── 市场部
//	└── 客服部
var Departments = []Department{
	{"总部", -1},
	{"销售部", 0},
	{"华南区", 1},
	{"华北区", 1},
	{"华东区", 1},
	{"市场部", 0},
	{"客服部", 0},
}

// surnameEntry is a surname with its frequency in parts per 10,000 of the
// population (roughly the 2020 census ranking; the list covers ~90% of it).
type surnameEntry struct {
	name   string
	weight float64
}

var surnameTable = []surnameEntry{
	{"王", 710}, {"李", 700}, {"张", 660}, {"刘", 530}, {"陈", 450},
	{"杨", 310}, {"黄", 230}, {"赵", 230}, {"吴", 200}, {"周", 200},
	{"徐", 170}, {"孙", 150}, {"马", 150}, {"朱", 130}, {"胡", 130},
	{"郭", 120}, {"何", 120}, {"林", 115}, {"高", 110}, {"罗", 110},
	{"郑", 100}, {"梁", 90}, {"谢", 85}, {"宋", 80}, {"唐", 80},
	{"许", 70}, {"韩", 70}, {"冯", 70}, {"邓", 70}, {"曹", 65},
	{"彭", 65}, {"曾", 60}, {"肖", 60}, {"田", 55}, {"董", 55},
	{"潘", 50}, {"袁", 50}, {"蔡", 50}, {"蒋", 50}, {"余", 45},
	{"于", 45}, {"杜", 45}, {"叶", 45}, {"程", 45}, {"魏", 45},
	{"苏", 40}, {"吕", 40}, {"丁", 40}, {"任", 40}, {"卢", 40},
	{"姚", 40}, {"沈", 40}, {"钟", 35}, {"姜", 35}, {"崔", 35},
	{"谭", 35}, {"陆", 35}, {"范", 30}, {"汪", 30}, {"廖", 30},
	{"石", 30}, {"金", 30}, {"韦", 30}, {"贾", 30}, {"夏", 30},
	{"付", 30}, {"方", 25}, {"邹", 25}, {"熊", 25}, {"白", 25},
	{"孟", 25}, {"秦", 25}, {"邱", 25}, {"侯", 25}, {"江", 25},
	{"尹", 25}, {"薛", 20}, {"闫", 20}, {"段", 20}, {"雷", 20},
	{"龙", 20}, {"黎", 20}, {"史", 20}, {"陶", 20}, {"贺", 20},
	{"毛", 20}, {"郝", 20}, {"顾", 20}, {"龚", 20}, {"邵", 20},
	{"万", 18}, {"覃", 15}, {"武", 18}, {"钱", 18}, {"戴", 18},
	{"严", 18}, {"莫", 15}, {"孔", 15}, {"向", 15}, {"常", 15},
	{"汤", 15}, {"康", 15}, {"易", 12}, {"乔", 12}, {"赖", 12},
	{"文", 12}, {"施", 10}, {"洪", 10}, {"牛", 10}, {"葛", 10},
	{"樊", 10}, {"殷", 8}, {"欧阳", 4}, {"单", 4}, {"区", 2},
	{"解", 3}, {"仇", 2}, {"朴", 3}, {"查", 2}, {"司马", 1},
	{"诸葛", 1}, {"上官", 1},
}

// Given names, most common first. Weights fall off with the position.
var (
	maleGiven1 = []string{
		"伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超",
		"刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "斌", "宇",
		"浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林",
		"阳", "建", "亮", "成", "峰", "博", "晨", "毅", "坤", "昊",
	}
	femaleGiven1 = []string{
		"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲",
		"丹", "萍", "红", "婷", "莉", "倩", "颖", "琳", "雪", "慧",
		"洁", "琴", "云", "悦", "璐", "晶", "瑶", "欣", "怡", "佳",
		"露", "媛", "茜", "薇", "蕾", "妍", "璇", "岚", "莹", "月",
	}
	maleGiven2 = []string{
		"建国", "建华", "建军", "志强", "志明", "国强", "俊杰", "浩然", "子轩", "宇轩",
		"梓豪", "子豪", "浩宇", "一鸣", "文博", "天宇", "明轩", "家豪", "海涛", "国庆",
		"永强", "晓东", "小龙", "振华", "建平", "春生", "德华", "立新", "文杰", "伟强",
		"志刚", "国华", "建伟", "俊熙", "宇航", "博文", "晓明", "海峰", "志勇", "思远",
	}
	femaleGiven2 = []string{
		"秀英", "桂英", "秀兰", "玉兰", "桂兰", "丽娟", "淑珍", "海燕", "晓燕", "欣怡",
		"梓涵", "诗涵", "雨涵", "子涵", "思涵", "佳怡", "一诺", "雨桐", "可馨", "婷婷",
		"晓丽", "丽华", "美玲", "静怡", "欣妍", "雅琪", "梦琪", "紫萱", "慧敏", "春梅",
		"秀珍", "玉梅", "丽萍", "晓红", "雪梅", "佳琪", "语嫣", "若曦", "思琪", "欣然",
	}
)

// modernGiven marks the 2-char given names typical of people born from the
// 1990s on; the other 2-char names lean older (建国, 秀英 …). The generator
// weighs them by birth year.
var modernGiven = map[string]bool{
	"浩然": true, "子轩": true, "宇轩": true, "梓豪": true, "子豪": true, "浩宇": true, "一鸣": true,
	"文博": true, "天宇": true, "明轩": true, "家豪": true, "俊杰": true, "文杰": true, "俊熙": true,
	"宇航": true, "博文": true, "思远": true,
	"欣怡": true, "梓涵": true, "诗涵": true, "雨涵": true, "子涵": true, "思涵": true, "佳怡": true,
	"一诺": true, "雨桐": true, "可馨": true, "静怡": true, "欣妍": true, "雅琪": true, "梦琪": true,
	"紫萱": true, "佳琪": true, "语嫣": true, "若曦": true, "思琪": true, "欣然": true,
}

// Latin names.
var (
	latinMale = []string{
		"Leo", "Oliver", "James", "Ethan", "Lucas", "Noah", "Jack", "Henry", "Daniel", "Ryan",
		"Kevin", "Tony", "Eric", "Jason", "David", "Michael", "Alex", "Sam", "Adam", "Mark",
	}
	latinFemale = []string{
		"Naomi", "Emma", "Olivia", "Sophia", "Mia", "Chloe", "Grace", "Lily", "Amy", "Emily",
		"Hannah", "Zoe", "Ella", "Lucy", "Alice", "Vivian", "Cindy", "Sarah", "Julia", "Anna",
	}
	latinLast = []string{
		"Ball", "Nicholas", "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clark", "Lewis", "Walker",
		"Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill",
		"Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards",
		"Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey",
		"Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks", "Bennett",
	}
)

// phonePrefixes are the mainland mobile prefixes numbers are drawn from.
var phonePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"166",
	"170", "171", "172", "173", "174", "175", "176", "177", "178",
	"180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
	"191", "198", "199",
}

// cityEntry is a prefecture-level city (or a municipality, whose state equals
// its name) with a few of its districts and their administrative codes.
type cityEntry struct {
	state, city, short, zip string
	weight                  float64
	districts               []districtEntry
}

type districtEntry struct{ name, code string }

var cityTable = []cityEntry{
	{"北京市", "北京市", "北京", "100000", 9, []districtEntry{
		{"东城区", "110101"}, {"西城区", "110102"}, {"朝阳区", "110105"}, {"丰台区", "110106"}, {"海淀区", "110108"}}},
	{"上海市", "上海市", "上海", "200000", 9, []districtEntry{
		{"黄浦区", "310101"}, {"徐汇区", "310104"}, {"长宁区", "310105"}, {"静安区", "310106"}, {"闵行区", "310112"}, {"浦东新区", "310115"}}},
	{"天津市", "天津市", "天津", "300000", 3, []districtEntry{
		{"和平区", "120101"}, {"河西区", "120103"}, {"南开区", "120104"}}},
	{"重庆市", "重庆市", "重庆", "400000", 4, []districtEntry{
		{"渝中区", "500103"}, {"江北区", "500105"}, {"渝北区", "500112"}}},
	{"广东省", "广州市", "广州", "510000", 8, []districtEntry{
		{"越秀区", "440104"}, {"海珠区", "440105"}, {"天河区", "440106"}, {"白云区", "440111"}, {"番禺区", "440113"}}},
	{"广东省", "深圳市", "深圳", "518000", 9, []districtEntry{
		{"罗湖区", "440303"}, {"福田区", "440304"}, {"南山区", "440305"}, {"宝安区", "440306"}, {"龙岗区", "440307"}}},
	{"广东省", "佛山市", "佛山", "528000", 3, []districtEntry{
		{"禅城区", "440604"}, {"南海区", "440605"}, {"顺德区", "440606"}}},
	{"广东省", "珠海市", "珠海", "519000", 1.5, []districtEntry{
		{"香洲区", "440402"}}},
	{"浙江省", "杭州市", "杭州", "310000", 6, []districtEntry{
		{"上城区", "330102"}, {"拱墅区", "330105"}, {"西湖区", "330106"}, {"滨江区", "330108"}, {"余杭区", "330110"}}},
	{"浙江省", "宁波市", "宁波", "315000", 3, []districtEntry{
		{"海曙区", "330203"}, {"江北区", "330205"}, {"鄞州区", "330212"}}},
	{"浙江省", "温州市", "温州", "325000", 2, []districtEntry{
		{"鹿城区", "330302"}}},
	{"江苏省", "南京市", "南京", "210000", 5, []districtEntry{
		{"玄武区", "320102"}, {"秦淮区", "320104"}, {"建邺区", "320105"}, {"鼓楼区", "320106"}}},
	{"江苏省", "苏州市", "苏州", "215000", 5, []districtEntry{
		{"虎丘区", "320505"}, {"吴中区", "320506"}, {"姑苏区", "320508"}}},
	{"江苏省", "无锡市", "无锡", "214000", 2, []districtEntry{
		{"滨湖区", "320211"}, {"梁溪区", "320213"}}},
	{"四川省", "成都市", "成都", "610000", 6, []districtEntry{
		{"锦江区", "510104"}, {"青羊区", "510105"}, {"金牛区", "510106"}, {"武侯区", "510107"}, {"成华区", "510108"}}},
	{"湖北省", "武汉市", "武汉", "430000", 5, []districtEntry{
		{"江岸区", "420102"}, {"江汉区", "420103"}, {"武昌区", "420106"}, {"洪山区", "420111"}}},
	{"湖南省", "长沙市", "长沙", "410000", 4, []districtEntry{
		{"芙蓉区", "430102"}, {"天心区", "430103"}, {"岳麓区", "430104"}, {"开福区", "430105"}}},
	{"陕西省", "西安市", "西安", "710000", 4, []districtEntry{
		{"新城区", "610102"}, {"碑林区", "610103"}, {"莲湖区", "610104"}, {"雁塔区", "610113"}}},
	{"福建省", "福州市", "福州", "350000", 2.5, []districtEntry{
		{"鼓楼区", "350102"}, {"台江区", "350103"}}},
	{"福建省", "厦门市", "厦门", "361000", 2.5, []districtEntry{
		{"思明区", "350203"}, {"湖里区", "350206"}}},
	{"山东省", "济南市", "济南", "250000", 3, []districtEntry{
		{"历下区", "370102"}, {"市中区", "370103"}}},
	{"山东省", "青岛市", "青岛", "266000", 3.5, []districtEntry{
		{"市南区", "370202"}, {"市北区", "370203"}, {"崂山区", "370212"}}},
	{"河南省", "郑州市", "郑州", "450000", 4, []districtEntry{
		{"中原区", "410102"}, {"二七区", "410103"}, {"金水区", "410105"}}},
	{"河北省", "石家庄市", "石家庄", "050000", 2.5, []districtEntry{
		{"长安区", "130102"}, {"桥西区", "130104"}}},
	{"安徽省", "合肥市", "合肥", "230000", 3, []districtEntry{
		{"瑶海区", "340102"}, {"庐阳区", "340103"}, {"蜀山区", "340104"}, {"包河区", "340111"}}},
	{"辽宁省", "沈阳市", "沈阳", "110000", 2.5, []districtEntry{
		{"和平区", "210102"}, {"沈河区", "210103"}}},
	{"辽宁省", "大连市", "大连", "116000", 2, []districtEntry{
		{"中山区", "210202"}, {"沙河口区", "210204"}}},
	{"云南省", "昆明市", "昆明", "650000", 2, []districtEntry{
		{"五华区", "530102"}, {"盘龙区", "530103"}}},
	{"广西壮族自治区", "南宁市", "南宁", "530000", 2, []districtEntry{
		{"兴宁区", "450102"}, {"青秀区", "450103"}}},
	{"江西省", "南昌市", "南昌", "330000", 2, []districtEntry{
		{"东湖区", "360102"}, {"西湖区", "360103"}}},
	{"山西省", "太原市", "太原", "030000", 1.5, []districtEntry{
		{"小店区", "140105"}, {"迎泽区", "140106"}}},
	{"黑龙江省", "哈尔滨市", "哈尔滨", "150000", 2, []districtEntry{
		{"道里区", "230102"}, {"南岗区", "230103"}}},
	{"吉林省", "长春市", "长春", "130000", 1.5, []districtEntry{
		{"南关区", "220102"}, {"朝阳区", "220104"}}},
	{"海南省", "海口市", "海口", "570000", 1, []districtEntry{
		{"龙华区", "460106"}, {"美兰区", "460108"}}},
	{"贵州省", "贵阳市", "贵阳", "550000", 1.5, []districtEntry{
		{"南明区", "520102"}, {"云岩区", "520103"}}},
}

// roads, most common first.
var roads = []string{
	"人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "文化路", "长江路", "黄河路", "东风路",
	"胜利路", "青年路", "朝阳路", "建国路", "科技园路", "学府路", "世纪大道", "滨江大道", "工业大道", "幸福路",
	"光明路", "团结路", "振兴路", "创业路", "高新路", "华山路", "友谊路", "花园路", "迎宾大道", "新城大道",
	"体育路", "公园路", "府前路", "北京路", "南京路", "上海路", "湖滨路", "金融街", "商业街", "环城东路",
}

// Company name parts.
var (
	brands = []string{
		"华通", "恒信", "鼎盛", "宏达", "瑞丰", "金泰", "盛世", "博远", "启航", "星辰",
		"东方", "新元", "天成", "永安", "嘉禾", "信达", "联创", "智源", "百川", "同创",
		"华夏", "远航", "卓越", "众诚", "宏图", "锦程", "明德", "海纳", "德润", "晟泰",
		"云帆", "蓝海", "金诚", "恒通", "骏达", "长青", "正和", "安泰", "凯瑞", "美嘉",
	}
	industries = []string{
		"科技", "贸易", "网络科技", "信息技术", "商贸", "实业", "电子", "机械设备", "建筑工程", "物流",
		"餐饮管理", "文化传媒", "教育科技", "医疗器械", "生物科技", "新能源", "食品", "服装", "家具", "化工",
		"环保科技", "房地产开发", "装饰工程", "广告", "企业管理咨询", "投资管理", "电子商务", "汽车服务", "软件", "智能科技",
	}
	companySuffixes       = []string{"有限公司", "股份有限公司", "有限责任公司", "集团有限公司"}
	companySuffixWeights  = []float64{80, 8, 7, 5}
	latinCompanyWords     = []string{"Example", "Acme", "Blue Ocean", "Golden Bay", "Eastbridge", "Nova", "Red Star", "Greenleaf", "Summit", "Pacific", "Silverline", "Brightway"}
	latinCompanyIndustry  = []string{"Trading", "Technology", "Consulting", "Logistics", "Electronics", "Industrial", "Foods", "Media"}
	latinCompanySuffixes  = []string{"Ltd", "Co., Ltd.", "Limited", "Group Ltd"}
	latinCompanySufWeight = []float64{50, 30, 12, 8}
)

// Email parts. Company domains are fictional.
var (
	emailDomains = []string{
		"qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "hotmail.com",
		"sina.com", "foxmail.com", "139.com", "yeah.net", "company",
	}
	emailDomainWeights = []float64{34, 20, 8, 9, 5, 3, 4, 5, 2, 2, 8}
	companyDomains     = []string{
		"example.com.cn", "example.cn", "corp.example.com", "sinotrade.cn", "eastbridge.com.cn",
		"bluesea-tech.cn", "goldenbay.com.cn", "greenleaf.cn", "novalink.cn", "brightway.com.cn",
	}
	emailWords = []string{
		"sunny", "happy", "lucky", "tiger", "dragon", "star", "moon", "cloud", "angel", "jack",
		"kevin", "tony", "amy", "lily", "coco", "apple", "panda", "summer", "winter", "smile",
		"dream", "forever", "leo", "max", "rain", "snow", "ocean", "sky", "king", "candy",
		"alan", "jason", "vivian", "cindy", "echo", "frank", "grace", "helen", "ivy", "linda",
	}
)

// remarks are short CRM notes.
var remarks = []string{
	"来自展会", "老客户介绍", "VIP客户", "电话咨询过产品价格", "需要再次跟进", "对价格比较敏感",
	"已发送报价单", "线上广告引流", "官网留言", "朋友推荐", "有采购意向", "周末方便联系",
	"只接受微信沟通", "决策人", "年底有预算", "试用中", "已签约", "投诉过售后，注意沟通方式",
	"要求开具专票", "下季度再联系",
}
