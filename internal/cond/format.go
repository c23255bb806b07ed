package cond

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// String prints n in the canonical string form, which ParseString reads back
// into an equal tree (ignoring Cond.Pos):
//
//	name ~ "张" && status = 1 && (tags ?= ("vip") || createdAt >= "2025-01-01")
//
// Operators with a symbol print as the symbol, the rest as their Ops name;
// nested groups and the operand of "!" are always parenthesised, except a
// "!" directly under "!" (!!(a = 1)). Two- and many-value operators always
// print a list "( … )". Strings print double-quoted with non-printable
// characters escaped; field names print bare when they are identifiers or
// digits and in backticks otherwise. A group with a single member prints as
// that member. The output may be longer than the text it was parsed from, so
// re-parse it with a MaxFilterSize that allows for that.
func (n *Node) String() string {
	var b strings.Builder
	writeNode(&b, n, false)
	return b.String()
}

// skipSingleGroups skips groups with a single member.
func skipSingleGroups(n *Node) *Node {
	for n != nil {
		switch {
		case len(n.And) == 1:
			n = n.And[0]
		case len(n.And) == 0 && len(n.Or) == 1:
			n = n.Or[0]
		default:
			return n
		}
	}
	return n
}

func isLogicGroup(n *Node) bool { return n != nil && (len(n.And) > 0 || len(n.Or) > 0) }

func writeNode(b *strings.Builder, n *Node, paren bool) {
	n = skipSingleGroups(n)
	switch {
	case n == nil:
	case len(n.And) > 0 || len(n.Or) > 0:
		kids, sep := n.And, " && "
		if len(kids) == 0 {
			kids, sep = n.Or, " || "
		}
		if paren {
			b.WriteByte('(')
		}
		for i, k := range kids {
			if i > 0 {
				b.WriteString(sep)
			}
			writeNode(b, k, isLogicGroup(skipSingleGroups(k)))
		}
		if paren {
			b.WriteByte(')')
		}
	case n.Not != nil:
		b.WriteByte('!')
		k := skipSingleGroups(n.Not)
		if k != nil && !isLogicGroup(k) && k.Not != nil {
			writeNode(b, k, false)
			return
		}
		b.WriteByte('(')
		writeNode(b, k, false)
		b.WriteByte(')')
	case n.Leaf != nil:
		writeCond(b, n.Leaf)
	}
}

// opSymbols maps the operators that have a symbol to it.
var opSymbols = func() map[Op]string {
	m := make(map[Op]string, len(symOps))
	for _, so := range symOps {
		m[so.op] = so.sym
	}
	return m
}()

func writeCond(b *strings.Builder, c *Cond) {
	if isIdent(c.Field) {
		b.WriteString(c.Field)
	} else {
		writeQuoted(b, c.Field, '`')
	}
	b.WriteByte(' ')
	if sym, ok := opSymbols[c.Op]; ok {
		b.WriteString(sym)
	} else {
		b.WriteString(string(c.Op))
	}
	arity, known := Ops[c.Op]
	switch {
	case known && arity == ArityNone && len(c.Values) == 0:
	case known && arity == ArityOne && len(c.Values) == 1:
		b.WriteByte(' ')
		writeValue(b, c.Values[0])
	default:
		b.WriteString(" (")
		for i, v := range c.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, v)
		}
		b.WriteByte(')')
	}
}

