package audit_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestRecordAndQuery writes entries of two tenants and reads them back with
// every filter and through pages; the log refuses updates and deletes.
func TestRecordAndQuery(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			st := storetest.Open(t, db)
			ctx := audit.WithAddr(context.Background(), "192.0.2.7")
			staff := &model.Caller{TenantID: 1, StaffID: 42, StaffName: "李四", Via: model.ViaConsole, Addr: "198.51.100.1"}
			client := &model.Caller{TenantID: 1, ClientID: "kh1_abc", Via: model.ViaTanma}
			other := &model.Caller{TenantID: 2, ClientID: "kh2_xyz", Via: model.ViaNative}
			base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
			var n int
			rec := func(c *model.Caller, action string, target audit.Target, details any) {
				t.Helper()
				audit.Now = func() time.Time { n++; return base.Add(time.Duration(n) * time.Minute) }
				if err := audit.Record(ctx, st, c, action, target, details); err != nil {
					t.Fatal(err)
				}
			}
			defer func() { audit.Now = time.Now }()
			rec(staff, audit.LoginOK, audit.Staff(42), nil)
			rec(client, audit.CustomerExport, audit.None, map[string]any{"format": "csv", "rows": 12})
			rec(staff, audit.CustomerDelete, audit.Customer(7), nil)
			rec(other, audit.ClientRotated, audit.Client("kh2_xyz"), nil)
			rec(nil, audit.LoginFailed, audit.Login("ghost"), map[string]string{"reason": "unknown user"})
			err := st.InTx(context.Background(), func(tx *store.Tx) error {
				return audit.Record(context.Background(), tx, staff, audit.RoleUpdated, audit.Role(3), map[string]any{"perms": []string{"customer.export"}})
			})
			if err != nil {
				t.Fatal(err)
			}

			all, err := audit.Query(context.Background(), st, 1, model.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range all {
				actions = append(actions, e.Action)
			}
			if want := []string{audit.RoleUpdated, audit.CustomerDelete, audit.CustomerExport, audit.LoginOK}; !equal(actions, want) {
				t.Fatalf("tenant 1 log = %v, want %v", actions, want)
			}
			e := all[2]
			if e.ActorKind != model.AuditActorClient || e.ActorID != "kh1_abc" || e.Via != model.ViaTanma || e.Addr != "192.0.2.7" {
				t.Errorf("export entry = %+v", e)
			}
			var d map[string]any
			if err := json.Unmarshal(e.Details, &d); err != nil || d["rows"] != float64(12) {
				t.Errorf("export details = %s (%v)", e.Details, err)
			}
			if l := all[3]; l.ActorKind != model.AuditActorStaff || l.ActorID != "42" || l.ActorName != "李四" || l.Addr != "198.51.100.1" {
				t.Errorf("login entry = %+v", l)
			}

			for _, tc := range []struct {
				f    model.AuditFilter
				want []string
			}{
				{model.AuditFilter{ActorID: "42"}, []string{audit.RoleUpdated, audit.CustomerDelete, audit.LoginOK}},
				{model.AuditFilter{Action: "customer."}, []string{audit.CustomerDelete, audit.CustomerExport}},
				{model.AuditFilter{Action: audit.LoginOK}, []string{audit.LoginOK}},
				{model.AuditFilter{Action: "auth"}, nil}, // not a prefix without the dot
				{model.AuditFilter{Target: "7"}, []string{audit.CustomerDelete}},
				{model.AuditFilter{From: base.Add(2 * time.Minute), To: base.Add(3 * time.Minute)}, []string{audit.CustomerExport}},
			} {
				got, err := audit.Query(context.Background(), st, 1, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var acts []string
				for _, e := range got {
					acts = append(acts, e.Action)
				}
				if !equal(acts, tc.want) {
					t.Errorf("filter %+v = %v, want %v", tc.f, acts, tc.want)
				}
			}
			page, _ := audit.Query(context.Background(), st, 1, model.AuditFilter{Limit: 2})
			rest, _ := audit.Query(context.Background(), st, 1, model.AuditFilter{Limit: 2, BeforeID: page[1].ID})
			if len(page) != 2 || len(rest) != 2 || rest[0].Action != audit.CustomerExport {
				t.Errorf("pages %v / %v", page, rest)
			}
			anon, _ := audit.Query(context.Background(), st, 0, model.AuditFilter{})
			if len(anon) != 1 || anon[0].ActorKind != model.AuditActorAnonymous || anon[0].TargetID != "ghost" {
				t.Errorf("tenant 0 log = %+v", anon)
			}

			for _, q := range []string{`UPDATE audit_log SET action = 'x' WHERE tenant_id = 1`, `DELETE FROM audit_log WHERE tenant_id = 1`} {
				err := st.InTx(context.Background(), func(tx *store.Tx) error { _, err := tx.Exec(context.Background(), q); return err })
				if err == nil {
					t.Errorf("%s: the audit log accepted it", q)
				}
			}
			if again, _ := audit.Query(context.Background(), st, 1, model.AuditFilter{}); len(again) != 4 || again[0].Action != audit.RoleUpdated {
				t.Errorf("log changed: %+v", again)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
