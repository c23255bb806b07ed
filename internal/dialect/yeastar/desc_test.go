package yeastar

import (
	"encoding/json"
	"testing"

	"github.com/kehu/kehu/internal/fieldtest"
	"github.com/kehu/kehu/internal/model"
)

// TestEverySystemFieldOnTheWire: each system field descriptor with a Yeastar
// wire name is written under that name, carrying the customer's value.
func TestEverySystemFieldOnTheWire(t *testing.T) {
	fieldtest.OnTheWire(t, fieldtest.Name(func(w *model.Wire) string { return w.Yeastar }), func(c *model.Customer) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(appendInfo(nil, c), &m); err != nil {
			t.Fatal(err)
		}
		return m
	})
}
