package textindex

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		value  string
		pinyin bool
		want   []string
	}{
		{"chinese name", "", "张三", true,
			[]string{"g:三", "g:张", "g:张三", "i:zs", "p:zhangsan"}},
		{"chinese name without pinyin", "", "张三", false,
			[]string{"g:三", "g:张", "g:张三"}},
		{"three characters", "", "张三丰", true,
			[]string{"g:三", "g:三丰", "g:丰", "g:张", "g:张三", "i:zsf", "p:zhangsanfeng"}},
		{"repeated characters deduplicated", "", "娜娜", true,
			[]string{"g:娜", "g:娜娜", "i:nn", "p:nana"}},
		{"latin: no bigram across space", "", "Tom Hanks", true,
			[]string{"g:a", "g:an", "g:h", "g:ha", "g:k", "g:ks", "g:m", "g:n", "g:nk", "g:o", "g:om", "g:s", "g:t", "g:to"}},
		{"latin case folded", "", "TOM", false,
			[]string{"g:m", "g:o", "g:om", "g:t", "g:to"}},
		{"full-width", "", "ＡＢ１", true,
			[]string{"g:1", "g:a", "g:ab", "g:b", "g:b1"}},
		{"full-width space splits words", "", "张　三", true,
			[]string{"g:三", "g:张", "i:zs", "p:zhangsan"}},
		{"mixed latin and han", "", "Tony张", true,
			[]string{"g:n", "g:ny", "g:o", "g:on", "g:t", "g:to", "g:y", "g:y张", "g:张", "i:tz", "p:tonyzhang"}},
		{"company prefix", "c", "阿里", true,
			[]string{"cg:里", "cg:阿", "cg:阿里", "ci:al", "cp:ali"}},
		{"empty", "", "", true, nil},
		{"whitespace only", "", " \t　", true, nil},
		{"punctuation only", "", "-·.()", true, nil},
		{"punctuation splits words", "", "张-三(李)", true,
			[]string{"g:三", "g:张", "g:李", "i:zsl", "p:zhangsanli"}},
		{"apostrophe", "", "O'Neil", false,
			[]string{"g:e", "g:ei", "g:i", "g:il", "g:l", "g:n", "g:ne", "g:o"}},
		{"middle dot in transliterated name", "", "米·乐", true,
			[]string{"g:乐", "g:米", "i:ml", "p:mile"}},
		{"surname override", "", "单田芳", true,
			[]string{"g:单", "g:单田", "g:田", "g:田芳", "g:芳", "i:stf", "p:shantianfang"}},
		{"digits", "", "A1", true,
			[]string{"g:1", "g:a", "g:a1"}},
		{"invisible characters ignored", "", "张\u200b三", true,
			[]string{"g:三", "g:张", "g:张三", "i:zs", "p:zhangsan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Tokens(tt.prefix, tt.value, tt.pinyin)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Tokens(%q, %q, %v) =\n  %q\nwant\n  %q", tt.prefix, tt.value, tt.pinyin, got, tt.want)
			}
			checkTokens(t, tt.prefix, tt.value, got)
		})
	}
}

// checkTokens asserts the structural invariants of a Tokens result.
func checkTokens(t *testing.T, prefix, value string, toks []string) {
	t.Helper()
	for i, tok := range toks {
		if i > 0 && toks[i-1] >= tok {
			t.Fatalf("Tokens(%q): not sorted and distinct at %d: %q", value, i, toks)
		}
		if !utf8.ValidString(tok) {
			t.Fatalf("Tokens(%q): invalid UTF-8 token %q", value, tok)
		}
		rest, ok := strings.CutPrefix(tok, prefix)
		if !ok || len(rest) < 3 || rest[1] != ':' || !strings.Contains("gpi", rest[:1]) {
			t.Fatalf("Tokens(%q): malformed token %q", value, tok)
		}
		switch rest[0] {
		case 'g':
			if n := utf8.RuneCountInString(rest[2:]); n < 1 || n > 2 {
				t.Fatalf("Tokens(%q): gram %q has %d runes", value, tok, n)
			}
		case 'p', 'i':
			if len(rest)-2 > MaxPinyinLen {
				t.Fatalf("Tokens(%q): pinyin token %q longer than MaxPinyinLen", value, tok)
			}
			for _, c := range []byte(rest[2:]) {
				if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
					t.Fatalf("Tokens(%q): pinyin token %q not [a-z0-9]", value, tok)
				}
			}
		}
	}
}

func TestTokensLongValueCapsPinyin(t *testing.T) {
	v := strings.Repeat("张", 100)
	toks := Tokens("", v, true)
	checkTokens(t, "", v, toks)
	want := []string{"g:张", "g:张张", "i:" + strings.Repeat("z", 100), "p:" + strings.Repeat("zhang", 100)[:MaxPinyinLen]}
	if !slices.Equal(toks, want) {
		t.Errorf("got %q", toks)
	}
	if !MatchesPinyin(v, strings.Repeat("zhang", 50)) || !scanPinyin(toks, PinyinPrefixes("", strings.Repeat("zhang", 50))) {
		t.Error("long pinyin query does not match")
	}
}

func TestTokensAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = Tokens("", "张三丰", true) }); n > 2 {
		t.Errorf("Tokens: %v allocs, want <= 2", n)
	}
}

