package textindex

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTokens checks that tokenizing never panics, that the result is sorted
// and distinct, and that no substring of the value can be missed by the gram
// index: for every substring f with ContainsFragment(value, f), every gram of
// FragmentGrams(f) is among Tokens(value).
func FuzzTokens(f *testing.F) {
	for _, seed := range []string{
		"张三", "Tom Hanks", "ＡＢＣ１２３", "Tony张", "单田芳", "尉迟恭", "单于洋",
		"  O'Brien,  Pat ", "", "!!!", "张\u200b三", "Jose\u0301", "㎅ ﬁ Ⅻ", "a\xffb",
		"北京字节跳动科技有限公司", "米·乐", "\uf900\u3000\u0301e",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		n := Normalize(value)
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent: %q → %q → %q", value, n, Normalize(n))
		}
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q invalid UTF-8", value, n)
		}
		toks := Tokens("x", value, true)
		checkTokens(t, "x", value, toks)
		plain := Tokens("x", value, false)
		checkTokens(t, "x", value, plain)
		if !gramsIn(plain, toks) {
			t.Fatalf("Tokens(%q) without pinyin %q not a subset of with pinyin %q", value, plain, toks)
		}

		// Substrings of the raw and of the normalized value, bounded so
		// that long inputs stay fast.
		for _, src := range []string{value, n} {
			idx := runeStarts(src)
			if len(idx) > 33 {
				idx = idx[:33]
			}
			for i := 0; i < len(idx); i++ {
				for j := i + 1; j < len(idx) && j <= i+6; j++ {
					frag := src[idx[i]:idx[j]]
					grams, _ := FragmentGrams("x", frag)
					// ContainsFragment(value, frag), with n computed once.
					nf := Normalize(frag)
					if nf != "" && strings.Contains(n, nf) && !gramsIn(grams, toks) {
						t.Fatalf("value %q fragment %q: grams %q not in tokens %q", value, frag, grams, toks)
					}
				}
			}
		}

		full, ini := Pinyin(value)
		if full != "" {
			for _, q := range []string{full[:1], ini, full[:min(len(full), MaxPinyinLen)]} {
				if _, ok := pinyinQuery(q); !ok {
					continue // digits in the pinyin
				}
				if !MatchesPinyin(value, q) || !scanPinyin(toks, PinyinPrefixes("x", q)) {
					t.Fatalf("value %q: own pinyin prefix %q does not match (tokens %q)", value, q, toks)
				}
			}
		}
	})
}

// runeStarts returns the byte offsets of the rune starts of s, plus len(s).
func runeStarts(s string) []int {
	idx := make([]int, 0, len(s)+1)
	for i := range s {
		idx = append(idx, i)
	}
	return append(idx, len(s))
}
