package textindex

import (
	"strings"
	"sync"
	"unicode/utf8"

	gopinyin "github.com/mozillazg/go-pinyin"
)

// MaxPinyinLen caps the length in bytes of the pinyin part of a "p:" or "i:"
// token, keeping B-tree keys small even for very long company names.
const MaxPinyinLen = 128

// pinyinTable maps a rune to the index of its toneless first reading.
type pinyinTable struct {
	syllables []string // index 0 is "" (no reading)
	dense     []uint16 // runes denseLo..denseHi-1
	sparse    map[rune]uint16
	// surnames merges singleSurnames, disputedSurnames and the first
	// characters of compoundSurnames, so that the common case (no special
	// surname) costs one map miss.
	surnames map[rune]surnameInfo
}

type surnameInfo struct {
	single   string // override reading, "" if none
	alt      string // disputed alternate reading, "" if none
	compound bool   // first character of some compound surname
}

const denseLo, denseHi = 0x3400, 0xa000 // CJK Ext A + Unified Ideographs

var table = sync.OnceValue(buildTable)

func buildTable() *pinyinTable {
	t := &pinyinTable{
		syllables: []string{""},
		dense:     make([]uint16, denseHi-denseLo),
		sparse:    make(map[rune]uint16),
	}
	index := make(map[string]uint16, 512)
	var buf []byte
	for k, v := range gopinyin.PinyinDict {
		first, _, _ := strings.Cut(v, ",")
		buf = appendToneless(buf[:0], first)
		if len(buf) == 0 {
			continue
		}
		id, ok := index[string(buf)]
		if !ok {
			id = uint16(len(t.syllables))
			t.syllables = append(t.syllables, string(buf))
			index[string(buf)] = id
		}
		if r := rune(k); r >= denseLo && r < denseHi {
			t.dense[r-denseLo] = id
		} else {
			t.sparse[r] = id
		}
	}
	t.surnames = make(map[rune]surnameInfo, len(singleSurnames)+len(compoundSurnames))
	for r, v := range singleSurnames {
		si := t.surnames[r]
		si.single = v
		t.surnames[r] = si
	}
	for r, v := range disputedSurnames {
		si := t.surnames[r]
		si.alt = v
		t.surnames[r] = si
	}
	for k := range compoundSurnames {
		si := t.surnames[k[0]]
		si.compound = true
		t.surnames[k[0]] = si
	}
	return t
}

// appendToneless appends the toneless ASCII spelling of a toned pinyin
// syllable, the same result go-pinyin's Normal style gives (ü → v).
func appendToneless(dst []byte, syl string) []byte {
	for _, r := range syl {
		if r < utf8.RuneSelf {
			dst = append(dst, byte(r))
			continue
		}
		switch r {
		case 'ā', 'á', 'ǎ', 'à':
			dst = append(dst, 'a')
		case 'ē', 'é', 'ě', 'è', 'ê', 'ế', 'ề':
			dst = append(dst, 'e')
		case 'ī', 'í', 'ǐ', 'ì':
			dst = append(dst, 'i')
		case 'ō', 'ó', 'ǒ', 'ò':
			dst = append(dst, 'o')
		case 'ū', 'ú', 'ǔ', 'ù':
			dst = append(dst, 'u')
		case 'ü', 'ǖ', 'ǘ', 'ǚ', 'ǜ':
			dst = append(dst, 'v')
		case 'ń', 'ň', 'ǹ':
			dst = append(dst, 'n')
		case 'ḿ':
			dst = append(dst, 'm')
		}
		// anything else (combining tone marks) is dropped
	}
	return dst
}

// syllable returns the default toneless reading of r, or "" when r has none.
func (t *pinyinTable) syllable(r rune) string {
	if r >= denseLo && r < denseHi {
		return t.syllables[t.dense[r-denseLo]]
	}
	if r < 0x3000 {
		return ""
	}
	return t.syllables[t.sparse[r]]
}

// reading is one way to read a value: the syllables of its first k runes
// (the surname) are given explicitly, the rest use the default readings.
type reading struct {
	head [2]string
	k    int
}

// maxReadings bounds the readings of one value: the primary one, a compound
// surname read as a single surname, and a disputed single-surname alternate.
const maxReadings = 3

// hasHan reports whether normalized n contains a character with a reading.
func (t *pinyinTable) hasHan(n string) bool {
	for _, r := range n {
		if r >= 0x3000 && t.syllable(r) != "" {
			return true
		}
	}
	return false
}

