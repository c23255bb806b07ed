package textindex

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var (
	propSurnames = []string{"张", "王", "李", "赵", "陈", "刘", "杨", "黄", "周", "吴", "单", "曾", "解", "查", "朴", "乐", "长",
		"尉", "黑", "翟", "欧阳", "司马", "诸葛", "尉迟", "单于", "长孙", "万俟", "澹台", "單", "區", "樂"}
	propGiven = []rune("三丰伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅国建文辉力鹏宇浩然子轩一诺欣怡梓涵" +
		"乐长行重单曾解查朴区仇覃盖缪召种秘繁员句翟祭万柏薄石黑能宓洗莘台藏应于迟阳")
	propLatin = []string{"tom", "Hanks", "TONY", "lee", "Anna", "o'neil", "Jean-Luc", "MARY", "ann", "an", "n", "José", "Zoë"}
	propNoise = []string{" ", "  ", "\u3000", "\u200b", "·", "-", "(", ")", ",", "ＡＢ", "１２", "\t"}
)

func randomName(rng *rand.Rand) string {
	var b strings.Builder
	switch rng.IntN(4) {
	case 0, 1: // Chinese
		b.WriteString(propSurnames[rng.IntN(len(propSurnames))])
		for range 1 + rng.IntN(3) {
			b.WriteRune(propGiven[rng.IntN(len(propGiven))])
		}
	case 2: // Latin
		for i := range 1 + rng.IntN(3) {
			if i > 0 {
				b.WriteString([]string{" ", "  ", "\u3000", "-", ". "}[rng.IntN(5)])
			}
			b.WriteString(propLatin[rng.IntN(len(propLatin))])
		}
	default: // mixed
		if rng.IntN(2) == 0 {
			b.WriteString(propLatin[rng.IntN(len(propLatin))])
		}
		b.WriteString(propSurnames[rng.IntN(len(propSurnames))])
		b.WriteRune(propGiven[rng.IntN(len(propGiven))])
		if rng.IntN(2) == 0 {
			b.WriteString(propNoise[rng.IntN(len(propNoise))])
			b.WriteString(propLatin[rng.IntN(len(propLatin))])
		}
	}
	s := []rune(b.String())
	if rng.IntN(3) == 0 { // noise somewhere
		i := rng.IntN(len(s) + 1)
		s = slices.Insert(s, i, []rune(propNoise[rng.IntN(len(propNoise))])...)
	}
	return string(s)
}

// randomFragment takes a rune substring of s and maybe disguises it (case,
// full width, surrounding spaces), as a user typing a search would.
func randomFragment(rng *rand.Rand, s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	i := rng.IntN(len(r))
	j := i + 1 + rng.IntN(min(len(r)-i, 5))
	f := r[i:j]
	switch rng.IntN(4) {
	case 0:
		return strings.ToUpper(string(f))
	case 1: // ASCII → full width
		out := make([]rune, len(f))
		for k, c := range f {
			if c > ' ' && c < 0x7f {
				c += 0xff01 - '!'
			}
			out[k] = c
		}
		return string(out)
	case 2:
		return " " + string(f) + " "
	}
	return string(f)
}

func gramsIn(grams, tokens []string) bool {
	for _, g := range grams {
		if _, ok := slices.BinarySearch(tokens, g); !ok {
			return false
		}
	}
	return true
}

// The index never misses: for every fragment of a name, all grams
// FragmentGrams asks for are among the name's tokens. And when FragmentGrams
// says no recheck is needed, the gram lookup is exact.
func TestPropertyFragmentsNeverMiss(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := make([]string, 2000)
	for i := range names {
		names[i] = randomName(rng)
	}
	checked, exact := 0, 0
	for _, name := range names {
		toks := Tokens("", name, true)
		for range 10 {
			// A fragment of the name itself, raw or normalized.
			src := name
			if rng.IntN(2) == 0 {
				src = Normalize(name)
			}
			f := randomFragment(rng, src)
			grams, _ := FragmentGrams("", f)
			if ContainsFragment(name, f) {
				checked++
				if grams != nil && !gramsIn(grams, toks) {
					t.Fatalf("name %q fragment %q: grams %q not all in tokens %q", name, f, grams, toks)
				}
			}
			// A fragment of some other name: exactness without recheck.
			g := randomFragment(rng, names[rng.IntN(len(names))])
			grams, recheck := FragmentGrams("", g)
			if grams != nil && !recheck {
				exact++
				if got, want := gramsIn(grams, toks), ContainsFragment(name, g); got != want {
					t.Fatalf("name %q fragment %q (no recheck): grams match %v, contains %v", name, g, got, want)
				}
			}
		}
	}
	if checked < 10000 || exact < 5000 {
		t.Fatalf("too few cases: %d containment, %d exactness", checked, exact)
	}
}

// MatchesPinyin and the range scan over the tokens agree, and every prefix of
// a name's pinyin or initials finds it.
func TestPropertyPinyin(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	letters := "zhangsiyuchewbdlmt"
	cases := 0
	for range 3000 {
		name := randomName(rng)
		toks := Tokens("", name, true)
		full, ini := Pinyin(name)
		var qs []string
		if full != "" {
			qs = append(qs, full[:1+rng.IntN(len(full))], ini[:1+rng.IntN(len(ini))], full)
		}
		for range 3 {
			q := make([]byte, 1+rng.IntN(4))
			for k := range q {
				q[k] = letters[rng.IntN(len(letters))]
			}
			qs = append(qs, string(q))
		}
		for k, q := range qs {
			m := MatchesPinyin(name, q)
			if s := scanPinyin(toks, PinyinPrefixes("", q)); s != m {
				t.Fatalf("name %q q %q: MatchesPinyin %v, range scan %v (tokens %q)", name, q, m, s, toks)
			}
			if full != "" && k < 3 && !isASCIIDigitIn(q) && !m {
				t.Fatalf("name %q: own pinyin prefix %q does not match", name, q)
			}
			cases++
		}
	}
	if cases < 10000 {
		t.Fatalf("only %d cases", cases)
	}
}

func isASCIIDigitIn(s string) bool { return strings.ContainsAny(s, "0123456789") }

func TestPropertyNormalizeIdempotent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		s := randomName(rng)
		n := Normalize(s)
		if Normalize(n) != n || !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q not stable", s, n)
		}
		if !slices.Equal(Tokens("", s, true), Tokens("", n, true)) {
			t.Fatalf("Tokens differ for %q and its normalized form %q", s, n)
		}
	}
}
