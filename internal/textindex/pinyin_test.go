package textindex

import (
	"strings"
	"testing"

	gopinyin "github.com/mozillazg/go-pinyin"
)

// The converted table must give exactly what go-pinyin's Normal style gives
// for every character it knows.
func TestTableMatchesGoPinyin(t *testing.T) {
	tab := table()
	args := gopinyin.Args{Style: gopinyin.Normal}
	bad := 0
	for k := range gopinyin.PinyinDict {
		r := rune(k)
		want := gopinyin.SinglePinyin(r, args)
		if len(want) == 0 {
			continue
		}
		if got := tab.syllable(r); got != want[0] {
			if bad++; bad < 20 {
				t.Errorf("%U %c: table %q, go-pinyin %q", r, r, got, want[0])
			}
		}
	}
	if n := len(tab.syllables); n < 300 || n > 1<<15 {
		t.Errorf("%d distinct syllables, want a few hundred", n)
	}
}

func TestPinyinBasic(t *testing.T) {
	tests := []struct {
		in, full, initials string
	}{
		{"张三", "zhangsan", "zs"},
		{"张三丰", "zhangsanfeng", "zsf"},
		{"  张　三 ", "zhangsan", "zs"},
		{"吕布", "lvbu", "lb"},
		{"Tony张", "tonyzhang", "tz"},
		{"张Tony", "zhangtony", "zt"},
		{"张3丰", "zhang3feng", "z3f"},
		{"TONY 张 Lee", "tonyzhanglee", "tzl"},
		{"张·伟", "zhangwei", "zw"},
		{"Tom Hanks", "", ""},
		{"", "", ""},
		{"123", "", ""},
		{"ＺＨＡＮＧ张", "zhangzhang", "zz"},
		{"李\u200b四", "lisi", "ls"},
		{"重庆火锅", "chongqinghuoguo", "cqhg"}, // override helps company names too
		{"北京单位", "beijingdanwei", "bjdw"},   // only the first character is a surname
		{"(单)田芳", "dantianfang", "dtf"},     // not in surname position
	}
	for _, tt := range tests {
		full, ini := Pinyin(tt.in)
		if full != tt.full || ini != tt.initials {
			t.Errorf("Pinyin(%q) = %q, %q; want %q, %q", tt.in, full, ini, tt.full, tt.initials)
		}
	}
}

// surnameCases lists every single-character surname override with the
// reading go-pinyin gives by default (checked against the library) and the
// reading we index.
var surnameCases = []struct {
	surname   string
	goDefault string // what go-pinyin's first reading is
	want      string
}{
	{"单", "dan", "shan"}, {"單", "dan", "shan"},
	{"曾", "ceng", "zeng"},
	{"区", "qu", "ou"}, {"區", "qu", "ou"},
	{"解", "jie", "xie"},
	{"仇", "chou", "qiu"},
	{"朴", "pu", "piao"},
	{"查", "cha", "zha"},
	{"覃", "tan", "qin"},
	{"尉", "wei", "yu"},
	{"盖", "gai", "ge"}, {"蓋", "gai", "ge"},
	{"缪", "mou", "miao"}, {"繆", "mou", "miao"},
	{"乐", "le", "yue"}, {"樂", "le", "yue"},
	{"召", "zhao", "shao"},
	{"华", "hua", "hua"}, {"華", "hua", "hua"},
	{"任", "ren", "ren"},
	{"种", "zhong", "chong"}, {"種", "zhong", "chong"},
	{"秘", "mi", "bi"},
	{"隗", "kui", "wei"},
	{"冼", "xian", "xian"},
	{"繁", "fan", "po"},
	{"员", "yuan", "yun"}, {"員", "yuan", "yun"},
	{"燕", "yan", "yan"},
	{"过", "guo", "guo"}, {"過", "guo", "guo"},
	{"阚", "han", "kan"}, {"闞", "kan", "kan"},
	{"句", "ju", "gou"},
	{"纪", "ji", "ji"}, {"紀", "ji", "ji"},
	{"翟", "di", "zhai"},
	{"祭", "ji", "zhai"},
	{"万", "wan", "wan"}, {"萬", "wan", "wan"},
	{"柏", "bai", "bai"},
	{"薄", "bao", "bo"},
	{"沈", "shen", "shen"},
	{"石", "shi", "shi"},
	{"长", "zhang", "chang"}, {"長", "zhang", "chang"},
	{"重", "zhong", "chong"},
	{"黑", "hei", "he"},
	{"那", "na", "na"},
	{"能", "neng", "nai"},
	{"宓", "mi", "mi"},
	{"洗", "xi", "xian"},
	{"莘", "shen", "shen"},
	{"台", "tai", "tai"}, {"臺", "tai", "tai"},
	{"车", "che", "che"}, {"車", "che", "che"},
	{"谌", "chen", "chen"}, {"諶", "chen", "chen"},
	{"贲", "ben", "ben"}, {"賁", "bi", "ben"},
	{"佘", "she", "she"},
	{"藏", "cang", "zang"},
	{"应", "ying", "ying"}, {"應", "ying", "ying"},
}

