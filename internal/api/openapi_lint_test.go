package api

import (
	"fmt"
	"strings"
	"testing"
)

// TestOpenAPILint holds the document to what linters (Spectral's oas
// ruleset) and code generators need: every array schema says what its items
// are, every operation has an operationId, a summary and a description, and
// no request parameter or body property of a mutually exclusive pair (page /
// cursor) carries a default — generated typed clients fill defaults in and
// would then send page together with cursor, which is a 400.
func TestOpenAPILint(t *testing.T) {
	doc := openAPIDoc(t)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case obj:
			isArray := x["type"] == "array"
			if list, ok := x["type"].([]any); ok {
				for _, e := range list {
					isArray = isArray || e == "array"
				}
			}
			if _, items := x["items"]; isArray && !items {
				if _, prefix := x["prefixItems"]; !prefix {
					t.Errorf("%s: an array schema without items", path)
				}
			}
			for k, e := range x {
				walk(path+"/"+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s/%d", path, i), e)
			}
		}
	}
	walk("#", doc)
	for _, op := range operations(t, doc) {
		for _, k := range []string{"operationId", "summary", "description"} {
			if s, _ := op.op[k].(string); strings.TrimSpace(s) == "" {
				t.Errorf("%s %s: no %s", op.method, op.path, k)
			}
		}
	}
	exclusive := []string{"page", "cursor"}
	for _, name := range exclusive {
		p := atObj(t, doc, "components", "parameters", name, "schema")
		if _, ok := p["default"]; ok {
			t.Errorf("parameter %s has a default: generated clients would send it with the other of %v", name, exclusive)
		}
		if _, ok := atObj(t, doc, "components", "schemas", "SearchRequest", "properties", name)["default"]; ok {
			t.Errorf("SearchRequest.%s has a default: generated clients would send it with the other of %v", name, exclusive)
		}
	}
}
