package crm

import (
	"errors"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// t0 is a fixed clock: 2026-03-02 10:00 in Asia/Shanghai.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, China)

func TestRecycleDue(t *testing.T) {
	pool := &model.Pool{ID: 7, Name: "华东公海", Rules: model.PoolRules{RecycleNoFollowDays: 3, RecycleNoDealDays: 10, ProtectDays: 1}}
	owned := store.RecycleState{ID: 1, OwnerID: 5, HomePoolID: 7, ClaimedAt: t0, ProtectedUntil: t0.Add(day)}
	with := func(f func(*store.RecycleState)) store.RecycleState { s := owned; f(&s); return s }
	cases := []struct {
		name  string
		st    store.RecycleState
		now   time.Time
		entry string
	}{
		{"a minute before day 3", owned, t0.Add(3*day - time.Minute), ""},
		{"day 3 exactly", owned, t0.Add(3 * day), model.PoolEntryFollow},
		{"followed up on day 2: not on day 3", with(func(s *store.RecycleState) { s.LastFollowAt = t0.Add(2 * day) }), t0.Add(3 * day), ""},
		{"followed up on day 2: due on day 5 exactly", with(func(s *store.RecycleState) { s.LastFollowAt = t0.Add(2 * day) }), t0.Add(5 * day), model.PoolEntryFollow},
		{"a follow-up before the claim does not count", with(func(s *store.RecycleState) { s.LastFollowAt = t0.Add(-30 * day) }), t0.Add(3*day - time.Second), ""},
		{"protected", with(func(s *store.RecycleState) { s.ProtectedUntil = t0.Add(4 * day) }), t0.Add(3 * day), ""},
		{"protection ends", with(func(s *store.RecycleState) { s.ProtectedUntil = t0.Add(4 * day) }), t0.Add(4 * day), model.PoolEntryFollow},
		{"in a pool", with(func(s *store.RecycleState) { s.PoolID, s.OwnerID = 7, 0 }), t0.Add(30 * day), ""},
		{"another pool's", with(func(s *store.RecycleState) { s.HomePoolID = 8 }), t0.Add(30 * day), ""},
		{"no owner", with(func(s *store.RecycleState) { s.OwnerID = 0 }), t0.Add(30 * day), ""},
	}
	for _, c := range cases {
		entry, reason, due := recycleDue(pool, nil, c.st, c.now)
		if entry != c.entry || due != (c.entry != "") || (due && reason == "") {
			t.Errorf("%s: got %q %q %v, want %q", c.name, entry, reason, due, c.entry)
		}
	}

	deal := &model.Pool{ID: 7, Rules: model.PoolRules{RecycleNoDealDays: 10}}
	followed := with(func(s *store.RecycleState) { s.LastFollowAt = t0.Add(9 * day); s.ProtectedUntil = time.Time{} })
	for _, c := range []struct {
		name  string
		st    store.RecycleState
		now   time.Time
		entry string
	}{
		{"no deal: day 10 exactly, follow-ups do not help", followed, t0.Add(10 * day), model.PoolEntryDeal},
		{"no deal: the day before", followed, t0.Add(10*day - time.Millisecond), ""},
		{"stage moved on day 4: due on day 14", with(func(s *store.RecycleState) { s.StageChangedAt = t0.Add(4 * day) }), t0.Add(14 * day), model.PoolEntryDeal},
		{"stage moved on day 4: not on day 13", with(func(s *store.RecycleState) { s.StageChangedAt = t0.Add(4 * day) }), t0.Add(13 * day), ""},
		{"stage changed before the claim does not count", with(func(s *store.RecycleState) { s.StageChangedAt = t0.Add(-day) }), t0.Add(10 * day), model.PoolEntryDeal},
	} {
		entry, _, due := recycleDue(deal, nil, c.st, c.now)
		if entry != c.entry || due != (c.entry != "") {
			t.Errorf("%s: got %q %v, want %q", c.name, entry, due, c.entry)
		}
	}
	if cut, ok := earliestClaimDue(pool, t0); !ok || !cut.Equal(t0.Add(-3*day)) {
		t.Errorf("earliest claim due %v %v", cut, ok)
	}
	if _, ok := earliestClaimDue(&model.Pool{}, t0); ok {
		t.Error("a pool without recycling rules has due customers")
	}
}

func TestCheckTake(t *testing.T) {
	p := &model.Pool{Name: "公海", Rules: model.PoolRules{MaxPerRep: 2, CooldownDays: 7, DailyClaimLimit: 3}}
	cases := []struct {
		name  string
		l     claimLimits
		now   time.Time
		claim bool
		code  string
	}{
		{"under every limit", claimLimits{Held: 1, ClaimsToday: 2}, t0, true, ""},
		{"cap reached", claimLimits{Held: 2}, t0, true, model.PoolErrCap},
		{"cap applies to assignments", claimLimits{Held: 2}, t0, false, model.PoolErrCap},
		{"daily limit reached", claimLimits{ClaimsToday: 3}, t0, true, model.PoolErrDaily},
		{"daily limit is the rep's own claims", claimLimits{ClaimsToday: 3}, t0, false, ""},
		{"released 6 days 23 hours ago", claimLimits{LastLoss: t0.Add(-7*day + time.Hour)}, t0, true, model.PoolErrCooldown},
		{"released 7 days ago exactly", claimLimits{LastLoss: t0.Add(-7 * day)}, t0, true, ""},
		{"cooldown applies to assignments", claimLimits{LastLoss: t0.Add(-day)}, t0, false, model.PoolErrCooldown},
	}
	for _, c := range cases {
		err := checkTake(p, c.l, c.now, c.claim)
		var pe *model.PoolError
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.code != "" && (!errors.As(err, &pe) || pe.Code != c.code):
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		case c.code != "" && !errors.Is(err, model.ErrConflict):
			t.Errorf("%s: a rule refusal is not a conflict", c.name)
		}
	}
}