func TestSurnameOverrides(t *testing.T) {
	args := gopinyin.Args{Style: gopinyin.Normal}
	seen := map[rune]bool{}
	for _, tc := range surnameCases {
		r := []rune(tc.surname)[0]
		seen[r] = true
		if got := gopinyin.LazyPinyin(tc.surname, args); len(got) != 1 || got[0] != tc.goDefault {
			t.Errorf("go-pinyin(%s) = %q, test table says %q", tc.surname, got, tc.goDefault)
		}
		// Surname position: overridden.
		full, ini := Pinyin(tc.surname + "三")
		if full != tc.want+"san" || ini != tc.want[:1]+"s" {
			t.Errorf("Pinyin(%s三) = %q, %q; want %q", tc.surname, full, ini, tc.want+"san")
		}
		if !MatchesPinyin(tc.surname+"三", tc.want) {
			t.Errorf("MatchesPinyin(%s三, %q) = false", tc.surname, tc.want)
		}
		if tc.goDefault != tc.want && disputedSurnames[r] == "" && MatchesPinyin(tc.surname+"三", tc.goDefault+"san") {
			t.Errorf("MatchesPinyin(%s三, %q) = true, want only the surname reading", tc.surname, tc.goDefault+"san")
		}
		// Not in surname position: go-pinyin's default.
		if full, _ := Pinyin("张" + tc.surname); full != "zhang"+tc.goDefault {
			t.Errorf("Pinyin(张%s) = %q, want default reading %q", tc.surname, full, "zhang"+tc.goDefault)
		}
	}
	for r := range singleSurnames {
		if !seen[r] {
			t.Errorf("singleSurnames[%c] has no test case", r)
		}
	}
}

func TestCompoundSurnames(t *testing.T) {
	tests := []struct {
		name, full, initials string
		alt                  string // alternate full pinyin, "" if none
	}{
		{"尉迟恭", "yuchigong", "ycg", "weichigong"},
		{"尉遲恭", "yuchigong", "ycg", "weichigong"},
		{"欧阳娜娜", "ouyangnana", "oynn", ""},
		{"司马光", "simaguang", "smg", ""},
		{"上官婉儿", "shangguanwaner", "sgwe", ""},
		{"诸葛亮", "zhugeliang", "zgl", ""},
		{"东方朔", "dongfangshuo", "dfs", ""},
		{"皇甫嵩", "huangfusong", "hfs", ""},
		{"令狐冲", "linghuchong", "lhc", ""},
		{"长孙无忌", "zhangsunwuji", "zswj", "changsunwuji"},
		{"宇文化及", "yuwenhuaji", "ywhj", ""},
		{"慕容复", "murongfu", "mrf", ""},
		{"万俟卨", "moqixie", "mqx", "wanqixie"},
		{"澹台灭明", "tantaimieming", "ttmm", ""},
		{"单于洋", "chanyuyang", "cyy", "shanyuyang"},
		{"公孙胜", "gongsunsheng", "gss", ""},
		{"夏侯惇", "xiahoudun", "xhd", ""},
		{"南宫适", "nangongshi", "ngs", ""},
	}
	for _, tt := range tests {
		full, ini := Pinyin(tt.name)
		if full != tt.full || ini != tt.initials {
			t.Errorf("Pinyin(%s) = %q, %q; want %q, %q", tt.name, full, ini, tt.full, tt.initials)
		}
		toks := Tokens("", tt.name, true)
		var ps []string
		for _, tok := range toks {
			if strings.HasPrefix(tok, "p:") {
				ps = append(ps, tok[2:])
			}
		}
		want := []string{tt.full}
		if tt.alt != "" {
			want = append(want, tt.alt)
		}
		if !sameSet(ps, want) {
			t.Errorf("Tokens(%s) pinyin = %q, want %q", tt.name, ps, want)
		}
		for _, w := range want {
			if !MatchesPinyin(tt.name, w) {
				t.Errorf("MatchesPinyin(%s, %q) = false", tt.name, w)
			}
		}
	}
}

