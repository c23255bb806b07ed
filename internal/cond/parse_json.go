package cond

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseJSON parses the JSON form of a condition (the body of
// POST /v1/customers/search, or the "filter" member of one):
//
//	{"and": [ … ]}   {"or": [ … ]}   {"not": { … }}
//	{"field": "name" | 30744, "op": "eq", "value": X}
//	{"field": "score", "op": "between", "values": [1, 5]}
//
// Each object holds exactly one of "and", "or", "not" or a condition
// ("field" + "op" + "value"/"values" as the operator's arity requires).
// Values must be scalars and come back as string, json.Number, bool or nil.
// A group with a single member is replaced by that member; groups are never
// flattened otherwise. Every failure is a *SyntaxError whose Pos is the JSON
// path of the offending element ("$" is the root, then "and[1].or[0].values[3]").
// Zero fields of lim take DefaultLimits' value.
func ParseJSON(data []byte, lim Limits) (*Node, error) {
	lim = lim.effective()
	if len(data) > lim.MaxFilterSize {
		return nil, errAt(jsonRoot, "filter too large: the limit is %d bytes", lim.MaxFilterSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &jsonParser{data: data, dec: dec, lim: lim}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errAt(jsonRoot, "empty input: expected a JSON object")
	}
	n, err := p.node(jsonRoot, 0)
	if err != nil {
		return nil, err
	}
	at := int(dec.InputOffset())
	if rest := bytes.TrimLeft(data[at:], " \t\r\n"); len(rest) > 0 {
		at += len(data[at:]) - len(rest)
		return nil, errAt(jsonRoot, "unexpected data after the condition at byte offset %d", at)
	}
	return n, nil
}

// jsonRoot is the path of the outermost object.
const jsonRoot = "$"

type jsonParser struct {
	data  []byte
	dec   *json.Decoder
	lim   Limits
	conds int
}

// joinPath appends an object key to a path: "and[0].value", or
// `and[0]["odd key"]` when the key is not a plain word.
func joinPath(parent, key string) string {
	plain := key != ""
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			plain = false
		}
	}
	switch {
	case !plain:
		return parent + "[" + strconv.Quote(clipForMsg(key, 40)) + "]"
	case parent == jsonRoot:
		return key
	}
	return parent + "." + key
}

func indexPath(parent string, i int) string { return parent + "[" + strconv.Itoa(i) + "]" }

func (p *jsonParser) token(path string) (json.Token, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.wrap(path, err)
	}
	return tok, nil
}

// wrap turns a decoder error into a *SyntaxError at path.
func (p *jsonParser) wrap(path string, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// The decoder's offsets for token errors are unreliable; the
		// validating scanner of Unmarshal reports the right one.
		var raw json.RawMessage
		if err := json.Unmarshal(p.data, &raw); errors.As(err, &se) {
			// Offset counts the bytes read, the bad one included.
			return errAt(path, "invalid JSON at byte offset %d: %s", max(se.Offset-1, 0), se.Error())
		}
		return errAt(path, "invalid JSON: %s", se.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errAt(path, "unexpected end of JSON input")
	default:
		return errAt(path, "invalid JSON: %v", err)
	}
}

func describeJSONToken(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			return "an object"
		case '[':
			return "a list"
		}
		return strconv.Quote(v.String())
	case string:
		return "the string " + strconv.Quote(clipForMsg(v, 40))
	case json.Number:
		return "the number " + clipForMsg(string(v), 40)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// node parses one condition object at path; level is its nesting (root 0).
