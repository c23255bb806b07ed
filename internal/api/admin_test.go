package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/testenv"
)

func jnum(v any) int64 {
	n, _ := v.(json.Number).Int64()
	return n
}

// TestAdminAPI drives /v1/admin as an API client with the admin scope:
// clients (secret once, rotate, scopes, staff binding, revoke), users
// (create with a login, role, reset, disable), roles, projects and
// departments, all in the audit log; tenants only for a super-administrator.
func TestAdminAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		admin := newClient(t, e, e.NewClient(t, e.Tenant.ID, 0, model.ScopeRead, model.ScopeAdmin))
		plain := newClient(t, e, e.Client)
		for _, p := range []string{"/v1/admin/clients", "/v1/admin/users", "/v1/admin/roles", "/v1/admin/tenants"} {
			if code, out := plain.do("GET", p, nil); code != 403 || out["code"] != "insufficient_scope" {
				t.Errorf("GET %s without the admin scope: %d %v", p, code, out)
			}
		}

		// Departments and projects.
		dept := admin.mustDo("POST", "/v1/admin/departments", map[string]any{"name": "华南区"}, 201)
		admin.mustDo("POST", "/v1/admin/projects", map[string]any{"name": "二期"}, 201)
		if d := admin.mustDo("GET", "/v1/admin/projects", nil, 200)["data"].([]any); len(d) != 1 {
			t.Errorf("projects %v", d)
		}

		// Roles: the four built-in ones, a tenant's own, edited.
		roles := admin.mustDo("GET", "/v1/admin/roles", nil, 200)["data"].([]any)
		if len(roles) != 4 {
			t.Fatalf("roles %v", roles)
		}
		role := admin.mustDo("POST", "/v1/admin/roles", map[string]any{"name": "客服", "dataScope": "all", "permissions": []string{"customer.edit"}}, 201)
		rid := strconv.FormatInt(jnum(role["id"]), 10)
		upd := admin.mustDo("PATCH", "/v1/admin/roles/"+rid, map[string]any{"permissions": []string{"customer.edit", "customer.unmask"}}, 200)
		if upd["name"] != "客服" || len(upd["permissions"].([]any)) != 2 {
			t.Errorf("patched role %v", upd)
		}
		admin.mustDo("POST", "/v1/admin/roles", map[string]any{"name": "x", "dataScope": "everything"}, 400)

		// Users: a new staff member with a login and the new role.
		u := admin.mustDo("POST", "/v1/admin/users", map[string]any{"name": "赵客服", "departmentId": jnum(dept["id"]), "username": "zhao",
			"phone": "138 0000 1111", "password": "a long enough password", "roleId": jnum(role["id"])}, 201)
		sid := strconv.FormatInt(jnum(u["staff"].(map[string]any)["id"]), 10)
		if l := u["login"].(map[string]any); l["username"] != "zhao" || l["phone"] != "+8613800001111" {
			t.Errorf("login %v", l)
		}
		admin.mustDo("POST", "/v1/admin/users", map[string]any{"name": "钱", "username": "zhao", "password": "a long enough password"}, 409)
		admin.mustDo("POST", "/v1/admin/users", map[string]any{"name": "孙", "username": "sun", "password": "short"}, 400)
		b := &browser{t: t, e: e}
		if st, out := b.login("13800001111", "a long enough password", ""); st != 200 || out["role"].(map[string]any)["name"] != "客服" {
			t.Fatalf("login by phone: %d %v", st, out)
		}
		admin.mustDo("DELETE", "/v1/admin/roles/"+rid, nil, 400) // still held by 赵客服
		admin.mustDo("PUT", "/v1/admin/users/"+sid+"/role", map[string]any{"roleId": jnum(roles[3].(map[string]any)["id"])}, 204)
		if _, _, out := b.do("GET", "/v1/auth/session", nil, nil); out["role"].(map[string]any)["key"] != "readonly" {
			t.Errorf("role after the change: %v", out["role"])
		}
		admin.mustDo("DELETE", "/v1/admin/roles/"+rid, nil, 204)
		if s := admin.mustDo("GET", "/v1/admin/users/"+sid+"/sessions", nil, 200)["data"].([]any); len(s) != 1 {
			t.Errorf("sessions %v", s)
		}
		admin.mustDo("POST", "/v1/admin/users/"+sid+"/password", map[string]any{"password": "a brand new password"}, 204)
		if st, _, _ := b.do("GET", "/v1/customers", nil, nil); st != 401 {
			t.Error("session survived the reset")
		}
		admin.mustDo("POST", "/v1/admin/users/"+sid+"/disable", nil, 204)
		if st, _ := b.login("zhao", "a brand new password", ""); st != 401 {
			t.Error("a disabled login signed in")
		}
		admin.mustDo("POST", "/v1/admin/users/"+sid+"/enable", nil, 204)
		if st, _ := b.login("zhao", "a brand new password", ""); st != 200 {
			t.Error("an enabled login could not sign in")
		}
		users := admin.mustDo("GET", "/v1/admin/users", nil, 200)["data"].([]any)
		if len(users) != 1 || users[0].(map[string]any)["login"] == nil {
			t.Errorf("users %v", users)
		}

		// API clients: secret once, rotation ends the old one, scopes, binding, revoke.
		c := admin.mustDo("POST", "/v1/admin/clients", map[string]any{"name": "erp", "scopes": []string{"customers:read"}, "staffId": jnum(u["staff"].(map[string]any)["id"])}, 201)
		id, secret := c["clientId"].(string), c["clientSecret"].(string)
		if secret == "" || jnum(c["staffId"]) == 0 {
			t.Fatalf("created client %v", c)
		}
		for _, it := range admin.mustDo("GET", "/v1/admin/clients", nil, 200)["data"].([]any) {
			if _, ok := it.(map[string]any)["clientSecret"]; ok {
				t.Fatal("the client list shows a secret")
			}
		}
		rot := admin.mustDo("POST", "/v1/admin/clients/"+id+"/rotate", nil, 200)
		if rot["clientSecret"] == secret || rot["clientSecret"] == "" {
			t.Fatalf("rotate %v", rot)
		}
		if st := tokenStatus(e, id, secret); st != 401 {
			t.Errorf("old secret after rotation: %d", st)
		}
		if st := tokenStatus(e, id, rot["clientSecret"].(string)); st != 200 {
			t.Errorf("new secret: %d", st)
		}
		p := admin.mustDo("PATCH", "/v1/admin/clients/"+id, map[string]any{"scopes": []string{"customers:read", "customers:write"}, "staffId": 0}, 200)
		if len(p["scopes"].([]any)) != 2 || p["staffId"] != nil {
			t.Errorf("patched client %v", p)
		}
		admin.mustDo("PATCH", "/v1/admin/clients/"+id, map[string]any{"scopes": []string{"root"}}, 400)
		admin.mustDo("DELETE", "/v1/admin/clients/"+id, nil, 204)
		if st := tokenStatus(e, id, rot["clientSecret"].(string)); st != 401 {
			t.Errorf("revoked client: %d", st)
		}
		_, otherClient := e.NewTenant(t, "other", 0)
		admin.mustDo("DELETE", "/v1/admin/clients/"+otherClient.ClientID, nil, 404)

		// Tenants: not for a tenant's administrator; for a super-administrator.
		if code, out := admin.do("GET", "/v1/admin/tenants", nil); code != 403 || out["code"] != "super_admin_required" {
			t.Errorf("tenants as a tenant admin: %d %v", code, out)
		}
		ps := &people.Service{Store: e.Store, Keys: e.Auth.Keys, CRM: e.Svc}
		r, _ := e.Store.RoleByKey(context.Background(), e.Tenant.ID, model.RoleAdmin)
		m := &model.Staff{Name: "root", RoleID: r.ID}
		e.Store.CreateStaff(context.Background(), e.Tenant.ID, m)
		if _, err := ps.CreateLogin(context.Background(), nil, e.Tenant.ID, people.NewLogin{StaffID: m.ID, Username: "root", Password: "super secret words", SuperAdmin: true}); err != nil {
			t.Fatal(err)
		}
		root := &browser{t: t, e: e}
		if st, out := root.login("root", "super secret words", ""); st != 400 || out["code"] != "tenant_required" {
			t.Fatalf("login with two tenants and no tenantId: %d %v", st, out)
		}
		st, _, _ := root.do("POST", "/v1/auth/login", map[string]any{"tenantId": e.Tenant.ID, "login": "root", "password": "super secret words"}, nil)
		if st != 200 {
			t.Fatal("super admin login")
		}
		root.login2(e.Tenant.ID, "root", "super secret words")
		if st, out := root.write("POST", "/v1/admin/tenants", map[string]any{"name": "第三家"}); st != 201 {
			t.Fatalf("create tenant: %d %v", st, out)
		}
		if _, _, out := root.do("GET", "/v1/admin/tenants", nil, nil); len(out["data"].([]any)) != 3 {
			t.Errorf("tenants %v", out)
		}
		tokenStatus(e, "kh99_nosuchclientatall000", "guess") // a failure of no known tenant: audited under tenant 0
		if _, _, out := root.do("GET", "/v1/admin/audit?tenant=0", nil, nil); len(out["data"].([]any)) == 0 {
			t.Errorf("tenant 0 log for the super-administrator: %v", out)
		}
		if code, _ := admin.do("GET", "/v1/admin/audit?tenant=0", nil); code != 403 {
			t.Errorf("tenant 0 log for a tenant administrator: %d", code)
		}

		entries, _ := audit.Query(context.Background(), e.Store, e.Tenant.ID, model.AuditFilter{Limit: 500})
		seen := map[string]int{}
		for _, en := range entries {
			seen[en.Action]++
		}
		for _, a := range []string{audit.ProjectCreated, audit.RoleCreated, audit.RoleUpdated, audit.RoleDeleted, audit.UserCreated,
			audit.UserRoleChanged, audit.UserPasswordReset, audit.UserDisabled, audit.UserEnabled, audit.ClientCreated,
			audit.ClientRotated, audit.ClientUpdated, audit.ClientRevoked, audit.TenantCreated} {
			if seen[a] == 0 {
				t.Errorf("no %s in the audit log (%v)", a, seen)
			}
		}
	})
}

func (b *browser) login2(tenant int64, login, password string) {
	b.t.Helper()
	st, hdr, out := b.do("POST", "/v1/auth/login", map[string]any{"tenantId": tenant, "login": login, "password": password}, nil)
	if st != 200 {
		b.t.Fatalf("login: %d %v", st, out)
	}
	for _, c := range (&http.Response{Header: hdr}).Cookies() {
		if c.Name == people.CookieName {
			b.cookie = c.Value
		}
	}
	b.csrf = out["csrfToken"].(string)
}

func tokenStatus(e *testenv.Env, id, secret string) int {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	resp, err := http.Post(e.URL+"/v1/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
