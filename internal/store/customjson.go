package store

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/kehu/kehu/internal/model"
)

// customValues is c.CustomValues() with a fast path: custom values are
// written by kehu itself as compact JSON (numbers, plain strings, arrays of
// them, {code,label} objects), and bulk loads decode millions of them.
// Anything outside that shape — escapes, null, nesting, odd numbers — goes
// to encoding/json, so the result is always what CustomValues returns.
func customValues(c *model.Customer) (map[string]any, error) {
	if len(c.Custom) == 0 {
		return map[string]any{}, nil
	}
	if m, ok := parseCustomFast(c.Custom); ok {
		return m, nil
	}
	return c.CustomValues()
}

type fastParser struct {
	s []byte
	i int
}

func parseCustomFast(b []byte) (map[string]any, bool) {
	p := &fastParser{s: b}
	p.ws()
	if !p.eat('{') {
		return nil, false
	}
	m := map[string]any{}
	p.ws()
	if p.eat('}') {
		p.ws()
		return m, p.i == len(p.s)
	}
	for {
		p.ws()
		k, ok := p.str()
		if !ok {
			return nil, false
		}
		p.ws()
		if !p.eat(':') {
			return nil, false
		}
		p.ws()
		v, ok := p.value(true)
		if !ok {
			return nil, false
		}
		m[k] = v
		p.ws()
		if p.eat(',') {
			continue
		}
		if !p.eat('}') {
			return nil, false
		}
		p.ws()
		return m, p.i == len(p.s)
	}
}

func (p *fastParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// value parses a number, a plain string, or (when nested is allowed) an
// array of those or an object of plain strings.
func (p *fastParser) value(nested bool) (any, bool) {
	if p.i >= len(p.s) {
		return nil, false
	}
	switch c := p.s[p.i]; {
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.num()
	case c == '[' && nested:
		p.i++
		out := []any{}
		p.ws()
		if p.eat(']') {
			return out, true
		}
		for {
			p.ws()
			v, ok := p.value(false)
			if !ok {
				return nil, false
			}
			out = append(out, v)
			p.ws()
			if p.eat(',') {
				continue
			}
			return out, p.eat(']')
		}
	case c == '{' && nested:
		p.i++
		out := map[string]any{}
		p.ws()
		if p.eat('}') {
			return out, true
		}
		for {
			p.ws()
			k, ok := p.str()
			if !ok {
				return nil, false
			}
			p.ws()
			if !p.eat(':') {
				return nil, false
			}
			p.ws()
			v, ok := p.str()
			if !ok {
				return nil, false
			}
			out[k] = v
			p.ws()
			if p.eat(',') {
				continue
			}
			return out, p.eat('}')
		}
	}
	return nil, false
}

// str parses a string without escapes or control characters.
func (p *fastParser) str() (string, bool) {
	if !p.eat('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// num parses a JSON number (RFC 8259 grammar) as json.Number.
func (p *fastParser) num() (any, bool) {
	start := p.i
	p.eat('-')
	switch {
	case p.eat('0'):
	case p.i < len(p.s) && p.s[p.i] >= '1' && p.s[p.i] <= '9':
		p.digits()
	default:
		return nil, false
	}
	if p.eat('.') {
		if !p.digits() {
			return nil, false
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if !p.eat('+') {
			p.eat('-')
		}
		if !p.digits() {
			return nil, false
		}
	}
	return json.Number(p.s[start:p.i]), true
}

func (p *fastParser) digits() bool {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}
