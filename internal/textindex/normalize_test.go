package textindex

import (
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only spaces", " \t\n ", ""},
		{"ascii lower unchanged", "tom hanks", "tom hanks"},
		{"ascii upper", "Tom HANKS", "tom hanks"},
		{"trim and collapse", "  Tom \t\n  Hanks  ", "tom hanks"},
		{"chinese unchanged", "张三", "张三"},
		{"full-width latin and digits", "ＡＢＣ１２３", "abc123"},
		{"full-width lower", "ｔｏｍ", "tom"},
		{"ideographic space", "张\u3000三", "张 三"},
		{"nbsp", "Tom\u00a0Hanks", "tom hanks"},
		{"full-width punctuation", "张三（北京）", "张三(北京)"},
		{"half-width katakana", "ｶﾀｶﾅ", "カタカナ"},
		{"compatibility ideograph", "\uf900", "\u8c48"},
		{"zero-width space dropped", "张\u200b三", "张三"},
		{"bom dropped", "\ufeffTom", "tom"},
		{"soft hyphen dropped", "Han\u00adks", "hanks"},
		{"control dropped", "a\x00b\x1bc", "abc"},
		{"decomposed accent composed", "Jose\u0301", "josé"},
		{"accent upper", "JOSÉ", "josé"},
		{"greek", "ΣΩ", "σω"},
		{"cyrillic", "Иван", "иван"},
		{"squared unit to lower", "㎅", "kb"},
		{"roman numeral", "Ⅻ", "xii"},
		{"circled digit", "①", "1"},
		{"ligature", "ﬁ", "fi"},
		{"invalid utf8", "a\xffb", "a\ufffdb"},
		{"mixed", "  Tony　张 ", "tony 张"},
		{"tabs between chinese", "欧阳\t娜娜", "欧阳 娜娜"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Normalize(got); again != got {
				t.Errorf("Normalize not idempotent: %q → %q → %q", tt.in, got, again)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Normalize(%q) = %q is not valid UTF-8", tt.in, got)
			}
		})
	}
}

func TestNormalizeNoAllocWhenNormal(t *testing.T) {
	for _, s := range []string{"张三", "欧阳娜娜", "tom hanks", "tony 张", "josé"} {
		if n := testing.AllocsPerRun(100, func() { _ = Normalize(s) }); n != 0 {
			t.Errorf("Normalize(%q): %v allocs, want 0", s, n)
		}
	}
}
