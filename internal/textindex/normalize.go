package textindex

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize folds s for matching: format and control characters are dropped
// (zero-width space, BOM, soft hyphen, NUL …), the text is NFKC-folded
// (full-width ＡＢＣ１２３ → abc123), lower-cased (Unicode simple case
// mapping), and whitespace is trimmed and collapsed to single ASCII spaces.
// Invalid UTF-8 bytes become U+FFFD, so the result is always valid UTF-8.
//
// Normalize is idempotent. It does not allocate when s is already normalized,
// which is the common case for Chinese names and for lower-case ASCII.
func Normalize(s string) string {
	// Each step can in rare cases undo another one (NFKC can produce upper
	// case or spaces, e.g. "㎅" → "KB"; lower-casing can produce a
	// non-NFKC sequence), so iterate to a fixed point. In practice the loop
	// runs once for already-normalized input and twice otherwise.
	for range 4 {
		changed := false
		needs, simple := needsFold(s)
		if needs {
			s = fold(s)
			changed = true
			_, simple = needsFold(s)
		}
		// ASCII and CJK ideographs are NFKC-stable, so a string of only
		// those needs no check. QuickSpanString does not allocate
		// (IsNormalString does) and settles almost every other input.
		if !simple && norm.NFKC.QuickSpanString(s) != len(s) && !norm.NFKC.IsNormalString(s) {
			s = norm.NFKC.String(s)
			changed = true
		}
		if !changed {
			break
		}
	}
	return s
}

// dropRune reports whether r is removed by fold: invisible format characters
// and control characters that are not whitespace.
func dropRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f // whitespace controls are handled first
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r)
}

// needsFold reports whether fold would change s, and whether s is "simple":
// made only of ASCII and of CJK ideographs U+3400..U+9FFF, none of which
// have a decomposition or combine with a neighbour, so that s is NFKC-normal.
// simple is only meaningful when needs is false.
func needsFold(s string) (needs, simple bool) {
	simple = true
	prevSpace := true // a leading space must be trimmed
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == ' ':
				if prevSpace {
					return true, simple
				}
				prevSpace = true
				continue
			case 'A' <= c && c <= 'Z', c < 0x20, c == 0x7f:
				return true, simple
			}
			prevSpace = false
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		prevSpace = false
		if r >= 0x3400 && r <= 0x9fff { // CJK: never space, format or cased
			continue
		}
		if r >= 0xff01 && r <= 0xff5e { // full-width ASCII: fold maps it
			return true, false
		}
		simple = false
		if r == utf8.RuneError && size == 1 ||
			unicode.IsSpace(r) || dropRune(r) || unicode.ToLower(r) != r {
			return true, false
		}
	}
	if prevSpace && len(s) > 0 { // trailing space
		return true, simple
	}
	return false, simple
}

// fold drops format/control characters, lower-cases, maps invalid bytes to
// U+FFFD and trims and collapses whitespace.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range s { // invalid bytes arrive as utf8.RuneError
		if unicode.IsSpace(r) {
			pendingSpace = true
			continue
		}
		if dropRune(r) {
			continue
		}
		if pendingSpace {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			pendingSpace = false
		}
		if r >= 0xff01 && r <= 0xff5e {
			// Full-width ASCII, common in Chinese data: its NFKC form is
			// plain ASCII, so map it here and spare the NFKC pass.
			r -= 0xff01 - '!'
		}
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// NormalizeFragment is Normalize for a search fragment (contains,
// startsWith, endsWith), with one difference: a fragment made only of
// whitespace (space, tab, U+3000 …, with or without invisible characters)
// stays one space instead of becoming "" — it then finds the values with
// whitespace inside them, as it does in the remark, rather than every value.
func NormalizeFragment(q string) string {
	n := Normalize(q)
	if n == "" && strings.IndexFunc(q, unicode.IsSpace) >= 0 {
		return " "
	}
	return n
}
