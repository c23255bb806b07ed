package tanma

import (
	"strconv"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/fieldtest"
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
	render := func(c *model.Customer) map[string]any { return fieldtest.Object(t, rd.customer(c, "1")) }
	fieldtest.OnTheWire(t, func(d *model.SystemField) []string {
		var names []string
		if listed(&d.Field) {
			names = append(names, strconv.FormatInt(d.ID, 10))
		}
		if d.Wire.Tanma != "" {
			names = append(names, d.Wire.Tanma)
		}
		return names
	}, render)
}
