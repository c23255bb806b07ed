package dashi

import (
	"testing"

	"github.com/kehu/kehu/internal/fieldtest"
	"github.com/kehu/kehu/internal/model"
)

// TestEverySystemFieldOnTheWire: each system field descriptor with a 达实
// wire name is written under that name, carrying the customer's value.
func TestEverySystemFieldOnTheWire(t *testing.T) {
	fieldtest.OnTheWire(t, fieldtest.Name(func(w *model.Wire) string { return w.Dashi }), func(c *model.Customer) map[string]any {
		return fieldtest.Object(t, appendCustomer(nil, c, ""))
	})
}
