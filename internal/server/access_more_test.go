package server_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/testenv"
)

// checkMore is the rest of the matrix for one caller: 达实 add, the
// round trips of every API that updates (a masked caller writes back what
// it read and the stored values stay), customer history, the change feed,
// the admin API and the directory lists (/v1/projects, /v1/staff).
func (w *matrixWorld) checkMore(t *testing.T, c *matrixCaller, s *sessions) {
	ctx := context.Background()
	sys := crm.SystemCaller(w.e.Tenant.ID, model.Actor{ID: "matrix"})
	create := c.edit && c.name != "other tenant" // customer.create goes with .edit for the built-in roles

	// 达实 add into P1: every caller that may create and sees P1; refused
	// (in 达实's envelope) for 只读, for another tenant, and for a bound
	// caller's other project.
	add := func(project int64, body string) (int, string) {
		st, _, raw := w.do("POST", dashi.AddPath+"?project="+strconv.FormatInt(project, 10),
			map[string]string{"Authorization": "Bearer " + s.dashi, "Content-Type": "application/json"}, []byte(body))
		return st, strings.TrimSpace(string(raw))
	}
	st, raw := add(w.p1, `{"name":"达实新客","phone":"13900000099"}`)
	id, err := strconv.ParseInt(raw, 10, 64)
	if ok := st == 200 && err == nil && id > 0; ok != create {
		t.Errorf("达实 add to P1: %d %s (may create %v)", st, raw, create)
	} else if ok {
		got, err := w.e.Svc.Customer(ctx, sys, id)
		if err != nil || got.ProjectID != w.p1 || (c.client.StaffID != 0 && c.name == "销售" && got.OwnerID != c.client.StaffID) {
			t.Errorf("达实 add stored %+v %v", got, err)
		}
		if err := w.e.Svc.DeleteCustomers(ctx, sys, []int64{id}); err != nil {
			t.Fatal(err)
		}
	}
	if c.client.ProjectID != 0 {
		if st, raw := add(w.p2, `{"name":"达实新客"}`); st == 200 {
			t.Errorf("达实 add to another project by a bound client: %d %s", st, raw)
		}
	}
	if create {
		// A masked value is no phone number: there is no stored value it could stand for.
		if st, raw := add(w.p1, `{"name":"达实新客","phone":"138****5678"}`); st == 200 {
			t.Errorf("达实 add with a masked phone: %d %s", st, raw)
		}
	}

	for _, name := range c.visible {
		id := w.ids[name]
		ids := strconv.FormatInt(id, 10)
		before, err := w.e.Store.Customer(ctx, w.e.Tenant.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		kept := func(api string) {
			t.Helper()
			after, err := w.e.Store.Customer(ctx, w.e.Tenant.ID, id)
			if err != nil || after.Phone != before.Phone || after.Email != before.Email || after.IDNumber != before.IDNumber {
				t.Errorf("%s round trip of %s changed the stored contact data: %+v → %+v (%v)", api, name, before, after, err)
			}
		}
		// native: GET, then PATCH the contact fields as read plus a remark
		_, got, _ := s.nat("GET", "/v1/customers/"+ids, nil)
		st, _, raw := s.nat("PATCH", "/v1/customers/"+ids, map[string]any{"phone": got["phone"], "email": got["email"],
			"idNumber": got["idNumber"], "remark": "round trip native"})
		if (st == 200) != c.edit {
			t.Errorf("native round trip of %s: %d %s (edit %v)", name, st, raw, c.edit)
		}
		kept("native")
		// Yeastar: GET, then PUT the record as read (a full replace)
		st, yout := s.ycm("GET", "/customers/"+ids, nil)
		rec, _ := yout["data"].(map[string]any)
		if st != 200 || rec == nil {
			t.Fatalf("Yeastar GET %s: %d %v", name, st, yout)
		}
		rec["remark"] = "round trip Yeastar"
		if rec["company"] == nil || rec["company"] == "" {
			rec["company"] = "矩阵公司" // Yeastar requires one; the matrix customers have none
		}
		if st, out := s.ycm("PUT", "/customers/"+ids, rec); (st == 200) != c.edit {
			t.Errorf("Yeastar PUT round trip of %s: %d %v (edit %v)", name, st, out, c.edit)
		}
		kept("Yeastar")
		// 探马: the mobiles and email as the search shows them, written back
		out := s.tm("/api/v3/customer/search", map[string]any{"pageNo": 1, "pageSize": 100})
		data, _ := out["data"].(map[string]any)
		var row map[string]any
		for _, r := range list(data["data"]) {
			if num64(r["customerId"]) == id {
				row = r
			}
		}
		if row == nil {
			t.Fatalf("探马 search misses %s: %v", name, out)
		}
		out = s.tm("/api/v3/customer/update-by-id", map[string]any{"customerId": id, "fields": []map[string]any{
			{"alias": "mobiles", "fieldValue": row["mobiles"]}, {"alias": "remark", "fieldValue": "round trip 探马"}}})
		if ok := fmt.Sprint(out["code"]) == "0"; ok != c.edit {
			t.Errorf("探马 round trip of %s: %v (edit %v)", name, out, c.edit)
		}
		kept("探马")

		// history: the caller's own customer's changes, masked like the customer
		st, _, raw = s.nat("GET", "/v1/customers/"+ids+"/history", nil)
		if st != 200 || (c.masked && strings.Contains(string(raw), strings.TrimPrefix(before.Phone, "+86"))) {
			t.Errorf("history of %s: %d %s (masked %v)", name, st, raw, c.masked)
		}
	}
	for _, name := range []string{"客户一", "客户二", "客户三", "客户四", "客户五"} {
		if w.sees(c, name) {
			continue
		}
		if st, _, raw := s.nat("GET", "/v1/customers/"+strconv.FormatInt(w.ids[name], 10)+"/history", nil); st != 404 {
			t.Errorf("history of hidden %s: %d %s", name, st, raw)
		}
	}

	// The change feed lists every customer it covers with full values:
	// clients acting as the tenant (bound: its project's events only);
	// staff need admin.manage.
	st, out, rawFeed := s.nat("GET", "/v1/events?limit=1000", nil)
	if c.client.StaffID != 0 {
		if st != 403 {
			t.Errorf("/v1/events by a staff caller without admin.manage: %d %s", st, rawFeed)
		}
	} else if st != 200 {
		t.Errorf("/v1/events: %d %s", st, rawFeed)
	} else {
		for _, ev := range list(out["data"]) {
			name, known := w.names[num64(ev["customerId"])]
			if c.name == "other tenant" && known {
				t.Errorf("another tenant's feed shows %s", name)
			}
			if c.client.ProjectID != 0 && known && !w.sees(c, name) {
				t.Errorf("a bound client's feed shows %s of another project", name)
			}
		}
	}

	// The admin API needs the admin scope: none of the matrix callers holds it.
	for _, r := range []struct{ method, path string }{{"GET", "/v1/admin/projects"}, {"GET", "/v1/admin/clients"},
		{"GET", "/v1/admin/users"}, {"GET", "/v1/admin/roles"}, {"GET", "/v1/admin/departments"}, {"GET", "/v1/admin/audit"},
		{"GET", "/v1/admin/tenants"}, {"POST", "/v1/admin/clients"}, {"POST", "/v1/admin/projects"}} {
		var body any
		if r.method == "POST" {
			body = map[string]any{"name": "matrix"}
		}
		if st, _, raw := s.nat(r.method, r.path, body); st != 403 {
			t.Errorf("%s %s without the admin scope: %d %s", r.method, r.path, st, raw)
		}
	}

	// The directory: a bound client lists its project only; staff as far as
	// the data scope reaches (crm/directory.go).
	wantProjects := []string{"一期", "二期"}
	switch {
	case c.client.ProjectID != 0:
		wantProjects = []string{"一期"}
	case c.name == "other tenant":
		wantProjects = nil
	}
	wantStaff := map[string][]string{
		"销售":           {"李销售"},        // 本人: its own department (深圳 has only 李)
		"主管":           {"李销售", "王主管"}, // 本部门及下级: 华南 and 深圳
		"只读":           {"李销售", "王主管", "赵销售", "钱只读"},
		"other tenant": nil,
	}[c.name]
	if c.name == "tenant" || c.name == "bound" {
		wantStaff = []string{"李销售", "王主管", "赵销售", "钱只读"}
	}
	for _, d := range []struct {
		path string
		want []string
	}{{"/v1/projects", wantProjects}, {"/v1/staff", wantStaff}} {
		st, out, raw := s.nat("GET", d.path, nil)
		var got []string
		for _, it := range list(out["data"]) {
			got = append(got, fmt.Sprint(it["name"]))
		}
		slices.Sort(got)
		if st != 200 || fmt.Sprint(got) != fmt.Sprint(d.want) {
			t.Errorf("GET %s: %d %v, want %v (%s)", d.path, st, got, d.want, raw)
		}
	}
}

// TestAdminAPIWithAdminScope: the admin routes the matrix callers are
// refused answer a tenant client holding the admin scope, on both
// databases, for its own tenant only.
func TestAdminAPIWithAdminScope(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			w := newMatrixWorld(t, e)
			admin := w.login(e.NewClient(t, e.Tenant.ID, 0, model.ScopeRead, model.ScopeWrite, model.ScopeAdmin))
			for _, p := range []string{"/v1/admin/projects", "/v1/admin/clients", "/v1/admin/users", "/v1/admin/roles",
				"/v1/admin/departments", "/v1/admin/audit"} {
				if st, _, raw := admin.nat("GET", p, nil); st != 200 {
					t.Errorf("GET %s with the admin scope: %d %s", p, st, raw)
				}
			}
			// Only a super-administrator lists every tenant.
			if st, _, raw := admin.nat("GET", "/v1/admin/tenants", nil); st != 403 {
				t.Errorf("GET /v1/admin/tenants by a tenant's admin client: %d %s", st, raw)
			}
			st, out, raw := admin.nat("POST", "/v1/admin/clients", map[string]any{"name": "made by admin", "scopes": []string{model.ScopeRead}, "projectId": w.p1})
			if st != 201 || out["clientSecret"] == nil {
				t.Fatalf("create a client: %d %s", st, raw)
			}
			made := w.login(&model.Client{ClientID: fmt.Sprint(out["clientId"]), Secret: fmt.Sprint(out["clientSecret"])})
			_, lst, _ := made.nat("GET", "/v1/customers?pageSize=100", nil)
			if got := w.namesOf(list(lst["data"]), "id"); fmt.Sprint(got) != "[客户一 客户二 客户五]" {
				t.Errorf("the new bound client sees %v", got)
			}
		})
	}
}