func TestDisputedSurnames(t *testing.T) {
	tests := []struct{ name, primary, alt string }{
		{"尉健行", "yujianxing", "weijianxing"},
		{"黑大帅", "hedashuai", "heidashuai"},
		{"翟志刚", "zhaizhigang", "dizhigang"},
		{"隗嚣", "weixiao", "kuixiao"},
	}
	for _, tt := range tests {
		if full, _ := Pinyin(tt.name); full != tt.primary {
			t.Errorf("Pinyin(%s) = %q, want %q", tt.name, full, tt.primary)
		}
		for _, q := range []string{tt.primary, tt.alt, tt.alt[:3]} {
			if !MatchesPinyin(tt.name, q) {
				t.Errorf("MatchesPinyin(%s, %q) = false", tt.name, q)
			}
		}
	}
}

func TestMatchesPinyin(t *testing.T) {
	tests := []struct {
		value, q string
		want     bool
	}{
		{"张三", "zs", true},
		{"张三", "zhang", true},
		{"张三", "zhangsan", true},
		{"张三", "z", true},
		{"张三", "zhangs", true},
		{"张三", "ZhangSan", true},
		{"张三", "zhang san", true},
		{"张三", "ｚｈａｎｇ", true},
		{"张三", "san", false},
		{"张三", "zhangsanfeng", false},
		{"张三", "zsf", false},
		{"张三", "", false},
		{"张三", "   ", false},
		{"张三", "zh1", false},
		{"张三", "张", false},
		{"单田芳", "shan", true},
		{"单田芳", "stf", true},
		{"单田芳", "dan", false},
		{"单田芳", "dtf", false},
		{"曾国藩", "zeng", true},
		{"曾国藩", "ceng", false},
		{"Tony张", "tonyz", true},
		{"Tony张", "tz", true},
		{"Tom Hanks", "tom", false}, // no Han: no pinyin tokens
		{"Tom Hanks", "th", false},
		{"吕布", "lv", true},
	}
	for _, tt := range tests {
		if got := MatchesPinyin(tt.value, tt.q); got != tt.want {
			t.Errorf("MatchesPinyin(%q, %q) = %v, want %v", tt.value, tt.q, got, tt.want)
		}
		// The twin: a range scan over the tokens must agree.
		if got := scanPinyin(Tokens("", tt.value, true), PinyinPrefixes("", tt.q)); got != tt.want {
			t.Errorf("range scan(%q, %q) = %v, want %v", tt.value, tt.q, got, tt.want)
		}
	}
}

// scanPinyin simulates `gram >= p AND gram < PrefixUpperBound(p)` over a
// sorted token list.
func scanPinyin(tokens, prefixes []string) bool {
	for _, p := range prefixes {
		upper := PrefixUpperBound(p)
		for _, tok := range tokens {
			if tok >= p && (upper == "" || tok < upper) {
				return true
			}
		}
	}
	return false
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}
