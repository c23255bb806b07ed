package dashi

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kehu/kehu/internal/model"
)

// TestEverySystemFieldOnTheWire: each system field descriptor with a 达实
// wire name is written under that name, carrying the customer's value.
func TestEverySystemFieldOnTheWire(t *testing.T) {
	render := func(c *model.Customer) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(appendCustomer(nil, c, ""), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	empty := render(&model.Customer{})
	for i := range model.SystemFieldDescs {
		d := &model.SystemFieldDescs[i]
		if d.Wire.Dashi == "" {
			continue
		}
		var c model.Customer
		d.Set(&c, testValue(d))
		got := render(&c)
		if _, ok := got[d.Wire.Dashi]; !ok {
			t.Errorf("%s: no %q in the customer object", d.Key, d.Wire.Dashi)
		} else if reflect.DeepEqual(got[d.Wire.Dashi], empty[d.Wire.Dashi]) {
			t.Errorf("%s: %q does not carry the value (%v)", d.Key, d.Wire.Dashi, got[d.Wire.Dashi])
		}
	}
}

// testValue is a non-empty value of the descriptor's attribute.
func testValue(d *model.SystemField) any {
	switch d.Ref(&model.Customer{}).(type) {
	case *string:
		return "x"
	case *[]int64:
		return []int64{2}
	}
	return int64(2)
}