// TestStartOfDay: the daily limit starts over at midnight in Asia/Shanghai,
// which is 16:00 UTC the day before.
func TestStartOfDay(t *testing.T) {
	for _, c := range []struct{ at, want time.Time }{
		{time.Date(2026, 3, 1, 15, 59, 59, 0, time.UTC), time.Date(2026, 2, 28, 16, 0, 0, 0, time.UTC)},
		{time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC)},
		{time.Date(2026, 3, 2, 0, 30, 0, 0, China), time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC)},
	} {
		if got := startOfDay(c.at); !got.Equal(c.want) {
			t.Errorf("start of day of %v: %v, want %v", c.at, got.UTC(), c.want)
		}
	}
}

// The date rule (合同到期): a date field's day is over at midnight
// Asia/Shanghai, a datetime counts from its instant; protection and the
// pool's other conditions apply as to the claim-time rules; and the
// candidates' bound (dateUpTo) admits exactly the values that can be due.
func TestRecycleDueByDate(t *testing.T) {
	contract := &model.Field{ID: 1001, Key: "contractEnd", Label: "合同到期日", Type: model.TypeDate}
	service := &model.Field{ID: 1002, Key: "serviceEnd", Label: "服务截止", Type: model.TypeDateTime}
	pool := &model.Pool{ID: 7, Rules: model.PoolRules{RecycleDateField: "contractEnd", RecycleDateDays: 0, ProtectDays: 1}}
	owned := store.RecycleState{ID: 1, OwnerID: 5, HomePoolID: 7, ClaimedAt: t0, ProtectedUntil: t0.Add(day)}
	endsOn := func(date string) store.RecycleState {
		s := owned
		n, _ := store.DateNumber(date)
		s.DateBasis = dateBasis(contract, n)
		return s
	}
	midnight := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, China) }
	cases := []struct {
		name  string
		pool  *model.Pool
		date  *model.Field
		st    store.RecycleState
		now   time.Time
		entry string
	}{
		{"ends 03-05: still on its last day, 23:59:59 Shanghai", pool, contract, endsOn("2026-03-05"), midnight(2026, 3, 6).Add(-time.Second), ""},
		{"ends 03-05: due at 03-06 00:00 Shanghai", pool, contract, endsOn("2026-03-05"), midnight(2026, 3, 6), model.PoolEntryDate},
		{"the same instant in UTC", pool, contract, endsOn("2026-03-05"), midnight(2026, 3, 6).UTC(), model.PoolEntryDate},
		{"ended long ago, but protected after the claim", pool, contract, endsOn("2025-01-01"), t0.Add(day - time.Second), ""},
		{"ended long ago: due when protection ends", pool, contract, endsOn("2025-01-01"), t0.Add(day), model.PoolEntryDate},
		{"no date: never by this rule", pool, contract, owned, t0.Add(1000 * day), ""},
		{"rule off (no field resolved)", pool, nil, endsOn("2025-01-01"), t0.Add(30 * day), ""},
		{"30 days after: not on day 29", &model.Pool{ID: 7, Rules: model.PoolRules{RecycleDateField: "contractEnd", RecycleDateDays: 30}}, contract,
			endsOn("2026-03-05"), midnight(2026, 4, 5).Add(-time.Millisecond), ""},
		{"30 days after: due on day 30", &model.Pool{ID: 7, Rules: model.PoolRules{RecycleDateField: "contractEnd", RecycleDateDays: 30}}, contract,
			endsOn("2026-03-05"), midnight(2026, 4, 5), model.PoolEntryDate},
		{"in a pool already", pool, contract, func() store.RecycleState { s := endsOn("2025-01-01"); s.PoolID, s.OwnerID = 7, 0; return s }(), t0.Add(30 * day), ""},
		{"governed by another pool", pool, contract, func() store.RecycleState { s := endsOn("2025-01-01"); s.HomePoolID = 8; return s }(), t0.Add(30 * day), ""},
	}
	for _, c := range cases {
		entry, reason, due := recycleDue(c.pool, c.date, c.st, c.now)
		if entry != c.entry || due != (c.entry != "") || (due && reason == "") {
			t.Errorf("%s: got %q %q %v, want %q", c.name, entry, reason, due, c.entry)
		}
	}
	if _, reason, _ := recycleDue(pool, contract, endsOn("2025-01-01"), t0.Add(30*day)); reason != "合同到期日已到期" {
		t.Errorf("reason %q", reason)
	}

	// A datetime counts from its instant, plus the days.
	at := t0.Add(5*day + 3*time.Hour)
	dtPool := &model.Pool{ID: 7, Rules: model.PoolRules{RecycleDateField: "serviceEnd", RecycleDateDays: 2}}
	st := owned
	st.DateBasis = dateBasis(service, float64(model.Millis(at)))
	for _, c := range []struct {
		now time.Time
		due bool
	}{{at.Add(2*day - time.Millisecond), false}, {at.Add(2 * day), true}} {
		if _, reason, due := recycleDue(dtPool, service, st, c.now); due != c.due || (due && reason != "服务截止到期后2天") {
			t.Errorf("datetime at %v: due %v %q, want %v", c.now, due, reason, c.due)
		}
	}

	// customerDateBasis reads the customer's own value (custom values by
	// field id); a value of the wrong shape is no date.
	for _, c := range []struct {
		custom string
		want   time.Time
	}{
		{`{"1001":"2026-03-05"}`, midnight(2026, 3, 6)},
		{`{"1001":"2026-12-31"}`, midnight(2027, 1, 1)},
		{`{"1001":"03/05/2026"}`, time.Time{}},
		{`{"1001":20260305}`, time.Time{}},
		{`{"9":"2026-03-05"}`, time.Time{}},
		{``, time.Time{}},
	} {
		got := customerDateBasis(contract, &model.Customer{Custom: []byte(c.custom)})
		if !got.Equal(c.want) {
			t.Errorf("basis of %s: %v, want %v", c.custom, got, c.want)
		}
	}
	if got := customerDateBasis(service, &model.Customer{Custom: []byte(`{"1002":1772416800000}`)}); !got.Equal(model.FromMillis(1772416800000)) {
		t.Errorf("datetime basis %v", got)
	}

	// dateUpTo: a value is at most the bound exactly when it can be due
	// (the walk reads no value that cannot, and misses none that can),
	// across month and year ends, every hour of a few days, and days 0–40.
	for _, days := range []int{0, 1, 30, 40} {
		for h := 0; h < 24*4; h++ {
			now := midnight(2026, 12, 30).Add(time.Duration(h)*time.Hour + 17*time.Minute)
			upTo := dateUpTo(contract, days, now)
			for d := -60; d < 5; d++ {
				v := midnight(2026, 12, 30).AddDate(0, 0, d)
				n, _ := store.DateNumber(v.Format("2006-01-02"))
				canBeDue := !now.Before(dateBasis(contract, n).Add(time.Duration(days) * day))
				if (n <= upTo) != canBeDue {
					t.Fatalf("days %d, now %v: value %v ≤ bound %v is %v, due %v", days, now, n, upTo, n <= upTo, canBeDue)
				}
			}
		}
	}
	if upTo := dateUpTo(service, 2, at); upTo != float64(model.Millis(at.Add(-2*day))) {
		t.Errorf("datetime bound %v", upTo)
	}
}

