package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kehu/kehu/internal/api"
	"github.com/kehu/kehu/internal/testenv"
)

// contractDoc is openapi.json with numbers kept as json.Number.
func contractDoc(t *testing.T) obj {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(api.OpenAPI))
	d.UseNumber()
	var doc obj
	if err := d.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

type contractOp struct {
	method, path string
	op           obj
}

func contractOps(doc obj) []contractOp {
	var ops []contractOp
	paths, _ := doc["paths"].(obj)
	for path, item := range paths {
		pi, _ := item.(obj)
		for _, m := range []string{"get", "put", "post", "delete", "patch"} {
			if o, ok := pi[m].(obj); ok {
				ops = append(ops, contractOp{m, path, o})
			}
		}
	}
	return ops
}

// at walks doc by keys; nil when a key is missing.
func at(doc any, keys ...string) obj {
	v := doc
	for _, k := range keys {
		m, _ := v.(obj)
		v = m[k]
	}
	m, _ := v.(obj)
	return m
}

// Why a schema check stands in for a generated client (issue #20): the
// standard Go generator in the registries here, oapi-codegen, reads OpenAPI
// 3.0 only (kin-openapi), and kehu's document is 3.1 (type arrays for
// nullable values, examples lists). What a generated typed client trips on
// is checked instead, in three parts:
//
//   - TestOpenAPILint: arrays without items, operations without
//     descriptions, defaults on page/cursor (a generator fills defaults in and
//     sends page with cursor);
//   - TestOpenAPIGeneratorRules (here): every $ref resolves, operationIds are
//     unique identifiers (they become method names), the exclusive pair is
//     not required (a typed client always sends a required field, page=0
//     with cursor), every JSON answer has a schema;
//   - TestGeneratedClientWalksByCursor fills every declared default into the
//     requests and walks by cursor, and TestResponsesMatchTheSchema (here)
//     decodes the real answers as a typed client would — each answer is
//     validated against the schema the document declares for its status, so
//     a field of another type, a missing required field or an undeclared
//     null (what makes a generated decoder fail) fails the test.

