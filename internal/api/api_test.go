package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/testenv"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// client is a tiny native-API client for tests.
type client struct {
	t     *testing.T
	base  string
	token string
}

func newClient(t *testing.T, e *testenv.Env, c *model.Client) *client {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest("POST", e.URL+"/v1/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ClientID, c.Secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("token: %d %s", resp.StatusCode, b)
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 {
		t.Fatalf("bad token response %+v", tok)
	}
	return &client{t: t, base: e.URL, token: tok.AccessToken}
}

func (c *client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&out); err != nil {
			c.t.Fatalf("%s %s: %d non-JSON body %q", method, path, resp.StatusCode, raw)
		}
	}
	if resp.StatusCode >= 500 {
		c.t.Fatalf("%s %s: server error %d %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func (c *client) mustDo(method, path string, body any, want int) map[string]any {
	c.t.Helper()
	code, out := c.do(method, path, body)
	if code != want {
		c.t.Fatalf("%s %s: got %d want %d: %v", method, path, code, want, out)
	}
	return out
}

func names(out map[string]any) []string {
	var n []string
	for _, d := range out["data"].([]any) {
		n = append(n, d.(map[string]any)["name"].(string))
	}
	return n
}

func forEachDB(t *testing.T, fn func(t *testing.T, e *testenv.Env)) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) { fn(t, testenv.New(t, db)) })
	}
}

// TestNewUserFlow is the foundation issue's "done when": create customers,
// list by a one-character Chinese fragment plus status, newest first, two per
// page through the cursor and through pages, with a correct total; a second
// tenant sees none of them and cannot change them.
func TestNewUserFlow(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		people := []struct {
			name, phone string
			status      int
		}{{"张三", "138 1234 5678", 1}, {"张伟", "+86 139 0000 1111", 1}, {"李张氏", "13700001111", 1}, {"王五", "13600001111", 1}, {"张禁用", "13500001111", 2}, {"Zhang San", "13400001111", 1}}
		var ids []string
		for _, p := range people {
			out := c.mustDo("POST", "/v1/customers", map[string]any{"name": p.name, "phone": p.phone, "status": p.status}, 201)
			ids = append(ids, out["id"].(json.Number).String())
		}
		// 张 + status 1: 张三, 张伟, 李张氏 — newest first.
		want := []string{"李张氏", "张伟", "张三"}
		out := c.mustDo("GET", "/v1/customers?name=%E5%BC%A0&status=1&sort=-createdAt&pageSize=2", nil, 200)
		if got := names(out); fmt.Sprint(got) != fmt.Sprint(want[:2]) || out["total"].(json.Number).String() != "3" {
			t.Fatalf("page 1: %v total %v", got, out["total"])
		}
		cur := out["nextCursor"].(string)
		out = c.mustDo("GET", "/v1/customers?name=%E5%BC%A0&status=1&sort=-createdAt&pageSize=2&cursor="+url.QueryEscape(cur), nil, 200)
		if got := names(out); fmt.Sprint(got) != fmt.Sprint(want[2:]) || out["nextCursor"] != nil {
			t.Fatalf("cursor page 2: %v next %v", got, out["nextCursor"])
		}
		out = c.mustDo("GET", "/v1/customers?name=%E5%BC%A0&status=1&sort=-createdAt&pageSize=2&page=2", nil, 200)
		if got := names(out); fmt.Sprint(got) != fmt.Sprint(want[2:]) || out["total"].(json.Number).String() != "3" {
			t.Fatalf("page 2: %v", got)
		}
		// Phone typed three ways finds the same customer.
		for _, p := range []string{"138 1234 5678", "+86 13812345678", "13812345678"} {
			out := c.mustDo("GET", "/v1/customers?phone="+url.QueryEscape(p), nil, 200)
			if got := names(out); len(got) != 1 || got[0] != "张三" {
				t.Fatalf("phone %q: %v", p, got)
			}
		}
		// Latin names case-insensitively; pinyin finds Chinese names.
		out = c.mustDo("GET", "/v1/customers?name=zhang&sort=name", nil, 200)
		if got := names(out); fmt.Sprint(got) != "[Zhang San 张三 张伟 张禁用]" {
			t.Fatalf("pinyin/latin: %v", got)
		}
		// Another tenant: sees none, cannot read, change or delete.
		_, other := e.NewTenant(t, "other", 0)
		o := newClient(t, e, other)
		out = o.mustDo("GET", "/v1/customers", nil, 200)
		if len(out["data"].([]any)) != 0 || out["total"].(json.Number).String() != "0" {
			t.Fatalf("other tenant sees %v", out)
		}
		for _, m := range []struct{ method, body string }{{"GET", ""}, {"PATCH", `{"name":"x"}`}, {"DELETE", ""}} {
			code, p := o.do(m.method, "/v1/customers/"+ids[0], m.body)
			if code != 404 || p["code"] != "not_found" {
				t.Fatalf("other tenant %s: %d %v", m.method, code, p)
			}
		}
		code, _ := c.do("GET", "/v1/customers/999999999", nil)
		if code != 404 {
			t.Fatalf("missing customer: %d", code)
		}
		out = c.mustDo("GET", "/v1/customers/"+ids[0], nil, 200)
		if out["name"] != "张三" || out["phone"] != "+8613812345678" {
			t.Fatalf("get: %v", out)
		}
	})
}

