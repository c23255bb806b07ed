package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/fieldtest"
	"github.com/kehu/kehu/internal/model"
)

// customerRef is the native customer object as encoding/json wrote it
// before the member table: the Customer by its tags, the custom values
// beside them. present's output must match it byte for byte.
type customerRef struct {
	*model.Customer
	Fields map[string]any `json:"fields"`
}

// randomCustomer sets every exported attribute of Customer by reflection,
// about half of them empty, so an attribute added to Customer without a
// member fails the comparison.
func randomCustomer(r *rand.Rand) *model.Customer {
	tricky := []string{"张三", `a"b\c`, "line\nbreak\t", "\x00\x1f", "<b>&</b>", "bad \xff utf-8", "\u2028", "😀", "x"}
	loc := time.FixedZone("CST", 8*3600)
	c := &model.Customer{}
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if !f.CanSet() || r.IntN(2) == 0 {
			continue
		}
		switch f.Interface().(type) {
		case string:
			f.SetString(tricky[r.IntN(len(tricky))])
		case int64:
			f.SetInt(r.Int64N(1<<53) - 1<<20)
		case int:
			f.SetInt(int64(r.IntN(9) - 1))
		case time.Time:
			t := time.UnixMilli(r.Int64N(4e12) - 1e12).Add(time.Duration(r.IntN(1000)) * time.Microsecond)
			if r.IntN(2) == 0 {
				t = t.In(loc)
			}
			f.Set(reflect.ValueOf(t.UTC()))
			if r.IntN(3) == 0 {
				f.Set(reflect.ValueOf(t))
			}
		case []int64:
			f.Set(reflect.ValueOf([]int64{r.Int64N(1 << 50), 7}[:r.IntN(3)]))
		case []string:
			f.Set(reflect.ValueOf([]string{tricky[r.IntN(len(tricky))], ""}[:r.IntN(3)]))
		}
	}
	return c
}

// TestPresentMatchesEncodingJSON: the member table writes what
// encoding/json wrote for the tagged struct, every attribute set or empty,
// custom values of every shape FieldsByKey yields.
func TestPresentMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	fields := []map[string]any{{}, {"level": "A", "budget": json.Number("1200.5"), "vip": true, "none": nil,
		"colors": []any{json.Number("3"), json.Number("4")}, "area": map[string]any{"label": "深圳<南山>", "code": "440305"}},
		{"b": "&", "a": []any{}, "c": map[string]any{}}}
	for i := range 500 {
		c := randomCustomer(r)
		f := fields[i%len(fields)]
		got, want := fieldtest.EncodingJSON(t, customerOut{Customer: c, Fields: f}), fieldtest.EncodingJSON(t, customerRef{Customer: c, Fields: f})
		if !bytes.Equal(got, want) {
			t.Fatalf("customer %d:\n got %s\nwant %s", i, got, want)
		}
	}
	// In a list, as the search pages write them.
	type listRef struct {
		Data       []customerRef `json:"data"`
		Page       int           `json:"page,omitempty"`
		PageSize   int           `json:"pageSize"`
		Total      *int64        `json:"total,omitempty"`
		Estimated  bool          `json:"totalEstimated,omitempty"`
		NextCursor string        `json:"nextCursor,omitempty"`
	}
	cs := []customerOut{{Customer: randomCustomer(r), Fields: fields[1]}, {Customer: randomCustomer(r), Fields: fields[0]}}
	refs := []customerRef{{cs[0].Customer, cs[0].Fields}, {cs[1].Customer, cs[1].Fields}}
	total := int64(1234)
	for _, l := range []listOut{{Data: cs, PageSize: 2}, {Data: cs, Page: 3, PageSize: 2, Total: &total, Estimated: true, NextCursor: "c\"<1>"},
		{Data: []customerOut{}, PageSize: 20, Page: 1}} {
		ref := listRef{Data: []customerRef{}, Page: l.Page, PageSize: l.PageSize, Total: l.Total, Estimated: l.Estimated, NextCursor: l.NextCursor}
		if len(l.Data) > 0 {
			ref.Data = refs
		}
		if got, want := append(l.append(nil), '\n'), fieldtest.EncodingJSON(t, ref); !bytes.Equal(got, want) {
			t.Fatalf("list:\n got %s\nwant %s", got, want)
		}
		if got, want := fieldtest.EncodingJSON(t, l), fieldtest.EncodingJSON(t, ref); !bytes.Equal(got, want) {
			t.Fatalf("list by encoding/json:\n got %s\nwant %s", got, want)
		}
	}
	// A single customer as writeCustomer answers it.
	rec := httptest.NewRecorder()
	writeCustomer(rec, 201, cs[0])
	if want := fieldtest.EncodingJSON(t, refs[0]); rec.Code != 201 || !bytes.Equal(rec.Body.Bytes(), want) || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("writeCustomer: %d %v\n got %s\nwant %s", rec.Code, rec.Header(), rec.Body.Bytes(), want)
	}
}