func writeValue(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writeQuoted(b, v, '"')
	case json.Number:
		b.WriteString(string(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	default:
		if num, ok := numberText(v); ok {
			b.WriteString(num)
		} else {
			writeQuoted(b, fmt.Sprint(v), '"')
		}
	}
}

// numberText formats Go numbers a caller may have put into a tree by hand.
func numberText(v any) (string, bool) {
	switch v := v.(type) {
	case int:
		return strconv.FormatInt(int64(v), 10), true
	case int8:
		return strconv.FormatInt(int64(v), 10), true
	case int16:
		return strconv.FormatInt(int64(v), 10), true
	case int32:
		return strconv.FormatInt(int64(v), 10), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case uint:
		return strconv.FormatUint(uint64(v), 10), true
	case uint8:
		return strconv.FormatUint(uint64(v), 10), true
	case uint16:
		return strconv.FormatUint(uint64(v), 10), true
	case uint32:
		return strconv.FormatUint(uint64(v), 10), true
	case uint64:
		return strconv.FormatUint(v, 10), true
	case float32:
		return floatText(float64(v), 32)
	case float64:
		return floatText(v, 64)
	}
	return "", false
}

func floatText(f float64, bits int) (string, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	return strconv.FormatFloat(f, 'g', -1, bits), true
}

// quoteWriter is what strings.Builder and bytes.Buffer have in common.
type quoteWriter interface {
	WriteByte(byte) error
	WriteRune(rune) (int, error)
	WriteString(string) (int, error)
}

// writeQuoted writes s between quotes q, escaping q, the backslash and every
// non-printable character (as \n, \r, \t or \uXXXX). The result is valid in
// the string form and, for q == '"', in JSON. Invalid UTF-8 becomes U+FFFD.
func writeQuoted(b quoteWriter, s string, q byte) {
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == ' ' || (unicode.IsPrint(r) && r != utf8.RuneError):
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			writeU(b, r1)
			writeU(b, r2)
		default: // includes U+FFFD, which also stands for invalid UTF-8
			writeU(b, r)
		}
	}
	b.WriteByte(q)
}

func writeU(b quoteWriter, r rune) {
	const hex = "0123456789abcdef"
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hex[r>>shift&0xF])
	}
}

// MarshalJSON prints n in the JSON form, which ParseJSON reads back into an
// equal tree (ignoring Cond.Pos): {"and":[…]}, {"or":[…]}, {"not":{…}} and
// {"field":"name","op":"eq","value":1}. A condition prints "value" when its
// operator takes one value, "values" for two- and many-value operators and
// neither for isEmpty, today and the like. Field ids print as strings.
func (n *Node) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	var b bytes.Buffer
	if err := writeJSON(&b, n); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var errEmptyNode = errors.New("cond: cannot marshal a Node with none of And, Or, Not and Leaf set")

func writeJSON(b *bytes.Buffer, n *Node) error {
	switch {
	case n == nil:
		return errEmptyNode
	case len(n.And) > 0 || len(n.Or) > 0:
		kids, key := n.And, `{"and":[`
		if len(kids) == 0 {
			kids, key = n.Or, `{"or":[`
		}
		b.WriteString(key)
		for i, k := range kids {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, k); err != nil {
				return err
			}
		}
		b.WriteString(`]}`)
	case n.Not != nil:
		b.WriteString(`{"not":`)
		if err := writeJSON(b, n.Not); err != nil {
			return err
		}
		b.WriteByte('}')
	case n.Leaf != nil:
		c := n.Leaf
		b.WriteString(`{"field":`)
		writeQuoted(b, c.Field, '"')
		b.WriteString(`,"op":`)
		writeQuoted(b, string(c.Op), '"')
		arity, known := Ops[c.Op]
		switch {
		case known && arity == ArityNone && len(c.Values) == 0:
		case known && arity == ArityOne && len(c.Values) == 1:
			b.WriteString(`,"value":`)
			if err := writeJSONValue(b, c.Values[0]); err != nil {
				return err
			}
		default:
			b.WriteString(`,"values":[`)
			for i, v := range c.Values {
				if i > 0 {
					b.WriteByte(',')
				}
				if err := writeJSONValue(b, v); err != nil {
					return err
				}
			}
			b.WriteByte(']')
		}
		b.WriteByte('}')
	default:
		return errEmptyNode
	}
	return nil
}

func writeJSONValue(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writeQuoted(b, v, '"')
	case json.Number:
		if !isJSONNumber(string(v)) {
			return fmt.Errorf("query: invalid number %q", string(v))
		}
		b.WriteString(string(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	default:
		j, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("query: value %v: %w", v, err)
		}
		b.Write(j)
	}
	return nil
}
