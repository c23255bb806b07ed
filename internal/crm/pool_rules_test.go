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
		entry, reason, due := recycleDue(pool, c.st, c.now)
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
		entry, _, due := recycleDue(deal, c.st, c.now)
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
