package model

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Pool is a 公海: a shared pool of customers nobody owns, with the rules
// that govern claiming from it and recycling into it. A pool may belong to
// a project (its customers are of that project) and to a department (only
// staff of that department and below, and roles that see the whole
// tenant, see it).
type Pool struct {
	ID           int64     `json:"id"`
	TenantID     int64     `json:"-"`
	Name         string    `json:"name"`
	ProjectID    int64     `json:"projectId,omitempty"`
	DepartmentID int64     `json:"departmentId,omitempty"`
	Rules        PoolRules `json:"rules"`
	// DateWalkedAt is when a recycling pass last walked the date rule's
	// values (crm.RecycleOptions.DateWalkEvery); not part of the API.
	DateWalkedAt time.Time `json:"-"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// PoolRules are a pool's rules; 0 switches a rule off.
type PoolRules struct {
	// RecycleNoFollowDays: an owned customer returns to the pool this many
	// days after its last follow-up (or its claim, when later).
	RecycleNoFollowDays int `json:"recycleNoFollowDays"`
	// RecycleNoDealDays: an owned customer returns this many days after it
	// was claimed when its deal stage has not changed since.
	RecycleNoDealDays int `json:"recycleNoDealDays"`
	// ProtectDays: for this many days after a claim or assignment the
	// customer is not recycled.
	ProtectDays int `json:"protectDays"`
	// MaxPerRep caps how many of the pool's customers one rep may hold.
	MaxPerRep int `json:"maxPerRep"`
	// CooldownDays: a rep may not claim (or be assigned) a customer they
	// released or lost to recycling for this many days.
	CooldownDays int `json:"cooldownDays"`
	// DailyClaimLimit caps a rep's claims from the pool per calendar day
	// (Asia/Shanghai).
	DailyClaimLimit int `json:"dailyClaimLimit"`
	// RecycleDateField and RecycleDateDays recycle by a date the customer
	// carries (合同到期日, 服务截止日): an owned customer returns to the
	// pool RecycleDateDays days after the date in this custom field (a date
	// or datetime field, by key; "" switches the rule off). A date field's
	// day is over at midnight Asia/Shanghai, so with 0 days a contract
	// ending on 12-01 returns on 12-02 at 00:00; a datetime counts from its
	// instant. A customer without the date is not due by this rule.
	RecycleDateField string `json:"recycleDateField"`
	RecycleDateDays  int    `json:"recycleDateDays"`
}

// Validate checks a pool as an administrator writes it.
func (p *Pool) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return &FieldError{Field: "name", Code: "required", Msg: "is required"}
	}
	if n := utf8.RuneCountInString(p.Name); n > 50 {
		return &FieldError{Field: "name", Code: "too_long", Msg: fmt.Sprintf("is %d characters long; the limit is 50", n)}
	}
	if p.ProjectID < 0 || p.DepartmentID < 0 {
		return Invalid("projectId", "must be a positive id")
	}
	for _, r := range []struct {
		key string
		v   int
	}{{"recycleNoFollowDays", p.Rules.RecycleNoFollowDays}, {"recycleNoDealDays", p.Rules.RecycleNoDealDays},
		{"protectDays", p.Rules.ProtectDays}, {"maxPerRep", p.Rules.MaxPerRep}, {"cooldownDays", p.Rules.CooldownDays},
		{"dailyClaimLimit", p.Rules.DailyClaimLimit}, {"recycleDateDays", p.Rules.RecycleDateDays}} {
		if r.v < 0 || r.v > 100000 {
			return Invalid("rules."+r.key, "must be between 0 (off) and 100000")
		}
	}
	p.Rules.RecycleDateField = strings.TrimSpace(p.Rules.RecycleDateField)
	if len(p.Rules.RecycleDateField) > 64 {
		return Invalid("rules.recycleDateField", "is longer than 64 characters")
	}
	if p.Rules.RecycleDateField == "" && p.Rules.RecycleDateDays != 0 {
		return Invalid("rules.recycleDateDays", "needs rules.recycleDateField, the date field it counts from")
	}
	return nil
}

// How a customer last entered a pool (Customer.PoolEntry).
const (
	PoolEntryFollow  = "recycle.follow" // recycled: no follow-up for the pool's days
	PoolEntryDeal    = "recycle.deal"   // recycled: no deal stage change since the claim
	PoolEntryDate    = "recycle.date"   // recycled: the pool's date field (合同到期日) passed by its days
	PoolEntryRelease = "release"        // released by its owner (or taken back by a manager)
	PoolEntryMove    = "move"           // moved in by a manager, from another pool or from an owner
	PoolEntryImport  = "import"         // created or imported straight into the pool
)

// Pool actions (PoolAction.Action, and Event.Action of the event each
// writes).
const (
	PoolClaim    = "pool.claim"
	PoolRelease  = "pool.release"
	PoolAssign   = "pool.assign"   // a pool customer given to a rep by a manager
	PoolTransfer = "pool.transfer" // an owned pool customer moved from one rep to another
	PoolMove     = "pool.move"     // into another pool (or into this one)
	PoolRecycle  = "pool.recycle"
	PoolImport   = "pool.import"
)

// PoolAction is one recorded pool action.
type PoolAction struct {
	ID          int64     `json:"id"`
	PoolID      int64     `json:"poolId"`
	CustomerID  int64     `json:"customerId"`
	Action      string    `json:"action"`
	StaffID     int64     `json:"staffId,omitempty"`     // the rep who got or lost the customer
	FromStaffID int64     `json:"fromStaffId,omitempty"` // transfer: the previous owner
	FromPoolID  int64     `json:"fromPoolId,omitempty"`  // move: the pool it came from (0: it was owned outside pools)
	Actor       Actor     `json:"actor"`
	Via         Via       `json:"via,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	At          time.Time `json:"at"`
}

// PoolError is a pool action refused by a rule or by the customer's state;
// Code names the rule (stable, for clients), Msg says it for people.
type PoolError struct {
	Code string // PoolErr* below
	Msg  string
}

func (e *PoolError) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrConflict) true: the request is valid but the
// state (a rule, another rep's claim) refuses it.
func (e *PoolError) Is(target error) bool { return target == ErrConflict }

// PoolError codes.
const (
	PoolErrCap       = "pool_cap_reached"     // MaxPerRep
	PoolErrCooldown  = "pool_claim_cooldown"  // CooldownDays
	PoolErrDaily     = "pool_daily_limit"     // DailyClaimLimit
	PoolErrClaimed   = "pool_already_claimed" // someone claimed it first
	PoolErrNotInPool = "pool_not_in_pool"     // not in this pool
	PoolErrNotOwner  = "pool_not_owner"       // release of a customer the caller does not own
	PoolErrNotEmpty  = "pool_not_empty"       // delete of a pool that still holds customers
	PoolErrNoPool    = "pool_not_governed"    // transfer of a customer no pool governs
	PoolErrNeedStaff = "pool_staff_required"  // a claim by a caller who is no staff member
)
