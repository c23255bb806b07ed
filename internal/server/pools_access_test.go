package server_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/testenv"
)

// TestPoolPermissionMatrix: who sees which 公海 and who may claim, assign,
// release and configure, for the matrix callers (tenant, bound to P1,
// 销售 李 of 深圳, 主管 王 of 华南, 只读 钱 of 华北), on both databases.
//
//	pools: 全员公海 (no project, no department) · 华北公海 (department 华北) · 二期公海 (project P2)
func TestPoolPermissionMatrix(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			e := testenv.New(t, db)
			w := newMatrixWorld(t, e)
			admin := crm.TenantCaller(e.Tenant.ID, 0, model.ViaCLI)
			depts, _ := e.Store.Departments(ctx, e.Tenant.ID)
			north := depts[slices.IndexFunc(depts, func(d model.Department) bool { return d.Name == "华北" })].ID
			mk := func(name string, project, dept int64) *model.Pool {
				p, err := e.Svc.CreatePool(ctx, admin, &model.Pool{Name: name, ProjectID: project, DepartmentID: dept})
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			all, northPool, p2Pool := mk("全员公海", 0, 0), mk("华北公海", 0, north), mk("二期公海", w.p2, 0)
			// One customer in 全员公海 per caller and action, in P1.
			fresh := func(tag string) int64 {
				c, err := e.Svc.CreateCustomer(ctx, admin, &crm.CustomerInput{Name: crm.Ptr("公海客户" + tag), ProjectID: crm.Ptr(w.p1), Phone: crm.Ptr("13900001234")})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.Svc.Move(ctx, admin, all.ID, &crm.PoolActionInput{CustomerIDs: []int64{c.ID}}); err != nil {
					t.Fatal(err)
				}
				return c.ID
			}
			byName := map[string]*matrixCaller{}
			for _, c := range w.callers {
				byName[c.name] = c
			}
			staffOf := func(name string) int64 {
				id := byName[name].client.StaffID
				if id == 0 {
					t.Fatalf("%s acts as no staff member", name)
				}
				return id
			}
			li := staffOf("销售")
			type want struct {
				pools               []string
				claim, assign, make int    // statuses
				claimCode           string // problem code of a refused claim
			}
			cases := map[string]want{
				"tenant": {pools: []string{"二期公海", "全员公海", "华北公海"}, claim: 409, claimCode: model.PoolErrNeedStaff, assign: 200, make: 403},
				"bound":  {pools: []string{"全员公海", "华北公海"}, claim: 409, claimCode: model.PoolErrNeedStaff, assign: 200, make: 403},
				"销售":     {pools: []string{"二期公海", "全员公海"}, claim: 200, assign: 403, make: 403},
				"主管":     {pools: []string{"二期公海", "全员公海"}, claim: 200, assign: 200, make: 403},
				"只读":     {pools: []string{"二期公海", "全员公海", "华北公海"}, claim: 403, claimCode: "permission_denied", assign: 403, make: 403},
			}
			for _, name := range []string{"tenant", "bound", "销售", "主管", "只读"} {
				c, wt := byName[name], cases[name]
				t.Run(name, func(t *testing.T) {
					w.t = t
					s := w.login(c.client)
					st, out, raw := s.nat("GET", "/v1/pools", nil)
					var got []string
					for _, p := range list(out["data"]) {
						got = append(got, fmt.Sprint(p["name"]))
					}
					slices.Sort(got)
					if st != 200 || fmt.Sprint(got) != fmt.Sprint(wt.pools) {
						t.Fatalf("pools: %d %v, want %v (%s)", st, got, wt.pools, raw)
					}
					// A pool the caller may not see is not found.
					for _, p := range []*model.Pool{northPool, p2Pool} {
						st, _, _ := s.nat("GET", fmt.Sprintf("/v1/pools/%d", p.ID), nil)
						if vis := slices.Contains(wt.pools, p.Name); (st == 200) != vis || (!vis && st != 404) {
							t.Errorf("GET pool %s: %d", p.Name, st)
						}
					}
					// Pool customers are visible to whoever sees the pool
					// (phones masked by the role's rule), through the
					// customer routes too.
					inAll := fresh(name + "看")
					st, out, raw = s.nat("GET", fmt.Sprintf("/v1/customers/%d", inAll), nil)
					if st != 200 || strings.Contains(fmt.Sprint(out["phone"]), "*") != c.masked {
						t.Fatalf("GET a customer of 全员公海: %d %s", st, raw)
					}
					st, out, _ = s.nat("GET", "/v1/customers?"+url.Values{"filter": {fmt.Sprintf("inPool = true && pool = %d && name ~ \"公海客户%s看\"", all.ID, name)}}.Encode(), nil)
					if st != 200 || len(list(out["data"])) != 1 {
						t.Fatalf("list 全员公海 by a name fragment: %d %v", st, out)
					}
					// GET /v1/pools/{id}/customers: the list's parameters,
					// paging and totals, the pool's customers only, masked
					// by the role; a pool the caller may not see is 404.
					fresh(name + "看")
					st, out, raw = s.nat("GET", fmt.Sprintf("/v1/pools/%d/customers?", all.ID)+url.Values{"name": {"公海客户" + name + "看"},
						"sort": {"-createdAt"}, "pageSize": {"1"}, "total": {"exact"}}.Encode(), nil)
					if st != 200 || len(list(out["data"])) != 1 || num64(out["total"]) != 2 || out["nextCursor"] != nil && out["page"] == nil {
						t.Fatalf("pool customers by a name fragment: %d %s", st, raw)
					}
					if row := list(out["data"])[0]; num64(row["poolId"]) != all.ID || strings.Contains(fmt.Sprint(row["phone"]), "*") != c.masked {
						t.Fatalf("pool customer row %v", row)
					}
					st, out, _ = s.nat("GET", fmt.Sprintf("/v1/pools/%d/customers?page=2&pageSize=1&total=exact&", all.ID)+url.Values{"name": {"公海客户" + name + "看"}}.Encode(), nil)
					if st != 200 || len(list(out["data"])) != 1 || num64(out["total"]) != 2 {
						t.Fatalf("pool customers page 2: %d %v", st, out)
					}
					if st, out, _ := s.nat("GET", fmt.Sprintf("/v1/pools/%d/customers?filter=", all.ID)+url.QueryEscape(fmt.Sprintf("id = %d", inAll)), nil); st != 200 || len(list(out["data"])) != 1 {
						t.Fatalf("pool customers by filter: %d %v", st, out)
					}
					if st, out, _ := s.nat("GET", fmt.Sprintf("/v1/pools/%d/customers?bogus=1", all.ID), nil); st != 400 || out["code"] != "unknown_parameter" {
						t.Fatalf("pool customers with an unknown parameter: %d %v", st, out)
					}
					for _, p := range []*model.Pool{northPool, p2Pool} {
						st, out, _ := s.nat("GET", fmt.Sprintf("/v1/pools/%d/customers", p.ID), nil)
						if vis := slices.Contains(wt.pools, p.Name); (vis && (st != 200 || len(list(out["data"])) != 0)) || (!vis && st != 404) {
							t.Errorf("GET pool %s customers: %d %v", p.Name, st, out)
						}
					}
					id := fresh(name + "领")
					st, out, raw = s.nat("POST", fmt.Sprintf("/v1/pools/%d/claim", all.ID), map[string]any{"customerIds": []int64{id}})
					if st != wt.claim || (wt.claimCode != "" && out["code"] != wt.claimCode) {
						t.Fatalf("claim: %d %s", st, raw)
					}
					if st == 200 {
						row := list(out["data"])[0]
						if masked := strings.Contains(fmt.Sprint(row["phone"]), "*"); masked != c.masked {
							t.Errorf("claimed row phone %v (masked: want %v)", row["phone"], c.masked)
						}
						// The owner releases it with a reason (none: 400).
						if st, _, raw := s.nat("POST", fmt.Sprintf("/v1/pools/%d/release", all.ID), map[string]any{"customerIds": []int64{id}}); st != 400 {
							t.Fatalf("release without a reason: %d %s", st, raw)
						}
						if st, _, raw := s.nat("POST", fmt.Sprintf("/v1/pools/%d/release", all.ID), map[string]any{"customerIds": []int64{id}, "reason": "无意向"}); st != 200 {
							t.Fatalf("release: %d %s", st, raw)
						}
					}
					id = fresh(name + "分")
					st, _, raw = s.nat("POST", fmt.Sprintf("/v1/pools/%d/assign", all.ID), map[string]any{"customerIds": []int64{id}, "staffId": li})
					if st != wt.assign {
						t.Fatalf("assign: %d %s", st, raw)
					}
					st, _, raw = s.nat("POST", "/v1/pools", map[string]any{"name": "新公海" + name})
					if st != wt.make {
						t.Fatalf("create pool: %d %s", st, raw)
					}
					// Strict decoding: an unknown member is refused.
					if st, out, _ := s.nat("POST", fmt.Sprintf("/v1/pools/%d/claim", all.ID), map[string]any{"customerIds": []int64{id}, "customer": 1}); st != 400 || out["code"] == nil {
						t.Fatalf("unknown member: %d %v", st, out)
					}
				})
			}
			// A tenant client with the admin scope configures pools.
			adm := e.NewClient(t, e.Tenant.ID, 0, model.ScopeRead, model.ScopeWrite, model.ScopeAdmin)
			s := w.login(adm)
			st, out, raw := s.nat("POST", "/v1/pools", map[string]any{"name": "新公海", "rules": map[string]any{"maxPerRep": 5, "recycleNoFollowDays": 15}})
			if st != 201 || num64(out["id"]) == 0 {
				t.Fatalf("create pool with admin: %d %s", st, raw)
			}
			id := num64(out["id"])
			st, out, raw = s.nat("PATCH", fmt.Sprintf("/v1/pools/%d", id), map[string]any{"rules": map[string]any{"protectDays": 3}})
			rules, _ := out["rules"].(map[string]any)
			if st != 200 || fmt.Sprintf("%v %v %v", rules["maxPerRep"], rules["protectDays"], rules["recycleNoFollowDays"]) != "5 3 15" {
				t.Fatalf("patch pool: %d %s", st, raw)
			}
			if st, out, _ := s.nat("POST", "/v1/pools", map[string]any{"name": "新公海"}); st != 409 {
				t.Fatalf("a taken name: %d %v", st, out)
			}
			if st, out, _ := s.nat("PATCH", fmt.Sprintf("/v1/pools/%d", id), map[string]any{"rules": map[string]any{"maxPerRep": -1}}); st != 400 || out["field"] != "rules.maxPerRep" {
				t.Fatalf("a negative rule: %d %v", st, out)
			}
			// The date rule (合同到期) names a custom date or datetime field by
			// its key; anything else is a 400 on the rule, and days alone too.
			if err := e.Store.CreateField(ctx, e.Tenant.ID, &model.Field{Key: "contractEnd", Label: "合同到期日", Type: model.TypeDate}); err != nil {
				t.Fatal(err)
			}
			for _, bad := range []map[string]any{{"recycleDateField": "nope"}, {"recycleDateField": "createdAt"}, {"recycleDateDays": 30},
				{"recycleDateField": 7}} {
				if st, out, _ := s.nat("PATCH", fmt.Sprintf("/v1/pools/%d", id), map[string]any{"rules": bad}); st != 400 || out["field"] == nil {
					t.Fatalf("date rule %v: %d %v", bad, st, out)
				}
			}
			st, out, raw = s.nat("PATCH", fmt.Sprintf("/v1/pools/%d", id), map[string]any{"rules": map[string]any{"recycleDateField": "contractEnd", "recycleDateDays": 30}})
			rules, _ = out["rules"].(map[string]any)
			if st != 200 || fmt.Sprintf("%v %v %v", rules["recycleDateField"], rules["recycleDateDays"], rules["maxPerRep"]) != "contractEnd 30 5" {
				t.Fatalf("date rule: %d %s", st, raw)
			}
			if st, out, _ := s.nat("DELETE", fmt.Sprintf("/v1/pools/%d", all.ID), nil); st != 409 || out["code"] != model.PoolErrNotEmpty {
				t.Fatalf("delete a pool with customers: %d %v", st, out)
			}
			if st, _, _ := s.nat("DELETE", fmt.Sprintf("/v1/pools/%d", id), nil); st != 204 {
				t.Fatalf("delete: %d", st)
			}
			st, out, raw = s.nat("GET", fmt.Sprintf("/v1/pools/%d/actions?limit=2", all.ID), nil)
			if st != 200 || len(list(out["data"])) != 2 || out["nextBefore"] == nil {
				t.Fatalf("actions: %d %s", st, raw)
			}
		})
	}
}
