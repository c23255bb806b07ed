package api_test

import (
	"fmt"
	"testing"

	"github.com/kehu/kehu/internal/testenv"
)

// TestRequiredField: a custom field marked required (必填) must be given
// when a customer is created — by the API, a batch or an import — and can
// never be cleared; customers stored before the mark stay editable.
func TestRequiredField(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		old := c.mustDo("POST", "/v1/customers", map[string]any{"name": "标记之前"}, 201)
		f := c.mustDo("POST", "/v1/fields", map[string]any{"key": "source", "label": "来源", "type": "text", "required": true}, 201)
		if f["required"] != true {
			t.Fatalf("field %v", f)
		}
		code, p := c.do("POST", "/v1/customers", map[string]any{"name": "没有来源"})
		if code != 400 || p["field"] != "fields.source" || p["code"] != "required" {
			t.Fatalf("create without it: %d %v", code, p)
		}
		code, p = c.do("POST", "/v1/customers", map[string]any{"name": "空来源", "fields": map[string]any{"source": "  "}})
		if code != 400 || p["field"] != "fields.source" {
			t.Fatalf("create with a blank: %d %v", code, p)
		}
		cu := c.mustDo("POST", "/v1/customers", map[string]any{"name": "有来源", "fields": map[string]any{"source": "展会"}}, 201)
		path := fmt.Sprintf("/v1/customers/%v", cu["id"])
		code, p = c.do("PATCH", path, map[string]any{"fields": map[string]any{"source": nil}})
		if code != 400 || p["field"] != "fields.source" {
			t.Fatalf("clear it: %d %v", code, p)
		}
		c.mustDo("PATCH", path, map[string]any{"company": "甲公司"}, 200)
		c.mustDo("PATCH", fmt.Sprintf("/v1/customers/%v", old["id"]), map[string]any{"company": "乙公司"}, 200)
		// Listed, changeable.
		fl := c.mustDo("PATCH", fmt.Sprintf("/v1/fields/%v", f["id"]), map[string]any{"required": false}, 200)
		if fl["required"] != false {
			t.Fatalf("unmarked: %v", fl)
		}
		c.mustDo("POST", "/v1/customers", map[string]any{"name": "不再必填"}, 201)
	})
}
