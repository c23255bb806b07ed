package textindex

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold is the light folding for free text whose contains-search is a plain
// case-insensitive substring match (the remark): invalid UTF-8 becomes
// U+FFFD and every rune is lower-cased on its own (Unicode simple case
// mapping), nothing else — no NFKC, no whitespace collapsing. Because it
// maps rune by rune, a substring of s folds to a substring of Fold(s), so
// the grams of a folded query are always among the grams of the folded
// value when the value contains the query in any ASCII (or Unicode) case:
// an index built with FoldTokens never misses what LIKE/ILIKE would match.
func Fold(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	for _, r := range s {
		if unicode.ToLower(r) != r {
			return strings.Map(unicode.ToLower, s)
		}
	}
	return s
}

// FoldTokens returns the distinct, sorted unigram and bigram tokens
// (prefix+"g:"+gram) of Fold(value), as Tokens does for Normalize(value);
// no pinyin.
func FoldTokens(prefix, value string) []string {
	return tokensOf(prefix, Fold(value), false)
}

// FoldFragmentGrams is FragmentGrams for values indexed with FoldTokens: the
// grams of Fold(q) to intersect, and whether candidates need a recheck.
func FoldFragmentGrams(prefix, q string) (grams []string, recheck bool) {
	return fragmentGramsOf(prefix, Fold(q))
}