func TestPatchAndDelete(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		out := c.mustDo("POST", "/v1/customers", map[string]any{"name": "赵六", "email": "Zhao@Example.com", "remark": "keep"}, 201)
		id := out["id"].(json.Number).String()
		if out["email"] != "zhao@example.com" {
			t.Fatalf("email not normalised: %v", out["email"])
		}
		out = c.mustDo("PATCH", "/v1/customers/"+id, map[string]any{"company": "示例公司"}, 200)
		if out["remark"] != "keep" || out["company"] != "示例公司" || out["name"] != "赵六" {
			t.Fatalf("patch lost fields: %v", out)
		}
		out = c.mustDo("PATCH", "/v1/customers/"+id, map[string]any{"remark": ""}, 200)
		if _, ok := out["remark"]; ok {
			t.Fatalf("remark not cleared: %v", out)
		}
		// Searchable immediately under the new company name.
		out = c.mustDo("POST", "/v1/customers/search", map[string]any{"filter": map[string]any{"field": "company", "op": "contains", "value": "示例"}}, 200)
		if len(names(out)) != 1 {
			t.Fatalf("company search after patch: %v", out)
		}
		c.mustDo("DELETE", "/v1/customers/"+id, nil, 204)
		c.mustDo("GET", "/v1/customers/"+id, nil, 404)
		out = c.mustDo("GET", "/v1/customers?name=%E8%B5%B5", nil, 200)
		if len(out["data"].([]any)) != 0 {
			t.Fatalf("deleted customer still listed: %v", out)
		}
	})
}