// readings stores the readings of normalized n in out, primary first, and
// returns their number: 0 when n contains no Han character.
func (t *pinyinTable) readings(n string, out *[maxReadings]reading) int {
	if !t.hasHan(n) {
		return 0
	}
	r0, size := utf8.DecodeRuneInString(n)
	syl0 := t.syllable(r0)
	if syl0 == "" { // not a Han character in the surname position
		out[0] = reading{}
		return 1
	}
	si, special := t.surnames[r0]
	single := syl0
	if si.single != "" {
		single = si.single
	}
	out[0] = reading{head: [2]string{single}, k: 1}
	if !special {
		return 1
	}
	cnt := 1
	if si.compound {
		r1, _ := utf8.DecodeRuneInString(n[size:]) // RuneError when absent
		if c, ok := compoundSurnames[[2]rune{r0, r1}]; ok {
			out[0] = reading{head: c, k: 2}
			// Keep the "single surname + given name" parse when the first
			// character is a surname of its own and that parse reads
			// differently (单于 chanyu / shanyu, 长孙 zhangsun / changsun).
			if si.single != "" && (single != c[0] || t.syllable(r1) != c[1]) {
				out[cnt] = reading{head: [2]string{single}, k: 1}
				cnt++
			}
		}
	}
	if si.alt != "" && si.alt != single {
		out[cnt] = reading{head: [2]string{si.alt}, k: 1}
		cnt++
	}
	return cnt
}

// appendPinyin appends the pinyin of normalized n under rd to dst: the full
// joined syllables, or only the initials. Han characters contribute their
// syllable (initials: its first letter), ASCII letters/digits are kept in
// place (initials: the first character of each run), everything else is
// dropped. At most limit bytes are appended.
func (t *pinyinTable) appendPinyin(dst []byte, n string, rd reading, initials bool, limit int) []byte {
	limit += len(dst)
	inRun := false // previous rune was an ASCII letter/digit
	idx := 0
	for _, r := range n {
		var syl string
		switch {
		case idx < rd.k:
			syl = rd.head[idx]
		case r < utf8.RuneSelf:
			c := byte(r)
			if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
				if !initials || !inRun {
					dst = append(dst, c)
				}
				inRun = true
			} else {
				inRun = false
			}
		default:
			syl = t.syllable(r)
			inRun = false
		}
		idx++
		if syl != "" {
			inRun = false
			if initials {
				dst = append(dst, syl[0])
			} else {
				dst = append(dst, syl...)
			}
		}
		if len(dst) >= limit {
			return dst[:limit]
		}
	}
	return dst
}

// Pinyin returns the full pinyin (syllables joined, no separators, no tones)
// and the initials of value, using the surname table for the first Han
// character(s) when value starts with one. ASCII letters and digits are kept
// in place ("Tony张" → "tonyzhang", "tz"); other characters are dropped.
// Both results are "" when value contains no Han character. Only the primary
// reading is returned (see the package documentation for alternates), and the
// results are not capped at MaxPinyinLen.
func Pinyin(value string) (full, initials string) {
	n := Normalize(value)
	t := table()
	var rs [maxReadings]reading
	if t.readings(n, &rs) == 0 {
		return "", ""
	}
	return string(t.appendPinyin(nil, n, rs[0], false, len(n)*6)),
		string(t.appendPinyin(nil, n, rs[0], true, len(n)))
}

// pinyinQuery normalizes a pinyin query: Normalize, spaces dropped, and
// reports whether what is left is a non-empty run of ASCII letters.
func pinyinQuery(q string) (string, bool) {
	n := Normalize(q)
	if strings.IndexByte(n, ' ') >= 0 {
		n = strings.ReplaceAll(n, " ", "")
	}
	if n == "" {
		return "", false
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; c < 'a' || c > 'z' {
			return "", false
		}
	}
	return n, true
}

// MatchesPinyin reports whether value's pinyin (as Tokens computes it, any
// of its readings) starts with q, or its initials start with q. q is
// normalized like PinyinPrefixes does; a q that is not ASCII letters (spaces
// ignored), or is empty, matches nothing, as does a value without Han
// characters. This is the in-memory twin of range-scanning the
// PinyinPrefixes(q) over the Tokens(value, true) of an index.
func MatchesPinyin(value, q string) bool {
	nq, ok := pinyinQuery(q)
	if !ok {
		return false
	}
	n := Normalize(value)
	t := table()
	var rs [maxReadings]reading
	cnt := t.readings(n, &rs)
	var buf [64]byte
	for _, rd := range rs[:cnt] {
		// A prefix of length len(nq) needs only len(nq) bytes of pinyin.
		if hasPrefix(t.appendPinyin(buf[:0], n, rd, false, len(nq)), nq) ||
			hasPrefix(t.appendPinyin(buf[:0], n, rd, true, len(nq)), nq) {
			return true
		}
	}
	return false
}

// hasPrefix is strings.HasPrefix for a byte slice, without allocating.
func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}