func (p *jsonParser) node(path string, level int) (*Node, error) {
	tok, err := p.token(path)
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errAt(path, `expected an object (a condition, or an "and"/"or"/"not" group), got %s`, describeJSONToken(tok))
	}

	var (
		objKind  string // "and", "or", "not" or "cond"
		firstKey string
		seen     = map[string]bool{}
		kids     []*Node
		not      *Node

		field           string
		haveField       bool
		op              Op
		valKey, valPath string
		vals            []any
		valList         bool
	)
	setKind := func(k, key, keyPath string) error {
		if objKind == "" {
			objKind, firstKey = k, key
			return nil
		}
		if objKind == k && k == "cond" {
			return nil
		}
		return errAt(keyPath, "%q cannot be combined with %q in one object (an object is either one condition or one \"and\"/\"or\"/\"not\" group)", key, firstKey)
	}

	for p.dec.More() {
		kt, err := p.token(path)
		if err != nil {
			return nil, err
		}
		key, ok := kt.(string)
		if !ok { // the decoder only yields strings in key position
			return nil, errAt(path, "expected an object key, got %s", describeJSONToken(kt))
		}
		keyPath := joinPath(path, key)
		if seen[key] {
			return nil, errAt(keyPath, "duplicate key %q", key)
		}
		seen[key] = true
		switch key {
		case "and", "or":
			if err := setKind(key, key, keyPath); err != nil {
				return nil, err
			}
			if level+1 > p.lim.MaxDepth {
				return nil, errDepth(path, p.lim)
			}
			if kids, err = p.group(key, keyPath, level+1); err != nil {
				return nil, err
			}
		case "not":
			if err := setKind(key, key, keyPath); err != nil {
				return nil, err
			}
			if level+1 > p.lim.MaxDepth {
				return nil, errDepth(path, p.lim)
			}
			if not, err = p.node(keyPath, level+1); err != nil {
				return nil, err
			}
		case "field":
			if err := setKind("cond", key, keyPath); err != nil {
				return nil, err
			}
			if field, err = p.field(keyPath); err != nil {
				return nil, err
			}
			haveField = true
		case "op":
			if err := setKind("cond", key, keyPath); err != nil {
				return nil, err
			}
			if op, err = p.op(keyPath); err != nil {
				return nil, err
			}
		case "value", "values":
			if err := setKind("cond", key, keyPath); err != nil {
				return nil, err
			}
			if valKey != "" {
				return nil, errAt(keyPath, `use either "value" or "values", not both`)
			}
			valKey, valPath = key, keyPath
			if vals, valList, err = p.values(key, keyPath); err != nil {
				return nil, err
			}
		default:
			msg := fmt.Sprintf("unknown key %q", clipForMsg(key, 40))
			switch strings.ToLower(key) {
			case "and", "or", "not", "field", "op", "value", "values":
				msg += fmt.Sprintf(" (keys are case-sensitive: did you mean %q?)", strings.ToLower(key))
			}
			return nil, errAt(keyPath, "%s", msg)
		}
	}
	if _, err := p.token(path); err != nil { // the closing '}'
		return nil, err
	}

	switch objKind {
	case "":
		return nil, errAt(path, `empty object: expected "and", "or", "not" or a condition with "field" and "op"`)
	case "and", "or":
		if len(kids) == 1 {
			return kids[0], nil
		}
		if objKind == "and" {
			return &Node{And: kids}, nil
		}
		return &Node{Or: kids}, nil
	case "not":
		return &Node{Not: not}, nil
	}

	// A condition.
	if !haveField {
		return nil, errAt(path, `missing "field"`)
	}
	if op == "" {
		return nil, errAt(path, `missing "op"`)
	}
	switch Ops[op] {
	case ArityNone:
		if valKey != "" {
			return nil, errAt(valPath, "op %q takes no value", op)
		}
	case ArityOne:
		switch {
		case valKey == "":
			return nil, errAt(path, "op %q needs a value (\"value\": …)", op)
		case valKey == "value" && valList:
			return nil, errAt(valPath, "op %q takes a single value, not a list%s", op, listHint(op))
		case len(vals) != 1:
			return nil, errAt(valPath, "op %q needs exactly 1 value, got %d%s", op, len(vals), listHint(op))
		}
	case ArityTwo:
		switch {
		case valKey == "":
			return nil, errAt(path, "op %q needs exactly 2 values (\"values\": [from, to])", op)
		case len(vals) != 2 || !valList:
			return nil, errAt(valPath, "op %q needs exactly 2 values, got %d (\"values\": [from, to])", op, len(vals))
		}
	case ArityMany:
		switch {
		case valKey == "":
			return nil, errAt(path, "op %q needs at least 1 value (\"values\": […])", op)
		case len(vals) == 0:
			return nil, errAt(valPath, "op %q needs at least 1 value", op)
		}
	}
	p.conds++
	if p.conds > p.lim.MaxConds {
		return nil, errConds(path, p.lim)
	}
	return &Node{Leaf: &Cond{Field: field, Op: op, Values: vals, Pos: path}}, nil
}

// group parses the list of an "and"/"or" key; its members stand at level.
func (p *jsonParser) group(key, keyPath string, level int) ([]*Node, error) {
	tok, err := p.token(keyPath)
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, errAt(keyPath, "%q must be a list of conditions, got %s", key, describeJSONToken(tok))
	}
	var kids []*Node
	for i := 0; p.dec.More(); i++ {
		n, err := p.node(indexPath(keyPath, i), level)
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if _, err := p.token(keyPath); err != nil { // ']'
		return nil, err
	}
	if len(kids) == 0 {
		return nil, errAt(keyPath, "%q needs at least one condition", key)
	}
	return kids, nil
}

func (p *jsonParser) field(path string) (string, error) {
	tok, err := p.token(path)
	if err != nil {
		return "", err
	}
	switch v := tok.(type) {
	case string:
		if v == "" {
			return "", errAt(path, "empty field name")
		}
		if utf8.RuneCountInString(v) > p.lim.MaxStringLen {
			return "", errFieldLen(path, p.lim)
		}
		return v, nil
	case json.Number:
		if !allDigits(string(v)) {
			return "", errAt(path, `"field" must be a field name or a whole-number field id, got %s`, v)
		}
		if len(v) > p.lim.MaxStringLen {
			return "", errFieldLen(path, p.lim)
		}
		return string(v), nil
	}
	return "", errAt(path, `"field" must be a field name or a whole-number field id, got %s`, describeJSONToken(tok))
}

