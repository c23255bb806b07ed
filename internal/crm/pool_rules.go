package crm

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// The pool (公海) rule engine: pure functions of a pool's rules, a
// customer's state and the time, so the recycler, the claim path and the
// tests (with a fake clock) apply the same rules.

const day = 24 * time.Hour

// recycleDue reports whether an owned customer the pool governs is due to go
// back to the pool at now, and by which rule (model.PoolEntryFollow,
// PoolEntryDeal or PoolEntryDate) with the reason recorded on it. Days are exact
// 24-hour periods from the basis: a customer claimed at 10:00 with a 3-day
// rule is due at 10:00 three days later, not before.
//
//   - no follow-up: RecycleNoFollowDays after the later of its last
//     follow-up and its claim;
//   - no deal: RecycleNoDealDays after the later of its claim and its last
//     deal stage change;
//   - by a date (合同到期): RecycleDateDays after st.DateBasis, the end of
//     the day in the pool's date field (date, the field resolved by
//     dateField; nil: the rule is off) or its instant for a datetime.
//
// A customer in a pool, without an owner, governed by another pool or
// protected (now before ProtectedUntil) is never due.
func recycleDue(p *model.Pool, date *model.Field, st store.RecycleState, now time.Time) (entry, reason string, due bool) {
	if st.PoolID != 0 || st.OwnerID == 0 || st.HomePoolID != p.ID || st.ClaimedAt.IsZero() {
		return "", "", false
	}
	if now.Before(st.ProtectedUntil) {
		return "", "", false
	}
	if n := p.Rules.RecycleNoFollowDays; n > 0 {
		basis := later(st.ClaimedAt, st.LastFollowAt)
		if !now.Before(basis.Add(time.Duration(n) * day)) {
			return model.PoolEntryFollow, fmt.Sprintf("超过%d天未跟进", n), true
		}
	}
	if n := p.Rules.RecycleNoDealDays; n > 0 {
		basis := later(st.ClaimedAt, st.StageChangedAt)
		if !now.Before(basis.Add(time.Duration(n) * day)) {
			return model.PoolEntryDeal, fmt.Sprintf("领取后%d天未推进成交", n), true
		}
	}
	if date != nil && !st.DateBasis.IsZero() {
		n := p.Rules.RecycleDateDays
		if !now.Before(st.DateBasis.Add(time.Duration(n) * day)) {
			if n == 0 {
				return model.PoolEntryDate, date.Label + "已到期", true
			}
			return model.PoolEntryDate, fmt.Sprintf("%s到期后%d天", date.Label, n), true
		}
	}
	return "", "", false
}

// dateField is the field a pool's date rule reads: the custom date or
// datetime field its RecycleDateField names in the tenant's catalogue, or
// nil when the rule is off or the field is gone (deleted, or its type no
// longer a date: the rule then recycles nobody until it is changed).
func dateField(p *model.Pool, cat *store.Catalog) *model.Field {
	if p == nil || p.Rules.RecycleDateField == "" || cat == nil {
		return nil
	}
	f := cat.ByKey[p.Rules.RecycleDateField]
	if f == nil || f.System || (f.Type != model.TypeDate && f.Type != model.TypeDateTime) {
		return nil
	}
	return f
}

// dateBasis is when the date rule counts from for a value of field f as
// the value index holds it (store.DateNumber's yyyymmdd of a date, epoch
// ms of a datetime): the midnight (Asia/Shanghai) after a date's day — a
// contract that ends on 12-01 is over at 12-02 00:00 — or a datetime's
// instant.
func dateBasis(f *model.Field, v float64) time.Time {
	if f.Type == model.TypeDate {
		n := int(v)
		return time.Date(n/10000, time.Month(n/100%100), n%100+1, 0, 0, 0, 0, China)
	}
	return model.FromMillis(int64(v))
}

// customerDateBasis is dateBasis of customer c's value of field f, zero
// when it has none.
func customerDateBasis(f *model.Field, c *model.Customer) time.Time {
	vals, err := c.CustomValues()
	if err != nil {
		return time.Time{}
	}
	switch v := vals[strconv.FormatInt(f.ID, 10)].(type) {
	case string:
		if n, ok := store.DateNumber(v); ok && f.Type == model.TypeDate {
			return dateBasis(f, n)
		}
	case json.Number:
		if n, err := v.Float64(); err == nil && f.Type == model.TypeDateTime {
			return dateBasis(f, n)
		}
	}
	return time.Time{}
}

