package importer

import (
	"reflect"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

func systemCatalog() *store.Catalog {
	cat := &store.Catalog{Fields: map[int64]*model.Field{}, ByKey: map[string]*model.Field{}, Unique: map[int64]bool{}}
	for i := range model.SystemFields {
		f := model.SystemFields[i]
		cat.Fields[f.ID], cat.ByKey[f.Key] = &f, &f
	}
	return cat
}

// TestEverySystemFieldInFiles: each system field descriptor not marked
// NotInFiles is an import/export column, recognised by its key, its header
// and its aliases, written to a CustomerInput from a cell (unless
// read-only) and rendered from a customer on export.
func TestEverySystemFieldInFiles(t *testing.T) {
	cat := systemCatalog()
	refs := &Refs{kinds: map[string]*refKind{}}
	for _, k := range []string{"projectId", "staff", "stage", "tags"} {
		refs.kinds[k] = &refKind{what: k, names: map[int64]string{7: "seven"}, byName: map[string][]int64{"seven": {7}}}
	}
	for i := range model.SystemFieldDescs {
		d := &model.SystemFieldDescs[i]
		col := columnByKey[d.Key]
		if d.NotInFiles {
			if col != nil {
				t.Errorf("%s is NotInFiles but is a file column", d.Key)
			}
			continue
		}
		if col == nil || col.Field != d {
			t.Errorf("%s: no file column", d.Key)
			continue
		}
		for _, h := range []string{d.Key, d.FileHeader()} {
			if strongHeaders[NormHeader(h)] != col {
				t.Errorf("%s: header %q is not recognised as the field", d.Key, h)
			}
		}
		for _, h := range d.ImportHeaders {
			n := NormHeader(h)
			// An alias may be shadowed by another column's key or label.
			if strongHeaders[n] == nil && aliasHeaders[n] != col {
				t.Errorf("%s: header %q is not recognised as the field", d.Key, h)
			}
		}
		// Export: a customer with a value renders it; an empty one renders "".
		var c model.Customer
		cell := "x"
		switch d.Ref(&c).(type) {
		case *[]int64:
			d.Set(&c, []int64{7})
			cell = "seven"
		case *string:
			d.Set(&c, "x")
		default:
			d.Set(&c, int64(1))
			cell = "1"
			switch {
			case d.Type == model.TypeSelect:
				cell = optionLabel(cat.ByKey[d.Key], 1)
			case d.Type == model.TypeStaff || d.Type == model.TypeStage || d.ID == model.FieldProject:
				d.Set(&c, int64(7))
				cell = "seven"
			case d.Type == model.TypeDateTime:
				cell = formatMillis(1, d.ID == model.FieldBornDate)
			}
		}
		if got := FormatSystem(col, &c, cat, refs); got != cell {
			t.Errorf("%s: exported %q, want %q", d.Key, got, cell)
		}
		if d.ID != model.FieldStatus { // status 0 is not a value customers have
			if got := FormatSystem(col, &model.Customer{}, cat, refs); got != "" && d.ID != model.FieldID {
				t.Errorf("%s: empty customer exported as %q", d.Key, got)
			}
		}
		// Import: the cell written back reaches the CustomerInput.
		if d.ReadOnly || d.ID == model.FieldID {
			continue
		}
		if d.Type == model.TypeDateTime {
			cell = "2020-01-02"
		}
		var in crm.CustomerInput
		if err := setSystem(col, cell, &in, cat, refs, "CN"); err != nil {
			t.Errorf("%s: import %q: %v", d.Key, cell, err)
			continue
		}
		if d.ImportOnly {
			continue // json:"-" members of the input, checked in follow_test.go
		}
		if reflect.ValueOf(in.SystemRef(d.ID)).Elem().IsNil() {
			t.Errorf("%s: import of %q wrote nothing", d.Key, cell)
		}
	}
}
