package api

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/webhook"
)

// These tests keep openapi.json honest: every route of the route table is
// described with its method and scope, nothing else under /v1 is, every $ref
// resolves, and the main schemas list exactly the JSON members of the Go
// types the handlers read and write.

type obj = map[string]any

// openAPIDoc decodes the embedded document.
func openAPIDoc(t *testing.T) obj {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(OpenAPI))
	d.UseNumber()
	var doc obj
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if d.More() {
		t.Fatal("openapi.json: data after the document")
	}
	return doc
}

// at walks doc along keys, failing the test when a step is missing.
func at(t *testing.T, doc any, keys ...string) any {
	t.Helper()
	cur := doc
	for i, k := range keys {
		m, ok := cur.(obj)
		if !ok {
			t.Fatalf("openapi.json: %s is not an object", strings.Join(keys[:i], "."))
		}
		if cur, ok = m[k]; !ok {
			t.Fatalf("openapi.json: missing %s", strings.Join(keys[:i+1], "."))
		}
	}
	return cur
}

func atObj(t *testing.T, doc any, keys ...string) obj {
	t.Helper()
	m, ok := at(t, doc, keys...).(obj)
	if !ok {
		t.Fatalf("openapi.json: %s is not an object", strings.Join(keys, "."))
	}
	return m
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// operation is one operation of the document.
type operation struct {
	method, path string // method upper-case, as in the route table
	op           obj
}

func operations(t *testing.T, doc obj) []operation {
	t.Helper()
	var ops []operation
	for path, item := range atObj(t, doc, "paths") {
		pi, ok := item.(obj)
		if !ok {
			t.Fatalf("paths[%q] is not an object", path)
		}
		for _, m := range httpMethods {
			if o, ok := pi[m]; ok {
				op, ok := o.(obj)
				if !ok {
					t.Fatalf("paths[%q].%s is not an object", path, m)
				}
				ops = append(ops, operation{strings.ToUpper(m), path, op})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

func TestOpenAPIDocument(t *testing.T) {
	doc := openAPIDoc(t)
	if v, _ := doc["openapi"].(string); !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(v) {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{[]string{"info", "title"}, "kehu native API"},
		{[]string{"components", "securitySchemes", "oauth2", "type"}, "oauth2"},
		{[]string{"components", "securitySchemes", "oauth2", "flows", "clientCredentials", "tokenUrl"}, "/v1/oauth/token"},
		{[]string{"components", "securitySchemes", "bearer", "type"}, "http"},
		{[]string{"components", "securitySchemes", "bearer", "scheme"}, "bearer"},
		{[]string{"components", "securitySchemes", "bearer", "bearerFormat"}, "JWT"},
	} {
		if got, _ := at(t, doc, tc.keys...).(string); got != tc.want {
			t.Errorf("%s = %q, want %q", strings.Join(tc.keys, "."), got, tc.want)
		}
	}
	for _, k := range []string{"version", "description"} {
		if s, _ := at(t, doc, "info", k).(string); s == "" {
			t.Errorf("info.%s is empty", k)
		}
	}
	if s, ok := doc["servers"].([]any); !ok || len(s) != 1 || s[0].(obj)["url"] != "/" {
		t.Errorf(`servers = %v, want [{"url": "/"}]`, doc["servers"])
	}
	scopes := atObj(t, doc, "components", "securitySchemes", "oauth2", "flows", "clientCredentials", "scopes")
	for _, sc := range []string{model.ScopeRead, model.ScopeWrite} {
		if _, ok := scopes[sc]; !ok {
			t.Errorf("oauth2 client credentials flow lacks scope %s", sc)
		}
	}
	for _, name := range []string{"BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "PayloadTooLarge"} {
		if _, ok := at(t, doc, "components", "responses", name, "content").(obj)["application/problem+json"]; !ok {
			t.Errorf("components.responses.%s is not application/problem+json", name)
		}
	}
}

// TestOpenAPIRoutes checks each route of the table: described with its
// method, and secured with its scope (public routes with security: []).
func TestOpenAPIRoutes(t *testing.T) {
	doc := openAPIDoc(t)
	schemes := atObj(t, doc, "components", "securitySchemes")
	oauthScopes := atObj(t, schemes, "oauth2", "flows", "clientCredentials", "scopes")
	for _, rt := range routes {
		t.Run(rt.pattern, func(t *testing.T) {
			method, path, ok := strings.Cut(rt.pattern, " ")
			if !ok {
				t.Fatalf("route pattern %q has no method", rt.pattern)
			}
			// Go's ServeMux wildcards {id} are OpenAPI's path template syntax.
			item, ok := atObj(t, doc, "paths")[path].(obj)
			if !ok {
				t.Fatalf("paths has no %s", path)
			}
			op, ok := item[strings.ToLower(method)].(obj)
			if !ok {
				t.Fatalf("paths[%q] has no %s operation", path, strings.ToLower(method))
			}
			sec, ok := op["security"].([]any)
			if !ok {
				t.Fatalf("%s declares no security (a public route needs security: [])", rt.pattern)
			}
			if rt.scope == "" {
				if len(sec) != 0 {
					t.Errorf("%s is public but declares security %v", rt.pattern, sec)
				}
				return
			}
			if rt.scope == scopeSession {
				if len(sec) != 1 || len(sec[0].(obj)) != 1 || sec[0].(obj)["session"] == nil || len(sec[0].(obj)["session"].([]any)) != 0 {
					t.Errorf("%s needs a staff session but declares security %v, want [{session: []}]", rt.pattern, sec)
				}
				return
			}
			if _, ok := oauthScopes[rt.scope]; !ok {
				t.Errorf("scope %s is not a scope of the oauth2 scheme", rt.scope)
			}
			if len(sec) == 0 {
				t.Fatalf("%s needs %s but declares security: []", rt.pattern, rt.scope)
			}
			usesOAuth := false
			for _, req := range sec {
				for name, v := range req.(obj) {
					if _, ok := schemes[name]; !ok {
						t.Errorf("security names unknown scheme %q", name)
					}
					usesOAuth = usesOAuth || name == "oauth2"
					// A staff session: the role decides. A bearer token: the same
					// oauth2 token, its scopes named on the oauth2 requirement
					// (OAS 3.0 tooling such as Spectral refuses scopes on an http
					// scheme).
					if name == "session" || name == "bearer" {
						if len(v.([]any)) != 0 {
							t.Errorf("security %s = %v, want []", name, v)
						}
						continue
					}
					var got []string
					for _, s := range v.([]any) {
						got = append(got, s.(string))
					}
					if !slices.Equal(got, []string{rt.scope}) {
						t.Errorf("security %s = %v, want [%s]", name, got, rt.scope)
					}
				}
			}
			if !usesOAuth {
				t.Errorf("%s: no security requirement uses the oauth2 scheme", rt.pattern)
			}
		})
	}
}

// TestOpenAPINoPhantomEndpoints checks that every /v1 operation of the
// document is served.
func TestOpenAPINoPhantomEndpoints(t *testing.T) {
	doc := openAPIDoc(t)
	served := map[string]bool{}
	for _, rt := range routes {
		served[rt.pattern] = true
	}
	for _, o := range operations(t, doc) {
		if strings.HasPrefix(o.path, "/v1/") && !served[o.method+" "+o.path] {
			t.Errorf("%s %s is described but not in the route table", o.method, o.path)
		}
	}
}

func TestOpenAPIOperations(t *testing.T) {
	doc := openAPIDoc(t)
	camel := regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	tags := map[string]bool{}
	for _, tg := range doc["tags"].([]any) {
		tags[tg.(obj)["name"].(string)] = true
	}
	status := regexp.MustCompile(`^([1-5]\d\d|[1-5]XX|default)$`)
	seen := map[string]string{}
	for _, o := range operations(t, doc) {
		name := o.method + " " + o.path
		id, _ := o.op["operationId"].(string)
		switch {
		case id == "":
			t.Errorf("%s has no operationId", name)
		case !camel.MatchString(id):
			t.Errorf("%s: operationId %q is not camelCase", name, id)
		case seen[id] != "":
			t.Errorf("operationId %q is used by %s and %s", id, seen[id], name)
		}
		seen[id] = name
		if s, _ := o.op["summary"].(string); s == "" {
			t.Errorf("%s has no summary", name)
		}
		opTags, _ := o.op["tags"].([]any)
		if len(opTags) == 0 {
			t.Errorf("%s has no tags", name)
		}
		for _, tg := range opTags {
			if !tags[tg.(string)] {
				t.Errorf("%s: unknown tag %v", name, tg)
			}
		}
		resp, _ := o.op["responses"].(obj)
		if len(resp) == 0 {
			t.Errorf("%s has no responses", name)
		}
		for code := range resp {
			if !status.MatchString(code) {
				t.Errorf("%s: response key %q is not a status code", name, code)
			}
		}
		params, _ := o.op["parameters"].([]any)
		for _, p := range params {
			if p, _ := p.(obj); p["$ref"] == nil && p["schema"] == nil {
				t.Errorf("%s: parameter %v has no schema", name, p["name"])
			}
		}
	}
}

// TestOpenAPIRefsResolve follows every $ref of the document.
func TestOpenAPIRefsResolve(t *testing.T) {
	doc := openAPIDoc(t)
	n := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case obj:
			if r, ok := v["$ref"]; ok {
				n++
				s, _ := r.(string)
				if _, err := resolvePointer(doc, s); err != "" {
					t.Errorf("%s: $ref %q: %s", path, s, err)
				}
			}
			for k, x := range v {
				walk(path+"/"+k, x)
			}
		case []any:
			for _, x := range v {
				walk(path+"[]", x)
			}
		}
	}
	walk("#", doc)
	if n == 0 {
		t.Error("no $ref found: the walk is broken")
	}
}

// resolvePointer resolves a same-document reference "#/a/b~1c".
func resolvePointer(doc obj, ref string) (any, string) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, "not a reference inside the document"
	}
	var cur any = doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(obj)
		if !ok {
			return nil, "steps into a non-object at " + quote(tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, "no member " + quote(tok)
		}
	}
	return cur, ""
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// jsonNames lists the JSON member names of a struct type as encoding/json
// sees them (embedded structs promoted, "-" skipped).
func jsonNames(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && tag == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			out = append(out, jsonNames(f.Type)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}

// TestOpenAPISchemasMatchGoTypes checks that the schemas list exactly the
// JSON members of the Go types behind them.
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := openAPIDoc(t)
	optionIn := reflect.TypeFor[fieldIn]()
	optF, _ := optionIn.FieldByName("Options")
	for _, tc := range []struct {
		schema string
		typ    reflect.Type
		extra  []string // members added outside the type
	}{
		{"Customer", reflect.TypeFor[customerOut](), nil},
		{"CustomerInput", reflect.TypeFor[crm.CustomerInput](), nil},
		{"CustomerList", reflect.TypeFor[listOut](), nil},
		{"SearchRequest", reflect.TypeFor[searchBody](), nil},
		{"Field", reflect.TypeFor[model.Field](), nil},
		{"FieldCreate", reflect.TypeFor[fieldIn](), nil},
		{"FieldUpdate", reflect.TypeFor[fieldIn](), nil},
		{"Option", reflect.TypeFor[model.Option](), nil},
		{"OptionInput", optF.Type.Elem().Elem(), nil},
		{"TagGroup", reflect.TypeFor[model.TagGroup](), nil},
		{"Tag", reflect.TypeFor[model.Tag](), nil},
		{"Staff", reflect.TypeFor[model.Staff](), nil},
		{"StaffCreate", reflect.TypeFor[model.Staff](), nil},
		{"Department", reflect.TypeFor[model.Department](), nil},
		{"Stage", reflect.TypeFor[model.Stage](), nil},
		{"Project", reflect.TypeFor[model.Project](), nil},
		{"Event", reflect.TypeFor[model.Event](), []string{"customer", "info"}},
		{"Webhook", reflect.TypeFor[model.Webhook](), nil},
		{"WebhookInput", reflect.TypeFor[webhook.Input](), nil},
		{"WebhookDelivery", reflect.TypeFor[model.WebhookDelivery](), nil},
		{"WebhookAttempt", reflect.TypeFor[model.WebhookAttempt](), nil},
		{"Change", reflect.TypeFor[model.Change](), nil},
		{"FollowUp", reflect.TypeFor[model.FollowUp](), nil},
		{"FollowUpInput", reflect.TypeFor[followUpIn](), nil},
		{"FollowUpList", reflect.TypeFor[followUpList](), nil},
		{"FollowUpKind", reflect.TypeFor[model.FollowUpKind](), nil},
		{"FollowUpKindInput", reflect.TypeFor[followUpKindIn](), nil},
		{"Pool", reflect.TypeFor[model.Pool](), nil},
		{"PoolRules", reflect.TypeFor[model.PoolRules](), nil},
		{"PoolInput", reflect.TypeFor[poolIn](), nil},
		{"PoolRulesInput", reflect.TypeFor[poolRulesIn](), nil},
		{"PoolActionInput", reflect.TypeFor[crm.PoolActionInput](), nil},
		{"PoolAction", reflect.TypeFor[model.PoolAction](), nil},
		{"Problem", reflect.TypeFor[Problem](), nil},
		{"TokenError", reflect.TypeFor[tokenError](), nil},
	} {
		t.Run(tc.schema, func(t *testing.T) {
			props := atObj(t, doc, "components", "schemas", tc.schema, "properties")
			want := map[string]bool{}
			for _, n := range append(jsonNames(tc.typ), tc.extra...) {
				want[n] = true
			}
			for _, n := range slices.Sorted(maps.Keys(want)) {
				if _, ok := props[n]; !ok {
					t.Errorf("%s lacks property %q (a JSON member of %v)", tc.schema, n, tc.typ)
				}
			}
			for _, n := range slices.Sorted(maps.Keys(props)) {
				if !want[n] {
					t.Errorf("%s has property %q, which %v does not have", tc.schema, n, tc.typ)
				}
			}
		})
	}
}

func TestOpenAPIConditionOperators(t *testing.T) {
	doc := openAPIDoc(t)
	var got []string
	for _, v := range at(t, doc, "components", "schemas", "ConditionOperator", "enum").([]any) {
		got = append(got, v.(string))
	}
	var want []string
	for op := range cond.Ops {
		want = append(want, string(op))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("ConditionOperator enum differs from cond.Ops\n got: %v\nwant: %v", got, want)
	}
	variants := at(t, doc, "components", "schemas", "Condition", "oneOf").([]any)
	if len(variants) != 4 {
		t.Errorf("Condition has %d variants, want and/or/not/leaf", len(variants))
	}
}

// TestOpenAPIListParameters checks GET /v1/customers against listParams.
func TestOpenAPIListParameters(t *testing.T) {
	doc := openAPIDoc(t)
	var got []string
	for _, p := range at(t, doc, "paths", "/v1/customers", "get", "parameters").([]any) {
		p := p.(obj)
		if r, ok := p["$ref"].(string); ok {
			x, err := resolvePointer(doc, r)
			if err != "" {
				t.Fatalf("%s: %s", r, err)
			}
			p = x.(obj)
		}
		if p["in"] != "query" {
			t.Errorf("parameter %v is in %v, want query", p["name"], p["in"])
		}
		got = append(got, p["name"].(string))
	}
	want := slices.Sorted(maps.Keys(listParams))
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("GET /v1/customers parameters differ from listParams\n got: %v\nwant: %v", got, want)
	}
}

// TestOpenAPIConditionExamples runs the document's condition examples
// through the real parsers.
func TestOpenAPIConditionExamples(t *testing.T) {
	doc := openAPIDoc(t)
	parseJSON := func(name string, v any) {
		t.Helper()
		b, _ := json.Marshal(v)
		if _, err := cond.ParseJSON(b, cond.DefaultLimits); err != nil {
			t.Errorf("%s: %s does not parse: %v", name, b, err)
		}
	}
	examples := func(keys ...string) []any {
		l, _ := at(t, doc, keys...).([]any)
		if len(l) == 0 {
			t.Errorf("%s has no examples", strings.Join(keys, "."))
		}
		return l
	}
	for _, ex := range examples("components", "schemas", "Condition", "examples") {
		parseJSON("Condition example", ex)
	}
	for _, ex := range examples("components", "schemas", "LeafCondition", "examples") {
		parseJSON("LeafCondition example", ex)
	}
	for _, ex := range examples("components", "schemas", "SearchRequest", "examples") {
		parseJSON("SearchRequest example filter", ex.(obj)["filter"])
	}
	for name, ex := range atObj(t, doc, "paths", "/v1/customers/search", "post", "requestBody", "content", "application/json", "examples") {
		parseJSON("searchCustomers example "+name, ex.(obj)["value"].(obj)["filter"])
	}
	for _, p := range at(t, doc, "paths", "/v1/customers", "get", "parameters").([]any) {
		if p := p.(obj); p["name"] == "filter" {
			if _, err := cond.ParseString(p["example"].(string), cond.DefaultLimits); err != nil {
				t.Errorf("filter parameter example %q does not parse: %v", p["example"], err)
			}
		}
	}
}