func TestOpenAPIGeneratorRules(t *testing.T) {
	doc := contractDoc(t)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case obj:
			if ref, ok := x["$ref"].(string); ok {
				if _, err := resolveRef(doc, ref); err != nil {
					t.Errorf("%s: %v", path, err)
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
	ident := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
	seen := map[string]string{}
	for _, op := range contractOps(doc) {
		id, _ := op.op["operationId"].(string)
		if !ident.MatchString(id) {
			t.Errorf("%s %s: operationId %q is not an identifier", op.method, op.path, id)
		}
		if prev, dup := seen[strings.ToLower(id)]; dup {
			t.Errorf("%s %s: operationId %q is also %s's", op.method, op.path, id, prev)
		}
		seen[strings.ToLower(id)] = op.method + " " + op.path
		resps, _ := op.op["responses"].(obj)
		for code, r := range resps {
			ro, _ := r.(obj)
			if ref, ok := ro["$ref"].(string); ok {
				rv, err := resolveRef(doc, ref)
				if err != nil {
					continue // reported above
				}
				ro, _ = rv.(obj)
			}
			content, _ := ro["content"].(obj)
			for mt, m := range content {
				if _, ok := m.(obj)["schema"]; !ok && strings.Contains(mt, "json") {
					t.Errorf("%s %s %s: %s without a schema", op.method, op.path, code, mt)
				}
			}
		}
	}
	req, _ := at(doc, "components", "schemas", "SearchRequest")["required"].([]any)
	for _, name := range []string{"page", "cursor"} {
		if slices.Contains(req, any(name)) {
			t.Errorf("SearchRequest requires %s: a typed client would always send it, also with the other of page/cursor", name)
		}
	}
}

// TestResponsesMatchTheSchema sends the calls a generated client makes on a
// first walk (list, search by cursor, read, update, a refused request, a
// missing customer) and validates every answer against the schema declared
// for its operation and status, on both databases.
func TestResponsesMatchTheSchema(t *testing.T) {
	doc := contractDoc(t)
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		call := func(method, path, pattern string, body any) (int, any) {
			t.Helper()
			var rd io.Reader
			if body != nil {
				b, _ := json.Marshal(body)
				rd = bytes.NewReader(b)
			}
			req, _ := http.NewRequest(method, e.URL+path, rd)
			req.Header.Set("Authorization", "Bearer "+bearer(t, e))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			var v any
			if len(raw) > 0 {
				if err := d.Decode(&v); err != nil {
					t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, raw)
				}
			}
			schema := responseSchema(t, doc, strings.ToLower(method), pattern, resp.StatusCode)
			if schema == nil {
				if len(raw) > 0 {
					t.Errorf("%s %s: %d answers a body the document does not declare: %s", method, path, resp.StatusCode, raw)
				}
				return resp.StatusCode, v
			}
			for _, msg := range validate(doc, schema, v, "$") {
				t.Errorf("%s %s (%d): %s", method, path, resp.StatusCode, msg)
			}
			return resp.StatusCode, v
		}
		var id string
		for i := range 5 {
			st, v := call("POST", "/v1/customers", "/v1/customers", obj{"name": fmt.Sprintf("契约%d", i), "phone": fmt.Sprintf("1380000100%d", i),
				"email": fmt.Sprintf("c%d@example.com", i), "tagIds": []any{}})
			if st != 201 {
				t.Fatalf("create: %d %v", st, v)
			}
			id = fmt.Sprint(v.(obj)["id"])
		}
		cursor := ""
		for range 4 {
			body := obj{"pageSize": 2, "total": "exact"}
			if cursor != "" {
				body["cursor"] = cursor
			}
			_, v := call("POST", "/v1/customers/search", "/v1/customers/search", body)
			cursor, _ = v.(obj)["nextCursor"].(string)
			if cursor == "" {
				break
			}
		}
		call("GET", "/v1/customers?pageSize=2&total=none", "/v1/customers", nil)
		call("GET", "/v1/customers?page=2&pageSize=2", "/v1/customers", nil)
		call("GET", "/v1/customers/"+id, "/v1/customers/{id}", nil)
		call("PATCH", "/v1/customers/"+id, "/v1/customers/{id}", obj{"remark": "契约"})
		call("GET", "/v1/customers?sort=bogus", "/v1/customers", nil)
		call("GET", "/v1/customers/1", "/v1/customers/{id}", nil)
		call("POST", "/v1/customers", "/v1/customers", obj{"name": "契约", "phone": "12345"})
	})
}

