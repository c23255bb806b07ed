package crm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// clock is a fake clock the service reads.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// poolWorld is a tenant with a pool, two 销售 and a 主管.
type poolWorld struct {
	st         *store.Store
	svc        *crm.Service
	clk        *clock
	tenant     int64
	admin      *model.Caller // the tenant (CLI)
	rep1, rep2 *model.Caller
	manager    *model.Caller
	pool       *model.Pool
}

func newPoolWorld(t *testing.T, st *store.Store, rules model.PoolRules) *poolWorld {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, crm.China)}
	svc := crm.New(st, "CN", crm.China)
	svc.Now = clk.now
	tn, err := st.CreateTenant(ctx, "pools")
	if err != nil {
		t.Fatal(err)
	}
	w := &poolWorld{st: st, svc: svc, clk: clk, tenant: tn.ID, admin: crm.TenantCaller(tn.ID, 0, model.ViaCLI)}
	d, _ := st.CreateDepartment(ctx, tn.ID, 0, "销售部")
	staff := func(name, role string) *model.Caller {
		m := &model.Staff{Name: name, DepartmentID: d.ID}
		if err := st.CreateStaff(ctx, tn.ID, m); err != nil {
			t.Fatal(err)
		}
		r, err := st.RoleByKey(ctx, tn.ID, role)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetStaffRole(ctx, tn.ID, m.ID, r.ID); err != nil {
			t.Fatal(err)
		}
		c, err := svc.StaffCaller(ctx, tn.ID, m.ID, model.ViaNative, "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	w.rep1, w.rep2, w.manager = staff("李雷", model.RoleSales), staff("韩梅梅", model.RoleSales), staff("王主管", model.RoleManager)
	w.pool, err = svc.CreatePool(ctx, w.admin, &model.Pool{Name: "公海", Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// inPool creates n customers and moves them into the pool.
func (w *poolWorld) inPool(t *testing.T, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for i := range n {
		name := fmt.Sprintf("客户%d", i)
		c, err := w.svc.CreateCustomer(ctx, w.admin, &crm.CustomerInput{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	for start := 0; start < len(ids); start += crm.MaxPoolBatch {
		batch := ids[start:min(start+crm.MaxPoolBatch, len(ids))]
		if _, err := w.svc.Move(ctx, w.admin, w.pool.ID, &crm.PoolActionInput{CustomerIDs: batch, Reason: "导入公海"}); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func poolCode(err error) string {
	var pe *model.PoolError
	if errors.As(err, &pe) {
		return pe.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func one(ids ...int64) *crm.PoolActionInput { return &crm.PoolActionInput{CustomerIDs: ids} }

// TestPoolActions walks the claim rules with a fake clock on both
// databases: protection, the cap, the daily limit across Asia/Shanghai
// midnight, release with a reason, the cooldown, assignment and transfer,
// each action an event with actor and reason.
func TestPoolActions(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			w := newPoolWorld(t, storetest.Open(t, db), model.PoolRules{ProtectDays: 2, MaxPerRep: 3, CooldownDays: 7, DailyClaimLimit: 2})
			ids := w.inPool(t, 8)

			// 10:00 Shanghai: two claims, the third is over the daily limit.
			got, err := w.svc.Claim(ctx, w.rep1, w.pool.ID, one(ids[0], ids[1]))
			if err != nil || len(got) != 2 || got[0].OwnerID != w.rep1.StaffID || got[0].PoolID != 0 || got[0].HomePoolID != w.pool.ID {
				t.Fatalf("claim: %+v %v", got, err)
			}
			if !got[0].ClaimedAt.Equal(w.clk.now()) || !got[0].ProtectedUntil.Equal(w.clk.now().Add(48*time.Hour)) {
				t.Fatalf("claim times %v %v", got[0].ClaimedAt, got[0].ProtectedUntil)
			}
			if _, err := w.svc.Claim(ctx, w.rep1, w.pool.ID, one(ids[2])); poolCode(err) != model.PoolErrDaily {
				t.Fatalf("third claim today: %v", err)
			}
			// rep2 cannot claim what rep1 holds.
			if _, err := w.svc.Claim(ctx, w.rep2, w.pool.ID, one(ids[0])); poolCode(err) != model.PoolErrClaimed {
				t.Fatalf("claim of a claimed customer: %v", err)
			}
			// 23:59 Shanghai is still the same day; 00:00 is the next.
			w.clk.add(13*time.Hour + 59*time.Minute)
			if _, err := w.svc.Claim(ctx, w.rep1, w.pool.ID, one(ids[2])); poolCode(err) != model.PoolErrDaily {
				t.Fatalf("23:59: %v", err)
			}
			w.clk.add(time.Minute)
			if _, err := w.svc.Claim(ctx, w.rep1, w.pool.ID, one(ids[2])); err != nil {
				t.Fatalf("after midnight: %v", err)
			}
			// Three held: the cap.
			if _, err := w.svc.Claim(ctx, w.rep1, w.pool.ID, one(ids[3])); poolCode(err) != model.PoolErrCap {
				t.Fatalf("over the cap: %v", err)
			}
			// A refused batch writes nothing.
			if c, _ := w.svc.Customer(ctx, w.admin, ids[3]); c.PoolID != w.pool.ID {
				t.Fatal("a refused claim changed the customer")
			}

			// Release needs a reason; then the customer is back in the pool.
			if _, err := w.svc.Release(ctx, w.rep1, w.pool.ID, one(ids[0])); err == nil {
				t.Fatal("release without a reason")
			}
			if _, err := w.svc.Release(ctx, w.rep2, w.pool.ID, &crm.PoolActionInput{CustomerIDs: []int64{ids[1]}, Reason: "x"}); !errors.Is(err, model.ErrNotFound) {
				t.Fatalf("a rep releasing someone else's customer: %v", err)
			}
			rel, err := w.svc.Release(ctx, w.rep1, w.pool.ID, &crm.PoolActionInput{CustomerIDs: []int64{ids[0]}, Reason: "客户无意向"})
			if err != nil || rel[0].OwnerID != 0 || rel[0].PoolID != w.pool.ID || rel[0].PoolEntry != model.PoolEntryRelease || rel[0].PoolReason != "客户无意向" {
				t.Fatalf("release: %+v %v", rel, err)
			}
			// Cooldown: rep1 may not take it back for 7 days; rep2 may.
			w.clk.add(6 * 24 * time.Hour)
			if _, err := w.svc.Claim(ctx, w.rep1, w.pool.ID, one(ids[0])); poolCode(err) != model.PoolErrCooldown {
				t.Fatalf("claim within the cooldown: %v", err)
			}
			if _, err := w.svc.Assign(ctx, w.manager, w.pool.ID, &crm.PoolActionInput{CustomerIDs: []int64{ids[0]}, StaffID: w.rep1.StaffID}); poolCode(err) != model.PoolErrCooldown {
				t.Fatalf("assignment within the cooldown: %v", err)
			}
			w.clk.add(24 * time.Hour)
			if _, err := w.svc.Claim(ctx, w.rep1, w.pool.ID, one(ids[0])); err != nil {
				t.Fatalf("claim after the cooldown: %v", err)
			}

			// A 销售 may not assign; a 主管 may, within the assignee's cap.
			if _, err := w.svc.Assign(ctx, w.rep1, w.pool.ID, &crm.PoolActionInput{CustomerIDs: []int64{ids[4]}, StaffID: w.rep2.StaffID}); !errors.Is(err, model.ErrForbidden) {
				t.Fatalf("a rep assigning: %v", err)
			}
			as, err := w.svc.Assign(ctx, w.manager, w.pool.ID, &crm.PoolActionInput{CustomerIDs: []int64{ids[4], ids[5]}, StaffID: w.rep2.StaffID, Reason: "按区域分配"})
			if err != nil || as[0].OwnerID != w.rep2.StaffID {
				t.Fatalf("assign: %+v %v", as, err)
			}
			// Transfer from rep2 to rep1, who holds 3: the cap names the rule.
			if _, err := w.svc.Transfer(ctx, w.manager, w.pool.ID, &crm.PoolActionInput{CustomerIDs: []int64{ids[4]}, StaffID: w.rep1.StaffID}); poolCode(err) != model.PoolErrCap {
				t.Fatalf("transfer over the cap: %v", err)
			}
			tr, err := w.svc.Transfer(ctx, w.manager, w.pool.ID, &crm.PoolActionInput{CustomerIDs: []int64{ids[4]}, StaffID: w.manager.StaffID, Reason: "离职交接"})
			if err != nil || tr[0].OwnerID != w.manager.StaffID {
				t.Fatalf("transfer: %+v %v", tr, err)
			}

			// History: every action is an event with actor and reason.
			evs, err := w.svc.History(ctx, w.admin, ids[0], 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range evs {
				if e.Action != "" {
					actions = append(actions, e.Action+"/"+e.Actor.Name+"/"+e.Reason)
				}
			}
			want := fmt.Sprint([]string{model.PoolMove + "//导入公海", model.PoolClaim + "/李雷/", model.PoolRelease + "/李雷/客户无意向", model.PoolClaim + "/李雷/"})
			if fmt.Sprint(actions) != want {
				t.Fatalf("history actions\n got %v\nwant %v", actions, want)
			}
			log, err := w.svc.PoolActions(ctx, w.manager, w.pool.ID, store.PoolActionFilter{CustomerID: ids[4]})
			if err != nil || len(log) != 3 || log[0].Action != model.PoolTransfer || log[0].FromStaffID != w.rep2.StaffID || log[0].Reason != "离职交接" {
				t.Fatalf("action log %+v %v", log, err)
			}
			audits, err := w.st.AuditEntries(ctx, w.tenant, model.AuditFilter{Action: "pool.", Limit: 50})
			if err != nil || len(audits) < 4 {
				t.Fatalf("audit: %d %v", len(audits), err)
			}
		})
	}
}

// TestClaimRace: two reps on two nodes claim the same pool customer at
// once; exactly one wins, the other is told someone was first.
func TestClaimRace(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			a, b := storetest.OpenNodes(t, db)
			w := newPoolWorld(t, a, model.PoolRules{})
			other := crm.New(b, "CN", crm.China)
			ids := w.inPool(t, 20)
			for _, id := range ids {
				var wins, lost atomic.Int32
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i, svc := range []*crm.Service{w.svc, other} {
					rep := []*model.Caller{w.rep1, w.rep2}[i]
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						_, err := svc.Claim(ctx, rep, w.pool.ID, one(id))
						switch {
						case err == nil:
							wins.Add(1)
						case poolCode(err) == model.PoolErrClaimed:
							lost.Add(1)
						default:
							t.Errorf("claim %d: %v", id, err)
						}
					}()
				}
				close(start)
				wg.Wait()
				if wins.Load() != 1 || lost.Load() != 1 {
					t.Fatalf("customer %d: %d wins, %d lost", id, wins.Load(), lost.Load())
				}
			}
			log, _ := w.st.PoolActions(ctx, w.tenant, store.PoolActionFilter{PoolID: w.pool.ID, Limit: 500})
			claims := 0
			for _, a := range log {
				if a.Action == model.PoolClaim {
					claims++
				}
			}
			if claims != len(ids) {
				t.Fatalf("%d claims recorded for %d customers", claims, len(ids))
			}
		})
	}
}

// tokensInStep fails unless every token row carries its customer's owner
// and pool (scoped name searches read them there).
func (w *poolWorld) tokensInStep(t *testing.T) {
	t.Helper()
	var stale int
	if err := w.svc.Store.QueryRow(context.Background(), `SELECT COUNT(*) FROM customer_grams g JOIN customers c ON c.tenant_id = g.tenant_id AND c.id = g.customer_id
 WHERE g.owner_id <> COALESCE(c.owner_id, 0) OR g.pool_id <> COALESCE(c.pool_id, 0)`).Scan(&stale); err != nil || stale != 0 {
		t.Fatalf("%d token rows out of step with their customers (%v)", stale, err)
	}
}

// claimAll has rep claim ids (no rules in the way), in batches.
func (w *poolWorld) claimAll(t *testing.T, rep *model.Caller, ids []int64) {
	t.Helper()
	for start := 0; start < len(ids); start += crm.MaxPoolBatch {
		if _, err := w.svc.Claim(context.Background(), rep, w.pool.ID, one(ids[start:min(start+crm.MaxPoolBatch, len(ids))]...)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRecycle: day N exactly, protection, a follow-up or a stage change
// resetting the clock, a dry run moving nothing, catching up after
// downtime, and the event and action of every move.
func TestRecycle(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			w := newPoolWorld(t, storetest.Open(t, db), model.PoolRules{RecycleNoFollowDays: 3, RecycleNoDealDays: 10, ProtectDays: 1})
			ids := w.inPool(t, 4)
			// ids[0] has a remark of more tokens than the widths SQLite's
			// per-customer token update prepares up front (64): 80
			// distinct characters, their unigrams and bigrams.
			var long strings.Builder
			for i := range 80 {
				long.WriteRune(rune(0x4E00 + 7*i))
			}
			if n := len(store.NameTokens("", long.String())); n <= 64 {
				t.Fatalf("the long remark has %d tokens", n)
			}
			if _, err := w.svc.UpdateCustomer(ctx, w.admin, ids[0], &crm.CustomerInput{Remark: crm.Ptr(long.String())}); err != nil {
				t.Fatal(err)
			}
			w.claimAll(t, w.rep1, ids)
			w.tokensInStep(t)
			// ids[1] is followed up on day 2 (the follow-up timeline sets
			// last_follow_at).
			w.clk.add(2 * 24 * time.Hour)
			setFollow(t, w, ids[1], w.clk.now())
			w.clk.add(24*time.Hour - time.Second)
			if rep, err := w.svc.Recycle(ctx, crm.RecycleOptions{}); err != nil || rep.Moved != 0 {
				t.Fatalf("a second before day 3: %+v %v", rep, err)
			}
			w.clk.add(time.Second) // day 3 exactly
			dry, err := w.svc.Recycle(ctx, crm.RecycleOptions{DryRun: true, Items: 10})
			if err != nil || dry.Due != 3 || dry.Moved != 0 || len(dry.Items) != 3 {
				t.Fatalf("dry run: %+v %v", dry, err)
			}
			if c, _ := w.svc.Customer(ctx, w.admin, ids[0]); c.OwnerID != w.rep1.StaffID {
				t.Fatal("a dry run moved a customer")
			}
			rep, err := w.svc.Recycle(ctx, crm.RecycleOptions{Batch: 2})
			if err != nil || rep.Moved != 3 || rep.ByRule[model.PoolEntryFollow] != 3 {
				t.Fatalf("day 3: %+v %v", rep, err)
			}
			c, _ := w.svc.Customer(ctx, w.admin, ids[0])
			if c.OwnerID != 0 || c.PoolID != w.pool.ID || c.PoolEntry != model.PoolEntryFollow || !c.PoolEnteredAt.Equal(w.clk.now()) || c.PoolReason == "" {
				t.Fatalf("recycled customer %+v", c)
			}
			// Their token rows carry the new owner and pool (scoped name
			// searches read them there), and no other row changed.
			w.tokensInStep(t)
			var pooled int
			if err := w.svc.Store.QueryRow(ctx, `SELECT COUNT(DISTINCT customer_id) FROM customer_grams WHERE pool_id = ?`, w.pool.ID).Scan(&pooled); err != nil || pooled != 4-1 {
				t.Fatalf("token rows of %d pooled customers, want 3 (%v)", pooled, err)
			}
			evs, _ := w.svc.History(ctx, w.admin, ids[0], 0, 100)
			if last := evs[len(evs)-1]; last.Action != model.PoolRecycle || last.Via != model.ViaSystem || last.Reason != c.PoolReason {
				t.Fatalf("recycle event %+v", last)
			}
			// A second pass finds nothing more; the followed-up one is
			// kept until day 5.
			if rep, _ := w.svc.Recycle(ctx, crm.RecycleOptions{}); rep.Moved != 0 {
				t.Fatalf("second pass moved %d", rep.Moved)
			}
			// Downtime: nothing runs for three weeks; the next pass
			// catches up (ids[1] is due by both rules: the first wins).
			w.clk.add(21 * 24 * time.Hour)
			rep, err = w.svc.Recycle(ctx, crm.RecycleOptions{})
			if err != nil || rep.Moved != 1 {
				t.Fatalf("after downtime: %+v %v", rep, err)
			}
		})
	}
}

// setFollow records a follow-up of the customer's owner at at, through the
// follow-up timeline (which keeps last_follow_at).
// TestRecycleByDate: the date rule (合同到期) on both databases — a pool
// recycles an owned customer once the date in a custom date field is over
// (midnight Asia/Shanghai), not while it is protected, not without a date;
// a renewed date keeps it; with a claim-time rule beside it a customer due
// by both is counted and moved once; and the rule's field is checked when
// the pool is written.
func TestRecycleByDate(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			w := newPoolWorld(t, storetest.Open(t, db), model.PoolRules{ProtectDays: 1})
			contract := &model.Field{Key: "contractEnd", Label: "合同到期日", Type: model.TypeDate}
			note := &model.Field{Key: "note", Label: "备注二", Type: model.TypeText}
			for _, f := range []*model.Field{contract, note} {
				if err := w.st.CreateField(ctx, w.tenant, f); err != nil {
					t.Fatal(err)
				}
			}
			rules := func(r model.PoolRules) error {
				p := *w.pool
				p.Rules = r
				got, err := w.svc.UpdatePool(ctx, w.admin, w.pool.ID, &p)
				if err == nil {
					w.pool = got
				}
				return err
			}
			for _, bad := range []model.PoolRules{
				{RecycleDateField: "nope"}, {RecycleDateField: "note"}, {RecycleDateField: "createdAt"}, {RecycleDateDays: 3},
				{RecycleDateField: "contractEnd", RecycleDateDays: -1},
			} {
				if err := rules(bad); !isFieldError(err) {
					t.Errorf("rules %+v: %v, want invalid", bad, err)
				}
			}
			if err := rules(model.PoolRules{ProtectDays: 1, RecycleDateField: "contractEnd"}); err != nil {
				t.Fatal(err)
			}
			if p, _ := w.svc.Pool(ctx, w.admin, w.pool.ID); p.Rules.RecycleDateField != "contractEnd" {
				t.Fatalf("stored rules %+v", p.Rules)
			}
			ids := w.inPool(t, 5)
			w.claimAll(t, w.rep1, ids)
			setDate := func(id int64, date string) {
				t.Helper()
				v := json.RawMessage(`"` + date + `"`)
				if date == "" {
					v = json.RawMessage(`null`)
				}
				if _, err := w.svc.UpdateCustomer(ctx, w.admin, id, &crm.CustomerInput{Fields: map[string]json.RawMessage{"contractEnd": v}}); err != nil {
					t.Fatal(err)
				}
			}
			// claimed 2026-03-02 10:00 (Shanghai), protected for a day
			setDate(ids[0], "2026-02-20") // over before the claim: due when protection ends
			setDate(ids[1], "2026-03-05") // due 03-06 00:00
			setDate(ids[3], "2026-03-05") // renewed below before it is due
			// ids[2] has no date; ids[4]'s date is far ahead
			setDate(ids[4], "2027-03-05")
			pass := func(at time.Time, dry bool) *crm.RecycleReport {
				t.Helper()
				w.clk.add(at.Sub(w.clk.now()))
				rep, err := w.svc.Recycle(ctx, crm.RecycleOptions{DryRun: dry, Items: 10, Batch: 2})
				if err != nil {
					t.Fatal(err)
				}
				return rep
			}
			protectedTo := time.Date(2026, 3, 3, 10, 0, 0, 0, crm.China)
			if rep := pass(protectedTo.Add(-time.Second), false); rep.Moved != 0 {
				t.Fatalf("moved %d while protected: %+v", rep.Moved, rep)
			}
			if rep := pass(protectedTo, false); rep.Moved != 1 || rep.ByRule[model.PoolEntryDate] != 1 || rep.Items[0].CustomerID != ids[0] {
				t.Fatalf("protection over: %+v", rep)
			}
			c, _ := w.svc.Customer(ctx, w.admin, ids[0])
			if c.PoolID != w.pool.ID || c.OwnerID != 0 || c.PoolEntry != model.PoolEntryDate || c.PoolReason != "合同到期日已到期" {
				t.Fatalf("recycled by date: %+v", c)
			}
			setDate(ids[3], "2026-06-30") // renewed
			end := time.Date(2026, 3, 6, 0, 0, 0, 0, crm.China)
			if rep := pass(end.Add(-time.Second), false); rep.Moved != 0 {
				t.Fatalf("moved on the contract's last day: %+v", rep)
			}
			if dry := pass(end, true); dry.Due != 1 || dry.Moved != 0 || dry.Items[0].CustomerID != ids[1] {
				t.Fatalf("dry run at the end: %+v", dry)
			}
			if rep := pass(end, false); rep.Moved != 1 || rep.Items[0].CustomerID != ids[1] {
				t.Fatalf("the day after the end: %+v", rep)
			}
			// A claim-time rule beside the date rule: on 07-02 ids[2] is due
			// by no follow-up only, ids[3] (renewed to 06-30) by both; each
			// is counted once, by the first rule.
			if err := rules(model.PoolRules{ProtectDays: 1, RecycleNoFollowDays: 90, RecycleDateField: "contractEnd"}); err != nil {
				t.Fatal(err)
			}
			followed := time.Date(2026, 6, 1, 9, 0, 0, 0, crm.China)
			w.clk.add(followed.Sub(w.clk.now()))
			setFollow(t, w, ids[4], followed) // followed up: due by neither rule on 07-02
			day := time.Date(2026, 7, 2, 0, 0, 0, 0, crm.China)
			dry := pass(day, true)
			if dry.Due != 2 || dry.ByRule[model.PoolEntryFollow] != 2 || len(dry.Items) != 2 {
				t.Fatalf("both rules, dry: %+v", dry)
			}
			if rep := pass(day, false); rep.Moved != 2 || rep.Skipped != 0 {
				t.Fatalf("both rules: %+v", rep)
			}
			if c, _ := w.svc.Customer(ctx, w.admin, ids[4]); c.OwnerID != w.rep1.StaffID {
				t.Fatal("a customer whose date is ahead was moved")
			}
			w.tokensInStep(t)
			// The field deleted: the rule recycles nobody (and says so by
			// moving nothing), the pool still reads.
			w.clk.add(400 * 24 * time.Hour)
			if err := w.st.DeleteField(ctx, w.tenant, contract.ID); err != nil {
				t.Fatal(err)
			}
			if err := rules(model.PoolRules{ProtectDays: 1, RecycleDateField: "contractEnd"}); !isFieldError(err) {
				t.Fatalf("a deleted field in new rules: %v", err)
			}
		})
	}
}

func isFieldError(err error) bool {
	var fe *model.FieldError
	return errors.As(err, &fe)
}

func setFollow(t *testing.T, w *poolWorld, id int64, at time.Time) {
	t.Helper()
	kind := "电话"
	if _, err := w.svc.AddFollowUp(context.Background(), w.rep1, id, &crm.FollowUpInput{Kind: &kind, Content: crm.Ptr("回访"), At: &at}); err != nil {
		t.Fatal(err)
	}
}

// TestRecycleTwoNodes: two recyclers on two nodes of one PostgreSQL
// database run passes at the same moment, as two nodes would when a lease
// expired under a long pass; every due customer is moved exactly once.
func TestRecycleTwoNodes(t *testing.T) {
	ctx := context.Background()
	a, b := storetest.OpenNodes(t, store.Postgres)
	w := newPoolWorld(t, a, model.PoolRules{RecycleNoFollowDays: 1})
	ids := w.inPool(t, 600)
	w.claimAll(t, w.rep1, ids)
	w.clk.add(2 * 24 * time.Hour)
	other := crm.New(b, "CN", crm.China)
	other.Now = w.clk.now
	var wg sync.WaitGroup
	reps := make([]*crm.RecycleReport, 4)
	for i := range reps {
		svc := []*crm.Service{w.svc, other}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			// 1–4 batches at once per pass: parallel batches of one
			// pass and overlapping passes move each customer once.
			rep, err := svc.Recycle(ctx, crm.RecycleOptions{Batch: 50, Workers: i + 1})
			if err != nil {
				t.Error(err)
			}
			reps[i] = rep
		}()
	}
	wg.Wait()
	moved := 0
	for _, r := range reps {
		if r != nil {
			moved += r.Moved
		}
	}
	if moved != len(ids) {
		t.Fatalf("%d moves for %d due customers", moved, len(ids))
	}
	log, _ := w.st.PoolActions(ctx, w.tenant, store.PoolActionFilter{PoolID: w.pool.ID, Limit: 5000})
	per := map[int64]int{}
	for _, a := range log {
		if a.Action == model.PoolRecycle {
			per[a.CustomerID]++
		}
	}
	for _, id := range ids {
		if per[id] != 1 {
			t.Fatalf("customer %d recycled %d times", id, per[id])
		}
	}
}
