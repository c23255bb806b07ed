package api_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/testenv"
)

// TestViewsAPI walks /v1/views on both databases: a 销售's client saves,
// lists, reads, renames and deletes its views; the body is decoded
// strictly; another 销售 does not see them; only an administrator shares;
// a tenant-level client has no views.
func TestViewsAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		rep, _ := staffClient(t, e, "李雷")
		other, _ := staffClient(t, e, "韩梅梅")
		ctx := context.Background()
		ar, err := e.Store.RoleByKey(ctx, e.Tenant.ID, model.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		am := &model.Staff{Name: "管理员", RoleID: ar.ID}
		if err := e.Store.CreateStaff(ctx, e.Tenant.ID, am); err != nil {
			t.Fatal(err)
		}
		acl, err := e.Auth.Create(ctx, model.Client{TenantID: e.Tenant.ID, StaffID: am.ID, Name: "管理员", Scopes: []string{model.ScopeRead, model.ScopeWrite}})
		if err != nil {
			t.Fatal(err)
		}
		admin := newClient(t, e, acl)

		v := rep.mustDo("POST", "/v1/views", map[string]any{"name": "本月新客户", "q": "张", "filter": "createdAt thisMonth",
			"sort": "-createdAt", "columns": []string{"name", "phone"}}, 201)
		id := v["id"].(json.Number).String()
		if v["name"] != "本月新客户" || v["shared"] != false || len(v["columns"].([]any)) != 2 {
			t.Fatalf("created %v", v)
		}
		for _, tc := range []struct {
			body any
			code int
			want string
		}{
			{map[string]any{"name": "x", "colour": "red"}, 400, "unknown_field"},
			{map[string]any{"name": 7}, 400, ""},
			{map[string]any{"name": "x", "columns": "name"}, 400, ""},
			{map[string]any{"q": "张"}, 400, "required"},
			{map[string]any{"name": "x", "filter": "name =="}, 400, "invalid"},
			{map[string]any{"name": "x", "sort": "nosuch"}, 400, "invalid"},
			{map[string]any{"name": "本月新客户"}, 409, "conflict"},
			{map[string]any{"name": "共享", "shared": true}, 403, ""},
			{`{"name": "x"`, 400, ""},
		} {
			code, out := rep.do("POST", "/v1/views", tc.body)
			if code != tc.code || (tc.want != "" && out["code"] != tc.want) {
				t.Errorf("POST /v1/views %v: %d %v, want %d %s", tc.body, code, out, tc.code, tc.want)
			}
		}
		list := rep.mustDo("GET", "/v1/views", nil, 200)["data"].([]any)
		if len(list) != 1 {
			t.Errorf("rep's views: %v", list)
		}
		if code, _ := rep.do("GET", "/v1/views?all=1", nil); code != 400 {
			t.Errorf("an unknown parameter: %d", code)
		}
		if l := other.mustDo("GET", "/v1/views", nil, 200)["data"].([]any); len(l) != 0 {
			t.Errorf("another 销售 sees %v", l)
		}
		other.mustDo("GET", "/v1/views/"+id, nil, 404)
		other.mustDo("PATCH", "/v1/views/"+id, map[string]any{"name": "偷改"}, 404)
		u := rep.mustDo("PATCH", "/v1/views/"+id, map[string]any{"name": "我的客户"}, 200)
		if u["name"] != "我的客户" || u["q"] != "张" {
			t.Errorf("renamed %v", u)
		}
		rep.mustDo("GET", "/v1/views/"+id, nil, 200)
		sh := admin.mustDo("POST", "/v1/views", map[string]any{"name": "全部 VIP", "filter": `tags ?= ("VIP")`, "shared": true}, 201)
		if l := other.mustDo("GET", "/v1/views", nil, 200)["data"].([]any); len(l) != 1 || l[0].(map[string]any)["name"] != "全部 VIP" {
			t.Errorf("another 销售 with a shared view: %v", l)
		}
		other.mustDo("DELETE", "/v1/views/"+sh["id"].(json.Number).String(), nil, 403)
		rep.mustDo("DELETE", "/v1/views/"+id, nil, 204)
		rep.mustDo("GET", "/v1/views/"+id, nil, 404)
		newClient(t, e, e.Client).mustDo("GET", "/v1/views", nil, 403)
	})
}
