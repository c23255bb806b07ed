package tanma_test

import (
	"context"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/testenv"
)

// TestPoolFields: 探马's open-sea members come from kehu's pool state — a
// customer in a pool shows the pool's name, how and when it entered; a
// claimed one its protection and the days until its pool recycles it.
func TestPoolFields(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		ctx := context.Background()
		admin := crm.TenantCaller(e.Tenant.ID, 0, model.ViaCLI)
		p, err := e.Svc.CreatePool(ctx, admin, &model.Pool{Name: "华东公海", Rules: model.PoolRules{RecycleNoFollowDays: 10, ProtectDays: 2}})
		if err != nil {
			t.Fatal(err)
		}
		m := &model.Staff{Name: "张磊"}
		if err := e.Store.CreateStaff(ctx, e.Tenant.ID, m); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, name := range []string{"公海甲", "公海乙", "普通丙"} {
			c, err := e.Svc.CreateCustomer(ctx, admin, &crm.CustomerInput{Name: crm.Ptr(name)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		if _, err := e.Svc.Move(ctx, admin, p.ID, &crm.PoolActionInput{CustomerIDs: ids[:2], Reason: "批量导入公海"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Svc.Assign(ctx, admin, p.ID, &crm.PoolActionInput{CustomerIDs: ids[1:2], StaffID: m.ID}); err != nil {
			t.Fatal(err)
		}
		var page struct {
			Data []map[string]any `json:"data"`
		}
		call(t, e, "/api/v3/customer/search", `{"searchKey":"公海甲"}`).ok(t, &page)
		if len(page.Data) != 1 {
			t.Fatalf("rows %v", page.Data)
		}
		r := page.Data[0]
		if r["toOpenSeaName"] != "华东公海" || r["enterSeaType"] != float64(5) || r["enterSeaReason"] != "批量导入公海" ||
			r["abandonTime"] == nil || r["protect"] != float64(0) || r["customerRecovery"] != "-1" {
			t.Fatalf("in the pool: %v", r)
		}
		call(t, e, "/api/v3/customer/search", `{"searchKey":"公海乙"}`).ok(t, &page)
		r = page.Data[0]
		left, _ := r["remainingProtectionTime"].(float64)
		if r["toOpenSeaName"] != nil || r["protect"] != float64(1) || left <= 0 || left > float64(2*24*time.Hour/time.Millisecond) ||
			r["customerRecovery"] != "10" {
			t.Fatalf("claimed: %v", r)
		}
		call(t, e, "/api/v3/customer/search", `{"searchKey":"普通丙"}`).ok(t, &page)
		r = page.Data[0]
		if r["toOpenSeaName"] != nil || r["enterSeaType"] != float64(4) || r["enterSeaReason"] != "新建/导入" || r["customerRecovery"] != "-1" || r["abandonTime"] != nil {
			t.Fatalf("never in a pool: %v", r)
		}
	})
}
