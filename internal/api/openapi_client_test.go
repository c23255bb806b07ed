package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/api"
	"github.com/kehu/kehu/internal/testenv"
)

type obj = map[string]any

// TestGeneratedClientWalksByCursor does what a client generated from
// /openapi.json does: it fills in every default the document declares for
// the search body and the list parameters, then walks every page by the
// returned cursor — without casts or removing fields. Every request must
// succeed and every customer be seen exactly once, on both databases.
func TestGeneratedClientWalksByCursor(t *testing.T) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage
		Components struct {
			Schemas    map[string]struct{ Properties map[string]map[string]any }
			Parameters map[string]struct {
				Name   string
				Schema map[string]any
			}
		}
	}
	if err := json.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	bodyDefaults := obj{}
	for name, p := range doc.Components.Schemas["SearchRequest"].Properties {
		if d, ok := p["default"]; ok {
			bodyDefaults[name] = d
		}
	}
	queryDefaults := url.Values{}
	var list struct {
		Parameters []struct {
			Ref string `json:"$ref"`
		}
	}
	if err := json.Unmarshal(doc.Paths["/v1/customers"]["get"], &list); err != nil {
		t.Fatal(err)
	}
	params := list.Parameters
	if len(params) == 0 {
		t.Fatal("GET /v1/customers has no parameters in openapi.json")
	}
	for _, ref := range params {
		p, ok := doc.Components.Parameters[strings.TrimPrefix(ref.Ref, "#/components/parameters/")]
		if !ok {
			continue
		}
		if d, ok := p.Schema["default"]; ok {
			queryDefaults.Set(p.Name, fmt.Sprint(d))
		}
	}
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		const n = 7
		for i := range n {
			c.mustDo("POST", "/v1/customers", obj{"name": fmt.Sprintf("游标%d", i)}, http.StatusCreated)
		}
		walk := func(label string, page func(cursor string) map[string]any) {
			seen := map[string]bool{}
			cursor := ""
			for range n + 2 {
				out := page(cursor)
				for _, d := range out["data"].([]any) {
					id := fmt.Sprint(d.(obj)["id"])
					if seen[id] {
						t.Fatalf("%s: %s seen twice", label, id)
					}
					seen[id] = true
				}
				next, _ := out["nextCursor"].(string)
				if next == "" {
					break
				}
				cursor = next
			}
			if len(seen) != n {
				t.Fatalf("%s: walked %d customers, want %d", label, len(seen), n)
			}
		}
		walk("POST /v1/customers/search", func(cursor string) map[string]any {
			body := obj{"pageSize": 3}
			for k, v := range bodyDefaults {
				body[k] = v
			}
			if cursor != "" {
				body["cursor"] = cursor
			}
			return c.mustDo("POST", "/v1/customers/search", body, http.StatusOK)
		})
		walk("GET /v1/customers", func(cursor string) map[string]any {
			q := url.Values{}
			for k, v := range queryDefaults {
				q[k] = v
			}
			q.Set("pageSize", "3")
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			return c.mustDo("GET", "/v1/customers?"+q.Encode(), nil, http.StatusOK)
		})
	})
}

// TestProblemFaces: sort errors name the sort parameter, a request without
// a token is challenged without an error code (RFC 6750 §3.1), and paths
// outside the APIs answer a problem document, not Go's plain text.
func TestProblemFaces(t *testing.T) {
	e := testenv.New(t, testenv.Databases[0])
	c := newClient(t, e, e.Client)
	if code, p := c.do("GET", "/v1/customers?sort=bogus", nil); code != 400 || p["field"] != "sort" {
		t.Errorf("sort=bogus: %d %v", code, p)
	}
	if code, p := c.do("POST", "/v1/customers/search", `{"sort":"-bogus"}`); code != 400 || p["field"] != "sort" {
		t.Errorf("search sort -bogus: %d %v", code, p)
	}
	for _, tc := range []struct{ auth, want string }{
		{"", `Bearer realm="kehu"`},
		{"Bearer nonsense", `Bearer realm="kehu", error="invalid_token"`},
	} {
		req, _ := http.NewRequest("GET", e.URL+"/v1/customers", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != 401 || got != tc.want {
			t.Errorf("Authorization %q: %d, WWW-Authenticate %q, want %q", tc.auth, resp.StatusCode, got, tc.want)
		}
	}
	for _, path := range []string{"/nope", "/v2/customers", "/api/unknown"} {
		resp, err := http.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}