func (p *jsonParser) op(path string) (Op, error) {
	tok, err := p.token(path)
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", errAt(path, `"op" must be a string such as "eq", got %s`, describeJSONToken(tok))
	}
	op, ok := lookupOp(s)
	if !ok {
		return "", errAt(path, "unknown operator %q", clipForMsg(s, 40))
	}
	return op, nil
}

// values reads the value of a "value" or "values" key. list reports whether
// it was written as a JSON array.
func (p *jsonParser) values(key, path string) (vals []any, list bool, err error) {
	tok, err := p.token(path)
	if err != nil {
		return nil, false, err
	}
	if d, ok := tok.(json.Delim); ok {
		if d != '[' {
			return nil, false, errAt(path, "a value must be a string, number, boolean or null, not %s", describeJSONToken(tok))
		}
		vals = []any{}
		for i := 0; p.dec.More(); i++ {
			ip := indexPath(path, i)
			if i >= p.lim.MaxValues {
				return nil, false, errValues(ip, p.lim)
			}
			tok, err := p.token(ip)
			if err != nil {
				return nil, false, err
			}
			v, err := p.scalar(ip, tok)
			if err != nil {
				return nil, false, err
			}
			vals = append(vals, v)
		}
		if _, err := p.token(path); err != nil { // ']'
			return nil, false, err
		}
		return vals, true, nil
	}
	if key == "values" {
		return nil, false, errAt(path, `"values" must be a list, got %s (use "value" for a single value)`, describeJSONToken(tok))
	}
	v, err := p.scalar(path, tok)
	if err != nil {
		return nil, false, err
	}
	return []any{v}, false, nil
}

func (p *jsonParser) scalar(path string, tok json.Token) (any, error) {
	switch v := tok.(type) {
	case string:
		if utf8.RuneCountInString(v) > p.lim.MaxStringLen {
			return nil, errStringLen(path, p.lim)
		}
		return v, nil
	case json.Number, bool, nil:
		return v, nil
	}
	return nil, errAt(path, "a value must be a string, number, boolean or null, not %s", describeJSONToken(tok))
}

// ---- shared by both parsers ----

// effective returns lim with every zero or negative field replaced by
// DefaultLimits' value, so Limits{} means "the defaults", never "no limit".
func (lim Limits) effective() Limits {
	d := DefaultLimits
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = d.MaxDepth
	}
	if lim.MaxConds <= 0 {
		lim.MaxConds = d.MaxConds
	}
	if lim.MaxValues <= 0 {
		lim.MaxValues = d.MaxValues
	}
	if lim.MaxStringLen <= 0 {
		lim.MaxStringLen = d.MaxStringLen
	}
	if lim.MaxFilterSize <= 0 {
		lim.MaxFilterSize = d.MaxFilterSize
	}
	return lim
}

func errAt(pos, format string, args ...any) *SyntaxError {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func errDepth(pos string, lim Limits) *SyntaxError {
	return errAt(pos, "too deeply nested: the limit is %d levels of and/or/not", lim.MaxDepth)
}

func errConds(pos string, lim Limits) *SyntaxError {
	return errAt(pos, "too many conditions: the limit is %d", lim.MaxConds)
}

func errValues(pos string, lim Limits) *SyntaxError {
	return errAt(pos, "too many values in one condition: the limit is %d", lim.MaxValues)
}

func errStringLen(pos string, lim Limits) *SyntaxError {
	return errAt(pos, "string too long: the limit is %d characters", lim.MaxStringLen)
}

func errFieldLen(pos string, lim Limits) *SyntaxError {
	return errAt(pos, "field name too long: the limit is %d characters", lim.MaxStringLen)
}

// opsByFoldedName maps the ASCII-lower-cased name of every operator to it.
var opsByFoldedName = func() map[string]Op {
	m := make(map[string]Op, len(Ops))
	for op := range Ops {
		m[asciiLower(string(op))] = op
	}
	return m
}()

// lookupOp finds an operator by name, ignoring ASCII case.
func lookupOp(name string) (Op, bool) {
	op, ok := opsByFoldedName[asciiLower(name)]
	return op, ok
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// listHint suggests the list form of a single-value operator.
func listHint(op Op) string {
	switch op {
	case OpEq:
		return ` (use "in" for a list)`
	case OpNeq:
		return ` (use "notIn" for a list)`
	}
	return ""
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clipForMsg shortens s to at most n runes for an error message.
func clipForMsg(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}
