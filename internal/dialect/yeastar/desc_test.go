package yeastar

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kehu/kehu/internal/model"
)

// TestEverySystemFieldOnTheWire: each system field descriptor with a Yeastar
// wire name is written under that name, carrying the customer's value.
func TestEverySystemFieldOnTheWire(t *testing.T) {
	render := func(c *model.Customer) map[string]any {
		var m map[string]any
		if err := roundTrip(present(c), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	empty := render(&model.Customer{})
	for i := range model.SystemFieldDescs {
		d := &model.SystemFieldDescs[i]
		if d.Wire.Yeastar == "" {
			continue
		}
		var c model.Customer
		d.Set(&c, testValue(d))
		got := render(&c)
		if _, ok := got[d.Wire.Yeastar]; !ok {
			t.Errorf("%s: no %q in Customer_Info", d.Key, d.Wire.Yeastar)
		} else if reflect.DeepEqual(got[d.Wire.Yeastar], empty[d.Wire.Yeastar]) {
			t.Errorf("%s: %q does not carry the value (%v)", d.Key, d.Wire.Yeastar, got[d.Wire.Yeastar])
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

func roundTrip(v any, out *map[string]any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
