package crm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// followFixture is a tenant with two 销售 (rep, other), a 主管 and a 只读
// member, and a customer owned by rep.
type followFixture struct {
	st                    *store.Store
	svc                   *crm.Service
	tenant                int64
	rep, other, mgr, ro   *model.Caller
	repID, otherID, mgrID int64
	cust                  *model.Customer
	now                   time.Time
}

func newFollowFixture(t *testing.T, dialect string) *followFixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dialect)
	svc := crm.New(st, "CN", crm.China)
	fx := &followFixture{st: st, svc: svc, now: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	svc.Now = func() time.Time { return fx.now }
	tn, err := st.CreateTenant(ctx, "follow")
	if err != nil {
		t.Fatal(err)
	}
	fx.tenant = tn.ID
	d, _ := st.CreateDepartment(ctx, tn.ID, 0, "华东")
	mgrRole, _ := st.RoleByKey(ctx, tn.ID, model.RoleManager)
	roRole, _ := st.RoleByKey(ctx, tn.ID, model.RoleReadOnly)
	mk := func(name string, roleID int64) (*model.Caller, int64) {
		m := &model.Staff{Name: name, DepartmentID: d.ID, RoleID: roleID}
		if err := st.CreateStaff(ctx, tn.ID, m); err != nil {
			t.Fatal(err)
		}
		c, err := svc.StaffCaller(ctx, tn.ID, m.ID, model.ViaNative, "")
		if err != nil {
			t.Fatal(err)
		}
		return c, m.ID
	}
	fx.rep, fx.repID = mk("李雷", 0)
	fx.other, fx.otherID = mk("韩梅梅", 0)
	fx.mgr, fx.mgrID = mk("王主管", mgrRole.ID)
	fx.ro, _ = mk("只读", roRole.ID)
	fx.cust, err = svc.CreateCustomer(ctx, fx.rep, &crm.CustomerInput{Name: crm.Ptr("张三"), Phone: crm.Ptr("13812345678")})
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

func (fx *followFixture) stored(t *testing.T) *model.Customer {
	t.Helper()
	c, err := fx.st.Customer(context.Background(), fx.tenant, fx.cust.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFollowUpState: the customer's lastFollowAt, lastFollowUser and
// nextFollowAt follow its newest follow-up through adds (older and newer
// ones), edits (moving the newest back) and deletes (of the newest and of
// the last one), on both databases, each in the history with its actor.
func TestFollowUpState(t *testing.T) {
	for _, dialect := range storetest.Databases {
		t.Run(dialect, func(t *testing.T) {
			fx := newFollowFixture(t, dialect)
			ctx := context.Background()
			h := func(d int) time.Time { return fx.now.Add(time.Duration(d) * time.Hour) }
			ids := map[string]int64{}
			type step struct {
				name string
				do   func() error
				// want: the newest follow-up's time offset (hours), staff and next (hours; 0 none); at < -999: none
				at, next int
				staff    int64
			}
			add := func(key string, caller *model.Caller, at, next int, staff int64) func() error {
				return func() error {
					in := &crm.FollowUpInput{Kind: crm.Ptr("电话"), Content: crm.Ptr("聊了" + key), At: crm.Ptr(h(at))}
					if next != 0 {
						in.NextAt = crm.Ptr(h(next))
					}
					if staff != 0 {
						in.StaffID = &staff
					}
					f, err := fx.svc.AddFollowUp(ctx, caller, fx.cust.ID, in)
					if err == nil {
						ids[key] = f.ID
					}
					return err
				}
			}
			steps := []step{
				{"first", add("a", fx.rep, -48, 24, 0), -48, 24, fx.repID},
				{"older one does not move it", add("b", fx.rep, -72, 0, 0), -48, 24, fx.repID},
				{"newer one by the manager for the other rep", add("c", fx.mgr, -2, 0, fx.repID), -2, 0, fx.repID},
				{"newest moved back behind a", func() error {
					_, err := fx.svc.UpdateFollowUp(ctx, fx.rep, ids["c"], &crm.FollowUpInput{At: crm.Ptr(h(-60)), NextAt: crm.Ptr(h(10))})
					return err
				}, -48, 24, fx.repID},
				{"newest deleted", func() error { return fx.svc.DeleteFollowUp(ctx, fx.rep, ids["a"]) }, -60, 10, fx.repID},
				{"older deleted", func() error { return fx.svc.DeleteFollowUp(ctx, fx.rep, ids["b"]) }, -60, 10, fx.repID},
				{"last deleted", func() error { return fx.svc.DeleteFollowUp(ctx, fx.mgr, ids["c"]) }, -1000, 0, 0},
			}
			for _, s := range steps {
				if err := s.do(); err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				c := fx.stored(t)
				wantAt, wantNext := time.Time{}, time.Time{}
				if s.at > -999 {
					wantAt = h(s.at)
				}
				if s.next != 0 {
					wantNext = h(s.next)
				}
				if !c.LastFollowAt.Equal(wantAt) || c.LastFollowUserID != s.staff || !c.NextFollowAt.Equal(wantNext) {
					t.Errorf("%s: last %v by %d next %v, want %v by %d next %v", s.name,
						c.LastFollowAt, c.LastFollowUserID, c.NextFollowAt, wantAt, s.staff, wantNext)
				}
			}
			evs, err := fx.svc.History(ctx, fx.mgr, fx.cust.ID, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			var follow []model.Event
			for _, e := range evs {
				for _, ch := range e.Changes {
					if ch.Field == "followUp" {
						follow = append(follow, e)
					}
				}
			}
			if len(follow) != len(steps) {
				t.Fatalf("history has %d follow-up events, want %d: %+v", len(follow), len(steps), evs)
			}
			if a := follow[2].Actor; a.ID != itoa(fx.mgrID) || a.Kind != model.ActorStaff {
				t.Errorf("actor of the manager's follow-up: %+v", a)
			}
			last := follow[len(follow)-1]
			changed := map[string]bool{}
			for _, ch := range last.Changes {
				changed[ch.Field] = true
				if ch.Field == "followUp" && (string(ch.New) != "null" || !strings.Contains(string(ch.Old), "聊了c")) {
					t.Errorf("delete change: %s → %s", ch.Old, ch.New)
				}
			}
			if !changed["lastFollowAt"] || !changed["lastFollowUserId"] || !changed["nextFollowAt"] {
				t.Errorf("the last delete's changes: %+v", last.Changes)
			}
		})
	}
}

// TestFollowUpImportedState: an imported lastFollowAt (a follow-up kehu has
// no record of) stands against older follow-ups and gives way to a newer one.
func TestFollowUpImportedState(t *testing.T) {
	fx := newFollowFixture(t, store.SQLite)
	ctx := context.Background()
	imported := fx.now.Add(-24 * time.Hour)
	err := fx.st.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.CustomerForUpdate(ctx, fx.tenant, fx.cust.ID)
		if err != nil {
			return err
		}
		c := *old
		c.LastFollowAt, c.LastFollowUserID = imported, fx.otherID
		return tx.SetFollowState(ctx, old, &c, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.svc.AddFollowUp(ctx, fx.rep, fx.cust.ID, &crm.FollowUpInput{Kind: crm.Ptr("微信"), Content: crm.Ptr("旧的"), At: crm.Ptr(imported.Add(-time.Hour))}); err != nil {
		t.Fatal(err)
	}
	if c := fx.stored(t); !c.LastFollowAt.Equal(imported) || c.LastFollowUserID != fx.otherID {
		t.Fatalf("an older follow-up replaced the imported state: %v by %d", c.LastFollowAt, c.LastFollowUserID)
	}
	f, err := fx.svc.AddFollowUp(ctx, fx.rep, fx.cust.ID, &crm.FollowUpInput{Kind: crm.Ptr("微信"), Content: crm.Ptr("新的")})
	if err != nil {
		t.Fatal(err)
	}
	if c := fx.stored(t); !c.LastFollowAt.Equal(fx.now) || c.LastFollowUserID != fx.repID || f.At != fx.now {
		t.Fatalf("a newer follow-up did not replace the imported state: %v by %d", c.LastFollowAt, c.LastFollowUserID)
	}
}

// TestFollowUpPermissions: who may write and read follow-ups.
func TestFollowUpPermissions(t *testing.T) {
	fx := newFollowFixture(t, store.SQLite)
	ctx := context.Background()
	in := func() *crm.FollowUpInput {
		return &crm.FollowUpInput{Kind: crm.Ptr("拜访"), Content: crm.Ptr("上门")}
	}
	tenant := crm.SystemCaller(fx.tenant, model.Actor{ID: "kh1_test", Name: "client"})
	var fe *model.FieldError
	cases := []struct {
		name   string
		caller *model.Caller
		in     *crm.FollowUpInput
		want   error // nil, model.ErrNotFound, model.ErrForbidden; fieldErr: a FieldError
		field  string
	}{
		{"销售 on another rep's customer", fx.other, in(), model.ErrNotFound, ""},
		{"只读 sees it but may not edit", fx.ro, in(), model.ErrForbidden, ""},
		{"销售 on behalf of another rep", fx.rep, func() *crm.FollowUpInput { i := in(); i.StaffID = &fx.otherID; return i }(), model.ErrForbidden, ""},
		{"the tenant without a staff member", tenant, in(), nil, "staffId"},
		{"no kind", fx.rep, &crm.FollowUpInput{Content: crm.Ptr("x")}, nil, "kind"},
		{"unknown kind", fx.rep, &crm.FollowUpInput{Kind: crm.Ptr("飞鸽传书"), Content: crm.Ptr("x")}, nil, "kind"},
		{"empty content", fx.rep, &crm.FollowUpInput{Kind: crm.Ptr("电话"), Content: crm.Ptr("  ")}, nil, "content"},
		{"in the future", fx.rep, func() *crm.FollowUpInput { i := in(); i.At = crm.Ptr(fx.now.Add(time.Hour)); return i }(), nil, "at"},
		{"next before the follow-up", fx.rep, func() *crm.FollowUpInput { i := in(); i.NextAt = crm.Ptr(fx.now.Add(-time.Hour)); return i }(), nil, "nextAt"},
		{"销售 on their own customer", fx.rep, in(), nil, ""},
		{"主管 for the rep", fx.mgr, func() *crm.FollowUpInput { i := in(); i.StaffID = &fx.repID; return i }(), nil, ""},
		{"the tenant naming the rep", tenant, func() *crm.FollowUpInput { i := in(); i.StaffID = &fx.repID; return i }(), nil, ""},
	}
	for _, c := range cases {
		_, err := fx.svc.AddFollowUp(ctx, c.caller, fx.cust.ID, c.in)
		switch {
		case c.field != "":
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Errorf("%s: %v, want a field error on %s", c.name, err, c.field)
			}
		case c.want == nil && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	list, err := fx.svc.ListFollowUps(ctx, fx.rep, fx.cust.ID, crm.FollowUpPage{})
	if err != nil || len(list.Items) != 3 || list.Items[0].Kind != "拜访" {
		t.Fatalf("the rep's timeline: %v %+v", err, list)
	}
	id := list.Items[0].ID
	if _, err := fx.svc.ListFollowUps(ctx, fx.other, fx.cust.ID, crm.FollowUpPage{}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("another rep lists the timeline: %v", err)
	}
	if _, err := fx.svc.FollowUp(ctx, fx.other, id); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("another rep reads a follow-up: %v", err)
	}
	if _, err := fx.svc.UpdateFollowUp(ctx, fx.other, id, &crm.FollowUpInput{Content: crm.Ptr("改")}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("another rep edits a follow-up: %v", err)
	}
	if err := fx.svc.DeleteFollowUp(ctx, fx.ro, id); !errors.Is(err, model.ErrForbidden) {
		t.Errorf("只读 deletes a follow-up: %v", err)
	}
	if f, err := fx.svc.FollowUp(ctx, fx.ro, id); err != nil || f.Content != "上门" {
		t.Errorf("只读 reads a follow-up: %v %+v", err, f)
	}
	// The rep is masked (销售 lacks customer.unmask): the history of their
	// own follow-up still masks the customer's phone, shows the follow-up.
	if _, err := fx.svc.UpdateCustomer(ctx, fx.rep, fx.cust.ID, &crm.CustomerInput{Phone: crm.Ptr("13900001111")}); err != nil {
		t.Fatal(err)
	}
	evs, err := fx.svc.History(ctx, fx.rep, fx.cust.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(evs)
	if strings.Contains(string(b), "13900001111") || strings.Contains(string(b), "13812345678") || !strings.Contains(string(b), "上门") {
		t.Errorf("masked history: %s", b)
	}
	// Customer writes cannot set the follow-up fields; the customer read
	// back by a masked caller carries them.
	got, err := fx.svc.Customer(ctx, fx.rep, fx.cust.ID)
	if err != nil || got.LastFollowAt.IsZero() || got.LastFollowUserID != fx.repID || got.Phone != "+86139****1111" {
		t.Errorf("masked read of a followed customer: %v %+v", err, got)
	}
}

// TestStaffFollowUps: a staff member's follow-ups across customers, newest
// first, paged by cursor, without the customers the caller may not see.
func TestStaffFollowUps(t *testing.T) {
	fx := newFollowFixture(t, store.SQLite)
	ctx := context.Background()
	tenant := crm.SystemCaller(fx.tenant, model.Actor{ID: "kh1_test"})
	theirs, err := fx.svc.CreateCustomer(ctx, fx.other, &crm.CustomerInput{Name: crm.Ptr("李四")})
	if err != nil {
		t.Fatal(err)
	}
	// Seven follow-ups by the rep an hour apart, alternating customers:
	// four on the rep's, three on the other rep's (recorded by the tenant).
	var mine []int64
	for i := range 7 {
		cust := fx.cust.ID
		if i%2 == 1 {
			cust = theirs.ID
		}
		f, err := fx.svc.AddFollowUp(ctx, tenant, cust, &crm.FollowUpInput{Kind: crm.Ptr("电话"), Content: crm.Ptr("第" + itoa(int64(i)) + "次"),
			StaffID: &fx.repID, At: crm.Ptr(fx.now.Add(time.Duration(i-10) * time.Hour))})
		if err != nil {
			t.Fatal(err)
		}
		if cust == fx.cust.ID {
			mine = append([]int64{f.ID}, mine...) // newest first
		}
	}
	var got []int64
	page := crm.FollowUpPage{Limit: 3}
	for range 5 {
		l, err := fx.svc.StaffFollowUps(ctx, fx.rep, fx.repID, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range l.Items {
			got = append(got, f.ID)
		}
		if l.Next == "" {
			break
		}
		page.Cursor = l.Next
	}
	if len(got) != len(mine) {
		t.Fatalf("the rep's follow-ups: %v, want %v", got, mine)
	}
	for i := range got {
		if got[i] != mine[i] {
			t.Fatalf("the rep's follow-ups: %v, want %v", got, mine)
		}
	}
	all, err := fx.svc.StaffFollowUps(ctx, fx.mgr, fx.repID, crm.FollowUpPage{Limit: 50})
	if err != nil || len(all.Items) != 7 || all.Next != "" {
		t.Fatalf("the manager sees every follow-up of the rep: %v %d %q", err, len(all.Items), all.Next)
	}
	var fe *model.FieldError
	if _, err := fx.svc.StaffFollowUps(ctx, fx.rep, fx.repID, crm.FollowUpPage{Cursor: "nonsense"}); !errors.As(err, &fe) || fe.Field != "cursor" {
		t.Errorf("bad cursor: %v", err)
	}
}

// TestFollowUpKinds: tenants add, rename and delete their own kinds; the
// five built-in ones are fixed; a kind in use stays.
func TestFollowUpKinds(t *testing.T) {
	fx := newFollowFixture(t, store.SQLite)
	ctx := context.Background()
	admin := crm.SystemCaller(fx.tenant, model.Actor{})
	if _, err := fx.svc.AddFollowUpKind(ctx, fx.rep, "短信"); !errors.Is(err, model.ErrForbidden) {
		t.Errorf("销售 adds a kind: %v", err)
	}
	if _, err := fx.svc.AddFollowUpKind(ctx, admin, "电话"); !errors.Is(err, model.ErrConflict) {
		t.Errorf("a kind named like a built-in one: %v", err)
	}
	k, err := fx.svc.AddFollowUpKind(ctx, admin, "短信")
	if err != nil || k.Position != 5 {
		t.Fatalf("add kind: %v %+v", err, k)
	}
	if _, err := fx.svc.RenameFollowUpKind(ctx, admin, 1, "打电话"); !errors.Is(err, model.ErrForbidden) {
		t.Errorf("rename a built-in kind: %v", err)
	}
	if k, err = fx.svc.RenameFollowUpKind(ctx, admin, k.ID, "短信群发"); err != nil || k.Name != "短信群发" {
		t.Fatalf("rename: %v %+v", err, k)
	}
	f, err := fx.svc.AddFollowUp(ctx, fx.rep, fx.cust.ID, &crm.FollowUpInput{KindID: &k.ID, Content: crm.Ptr("发了短信")})
	if err != nil || f.Kind != "短信群发" {
		t.Fatalf("follow-up of an own kind: %v %+v", err, f)
	}
	if err := fx.svc.DeleteFollowUpKind(ctx, admin, k.ID); !errors.Is(err, model.ErrConflict) {
		t.Errorf("delete a kind in use: %v", err)
	}
	if err := fx.svc.DeleteFollowUp(ctx, fx.rep, f.ID); err != nil {
		t.Fatal(err)
	}
	if err := fx.svc.DeleteFollowUpKind(ctx, admin, k.ID); err != nil {
		t.Errorf("delete an unused kind: %v", err)
	}
	kinds, _ := fx.svc.FollowUpKinds(ctx, fx.rep)
	if len(kinds) != 5 || kinds[0].Name != "电话" || !kinds[4].Builtin {
		t.Errorf("kinds: %+v", kinds)
	}
	// Deleting a customer deletes its follow-ups.
	f, _ = fx.svc.AddFollowUp(ctx, fx.rep, fx.cust.ID, &crm.FollowUpInput{Kind: crm.Ptr("其他"), Content: crm.Ptr("x")})
	if err := fx.svc.DeleteCustomers(ctx, admin, []int64{fx.cust.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.st.FollowUp(ctx, fx.tenant, f.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a deleted customer's follow-up: %v", err)
	}
}

// TestFollowUpAudit: writing a follow-up of someone else — a 主管 recording,
// editing and deleting a rep's follow-up, the tenant editing one — is
// administrative and lands in the audit log with the record before and
// after; a rep's own follow-ups do not, on both databases.
func TestFollowUpAudit(t *testing.T) {
	for _, dialect := range storetest.Databases {
		t.Run(dialect, func(t *testing.T) {
			fx := newFollowFixture(t, dialect)
			ctx := context.Background()
			entries := func() []string {
				t.Helper()
				es, err := fx.st.AuditEntries(ctx, fx.tenant, model.AuditFilter{Action: "followup.", Limit: 50})
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for i := len(es) - 1; i >= 0; i-- {
					out = append(out, es[i].Action+" by "+es[i].ActorName)
				}
				return out
			}
			in := &crm.FollowUpInput{Kind: crm.Ptr("电话"), Content: crm.Ptr("回访")}
			own, err := fx.svc.AddFollowUp(ctx, fx.rep, fx.cust.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fx.svc.UpdateFollowUp(ctx, fx.rep, own.ID, &crm.FollowUpInput{Content: crm.Ptr("回访，有意向")}); err != nil {
				t.Fatal(err)
			}
			if got := entries(); len(got) != 0 {
				t.Fatalf("a rep's own follow-ups were audited: %v", got)
			}
			forRep, err := fx.svc.AddFollowUp(ctx, fx.mgr, fx.cust.ID, &crm.FollowUpInput{Kind: crm.Ptr("拜访"), Content: crm.Ptr("陪访"), StaffID: &fx.repID})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fx.svc.UpdateFollowUp(ctx, fx.mgr, own.ID, &crm.FollowUpInput{Content: crm.Ptr("主管更正")}); err != nil {
				t.Fatal(err)
			}
			tenant := crm.SystemCaller(fx.tenant, model.Actor{ID: "kh1_test", Name: "client"})
			if _, err := fx.svc.UpdateFollowUp(ctx, tenant, forRep.ID, &crm.FollowUpInput{Content: crm.Ptr("接口更正")}); err != nil {
				t.Fatal(err)
			}
			if err := fx.svc.DeleteFollowUp(ctx, fx.mgr, own.ID); err != nil {
				t.Fatal(err)
			}
			want := []string{"followup.created by 王主管", "followup.updated by 王主管", "followup.updated by kh1_test", "followup.deleted by 王主管"}
			if got := entries(); strings.Join(got, "; ") != strings.Join(want, "; ") {
				t.Fatalf("audit %v, want %v", got, want)
			}
			es, _ := fx.st.AuditEntries(ctx, fx.tenant, model.AuditFilter{Action: audit.FollowUpUpdated, Target: strconv.FormatInt(own.ID, 10), Limit: 5})
			if len(es) != 1 || !strings.Contains(string(es[0].Details), "回访，有意向") || !strings.Contains(string(es[0].Details), "主管更正") {
				t.Fatalf("the edit's entry does not hold the record before and after: %+v", es)
			}
		})
	}
}
