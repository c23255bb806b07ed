package crm_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestOwnerSetOnPoolCustomer: an owner set by an ordinary update on a
// customer a pool holds is the pool's assign, on one it governs the pool's
// transfer — the rules apply (maxPerRep refuses, naming the rule, and
// nothing changes), the customer leaves the pool, the claim clock and
// protection start, the action is logged — on both databases; batch
// updates (Bulk, imports and /v1/customers:batch) the same.
func TestOwnerSetOnPoolCustomer(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			w := newPoolWorld(t, storetest.Open(t, db), model.PoolRules{MaxPerRep: 2, ProtectDays: 3})
			ids := w.inPool(t, 4)
			rep1, rep2 := w.rep1.StaffID, w.rep2.StaffID
			c, err := w.svc.UpdateCustomer(ctx, w.admin, ids[0], &crm.CustomerInput{OwnerID: &rep1})
			if err != nil {
				t.Fatal(err)
			}
			if c.OwnerID != rep1 || c.PoolID != 0 || c.HomePoolID != w.pool.ID || !c.ClaimedAt.Equal(w.clk.now()) ||
				!c.ProtectedUntil.Equal(w.clk.now().Add(3*24*time.Hour)) {
				t.Fatalf("after an owner set on a pool customer: owner %d pool %d home %d claimed %v protected %v",
					c.OwnerID, c.PoolID, c.HomePoolID, c.ClaimedAt, c.ProtectedUntil)
			}
			if _, err := w.svc.UpdateCustomer(ctx, w.admin, ids[1], &crm.CustomerInput{OwnerID: &rep1}); err != nil {
				t.Fatal(err)
			}
			// rep1 holds two: the cap refuses a third, and the customer stays.
			if _, err := w.svc.UpdateCustomer(ctx, w.admin, ids[2], &crm.CustomerInput{OwnerID: &rep1}); poolCode(err) != model.PoolErrCap {
				t.Fatalf("a third for rep1: %v", err)
			}
			if c, _ := w.svc.Customer(ctx, w.admin, ids[2]); c.OwnerID != 0 || c.PoolID != w.pool.ID {
				t.Fatalf("a refused owner change moved the customer: owner %d pool %d", c.OwnerID, c.PoolID)
			}
			// Owned from the pool, to rep2: a transfer, the clock again.
			w.clk.add(24 * time.Hour)
			c, err = w.svc.UpdateCustomer(ctx, w.admin, ids[0], &crm.CustomerInput{OwnerID: &rep2})
			if err != nil || c.OwnerID != rep2 || !c.ClaimedAt.Equal(w.clk.now()) {
				t.Fatalf("transfer by update: %+v %v", c, err)
			}
			log, err := w.st.PoolActions(ctx, w.tenant, store.PoolActionFilter{PoolID: w.pool.ID, CustomerID: ids[0], Limit: 10})
			if err != nil || len(log) < 3 || log[0].Action != model.PoolTransfer || log[0].FromStaffID != rep1 || log[1].Action != model.PoolAssign {
				t.Fatalf("the pool's log for the customer: %+v %v", log, err)
			}
			// A batch update (Bulk) applies the same rules.
			b, err := w.svc.NewBulk(ctx, w.admin)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.st.InTx(ctx, func(tx *store.Tx) error {
				if _, err := b.UpdateTx(ctx, tx, ids[3], &crm.CustomerInput{OwnerID: &rep2}); err != nil {
					return err
				}
				// A plain edit after it in the same transaction: its event
				// carries no pool action.
				_, err := b.UpdateTx(ctx, tx, ids[1], &crm.CustomerInput{Remark: crm.Ptr("批量备注")})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			lastAction := func(id int64) string {
				evs, err := w.svc.History(ctx, w.admin, id, 0, 100)
				if err != nil || len(evs) == 0 {
					t.Fatalf("history of %d: %v", id, err)
				}
				return evs[len(evs)-1].Action
			}
			if a := lastAction(ids[3]); a != model.PoolAssign {
				t.Errorf("the batch assignment's event action %q", a)
			}
			if a := lastAction(ids[1]); a != "" {
				t.Errorf("a plain edit after it carries the action %q", a)
			}
			if c, _ := w.svc.Customer(ctx, w.admin, ids[3]); c.OwnerID != rep2 || c.PoolID != 0 || c.HomePoolID != w.pool.ID {
				t.Fatalf("after a batch update: owner %d pool %d home %d", c.OwnerID, c.PoolID, c.HomePoolID)
			}
		})
	}
}

// TestDateWalkEvery: a serving node's passes (DateWalkEvery) walk a pool's
// date rule at most that often, the time of the last walk kept in the
// database (another node's pass sees it); a dry run does not count as one.
func TestDateWalkEvery(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			w := newPoolWorld(t, storetest.Open(t, db), model.PoolRules{})
			if err := w.st.CreateField(ctx, w.tenant, &model.Field{Key: "contractEnd", Label: "合同到期日", Type: model.TypeDate}); err != nil {
				t.Fatal(err)
			}
			p := *w.pool
			p.Rules = model.PoolRules{RecycleDateField: "contractEnd"}
			if _, err := w.svc.UpdatePool(ctx, w.admin, w.pool.ID, &p); err != nil {
				t.Fatal(err)
			}
			ids := w.inPool(t, 2)
			w.claimAll(t, w.rep1, ids)
			// clock: 2026-03-02 10:00; ids[0] ended 03-01 (due), ids[1] ends 03-02 (due at 03-03 00:00)
			for i, d := range []string{"2026-03-01", "2026-03-02"} {
				v := []byte(`"` + d + `"`)
				if _, err := w.svc.UpdateCustomer(ctx, w.admin, ids[i], &crm.CustomerInput{Fields: map[string]json.RawMessage{"contractEnd": v}}); err != nil {
					t.Fatal(err)
				}
			}
			opt := crm.RecycleOptions{DateWalkEvery: 15 * time.Minute}
			pass := func(at time.Time, o crm.RecycleOptions) int {
				t.Helper()
				w.clk.add(at.Sub(w.clk.now()))
				rep, err := w.svc.Recycle(ctx, o)
				if err != nil {
					t.Fatal(err)
				}
				return rep.Moved
			}
			midnight := time.Date(2026, 3, 3, 0, 0, 0, 0, crm.China)
			if n := pass(midnight.Add(-5*time.Minute), opt); n != 1 {
				t.Fatalf("first walk moved %d", n)
			}
			// A dry run at midnight is no walk; the pass after it, 10 minutes
			// after the last walk, does not walk either.
			if dry, _ := w.svc.Recycle(ctx, crm.RecycleOptions{DryRun: true, DateWalkEvery: opt.DateWalkEvery}); dry.Due != 0 {
				t.Fatalf("a dry run inside the quarter found %d due", dry.Due)
			}
			if n := pass(midnight.Add(5*time.Minute), opt); n != 0 {
				t.Fatalf("a pass inside the quarter walked: moved %d", n)
			}
			// Another node's pass reads the same time.
			other := crm.New(w.st, "CN", crm.China)
			other.Now = w.clk.now
			if rep, err := other.Recycle(ctx, opt); err != nil || rep.Moved != 0 {
				t.Fatalf("another node inside the quarter: %+v %v", rep, err)
			}
			if n := pass(midnight.Add(10*time.Minute), opt); n != 1 {
				t.Fatalf("a quarter after the last walk: moved %d", n)
			}
		})
	}
}