func TestFragmentGrams(t *testing.T) {
	tests := []struct {
		name    string
		prefix  string
		q       string
		want    []string
		recheck bool
	}{
		{"1 han char", "", "张", []string{"g:张"}, false},
		{"2 han chars", "", "张三", []string{"g:张三"}, false},
		{"3 han chars", "", "张三丰", []string{"g:三丰", "g:张三"}, true},
		{"4 chars with repeat deduplicated", "", "娜娜娜", []string{"g:娜娜"}, true},
		{"1 latin upper", "", "A", []string{"g:a"}, false},
		{"2 latin mixed case", "", "Om", []string{"g:om"}, false},
		{"latin word", "", "HANKS", []string{"g:an", "g:ha", "g:ks", "g:nk"}, true},
		{"full-width", "", "ＨＡ", []string{"g:ha"}, false},
		{"surrounding whitespace trimmed", "", "  张三 ", []string{"g:张三"}, false},
		{"space between single chars", "", "m h", []string{"g:h", "g:m"}, true},
		{"space between words", "", "tom hanks", []string{"g:an", "g:ha", "g:ks", "g:nk", "g:om", "g:to"}, true},
		{"single-letter part dropped next to bigrams", "", "tom h", []string{"g:om", "g:to"}, true},
		{"ideographic space", "", "张　三", []string{"g:三", "g:张"}, true},
		{"punctuation inside", "", "o'n", []string{"g:n", "g:o"}, true},
		{"trailing punctuation", "", "张三)", []string{"g:张三"}, true},
		{"company prefix", "c", "阿里", []string{"cg:阿里"}, false},
		{"empty", "", "", nil, false},
		{"spaces", "", "   ", nil, false},
		{"punctuation only", "", "-()", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, recheck := FragmentGrams(tt.prefix, tt.q)
			if !slices.Equal(got, tt.want) || recheck != tt.recheck {
				t.Errorf("FragmentGrams(%q, %q) = %q, %v; want %q, %v", tt.prefix, tt.q, got, recheck, tt.want, tt.recheck)
			}
		})
	}
}

func TestContainsFragment(t *testing.T) {
	tests := []struct {
		value, q string
		want     bool
	}{
		{"张三丰", "张三丰", true},
		{"三丰张三", "张三丰", false}, // the bigram AND matches, the recheck rejects
		{"Tom Hanks", "M H", true},
		{"Tom Hanks", "ｈａｎ", true},
		{"Tom Hanks", "tomh", false},
		{"Tom Hanks", "", false},
	}
	for _, tt := range tests {
		if got := ContainsFragment(tt.value, tt.q); got != tt.want {
			t.Errorf("ContainsFragment(%q, %q) = %v, want %v", tt.value, tt.q, got, tt.want)
		}
	}
}

func TestPinyinPrefixes(t *testing.T) {
	tests := []struct {
		prefix, q string
		want      []string
	}{
		{"", "zs", []string{"p:zs", "i:zs"}},
		{"", "zhang", []string{"p:zhang", "i:zhang"}},
		{"", "Zhang San", []string{"p:zhangsan", "i:zhangsan"}},
		{"", "ＺＳ", []string{"p:zs", "i:zs"}},
		{"c", "ali", []string{"cp:ali", "ci:ali"}},
		{"", "", nil},
		{"", "  ", nil},
		{"", "张", nil},
		{"", "zhang3", nil},
		{"", "zhang-san", nil},
		{"", "josé", nil},
	}
	for _, tt := range tests {
		if got := PinyinPrefixes(tt.prefix, tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("PinyinPrefixes(%q, %q) = %q, want %q", tt.prefix, tt.q, got, tt.want)
		}
	}
}

func TestPrefixUpperBound(t *testing.T) {
	tests := []struct{ p, want string }{
		{"p:zh", "p:zi"},
		{"i:z", "i:{"},
		{"a", "b"},
		{"g:张", "g:弡"},
		{"a\u007f", "a\u0080"},
		{"a\ud7ff", "a\ue000"},
		{"a\U0010ffff", "b"},
		{"\U0010ffff", ""},
		{"", ""},
		{"a\xff", "b"},
		{"\xff\xff", ""},
		{"a\xfe", "a\xff"},
	}
	for _, tt := range tests {
		if got := PrefixUpperBound(tt.p); got != tt.want {
			t.Errorf("PrefixUpperBound(%q) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// Every string with prefix p sorts in [p, upper), every other string outside.
// For valid UTF-8 p the bound is the smallest valid UTF-8 string above the
// range, so it is only claimed for valid strings (tokens always are).
func TestPrefixUpperBoundRange(t *testing.T) {
	alphabet := []string{"", "a", "z", "{", "\x7f", "\u0080", "é", "张", "弡", "\ud7ff", "\ue000", "\U0010ffff", "\xff"}
	var strs []string
	for _, a := range alphabet {
		for _, b := range alphabet {
			for _, c := range alphabet {
				strs = append(strs, a+b+c)
			}
		}
	}
	for _, p := range strs {
		upper := PrefixUpperBound(p)
		for _, s := range strs {
			if utf8.ValidString(p) && !utf8.ValidString(s) {
				continue
			}
			in := s >= p && (upper == "" || s < upper)
			if in != strings.HasPrefix(s, p) {
				t.Fatalf("p=%q upper=%q s=%q: in range %v, HasPrefix %v", p, upper, s, in, !in)
			}
		}
	}
}
