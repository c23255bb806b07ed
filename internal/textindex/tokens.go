package textindex

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Token kinds, placed after the field prefix.
const (
	kindGram     = "g:"
	kindPinyin   = "p:"
	kindInitials = "i:"
)

// isWordRune reports whether r belongs to a word: letters, numbers and
// combining marks. Everything else (spaces, punctuation, symbols) separates
// words, and grams never span it.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	if r >= 0x4e00 && r <= 0x9fff { // CJK Unified Ideographs: all letters
		return true
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

type span struct{ lo, hi int }

// Tokens returns the distinct, sorted index tokens of value:
//
//   - prefix+"g:"+gram for every unigram and bigram of Normalize(value), over
//     letters, numbers and combining marks only; bigrams do not span
//     whitespace or punctuation ("Tom Hanks" has "to" and "ha", not "mh");
//   - when pinyin is true and value contains a Han character,
//     prefix+"p:"+full pinyin ("zhangsan") and prefix+"i:"+initials ("zs")
//     for each reading (normally one; disputed and compound surnames add an
//     alternate), each capped at MaxPinyinLen bytes. ASCII letters and digits
//     are kept in place: "Tony张" → "p:tonyzhang", "i:tz".
//
// prefix separates fields sharing one table ("" for the name, "c" for the
// company, so company grams are "cg:…"); it must not contain ':'.
// An empty or all-punctuation value yields no tokens (nil).
//
// All returned strings share one backing array; a typical call allocates
// twice.
func Tokens(prefix, value string, pinyin bool) []string {
	return tokensOf(prefix, Normalize(value), pinyin)
}

// tokensOf is Tokens over text already folded (Normalize or Fold).
func tokensOf(prefix, n string, pinyin bool) []string {
	if n == "" {
		return nil
	}
	runes := utf8.RuneCountInString(n)
	pl := len(prefix) + 2

	var t *pinyinTable
	var rs [maxReadings]reading
	nr := 0
	if pinyin {
		t = table()
		nr = t.readings(n, &rs)
	}

	// Size the buffer so that it never grows: unigrams and bigrams together
	// hold every rune at most three times.
	size := 2*runes*pl + 3*len(n)
	if nr > 0 {
		size += nr * (2*pl + min(6*runes, MaxPinyinLen) + min(runes, MaxPinyinLen))
	}
	buf := make([]byte, 0, size)
	spans := make([]span, 0, 32) // on the stack for names of up to 16 runes

	emit := func(kind, s string) {
		lo := len(buf)
		buf = append(buf, prefix...)
		buf = append(buf, kind...)
		buf = append(buf, s...)
		spans = append(spans, span{lo, len(buf)})
	}

	prev := -1 // byte offset of the previous rune if it was a word rune
	for i, r := range n {
		if !isWordRune(r) {
			prev = -1
			continue
		}
		j := i + utf8.RuneLen(r) // n is valid UTF-8
		emit(kindGram, n[i:j])
		if prev >= 0 {
			emit(kindGram, n[prev:j])
		}
		prev = i
	}

	for _, rd := range rs[:nr] {
		lo := len(buf)
		buf = append(buf, prefix...)
		buf = append(buf, kindPinyin...)
		buf = t.appendPinyin(buf, n, rd, false, MaxPinyinLen)
		spans = append(spans, span{lo, len(buf)})

		lo = len(buf)
		buf = append(buf, prefix...)
		buf = append(buf, kindInitials...)
		buf = t.appendPinyin(buf, n, rd, true, MaxPinyinLen)
		spans = append(spans, span{lo, len(buf)})
	}

	if len(spans) == 0 {
		return nil
	}
	// buf is never written again, so the tokens can alias it.
	s := unsafe.String(unsafe.SliceData(buf), len(buf))
	// Sort the spans rather than the strings: spans hold no pointers, so
	// the swaps need no GC write barriers.
	slices.SortFunc(spans, func(a, b span) int {
		return strings.Compare(s[a.lo:a.hi], s[b.lo:b.hi])
	})
	distinct := 1
	for k := 1; k < len(spans); k++ {
		if s[spans[k].lo:spans[k].hi] != s[spans[k-1].lo:spans[k-1].hi] {
			distinct++
		}
	}
	out := make([]string, 0, distinct)
	for k, sp := range spans {
		tok := s[sp.lo:sp.hi]
		if k == 0 || tok != out[len(out)-1] {
			out = append(out, tok)
		}
	}
	return out
}

