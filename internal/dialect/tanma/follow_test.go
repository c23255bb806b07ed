package tanma_test

import (
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/testenv"
)

// TestFollowFields: 探马's rows carry the customer's follow-up state —
// lastFollowUserId/Name from the newest follow-up, followTimeType 0 (none
// planned), 1 (planned) or 2 (overdue) — on both databases.
func TestFollowFields(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		fx := newFixture(t, e)
		now := time.Now()
		e.Svc.Now = func() time.Time { return now }
		tenant := crm.SystemCaller(fx.tenant, model.Actor{ID: "test"})
		none := fx.create(t, time.Time{}, &crm.CustomerInput{Name: crm.Ptr("未跟进")})
		planned := fx.create(t, time.Time{}, &crm.CustomerInput{Name: crm.Ptr("已计划")})
		overdue := fx.create(t, time.Time{}, &crm.CustomerInput{Name: crm.Ptr("已逾期")})
		e.Svc.Now = func() time.Time { return now }
		zhang := fx.staff["张磊"]
		for _, f := range []struct {
			cust     int64
			at, next time.Time
		}{{planned, now.Add(-time.Hour), now.Add(24 * time.Hour)}, {overdue, now.Add(-72 * time.Hour), now.Add(-24 * time.Hour)}} {
			if _, err := e.Svc.AddFollowUp(fx.ctx, tenant, f.cust, &crm.FollowUpInput{Kind: crm.Ptr("电话"), Content: crm.Ptr("聊了"),
				StaffID: &zhang, At: &f.at, NextAt: &f.next}); err != nil {
				t.Fatal(err)
			}
		}
		var page struct {
			Data []map[string]any `json:"data"`
		}
		call(t, e, "/api/v3/customer/search", `{"pageSize":10}`).ok(t, &page)
		got := map[float64]map[string]any{}
		for _, r := range page.Data {
			got[r["id"].(float64)] = r
		}
		for _, tc := range []struct {
			cust int64
			name any
			typ  float64
		}{{none, nil, 0}, {planned, "张磊", 1}, {overdue, "张磊", 2}} {
			r := got[float64(tc.cust)]
			if r == nil || r["lastFollowUserName"] != tc.name || r["followTimeType"] != tc.typ {
				t.Errorf("customer %d: %v", tc.cust, r)
			}
			if tc.name != nil && r["lastFollowUserId"] != float64(zhang) {
				t.Errorf("customer %d lastFollowUserId %v", tc.cust, r["lastFollowUserId"])
			}
		}
	})
}