// TestRecycleAt: when an owned customer falls due (探马's customerRecovery
// counts the days to it): the earliest of its pool's rules, the date rule's
// from the customer's own value through the catalogue, postponed by
// protection; never for a customer in a pool or without a rule that applies.
func TestRecycleAt(t *testing.T) {
	contract := &model.Field{ID: 1001, Key: "contractEnd", Label: "合同到期日", Type: model.TypeDate}
	cat := &store.Catalog{Fields: map[int64]*model.Field{1001: contract}, ByKey: map[string]*model.Field{"contractEnd": contract}}
	owned := func(custom string) *model.Customer {
		return &model.Customer{ID: 1, OwnerID: 5, HomePoolID: 7, ClaimedAt: t0, Custom: []byte(custom)}
	}
	cases := []struct {
		name  string
		rules model.PoolRules
		c     *model.Customer
		want  time.Time // zero: never
	}{
		{"follow-up rule alone", model.PoolRules{RecycleNoFollowDays: 30}, owned(``), t0.Add(30 * day)},
		{"the date rule, earlier", model.PoolRules{RecycleNoFollowDays: 30, RecycleDateField: "contractEnd", RecycleDateDays: 2},
			owned(`{"1001":"2026-03-05"}`), time.Date(2026, 3, 8, 0, 0, 0, 0, China)},
		{"the date rule, later than the follow-up rule", model.PoolRules{RecycleNoFollowDays: 3, RecycleDateField: "contractEnd"},
			owned(`{"1001":"2026-12-31"}`), t0.Add(3 * day)},
		{"the date rule alone, no date", model.PoolRules{RecycleDateField: "contractEnd"}, owned(``), time.Time{}},
		{"the date rule with a field the catalogue lacks", model.PoolRules{RecycleDateField: "gone"}, owned(`{"1001":"2026-03-05"}`), time.Time{}},
		{"protection postpones", model.PoolRules{RecycleDateField: "contractEnd", ProtectDays: 10},
			func() *model.Customer {
				c := owned(`{"1001":"2026-01-01"}`)
				c.ProtectedUntil = t0.Add(10 * day)
				return c
			}(), t0.Add(10 * day)},
		{"in a pool", model.PoolRules{RecycleNoFollowDays: 30},
			func() *model.Customer { c := owned(``); c.PoolID, c.OwnerID = 7, 0; return c }(), time.Time{}},
	}
	for _, c := range cases {
		at, ok := RecycleAt(&model.Pool{ID: 7, Rules: c.rules}, cat, c.c)
		if ok != !c.want.IsZero() || (ok && !at.Equal(c.want)) {
			t.Errorf("%s: %v %v, want %v", c.name, at, ok, c.want)
		}
	}
}
