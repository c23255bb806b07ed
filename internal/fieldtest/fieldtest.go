// Package fieldtest holds the check that each encoder of customers (the
// native API and the three dialects) writes every system field descriptor
// that names a wire field for it: the tests that prove adding a descriptor
// reaches every API share it, so they cannot drift apart.
package fieldtest

import (
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