// bearer is a token of the env's client.
func bearer(t *testing.T, e *testenv.Env) string {
	t.Helper()
	resp, err := http.PostForm(e.URL+"/v1/oauth/token", map[string][]string{"grant_type": {"client_credentials"},
		"client_id": {e.Client.ClientID}, "client_secret": {e.Client.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return out.AccessToken
}

// responseSchema is the JSON schema declared for an operation's answer
// with status code (or its "default"), nil when none is declared.
func responseSchema(t *testing.T, doc obj, method, path string, code int) obj {
	t.Helper()
	resps := at(doc, "paths", path, method, "responses")
	r, ok := resps[fmt.Sprint(code)]
	if !ok {
		if r, ok = resps["default"]; !ok {
			t.Errorf("%s %s: status %d is not declared", method, path, code)
			return nil
		}
	}
	ro, _ := r.(obj)
	if ref, ok := ro["$ref"].(string); ok {
		rv, err := resolveRef(doc, ref)
		if err != nil {
			t.Fatal(err)
		}
		ro, _ = rv.(obj)
	}
	content, _ := ro["content"].(obj)
	for _, mt := range []string{"application/json", "application/problem+json"} {
		if m, ok := content[mt].(obj); ok {
			s, _ := m["schema"].(obj)
			return s
		}
	}
	return nil
}

func resolveRef(doc obj, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("$ref %q is not local", ref)
	}
	var v any = doc
	for _, k := range strings.Split(rest, "/") {
		m, ok := v.(obj)
		if !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
		if v, ok = m[strings.ReplaceAll(strings.ReplaceAll(k, "~1", "/"), "~0", "~")]; !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
	}
	return v, nil
}

// validate checks v against a JSON Schema (2020-12, the subset the document
// uses: $ref, type and type lists, properties, required,
// additionalProperties, items, enum, const, minimum/maximum,
// minLength/maxLength, oneOf/anyOf/allOf) and returns what does not match.
func validate(doc obj, s obj, v any, at string) []string {
	if ref, ok := s["$ref"].(string); ok {
		rs, err := resolveRef(doc, ref)
		if err != nil {
			return []string{at + ": " + err.Error()}
		}
		return validate(doc, rs.(obj), v, at)
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if t, ok := s["type"]; ok {
		var types []string
		switch x := t.(type) {
		case string:
			types = []string{x}
		case []any:
			for _, e := range x {
				types = append(types, fmt.Sprint(e))
			}
		}
		if !slices.ContainsFunc(types, func(ty string) bool { return isType(v, ty) }) {
			return []string{fmt.Sprintf("%s: %s where the schema says %v", at, kindOf(v), types)}
		}
	}
	if e, ok := s["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return fmt.Sprint(x) == fmt.Sprint(v) }) {
		bad("%v is not one of %v", v, e)
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		bad("%v is not %v", v, c)
	}
	switch x := v.(type) {
	case obj:
		props, _ := s["properties"].(obj)
		for _, r := range asList(s["required"]) {
			if _, ok := x[r]; !ok {
				bad("required %q is missing", r)
			}
		}
		for k, e := range x {
			if ps, ok := props[k].(obj); ok {
				errs = append(errs, validate(doc, ps, e, at+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					bad("%q is not a declared property", k)
				}
			case obj:
				errs = append(errs, validate(doc, ap, e, at+"."+k)...)
			}
		}
	case []any:
		if is, ok := s["items"].(obj); ok {
			for i, e := range x {
				errs = append(errs, validate(doc, is, e, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case json.Number:
		f, _ := x.Float64()
		if m, ok := s["minimum"].(json.Number); ok {
			if mf, _ := m.Float64(); f < mf {
				bad("%v is below the minimum %v", x, m)
			}
		}
		if m, ok := s["maximum"].(json.Number); ok {
			if mf, _ := m.Float64(); f > mf {
				bad("%v is above the maximum %v", x, m)
			}
		}
	case string:
		if m, ok := s["maxLength"].(json.Number); ok {
			if mi, _ := m.Int64(); int64(utf8.RuneCountInString(x)) > mi {
				bad("longer than maxLength %v", m)
			}
		}
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		alts, ok := s[key].([]any)
		if !ok {
			continue
		}
		n := 0
		for _, a := range alts {
			if len(validate(doc, a.(obj), v, at)) == 0 {
				n++
			}
		}
		if n == 0 || (key == "oneOf" && n > 1) {
			bad("matches %d of the %s alternatives", n, key)
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, a := range all {
			errs = append(errs, validate(doc, a.(obj), v, at)...)
		}
	}
	return errs
}

func asList(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, e := range l {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

func isType(v any, ty string) bool {
	switch ty {
	case "null":
		return v == nil
	case "object":
		_, ok := v.(obj)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		return ok && !strings.ContainsAny(string(n), ".eE")
	}
	return false
}

func kindOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case json.Number:
		return "number " + string(x)
	case string:
		return fmt.Sprintf("string %q", x)
	}
	return fmt.Sprintf("%T", v)
}

// TestSchemaCheckCatches: the check fails on the answers a generated
// decoder fails on.
func TestSchemaCheckCatches(t *testing.T) {
	doc := contractDoc(t)
	list := at(doc, "components", "schemas", "CustomerList")
	for name, body := range map[string]string{
		"nextCursor null":  `{"data":[],"pageSize":20,"nextCursor":null}`,
		"total a string":   `{"data":[],"pageSize":20,"total":"12"}`,
		"data missing":     `{"pageSize":20}`,
		"pageSize a float": `{"data":[],"pageSize":20.5}`,
		"customer id text": `{"data":[{"id":"1","name":"x"}],"pageSize":20}`,
	} {
		d := json.NewDecoder(strings.NewReader(body))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		if errs := validate(doc, list, v, "$"); len(errs) == 0 {
			t.Errorf("%s: %s passes the schema check", name, body)
		}
	}
	if errs := validate(doc, list, map[string]any{"data": []any{}, "pageSize": json.Number("20")}, "$"); len(errs) != 0 {
		t.Errorf("a valid page fails: %v", errs)
	}
}
