// Package fieldtest holds what the tests of the customer encoders (the
// native API and the three dialects) share: the check that each writes
// every system field descriptor that names a wire field for it, so the
// tests proving that adding a descriptor reaches every API cannot drift
// apart, and the encoding/json reference the hand-written appenders are
// compared with byte for byte.
package fieldtest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kehu/kehu/internal/model"
)

// OnTheWire sets each descriptor's attribute to Value(d) on an empty
// customer, renders it with render (the encoder's output decoded into a
// JSON object) and checks that every name names(d) returns is present and
// differs from the empty customer's value there. Descriptors without names
// are skipped.
func OnTheWire(t *testing.T, names func(d *model.SystemField) []string, render func(c *model.Customer) map[string]any) {
	t.Helper()
	empty := render(&model.Customer{})
	for i := range model.SystemFieldDescs {
		d := &model.SystemFieldDescs[i]
		ns := names(d)
		if len(ns) == 0 {
			continue
		}
		var c model.Customer
		d.Set(&c, Value(d))
		got := render(&c)
		for _, n := range ns {
			if _, ok := got[n]; !ok {
				t.Errorf("%s: no %q in the customer object", d.Key, n)
			} else if reflect.DeepEqual(got[n], empty[n]) {
				t.Errorf("%s: %q does not carry the value (%v)", d.Key, n, got[n])
			}
		}
	}
}

// Name returns names for OnTheWire from one wire name of the descriptor
// (none where it is "").
func Name(wire func(w *model.Wire) string) func(d *model.SystemField) []string {
	return func(d *model.SystemField) []string {
		if n := wire(&d.Wire); n != "" {
			return []string{n}
		}
		return nil
	}
}

// Value is a non-empty value of the descriptor's attribute, as Set takes
// it (2: a status that differs from the default on 探马's scale too).
func Value(d *model.SystemField) any {
	switch d.Ref(&model.Customer{}).(type) {
	case *string:
		return "x"
	case *[]int64:
		return []int64{2}
	}
	return int64(2)
}

// Object decodes an encoder's output (JSON bytes, or a value encoding/json
// marshals) into a JSON object, for OnTheWire's render.
func Object(t *testing.T, v any) map[string]any {
	t.Helper()
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// EncodingJSON is what encoding/json writes for v as the APIs answer
// (httpx.WriteJSON: HTML escaping off, a newline at the end): the
// reference an appender must match byte for byte.
func EncodingJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