// TestBadInput: every malformed request gets a 4xx problem naming the
// field, and nothing is written.
func TestBadInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		cases := []struct {
			name, method, path, body string
			status                   int
			code, field              string
		}{
			{"malformed json", "POST", "/v1/customers", `{"name":`, 400, "malformed_json", ""},
			{"wrong type", "POST", "/v1/customers", `{"name":123}`, 400, "wrong_type", "name"},
			{"unknown field", "POST", "/v1/customers", `{"name":"a","nmae":"b"}`, 400, "unknown_field", "nmae"},
			{"missing name", "POST", "/v1/customers", `{"phone":"13812345678"}`, 400, "required", "name"},
			{"bad phone", "POST", "/v1/customers", `{"name":"a","phone":"12345"}`, 400, "invalid", "phone"},
			{"bad email", "POST", "/v1/customers", `{"name":"a","email":"not-an-email"}`, 400, "invalid", "email"},
			{"bad status", "POST", "/v1/customers", `{"name":"a","status":7}`, 400, "out_of_range", "status"},
			{"unknown custom field", "POST", "/v1/customers", `{"name":"a","fields":{"nope":1}}`, 400, "unknown_field", "fields.nope"},
			{"control chars", "POST", "/v1/customers", `{"name":"a\u0000b"}`, 400, "invalid", "name"},
			{"too long", "POST", "/v1/customers", `{"name":"` + strings.Repeat("长", 101) + `"}`, 400, "too_long", "name"},
			{"empty body", "POST", "/v1/customers", ``, 400, "empty_body", ""},
			{"trailing data", "POST", "/v1/customers", `{"name":"a"} {}`, 400, "malformed_json", ""},
			{"pageSize 0", "GET", "/v1/customers?pageSize=0", "", 400, "out_of_range", "pageSize"},
			{"pageSize 4001", "GET", "/v1/customers?pageSize=4001", "", 400, "out_of_range", "pageSize"},
			{"page 0", "GET", "/v1/customers?page=0", "", 400, "out_of_range", "page"},
			{"unknown sort", "GET", "/v1/customers?sort=shoeSize", "", 400, "invalid_query", "sort"},
			{"unknown param", "GET", "/v1/customers?colour=red", "", 400, "unknown_parameter", "colour"},
			{"bad filter", "GET", "/v1/customers?filter=" + url.QueryEscape(`name ~ `), "", 400, "invalid_filter", "filter"},
			{"unknown filter field", "GET", "/v1/customers?filter=" + url.QueryEscape(`shoe = 1`), "", 400, "invalid_query", "shoe"},
			{"bad cursor", "GET", "/v1/customers?cursor=zzz", "", 400, "invalid_query", "cursor"},
			{"bad id", "GET", "/v1/customers/abc", "", 400, "invalid", "id"},
			{"wrong method", "PUT", "/v1/customers/1", `{}`, 405, "method_not_allowed", ""},
			{"no route", "GET", "/v1/nothing", "", 404, "no_route", ""},
			{"search bad op", "POST", "/v1/customers/search", `{"filter":{"field":"name","op":"gt","value":"a"}}`, 400, "invalid_query", "name"},
			{"oversized", "POST", "/v1/customers", `{"name":"` + strings.Repeat("a", 5<<20) + `"}`, 413, "body_too_large", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				code, p := c.do(tc.method, tc.path, tc.body)
				if code != tc.status || p["code"] != tc.code || (tc.field != "" && p["field"] != tc.field) {
					t.Fatalf("got %d %v, want %d code %s field %s", code, p, tc.status, tc.code, tc.field)
				}
				if p["type"] == nil || p["title"] == nil || p["detail"] == nil {
					t.Fatalf("not a problem document: %v", p)
				}
			})
		}
		out := c.mustDo("GET", "/v1/customers", nil, 200)
		if out["total"].(json.Number).String() != "0" {
			t.Fatalf("bad input wrote customers: %v", out["total"])
		}
	})
}

func TestAuthErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		anon := &client{t: t, base: e.URL}
		code, p := anon.do("GET", "/v1/customers", nil)
		if code != 401 || p["code"] != "missing_token" {
			t.Fatalf("no token: %d %v", code, p)
		}
		forged := &client{t: t, base: e.URL, token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"}
		if code, p := forged.do("GET", "/v1/customers", nil); code != 401 || p["code"] != "token_invalid" {
			t.Fatalf("forged: %d %v", code, p)
		}
		// A token signed for another audience is not a native token.
		tok, _, err := e.Auth.Issue(e.Client, "yeastar", "access", 600e9)
		if err != nil {
			t.Fatal(err)
		}
		if code, p := (&client{t: t, base: e.URL, token: tok}).do("GET", "/v1/customers", nil); code != 401 || p["code"] != "token_invalid" {
			t.Fatalf("wrong audience: %d %v", code, p)
		}
		past := *e.Auth
		past.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
		expired, _, err := past.Issue(e.Client, "native", "access", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if code, p := (&client{t: t, base: e.URL, token: expired}).do("GET", "/v1/customers", nil); code != 401 || p["code"] != "token_expired" {
			t.Fatalf("expired: %d %v", code, p)
		}
		// Read-only client cannot write.
		ro := newClient(t, e, e.NewClient(t, e.Tenant.ID, 0, model.ScopeRead))
		if code, p := ro.do("POST", "/v1/customers", `{"name":"x"}`); code != 403 || p["code"] != "insufficient_scope" {
			t.Fatalf("read-only write: %d %v", code, p)
		}
		// Rotation revokes tokens.
		c := newClient(t, e, e.Client)
		c.mustDo("GET", "/v1/customers", nil, 200)
		if _, err := e.Auth.Rotate(t.Context(), e.Client.ClientID); err != nil {
			t.Fatal(err)
		}
		if code, p := c.do("GET", "/v1/customers", nil); code != 401 || p["code"] != "token_revoked" {
			t.Fatalf("after rotate: %d %v", code, p)
		}
		// Token endpoint errors follow RFC 6749.
		for _, tc := range []struct {
			body, user, pass string
			status           int
			errCode          string
		}{
			{"grant_type=client_credentials", e.Client.ClientID, "wrong", 401, "invalid_client"},
			{"grant_type=password", e.Client.ClientID, "x", 400, "unsupported_grant_type"},
			{"", e.Client.ClientID, "x", 400, "invalid_request"},
			{"grant_type=client_credentials&client_id=nope&client_secret=x", "", "", 401, "invalid_client"},
		} {
			req, _ := http.NewRequest("POST", e.URL+"/v1/oauth/token", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var out map[string]string
			json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if resp.StatusCode != tc.status || out["error"] != tc.errCode {
				t.Fatalf("token %q: %d %v", tc.body, resp.StatusCode, out)
			}
		}
	})
}

// TestProjectBinding: a client bound to a project only sees and writes there.
func TestProjectBinding(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		admin := newClient(t, e, e.Client)
		pa := admin.mustDo("POST", "/v1/projects", map[string]any{"name": "A"}, 201)["id"].(json.Number)
		pb := admin.mustDo("POST", "/v1/projects", map[string]any{"name": "B"}, 201)["id"].(json.Number)
		inB := admin.mustDo("POST", "/v1/customers", map[string]any{"name": "在B", "projectId": pb}, 201)["id"].(json.Number)
		paID, _ := pa.Int64()
		bound := newClient(t, e, e.NewClient(t, e.Tenant.ID, paID))
		out := bound.mustDo("POST", "/v1/customers", map[string]any{"name": "在A"}, 201)
		if out["projectId"].(json.Number) != pa {
			t.Fatalf("bound create landed in %v", out["projectId"])
		}
		if code, p := bound.do("POST", "/v1/customers", map[string]any{"name": "x", "projectId": pb}); code != 403 || p["code"] != "project_forbidden" {
			t.Fatalf("bound create in B: %d %v", code, p)
		}
		if got := names(bound.mustDo("GET", "/v1/customers", nil, 200)); fmt.Sprint(got) != "[在A]" {
			t.Fatalf("bound list: %v", got)
		}
		bound.mustDo("GET", "/v1/customers/"+inB.String(), nil, 404)
		if got := names(admin.mustDo("GET", "/v1/customers?projectId="+pb.String(), nil, 200)); fmt.Sprint(got) != "[在B]" {
			t.Fatalf("admin list B: %v", got)
		}
	})
}

