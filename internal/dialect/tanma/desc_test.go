package tanma

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// TestEverySystemFieldOnTheWire: each listed system field is rendered under
// its id, and each descriptor with a 探马 wire name under that name, both
// carrying the customer's value.
func TestEverySystemFieldOnTheWire(t *testing.T) {
	cat := &store.Catalog{Fields: map[int64]*model.Field{}, ByKey: map[string]*model.Field{}, Unique: map[int64]bool{}}
	for i := range model.SystemFields {
		f := model.SystemFields[i]
		cat.Fields[f.ID], cat.ByKey[f.Key] = &f, &f
	}
	rd := &renderer{now: time.Now(), cat: cat, staff: map[int64]model.Staff{}, deptPath: map[int64]string{},
		stages: map[int64]string{}, tags: map[int64]string{}}
	render := func(c *model.Customer) map[string]any {
		b, err := json.Marshal(rd.customer(c, "1"))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	empty := render(&model.Customer{})
	for i := range model.SystemFieldDescs {
		d := &model.SystemFieldDescs[i]
		var names []string
		if listed(&d.Field) {
			names = append(names, strconv.FormatInt(d.ID, 10))
		}
		if d.Wire.Tanma != "" {
			names = append(names, d.Wire.Tanma)
		}
		if len(names) == 0 {
			continue
		}
		var c model.Customer
		d.Set(&c, testValue(d))
		got := render(&c)
		for _, n := range names {
			if _, ok := got[n]; !ok {
				t.Errorf("%s: no %q in the result", d.Key, n)
			} else if reflect.DeepEqual(got[n], empty[n]) {
				t.Errorf("%s: %q does not carry the value (%v)", d.Key, n, got[n])
			}
		}
	}
}

// testValue is a non-empty value of the descriptor's attribute (2: a
// status that differs from the default on 探马's scale too).
func testValue(d *model.SystemField) any {
	switch d.Ref(&model.Customer{}).(type) {
	case *string:
		return "x"
	case *[]int64:
		return []int64{2}
	}
	return int64(2)
}
