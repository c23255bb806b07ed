package cond

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// ParseString parses the compact string form used by GET /v1/customers?filter=…:
//
//	name ~ "张" && status = 1 && (tags ?= "vip" || createdAt >= "2025-01-01")
//
// Grammar (whitespace, including Unicode spaces, is allowed between tokens):
//
//	expr    := and ("||" and)*
//	and     := unary ("&&" unary)*
//	unary   := "!" unary | "(" expr ")" | cond
//	cond    := field op [operand]
//	field   := ident | digits | "`" chars "`"
//	op      := "=" | "!=" | ">" | ">=" | "<" | "<=" | "~" | "!~" | "^=" | "$="
//	         | "?=" | "?&" | "?!" | any name of Ops, case-insensitive
//	operand := value | "(" value ("," value)* ")" | "[" value ("," value)* "]"
//	value   := "…" | '…' | number | true | false | null
//
// "!" binds tighter than "&&", which binds tighter than "||". A chain a && b && c
// becomes one And node; parentheses always keep their own node, so
// (a && b) && c is And[And[a, b], c]. Strings and backtick-quoted field names
// take the escapes \" \' \` \\ \/ \b \f \n \r \t \uXXXX (surrogate pairs for
// characters beyond U+FFFF); raw characters, NUL and newlines included, stand
// for themselves. Numbers follow JSON's grammar with an optional leading "+"
// and come back as json.Number. Every failure is a *SyntaxError whose Pos is
// "offset N", N a byte offset into s. Zero fields of lim take DefaultLimits'
// value.
func ParseString(s string, lim Limits) (*Node, error) {
	lim = lim.effective()
	if len(s) > lim.MaxFilterSize {
		return nil, errAt(offsetPos(lim.MaxFilterSize), "filter too long: the limit is %d bytes", lim.MaxFilterSize)
	}
	if !utf8.ValidString(s) {
		i := 0
		for i < len(s) {
			r, w := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && w == 1 {
				break
			}
			i += w
		}
		return nil, errAt(offsetPos(i), "invalid UTF-8")
	}
	p := &strParser{s: s, lim: lim}
	n, _, err := p.or(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(s) {
		return nil, p.trailing()
	}
	return n, nil
}

func offsetPos(n int) string { return "offset " + strconv.Itoa(n) }

type strParser struct {
	s     string
	pos   int
	lim   Limits
	conds int
}

func (p *strParser) errf(at int, format string, args ...any) *SyntaxError {
	return errAt(offsetPos(at), format, args...)
}

func (p *strParser) skipSpace() {
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c < utf8.RuneSelf {
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
				p.pos++
				continue
			}
			return
		}
		r, w := utf8.DecodeRuneInString(p.s[p.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		p.pos += w
	}
}

// accept skips spaces and consumes tok if it comes next.
func (p *strParser) accept(tok string) bool {
	p.skipSpace()
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

// or parses expr; nest counts the "(" and "!" around it. It returns the node
// and its height (0 for a leaf).
func (p *strParser) or(nest int) (*Node, int, error) {
	p.skipSpace()
	start := p.pos
	n, h, err := p.and(nest)
	if err != nil || !p.accept("||") {
		return n, h, err
	}
	kids := []*Node{n}
	for {
		k, kh, err := p.and(nest)
		if err != nil {
			return nil, 0, err
		}
		kids = append(kids, k)
		h = max(h, kh)
		if !p.accept("||") {
			break
		}
	}
	if h+1 > p.lim.MaxDepth {
		return nil, 0, errDepth(offsetPos(start), p.lim)
	}
	return &Node{Or: kids}, h + 1, nil
}

func (p *strParser) and(nest int) (*Node, int, error) {
	p.skipSpace()
	start := p.pos
	n, h, err := p.unary(nest, false)
	if err != nil || !p.accept("&&") {
		return n, h, err
	}
	kids := []*Node{n}
	for {
		k, kh, err := p.unary(nest, false)
		if err != nil {
			return nil, 0, err
		}
		kids = append(kids, k)
		h = max(h, kh)
		if !p.accept("&&") {
			break
		}
	}
	if h+1 > p.lim.MaxDepth {
		return nil, 0, errDepth(offsetPos(start), p.lim)
	}
	return &Node{And: kids}, h + 1, nil
}

// unary parses "!" unary | "(" expr ")" | cond. Every "!" and every "(" adds
// a level of nesting, except a "(" right after "!" (so !(a && b) is as deep
// as the tree it builds); the nesting may not exceed MaxDepth, which bounds
// the recursion even for redundant parentheses.
func (p *strParser) unary(nest int, afterNot bool) (*Node, int, error) {
	p.skipSpace()
	start := p.pos
	if start >= len(p.s) {
		return nil, 0, p.errf(start, "expected a condition, got end of input")
	}
	switch p.s[start] {
	case '!':
		nest++
		if nest > p.lim.MaxDepth {
			return nil, 0, errDepth(offsetPos(start), p.lim)
		}
		p.pos++
		n, h, err := p.unary(nest, true)
		if err != nil {
			return nil, 0, err
		}
		if h+1 > p.lim.MaxDepth {
			return nil, 0, errDepth(offsetPos(start), p.lim)
		}
		return &Node{Not: n}, h + 1, nil
	case '(':
		if !afterNot {
			nest++
			if nest > p.lim.MaxDepth {
				return nil, 0, errDepth(offsetPos(start), p.lim)
			}
		}
		p.pos++
		n, h, err := p.or(nest)
		if err != nil {
			return nil, 0, err
		}
		if !p.accept(")") {
			return nil, 0, p.errf(p.pos, `expected ")" to close the "(" at offset %d, got %s`, start, p.describe(p.pos))
		}
		return n, h, nil
	case ')':
		return nil, 0, p.errf(start, `unexpected ")": expected a condition`)
	}
	n, err := p.cond()
	return n, 0, err
}

func (p *strParser) cond() (*Node, error) {
	start := p.pos
	field, err := p.field()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	op, err := p.op(field)
	if err != nil {
		return nil, err
	}
	p.conds++
	if p.conds > p.lim.MaxConds {
		return nil, errConds(offsetPos(start), p.lim)
	}
	vals, err := p.operand(op)
	if err != nil {
		return nil, err
	}
	return &Node{Leaf: &Cond{Field: field, Op: op, Values: vals, Pos: offsetPos(start)}}, nil
}

func (p *strParser) field() (string, error) {
	start := p.pos
	r, _ := utf8.DecodeRuneInString(p.s[start:])
	switch {
	case r == '`':
		name, err := p.quoted('`')
		if err != nil {
			return "", err
		}
		if name == "" {
			return "", p.errf(start, "empty field name")
		}
		if utf8.RuneCountInString(name) > p.lim.MaxStringLen {
			return "", errFieldLen(offsetPos(start), p.lim)
		}
		return name, nil
	case '0' <= r && r <= '9':
		for p.pos < len(p.s) && '0' <= p.s[p.pos] && p.s[p.pos] <= '9' {
			p.pos++
		}
		if r, _ := utf8.DecodeRuneInString(p.s[p.pos:]); p.pos < len(p.s) && isIdentPart(r) {
			word := p.s[start:p.identEnd(start)]
			return "", p.errf(start, "invalid field name %q: a name cannot start with a digit (quote it in backticks: `%s`)", clipForMsg(word, 40), clipForMsg(word, 40))
		}
	case isIdentStart(r):
		p.pos = p.identEnd(start)
	case r == '"' || r == '\'':
		return "", p.errf(start, "expected a field name, got %s (quote field names with backticks: `name`)", p.describe(start))
	default:
		return "", p.errf(start, "expected a field name, got %s", p.describe(start))
	}
	name := p.s[start:p.pos]
	if utf8.RuneCountInString(name) > p.lim.MaxStringLen {
		return "", errFieldLen(offsetPos(start), p.lim)
	}
	return name, nil
}

// identEnd returns the end of the run of identifier characters at i.
func (p *strParser) identEnd(i int) int {
	for i < len(p.s) {
		r, w := utf8.DecodeRuneInString(p.s[i:])
		if !isIdentPart(r) {
			break
		}
		i += w
	}
	return i
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isIdentPart(r rune) bool {
	return r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// isIdent reports whether name can be written bare as a field.
func isIdent(name string) bool {
	if allDigits(name) {
		return true
	}
	for i, r := range name {
		if r == utf8.RuneError || (i == 0 && !isIdentStart(r)) || !isIdentPart(r) {
			return false
		}
	}
	return name != ""
}

// The symbolic operators, two-character ones first.
var symOps = []struct {
	sym string
	op  Op
}{
	{"!=", OpNeq}, {">=", OpGte}, {"<=", OpLte}, {"!~", OpNotContains},
	{"^=", OpStartsWith}, {"$=", OpEndsWith}, {"?=", OpHasAny}, {"?&", OpHasAll}, {"?!", OpHasNone},
	{"=", OpEq}, {">", OpGt}, {"<", OpLt}, {"~", OpContains},
}

const opChars = "=!<>~^$?"

func (p *strParser) op(field string) (Op, error) {
	start := p.pos
	if start >= len(p.s) {
		return "", p.errf(start, "expected an operator after %q, got end of input", clipForMsg(field, 40))
	}
	r, _ := utf8.DecodeRuneInString(p.s[start:])
	if isIdentStart(r) {
		end := p.identEnd(start)
		word := p.s[start:end]
		op, ok := lookupOp(word)
		if !ok {
			return "", p.errf(start, "unknown operator %q", clipForMsg(word, 40))
		}
		p.pos = end
		return op, nil
	}
	rest := p.s[start:]
	for _, so := range symOps {
		if strings.HasPrefix(rest, so.sym) {
			if len(rest) > len(so.sym) && strings.IndexByte(opChars, rest[len(so.sym)]) >= 0 {
				break // "==", "<>", "=~" …: report the whole run
			}
			p.pos += len(so.sym)
			return so.op, nil
		}
	}
	got := p.describe(start)
	hint := ""
	switch run := p.s[start:symRunEnd(p.s, start)]; run {
	case "==":
		hint = ` (use "=")`
	case "<>", "!==":
		hint = ` (use "!=")`
	case "=<":
		hint = ` (use "<=")`
	case "=>":
		hint = ` (use ">=")`
	case "=~":
		hint = ` (use "~" for contains)`
	}
	return "", p.errf(start, "expected an operator after %q, got %s%s", clipForMsg(field, 40), got, hint)
}

// symRunEnd returns the end of the run of operator punctuation at i.
func symRunEnd(s string, i int) int {
	for i < len(s) && strings.IndexByte(opChars+"&|", s[i]) >= 0 {
		i++
	}
	return i
}

func (p *strParser) operand(op Op) ([]any, error) {
	p.skipSpace()
	start := p.pos
	isList := start < len(p.s) && (p.s[start] == '(' || p.s[start] == '[')
	switch Ops[op] {
	case ArityNone:
		if p.valueAhead() {
			return nil, p.errf(start, "op %q takes no value", op)
		}
		return nil, nil
	case ArityOne:
		if isList {
			return nil, p.errf(start, "op %q takes a single value, not a list%s", op, listHint(op))
		}
		v, err := p.scalar(op, false)
		if err != nil {
			return nil, err
		}
		return []any{v}, nil
	case ArityTwo:
		if !isList {
			if start >= len(p.s) {
				return nil, p.errf(start, "expected a value for op %q, got end of input (it needs exactly 2 values, e.g. (1, 5))", op)
			}
			return nil, p.errf(start, "op %q needs exactly 2 values, as a list such as (1, 5)", op)
		}
		vals, err := p.list(op)
		if err != nil {
			return nil, err
		}
		if len(vals) != 2 {
			return nil, p.errf(start, "op %q needs exactly 2 values, got %d", op, len(vals))
		}
		return vals, nil
	default: // ArityMany
		if !isList {
			v, err := p.scalar(op, false)
			if err != nil {
				return nil, err
			}
			return []any{v}, nil
		}
		vals, err := p.list(op)
		if err != nil {
			return nil, err
		}
		if len(vals) == 0 {
			return nil, p.errf(start, "op %q needs at least 1 value, got an empty list", op)
		}
		return vals, nil
	}
}

// valueAhead reports whether something that looks like an operand comes next.
func (p *strParser) valueAhead() bool {
	if p.pos >= len(p.s) {
		return false
	}
	switch c := p.s[p.pos]; {
	case c == '"' || c == '\'' || c == '(' || c == '[' || c == '-' || c == '+' || ('0' <= c && c <= '9'):
		return true
	}
	switch asciiLower(p.s[p.pos:p.identEnd(p.pos)]) {
	case "true", "false", "null":
		return true
	}
	return false
}

// list parses "(" value ("," value)* ")" or the same in brackets; the caller
// checks the count.
func (p *strParser) list(op Op) ([]any, error) {
	start := p.pos
	closer := byte(')')
	if p.s[start] == '[' {
		closer = ']'
	}
	p.pos++
	vals := []any{}
	if p.accept(string(closer)) {
		return vals, nil
	}
	for {
		p.skipSpace()
		if len(vals) >= p.lim.MaxValues {
			return nil, errValues(offsetPos(p.pos), p.lim)
		}
		v, err := p.scalar(op, true)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if p.accept(",") {
			continue
		}
		if p.accept(string(closer)) {
			return vals, nil
		}
		if p.pos >= len(p.s) {
			return nil, p.errf(p.pos, "unterminated list: expected \",\" or %q to close the list at offset %d, got end of input", string(closer), start)
		}
		return nil, p.errf(p.pos, "expected \",\" or %q in the list at offset %d, got %s", string(closer), start, p.describe(p.pos))
	}
}

// scalar parses one value: a string, number, true, false or null.
func (p *strParser) scalar(op Op, inList bool) (any, error) {
	p.skipSpace()
	start := p.pos
	if start >= len(p.s) {
		return nil, p.errf(start, "expected a value for op %q, got end of input", op)
	}
	r, _ := utf8.DecodeRuneInString(p.s[start:])
	switch {
	case r == '"' || r == '\'':
		v, err := p.quoted(byte(r))
		if err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(v) > p.lim.MaxStringLen {
			return nil, errStringLen(offsetPos(start), p.lim)
		}
		return v, nil
	case r == '-' || r == '+' || ('0' <= r && r <= '9'):
		return p.number()
	case isIdentStart(r):
		end := p.identEnd(start)
		word := p.s[start:end]
		switch asciiLower(word) {
		case "true":
			p.pos = end
			return true, nil
		case "false":
			p.pos = end
			return false, nil
		case "null":
			p.pos = end
			return nil, nil
		}
		w := clipForMsg(word, 40)
		return nil, p.errf(start, "expected a value for op %q, got %q (quote text, e.g. %q)", op, w, w)
	case (r == '(' || r == '[') && inList:
		return nil, p.errf(start, "lists cannot be nested")
	case r == '`':
		return nil, p.errf(start, "expected a value for op %q, got %s (backticks quote field names; quote text with \"…\" or '…')", op, p.describe(start))
	case r == '“' || r == '”' || r == '‘' || r == '’' || r == '「' || r == '」':
		return nil, p.errf(start, "expected a value for op %q, got %s (quote text with straight quotes \"…\" or '…')", op, p.describe(start))
	}
	return nil, p.errf(start, "expected a value for op %q, got %s", op, p.describe(start))
}

// number parses a JSON number with an optional leading "+", which is dropped.
func (p *strParser) number() (any, error) {
	start := p.pos
	i := start
	if p.s[i] == '+' {
		i++
	}
	numStart := i
	end := -1
	if i == start || (i < len(p.s) && p.s[i] != '-') {
		end = scanJSONNumber(p.s, i)
	}
	if end < 0 || (end < len(p.s) && !strings.ContainsRune(" \t\n\r\v\f)],&|", rune(p.s[end])) && !p.spaceAt(end)) {
		bad := p.s[start:badRunEnd(p.s, start)]
		if bad == "" {
			bad = p.s[start : start+1]
		}
		b := clipForMsg(bad, 40)
		return nil, p.errf(start, "invalid number %q (quote text such as dates, phone numbers and codes, e.g. %q)", b, b)
	}
	p.pos = end
	return json.Number(p.s[numStart:end]), nil
}

func (p *strParser) spaceAt(i int) bool {
	r, _ := utf8.DecodeRuneInString(p.s[i:])
	return unicode.IsSpace(r)
}

// badRunEnd returns the end of the "word" at i for an error message.
func badRunEnd(s string, i int) int {
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) || strings.ContainsRune("()[],&|\"'`", r) {
			break
		}
		i += w
	}
	return i
}

// scanJSONNumber returns the end of the JSON number at s[i:], or -1.
func scanJSONNumber(s string, i int) int {
	digits := func(i int) int {
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = digits(i)
	default:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// isJSONNumber reports whether s is exactly one JSON number.
func isJSONNumber(s string) bool { return scanJSONNumber(s, 0) == len(s) }

// quoted parses a string or backtick name starting at p.pos (the quote q).
func (p *strParser) quoted(q byte) (string, error) {
	start := p.pos
	what := "string"
	if q == '`' {
		what = "field name"
	}
	i := start + 1
	var b strings.Builder
	for {
		j := i
		for j < len(p.s) && p.s[j] != q && p.s[j] != '\\' {
			j++
		}
		b.WriteString(p.s[i:j])
		i = j
		if i >= len(p.s) {
			return "", p.errf(start, "unterminated %s", what)
		}
		if p.s[i] == q {
			p.pos = i + 1
			return b.String(), nil
		}
		// A backslash escape.
		if i+1 >= len(p.s) {
			return "", p.errf(start, "unterminated %s", what)
		}
		switch e := p.s[i+1]; e {
		case '"', '\'', '`', '\\', '/':
			b.WriteByte(e)
			i += 2
		case 'b':
			b.WriteByte('\b')
			i += 2
		case 'f':
			b.WriteByte('\f')
			i += 2
		case 'n':
			b.WriteByte('\n')
			i += 2
		case 'r':
			b.WriteByte('\r')
			i += 2
		case 't':
			b.WriteByte('\t')
			i += 2
		case 'u':
			r, ok := hex4(p.s, i+2)
			if !ok {
				return "", p.errf(i, `invalid escape: \u needs 4 hex digits`)
			}
			n := i + 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if r < 0xDC00 && strings.HasPrefix(p.s[n:], `\u`) {
					r2, ok = hex4(p.s, n+2)
				}
				if !ok || r2 < 0xDC00 || r2 > 0xDFFF {
					return "", p.errf(i, `invalid escape: \u%04X is half of a surrogate pair`, r)
				}
				r = utf16.DecodeRune(r, r2)
				n += 6
			}
			b.WriteRune(r)
			i = n
		default:
			er, _ := utf8.DecodeRuneInString(p.s[i+1:])
			return "", p.errf(i, `invalid escape %q in %s (to write a backslash use \\)`, `\`+string(er), what)
		}
	}
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var v rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// trailing reports what stands after a complete expression.
func (p *strParser) trailing() error {
	at := p.pos
	if p.s[at] == ')' {
		return p.errf(at, `unexpected ")" without a matching "("`)
	}
	hint := ""
	switch asciiLower(p.s[at:max(symRunEnd(p.s, at), p.identEnd(at))]) {
	case "&", "and":
		hint = ` (use "&&" for and)`
	case "|", "or":
		hint = ` (use "||" for or)`
	}
	return p.errf(at, `expected "&&", "||" or end of input after a condition, got %s%s`, p.describe(at), hint)
}

// describe quotes the token at i for an error message.
func (p *strParser) describe(i int) string {
	s := p.s
	if i >= len(s) {
		return "end of input"
	}
	var end int
	r, w := utf8.DecodeRuneInString(s[i:])
	switch {
	case strings.IndexByte(opChars+"&|", s[i]) >= 0:
		end = symRunEnd(s, i)
	case isIdentPart(r):
		end = p.identEnd(i)
	case r == '"' || r == '\'' || r == '`':
		end = strings.IndexByte(s[i+1:], byte(r))
		if end < 0 {
			end = len(s)
		} else {
			end += i + 2
		}
	default:
		end = i + w
	}
	return strconv.Quote(clipForMsg(s[i:end], 40))
}