// TestCatalogFlow is the query-engine issue's "done when" in miniature:
// custom fields, tags, a department tree and a nested question.
func TestCatalogFlow(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		c.mustDo("POST", "/v1/fields", map[string]any{"key": "level", "label": "等级", "type": "select", "options": []map[string]string{{"label": "VIP"}, {"label": "普通"}}}, 201)
		c.mustDo("POST", "/v1/fields", map[string]any{"key": "score", "type": "number"}, 201)
		c.mustDo("POST", "/v1/fields", map[string]any{"key": "hobbies", "type": "multiselect", "options": []map[string]string{{"label": "a"}, {"label": "b"}}}, 201)
		c.mustDo("POST", "/v1/fields", map[string]any{"key": "since", "type": "date"}, 201)
		g := c.mustDo("POST", "/v1/tag-groups", map[string]any{"name": "状态"}, 201)["id"]
		lost := c.mustDo("POST", "/v1/tags", map[string]any{"groupId": g, "name": "lost"}, 201)["id"]
		root := c.mustDo("POST", "/v1/departments", map[string]any{"name": "总部"}, 201)["id"]
		sales := c.mustDo("POST", "/v1/departments", map[string]any{"name": "销售部", "parentId": root}, 201)["id"]
		south := c.mustDo("POST", "/v1/departments", map[string]any{"name": "华南", "parentId": sales}, 201)["id"]
		ops := c.mustDo("POST", "/v1/departments", map[string]any{"name": "运营", "parentId": root}, 201)["id"]
		s1 := c.mustDo("POST", "/v1/staff", map[string]any{"name": "销售甲", "departmentId": south}, 201)["id"]
		s2 := c.mustDo("POST", "/v1/staff", map[string]any{"name": "运营乙", "departmentId": ops}, 201)["id"]
		mk := func(name string, owner any, fields map[string]any, tags ...any) {
			body := map[string]any{"name": name, "ownerId": owner, "fields": fields}
			if len(tags) > 0 {
				body["tagIds"] = tags
			}
			c.mustDo("POST", "/v1/customers", body, 201)
		}
		mk("李一", s1, map[string]any{"level": "VIP", "score": 10})
		mk("李二", s1, map[string]any{"level": "普通", "score": 90})
		mk("李三", s1, map[string]any{"level": "普通", "score": 50})
		mk("李四", s2, map[string]any{"level": "VIP", "score": 95})
		mk("李五", s1, map[string]any{"level": "VIP", "score": 99}, lost)
		mk("王六", s1, map[string]any{"level": "VIP", "score": 99})
		filter := map[string]any{"and": []any{
			map[string]any{"or": []any{
				map[string]any{"field": "level", "op": "eq", "value": "VIP"},
				map[string]any{"field": "score", "op": "gt", "value": 80},
			}},
			map[string]any{"field": "department", "op": "eq", "value": sales},
			map[string]any{"field": "createdAt", "op": "thisYear"},
			map[string]any{"not": map[string]any{"field": "tags", "op": "hasAny", "values": []any{"lost"}}},
			map[string]any{"field": "name", "op": "contains", "value": "李"},
		}}
		out := c.mustDo("POST", "/v1/customers/search", map[string]any{"filter": filter, "sort": "-score"}, 200)
		if got := names(out); fmt.Sprint(got) != "[李二 李一]" {
			t.Fatalf("nested question: %v", got)
		}
		// The same question in the string form.
		f := `(level = "VIP" || score > 80) && department = ` + fmt.Sprint(sales) + ` && createdAt thisYear && !(tags ?= "lost") && name ~ "李"`
		out = c.mustDo("GET", "/v1/customers?sort=-score&filter="+url.QueryEscape(f), nil, 200)
		if got := names(out); fmt.Sprint(got) != "[李二 李一]" {
			t.Fatalf("string filter: %v", got)
		}
		// Cursor walk sorted by a custom field visits every customer once.
		seen := map[string]bool{}
		path := "/v1/customers?sort=score,name&pageSize=2"
		var order []string
		for {
			out := c.mustDo("GET", path, nil, 200)
			for _, n := range names(out) {
				if seen[n] {
					t.Fatalf("%s seen twice", n)
				}
				seen[n] = true
				order = append(order, n)
			}
			next, _ := out["nextCursor"].(string)
			if next == "" {
				break
			}
			path = "/v1/customers?sort=score,name&pageSize=2&cursor=" + url.QueryEscape(next)
		}
		if fmt.Sprint(order) != "[李一 李三 李二 李四 李五 王六]" {
			t.Fatalf("cursor walk order: %v", order)
		}
		code, p := c.do("POST", "/v1/customers/search", map[string]any{"filter": map[string]any{"field": "level", "op": "contains", "value": "V"}})
		if code != 400 || !strings.Contains(p["detail"].(string), "level") || !strings.Contains(p["detail"].(string), "contains") {
			t.Fatalf("bad filter message: %d %v", code, p)
		}
	})
}