// FragmentGrams returns the gram tokens to look up (AND) for a contains-search
// of fragment q, after Normalize:
//
//   - one word of 1 rune: its unigram, recheck false;
//   - one word of 2 runes: the bigram, recheck false;
//   - one word of 3+ runes: all its bigrams, deduplicated, recheck true;
//   - several words (q spans whitespace or punctuation): the grams of every
//     word part as above, recheck true; unigrams of 1-rune parts are left out
//     when another part yields a bigram (the recheck covers them).
//
// When recheck is true the gram AND over-approximates and the caller must
// confirm candidates with ContainsFragment. A q without letters or digits
// yields nil. The grams are sorted.
func FragmentGrams(prefix, q string) (grams []string, recheck bool) {
	return fragmentGramsOf(prefix, Normalize(q))
}

// fragmentGramsOf is FragmentGrams over a query already folded.
func fragmentGramsOf(prefix, n string) (grams []string, recheck bool) {
	type word struct{ lo, hi, runes int }
	var words []word
	start, cnt := -1, 0
	for i, r := range n {
		if isWordRune(r) {
			if start < 0 {
				start, cnt = i, 0
			}
			cnt++
			continue
		}
		if start >= 0 {
			words = append(words, word{start, i, cnt})
			start = -1
		}
	}
	if start >= 0 {
		words = append(words, word{start, len(n), cnt})
	}
	if len(words) == 0 {
		return nil, false
	}

	hasBigram := false
	for _, w := range words {
		if w.runes >= 2 {
			hasBigram = true
		}
		if w.runes >= 3 {
			recheck = true
		}
	}
	if len(words) > 1 || words[0].hi-words[0].lo != len(n) {
		recheck = true
	}

	gram := func(s string) string { return prefix + kindGram + s }
	for _, w := range words {
		s := n[w.lo:w.hi]
		if w.runes == 1 {
			if !hasBigram {
				grams = append(grams, gram(s))
			}
			continue
		}
		prev := -1
		for i, r := range s {
			j := i + utf8.RuneLen(r)
			if prev >= 0 {
				grams = append(grams, gram(s[prev:j]))
			}
			prev = i
		}
	}
	slices.Sort(grams)
	return slices.Compact(grams), recheck
}

// ContainsFragment is the recheck for FragmentGrams: it reports whether
// Normalize(value) contains Normalize(q). An empty normalized q matches
// nothing.
func ContainsFragment(value, q string) bool {
	nq := Normalize(q)
	return nq != "" && strings.Contains(Normalize(value), nq)
}

// PinyinPrefixes returns the token prefixes to range-scan for a pinyin search
// of q: [prefix+"p:"+q, prefix+"i:"+q], where q is normalized (so full-width
// and upper-case letters are accepted) and spaces are dropped. It returns nil
// unless q is then a non-empty string of ASCII letters. q is cut to
// MaxPinyinLen bytes like the tokens are, so only queries longer than that
// over-approximate (MatchesPinyin is exact).
//
// Scan each prefix p with gram >= p AND gram < PrefixUpperBound(p).
func PinyinPrefixes(prefix, q string) []string {
	nq, ok := pinyinQuery(q)
	if !ok {
		return nil
	}
	if len(nq) > MaxPinyinLen {
		nq = nq[:MaxPinyinLen]
	}
	return []string{prefix + kindPinyin + nq, prefix + kindInitials + nq}
}

// PrefixUpperBound returns the smallest string greater than every string
// having p as prefix, for `gram >= p AND gram < upper` on a column compared
// bytewise (C / binary collation; for UTF-8 that is code point order).
//
// For valid UTF-8 p the result is valid UTF-8 too: the last code point is
// incremented (skipping surrogates), dropping trailing U+10FFFF, so it is the
// smallest valid string above the prefix range. For other p the last byte
// below 0xFF is incremented. It returns "" when no upper bound exists (p is
// empty or consists only of U+10FFFF / 0xFF); the caller must then omit the
// upper bound.
func PrefixUpperBound(p string) string {
	if utf8.ValidString(p) {
		for len(p) > 0 {
			r, size := utf8.DecodeLastRuneInString(p)
			p = p[:len(p)-size]
			switch {
			case r == unicode.MaxRune:
				continue
			case r == 0xd7ff: // skip the surrogate block
				r = 0xe000
			default:
				r++
			}
			return string(utf8.AppendRune([]byte(p), r))
		}
		return ""
	}
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != 0xff {
			b := []byte(p[:i+1])
			b[i]++
			return string(b)
		}
	}
	return ""
}