// dateUpTo is the largest index value of field f that can be due at now
// under a date rule of days: the day before (now − days)'s calendar day for
// a date (its midnight-after is then at or before now − days), the epoch ms
// of now − days for a datetime. The candidates' walk reads up to it; the
// rule decides on each.
func dateUpTo(f *model.Field, days int, now time.Time) float64 {
	t := now.Add(-time.Duration(days) * day)
	if f.Type == model.TypeDate {
		y, m, d := t.In(China).Date()
		y, m, d = time.Date(y, m, d-1, 0, 0, 0, 0, China).Date()
		return float64(y*10000 + int(m)*100 + d)
	}
	return float64(model.Millis(t))
}

// earliestClaimDue is the latest claim time at which a customer can be due
// at now: nothing claimed after it is (the basis is never before the claim).
func earliestClaimDue(p *model.Pool, now time.Time) (time.Time, bool) {
	n := 0
	for _, d := range []int{p.Rules.RecycleNoFollowDays, p.Rules.RecycleNoDealDays} {
		if d > 0 && (n == 0 || d < n) {
			n = d
		}
	}
	if n == 0 {
		return time.Time{}, false
	}
	return now.Add(-time.Duration(n) * day), true
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// claimLimits are the counts the claim rules read for one rep.
type claimLimits struct {
	Held        int       // the pool's customers the rep owns now
	ClaimsToday int       // the rep's claims from the pool since midnight (Asia/Shanghai)
	LastLoss    time.Time // when the rep last lost this customer to a pool (zero: never)
}

// checkTake applies a pool's rules to giving one customer to a rep: the cap
// on holdings and the cooldown after losing it apply to claims and to
// assignments by a manager; the daily limit to the rep's own claims only
// (a manager's assignment is not the rep claiming). The error names the
// rule.
func checkTake(p *model.Pool, l claimLimits, now time.Time, claim bool) error {
	r := p.Rules
	if r.MaxPerRep > 0 && l.Held >= r.MaxPerRep {
		return &model.PoolError{Code: model.PoolErrCap,
			Msg: fmt.Sprintf("maxPerRep: the rep already holds %d customers of pool %q, its cap is %d", l.Held, p.Name, r.MaxPerRep)}
	}
	if r.CooldownDays > 0 && !l.LastLoss.IsZero() {
		if until := l.LastLoss.Add(time.Duration(r.CooldownDays) * day); now.Before(until) {
			return &model.PoolError{Code: model.PoolErrCooldown,
				Msg: fmt.Sprintf("cooldownDays: the rep gave this customer up at %s; pool %q lets them take it again after %d days, from %s",
					l.LastLoss.In(China).Format("2006-01-02 15:04:05"), p.Name, r.CooldownDays, until.In(China).Format("2006-01-02 15:04:05"))}
		}
	}
	if claim && r.DailyClaimLimit > 0 && l.ClaimsToday >= r.DailyClaimLimit {
		return &model.PoolError{Code: model.PoolErrDaily,
			Msg: fmt.Sprintf("dailyClaimLimit: the rep has claimed %d customers from pool %q today, the limit is %d a day", l.ClaimsToday, p.Name, r.DailyClaimLimit)}
	}
	return nil
}

// startOfDay is midnight of t's calendar day in Asia/Shanghai, where the
// daily claim limit starts over.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.In(China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, China)
}

// protectUntil is the end of the protection period of a claim at now.
func protectUntil(p *model.Pool, now time.Time) time.Time {
	if p.Rules.ProtectDays <= 0 {
		return time.Time{}
	}
	return now.Add(time.Duration(p.Rules.ProtectDays) * day)
}

// RecycleAt is when an owned customer of pool p falls due for recycling
// under the pool's rules, as they stand (a follow-up, a stage change or a
// new date in the date rule's field, read through the tenant's catalogue
// cat, moves it); false when no rule would recycle it (not owned, governed by
// another pool, a pool without recycling rules). Protection postpones it.
func RecycleAt(p *model.Pool, cat *store.Catalog, c *model.Customer) (time.Time, bool) {
	if p == nil || c.PoolID != 0 || c.OwnerID == 0 || c.HomePoolID != p.ID || c.ClaimedAt.IsZero() {
		return time.Time{}, false
	}
	var at time.Time
	if n := p.Rules.RecycleNoFollowDays; n > 0 {
		at = later(c.ClaimedAt, c.LastFollowAt).Add(time.Duration(n) * day)
	}
	if n := p.Rules.RecycleNoDealDays; n > 0 {
		if t := later(c.ClaimedAt, c.StageChangedAt).Add(time.Duration(n) * day); at.IsZero() || t.Before(at) {
			at = t
		}
	}
	if f := dateField(p, cat); f != nil {
		if basis := customerDateBasis(f, c); !basis.IsZero() {
			if t := basis.Add(time.Duration(p.Rules.RecycleDateDays) * day); at.IsZero() || t.Before(at) {
				at = t
			}
		}
	}
	if at.IsZero() {
		return at, false
	}
	return later(at, c.ProtectedUntil), true
}
