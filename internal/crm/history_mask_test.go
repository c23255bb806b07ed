package crm

import (
	"encoding/json"
	"testing"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// A masked caller's history shows changed phones, emails and id numbers
// masked, both sides; other fields and nulls pass unchanged.
func TestMaskChanges(t *testing.T) {
	chs := []model.Change{
		{Field: "phone", Old: json.RawMessage(`"+8613812345678"`), New: json.RawMessage(`null`)},
		{Field: "phones", Old: json.RawMessage(`null`), New: json.RawMessage(`["+8613912345678"]`)},
		{Field: "email", Old: json.RawMessage(`"zhangsan@example.com"`), New: json.RawMessage(`"li@example.com"`)},
		{Field: "idNumber", Old: json.RawMessage(`null`), New: json.RawMessage(`"440106199001011234"`)},
		{Field: "name", Old: json.RawMessage(`"张三"`), New: json.RawMessage(`"张四"`)},
	}
	maskChanges(&store.Catalog{}, chs)
	want := []string{`"+86138****5678"`, `null`, `null`, `["+86139****5678"]`, `"z***@example.com"`, `"l***@example.com"`,
		`null`, `"4401**********1234"`, `"张三"`, `"张四"`}
	for i, c := range chs {
		if string(c.Old) != want[2*i] || string(c.New) != want[2*i+1] {
			t.Errorf("%s: %s → %s, want %s → %s", c.Field, c.Old, c.New, want[2*i], want[2*i+1])
		}
	}
}
