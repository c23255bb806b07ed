package api

import (
	"encoding/json"
	"testing"

	"github.com/kehu/kehu/internal/fieldtest"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// TestEverySystemFieldOnTheWire: each system field descriptor with a native
// wire name is written under that name, carrying the customer's value.
func TestEverySystemFieldOnTheWire(t *testing.T) {
	cat := &store.Catalog{Fields: map[int64]*model.Field{}, ByKey: map[string]*model.Field{}}
	fieldtest.OnTheWire(t, fieldtest.Name(func(w *model.Wire) string { return w.Native }), func(c *model.Customer) map[string]any {
		b, err := json.Marshal(present(c, cat))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	})
}
