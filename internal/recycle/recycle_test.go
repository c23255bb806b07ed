package recycle_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/recycle"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestRunnersShareTheLease: of two nodes' runners, the one holding the
// lease runs the pass and moves the due customers; the other does nothing
// until the lease expires.
func TestRunnersShareTheLease(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			a, b := storetest.OpenNodes(t, db)
			past := func() time.Time { return time.Now().Add(-3 * 24 * time.Hour) }
			setup := crm.New(a, "CN", crm.China)
			setup.Now = past
			tn, _ := a.CreateTenant(ctx, "t")
			admin := crm.TenantCaller(tn.ID, 0, model.ViaCLI)
			p, err := setup.CreatePool(ctx, admin, &model.Pool{Name: "公海", Rules: model.PoolRules{RecycleNoFollowDays: 2}})
			if err != nil {
				t.Fatal(err)
			}
			m := &model.Staff{Name: "李雷"}
			_ = a.CreateStaff(ctx, tn.ID, m)
			var ids []int64
			for range 5 {
				c, err := setup.CreateCustomer(ctx, admin, &crm.CustomerInput{Name: crm.Ptr("客户")})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, c.ID)
			}
			if _, err := setup.Move(ctx, admin, p.ID, &crm.PoolActionInput{CustomerIDs: ids}); err != nil {
				t.Fatal(err)
			}
			if _, err := setup.Assign(ctx, admin, p.ID, &crm.PoolActionInput{CustomerIDs: ids, StaffID: m.ID}); err != nil {
				t.Fatal(err)
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			// Both runners live in this process (one store.NodeID): the
			// other node is played by a lease row under another holder.
			r1 := &recycle.Runner{Svc: crm.New(a, "CN", crm.China), Log: log}
			r2 := &recycle.Runner{Svc: crm.New(b, "CN", crm.China), Log: log}
			if !r1.Pass(ctx) {
				t.Fatal("the first runner did not get the lease")
			}
			for _, id := range ids {
				c, _ := a.Customer(ctx, tn.ID, id)
				if c.PoolID != p.ID || c.OwnerID != 0 {
					t.Fatalf("customer %d not recycled: %+v", id, c)
				}
			}
			// Another node's lease blocks this one's runners.
			if err := b.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE leases SET holder = 'another-node', expires_at = ? WHERE name = ?`, time.Now().Add(time.Minute).UnixMilli(), recycle.Lease)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if r2.Pass(ctx) || r1.Pass(ctx) {
				t.Fatal("a runner ran while another node held the lease")
			}
		})
	}
}
