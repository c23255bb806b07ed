package api

import (
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
		return fieldtest.Object(t, present(c, cat).append(nil))
	})
}
