package ui

import (
	"strings"
	"unicode"

	"github.com/kehu/kehu/internal/cond"
)

// searchNode turns what a user typed into the one search box into a
// condition of the query language, so it runs on the engine's indexes like
// any API filter: a name or company fragment (one Chinese character is
// enough; customer_grams), a pinyin prefix for Latin letters (zs → 张三),
// the last digits of a phone number written in any form (138 0013 8000,
// +86-138…; the phone suffix index), an email.
func searchNode(q string) *cond.Node {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	leaf := func(field string, op cond.Op, v string) *cond.Node {
		return &cond.Node{Leaf: &cond.Cond{Field: field, Op: op, Values: []any{v}, Pos: "q"}}
	}
	if strings.Contains(q, "@") {
		return &cond.Node{Or: []*cond.Node{leaf("email", cond.OpEq, strings.ToLower(q)), leaf("name", cond.OpContains, q)}}
	}
	if d, ok := phoneDigits(q); ok {
		if len(d) > 11 && strings.HasPrefix(d, "86") {
			d = d[2:] // +86 138…: stored as E.164, the national number is its tail
		}
		return leaf("phone", cond.OpEndsWith, d)
	}
	ors := []*cond.Node{leaf("name", cond.OpContains, q), leaf("company", cond.OpContains, q)}
	if isLatin(q) {
		ors = append(ors, leaf("pinyin", cond.OpStartsWith, strings.ToLower(q)))
	}
	return &cond.Node{Or: ors}
}

// phoneDigits reports whether s is a phone number or part of one: at
// least three digits, nothing else but spaces, dashes, dots, parentheses
// and a leading +.
func phoneDigits(s string) (string, bool) {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '(', r == ')', r == '\u3000':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() >= 3
}

func isLatin(s string) bool {
	for _, r := range s {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || r == ' ')) {
			return false
		}
	}
	return true
}
