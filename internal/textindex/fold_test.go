package textindex

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// Whatever a case-insensitive substring match finds, the fold grams find:
// for random values and random substrings of them (in random ASCII case),
// every gram of the query is a token of the value.
func TestFoldGramsNeverMiss(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "B", "c", "张", "三", " ", "-", "é", "É", "Ａ", "\u0301", "😀", "\xff", "1", "_", "%", "İ", "ß"}
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for k := r.IntN(12); k >= 0; k-- {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		v := b.String()
		lo := r.IntN(len(v) + 1)
		hi := lo + r.IntN(len(v)-lo+1)
		q := []byte(v[lo:hi])
		for j := range q {
			if r.IntN(2) == 0 && q[j] >= 'a' && q[j] <= 'z' {
				q[j] -= 'a' - 'A'
			}
		}
		grams, _ := FoldFragmentGrams("r", string(q))
		toks := map[string]bool{}
		for _, tok := range FoldTokens("r", v) {
			toks[tok] = true
		}
		for _, g := range grams {
			if !toks[g] {
				t.Fatalf("value %q, query %q: gram %q not among %v", v, q, g, FoldTokens("r", v))
			}
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{"AbC": "abc", "张三": "张三", "ÉCOLE": "école", "a\xffb": "a\uFFFDb", "Ａ": "ａ"} {
		if got := Fold(in); got != want || !utf8.ValidString(got) {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
