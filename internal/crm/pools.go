package crm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// Pools (公海).
//
// A customer is in a pool (PoolID) with no owner, or owned by a rep and
// governed by the pool it came from (HomePoolID), whose recycling rules may
// send it back. Who may do what:
//
//   - see a pool and its customers: every caller of the tenant, narrowed by
//     a project binding (a pool of another project is not found) and, for a
//     staff member whose role does not see the whole tenant, by the pool's
//     department (its staff and the departments below it);
//   - claim (领取): a staff member with customer.edit, within the pool's
//     cap, cooldown and daily limit;
//   - release (释放, with a reason): the owner with customer.edit, or a
//     caller with customer.assign (taking a customer back);
//   - assign, transfer and move between pools: customer.assign (主管,
//     管理员, API clients acting as the tenant); these are also written to
//     the audit log;
//   - create, change and delete pools and their rules: admin.manage.
//
// Every action runs in one transaction that locks the pool row (claims of
// one pool are serialised, so caps and daily limits hold under
// concurrency) and each customer row, checks the customer's state on the
// locked row (two reps claiming one customer: the second finds it owned
// and gets pool_already_claimed), writes the customer through the store
// (one "edit" event carrying the action and reason) and a pool_actions row.

// MaxPoolBatch is the most customers one pool action names.
const MaxPoolBatch = 100

// PoolActionInput is the body of a pool action.
type PoolActionInput struct {
	CustomerIDs []int64 `json:"customerIds"`
	StaffID     int64   `json:"staffId,omitempty"` // assign, transfer: the rep
	Reason      string  `json:"reason,omitempty"`
}

func (in *PoolActionInput) check(needReason bool) error {
	if len(in.CustomerIDs) == 0 {
		return &model.FieldError{Field: "customerIds", Code: "required", Msg: "name at least one customer"}
	}
	if len(in.CustomerIDs) > MaxPoolBatch {
		return &model.FieldError{Field: "customerIds", Code: "too_many", Msg: fmt.Sprintf("at most %d customers per action", MaxPoolBatch)}
	}
	seen := map[int64]bool{}
	for _, id := range in.CustomerIDs {
		if id <= 0 {
			return model.Invalid("customerIds", "ids are positive integers")
		}
		if seen[id] {
			return model.Invalid("customerIds", "customer %d is named twice", id)
		}
		seen[id] = true
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if needReason && in.Reason == "" {
		return &model.FieldError{Field: "reason", Code: "required", Msg: "say why the customer goes back to the pool"}
	}
	if n := utf8.RuneCountInString(in.Reason); n > 200 {
		return &model.FieldError{Field: "reason", Code: "too_long", Msg: fmt.Sprintf("is %d characters long; the limit is 200", n)}
	}
	return nil
}

// seesPool reports whether the caller may see pool p (and so its
// customers) in the tenant's department tree depts.
func seesPool(caller *model.Caller, p *model.Pool, depts []model.Department) bool {
	if p == nil || p.TenantID != caller.TenantID {
		return false
	}
	if caller.ProjectID != 0 && p.ProjectID != 0 && p.ProjectID != caller.ProjectID {
		return false
	}
	if !caller.AsStaff() || caller.Role.Scope == model.DataAll || p.DepartmentID == 0 {
		return true
	}
	if caller.DeptID == 0 {
		return false
	}
	var mine, pools string
	for _, d := range depts {
		if d.ID == caller.DeptID {
			mine = d.Path
		}
		if d.ID == p.DepartmentID {
			pools = d.Path
		}
	}
	return mine != "" && pools != "" && strings.HasPrefix(mine, pools)
}

// seesPoolNow is seesPool with the department tree of the node's cached
// catalogue.
func (s *Service) seesPoolNow(ctx context.Context, caller *model.Caller, p *model.Pool) (bool, error) {
	cat, err := s.Store.LoadCatalog(ctx, caller.TenantID)
	if err != nil {
		return false, err
	}
	return seesPool(caller, p, cat.Departments), nil
}

// visiblePools are the pools of cat (the caller's tenant's cached
// catalogue, which holds its pools and departments) the caller may see:
// building a staff caller's visibility costs no query of its own.
func visiblePools(caller *model.Caller, cat *store.Catalog) []*model.Pool {
	var out []*model.Pool
	for _, p := range cat.Pools {
		if seesPool(caller, p, cat.Departments) {
			out = append(out, p)
		}
	}
	return out
}

// VisiblePools lists the pools the caller may see (shared with the cache:
// do not modify them).
func (s *Service) VisiblePools(ctx context.Context, caller *model.Caller) ([]*model.Pool, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	cat, err := s.Store.LoadCatalog(ctx, caller.TenantID)
	if err != nil {
		return nil, err
	}
	return visiblePools(caller, cat), nil
}

// Pool reads one pool the caller may see.
func (s *Service) Pool(ctx context.Context, caller *model.Caller, id int64) (*model.Pool, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	p, err := s.Store.Pool(ctx, caller.TenantID, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.seesPoolNow(ctx, caller, p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("crm: pool %d: %w", id, model.ErrNotFound)
	}
	return p, nil
}

// checkPoolRefs checks a pool's project, department and date rule's field
// exist (the field a custom date or datetime one) and that a bound
// caller's pool is of its project.
func (s *Service) checkPoolRefs(ctx context.Context, caller *model.Caller, p *model.Pool) error {
	pid, err := DefaultProject(caller, p.ProjectID)
	if err != nil {
		return err
	}
	p.ProjectID = pid
	if p.ProjectID != 0 {
		if _, err := s.Store.Project(ctx, caller.TenantID, p.ProjectID); errors.Is(err, model.ErrNotFound) {
			return model.Invalid("projectId", "project %d does not exist", p.ProjectID)
		} else if err != nil {
			return err
		}
	}
	if key := p.Rules.RecycleDateField; key != "" {
		cat, err := s.Store.LoadCatalog(ctx, caller.TenantID)
		if err != nil {
			return err
		}
		f := cat.ByKey[key]
		switch {
		case f == nil:
			return model.Invalid("rules.recycleDateField", "there is no field %q", key)
		case f.System || (f.Type != model.TypeDate && f.Type != model.TypeDateTime):
			return model.Invalid("rules.recycleDateField", "field %q is not a custom date or datetime field", key)
		}
	}
	if p.DepartmentID != 0 {
		depts, err := s.Store.Departments(ctx, caller.TenantID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(depts, func(d model.Department) bool { return d.ID == p.DepartmentID }) {
			return model.Invalid("departmentId", "department %d does not exist", p.DepartmentID)
		}
	}
	return nil
}

// CreatePool creates a pool (admin.manage), audited.
func (s *Service) CreatePool(ctx context.Context, caller *model.Caller, p *model.Pool) (*model.Pool, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	if err := need(caller, model.PermAdmin); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkPoolRefs(ctx, caller, p); err != nil {
		return nil, err
	}
	p.TenantID = caller.TenantID
	p.CreatedAt = s.now()
	p.UpdatedAt = p.CreatedAt
	err := s.inTx(ctx, caller, func(tx *store.Tx) error {
		if err := tx.CreatePool(ctx, p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, caller, audit.PoolCreated, audit.Pool(p.ID), p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// UpdatePool replaces a pool's name, binding and rules (admin.manage),
// audited. New rules apply from the next recycling pass and the next claim.
func (s *Service) UpdatePool(ctx context.Context, caller *model.Caller, id int64, p *model.Pool) (*model.Pool, error) {
	old, err := s.Pool(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	if err := need(caller, model.PermAdmin); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkPoolRefs(ctx, caller, p); err != nil {
		return nil, err
	}
	p.ID, p.TenantID, p.CreatedAt, p.UpdatedAt = id, caller.TenantID, old.CreatedAt, s.now()
	err = s.inTx(ctx, caller, func(tx *store.Tx) error {
		if err := tx.UpdatePool(ctx, p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, caller, audit.PoolUpdated, audit.Pool(id), map[string]any{"old": old, "new": p})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeletePool deletes a pool that holds and governs no customer (admin.manage).
func (s *Service) DeletePool(ctx context.Context, caller *model.Caller, id int64) error {
	p, err := s.Pool(ctx, caller, id)
	if err != nil {
		return err
	}
	if err := need(caller, model.PermAdmin); err != nil {
		return err
	}
	return s.inTx(ctx, caller, func(tx *store.Tx) error {
		if err := tx.DeletePool(ctx, caller.TenantID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, caller, audit.PoolDeleted, audit.Pool(id), p)
	})
}

// PoolSearch is Search over the customers in a pool the caller may see
// (GET /v1/pools/{id}/customers): the same query engine, paging, sorts,
// filters and totals, with "pool = id" ANDed onto the filter; a pool the
// caller may not see is model.ErrNotFound.
func (s *Service) PoolSearch(ctx context.Context, caller *model.Caller, poolID int64, req *query.Request, env *query.Env) (*query.Result, error) {
	if _, err := s.Pool(ctx, caller, poolID); err != nil {
		return nil, err
	}
	r := *req
	in := leaf("pool", cond.OpEq, num(poolID))
	if r.Filter == nil {
		r.Filter = in
	} else {
		r.Filter = &cond.Node{And: []*cond.Node{in, r.Filter}}
	}
	return s.Search(ctx, caller, &r, env)
}

// PoolActions lists a visible pool's recorded actions, newest first.
func (s *Service) PoolActions(ctx context.Context, caller *model.Caller, poolID int64, f store.PoolActionFilter) ([]model.PoolAction, error) {
	if _, err := s.Pool(ctx, caller, poolID); err != nil {
		return nil, err
	}
	f.PoolID = poolID
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 500)
	return s.Store.PoolActions(ctx, caller.TenantID, f)
}

// poolOp is one pool action over a batch of customers.
type poolOp struct {
	action  string
	claim   bool // the caller takes the customers themselves
	audited bool // an administrative action: also in the audit log
	// apply checks one locked customer and changes c (a copy of old); it
	// returns the pool_actions row's rep fields.
	apply func(ctx context.Context, tx *store.Tx, p *model.Pool, old, c *model.Customer) (staff, from int64, err error)
}

// runPoolOp runs op on in.CustomerIDs in pool poolID, all or nothing, and
// returns the customers as the caller sees them afterwards.
func (s *Service) runPoolOp(ctx context.Context, caller *model.Caller, poolID int64, in *PoolActionInput, op poolOp) ([]*model.Customer, error) {
	p, err := s.Pool(ctx, caller, poolID)
	if err != nil {
		return nil, err
	}
	cat, err := s.Store.LoadCatalog(ctx, caller.TenantID)
	if err != nil {
		return nil, err
	}
	a, err := s.access(ctx, caller, cat)
	if err != nil {
		return nil, err
	}
	actor := caller.Actor()
	var out []*model.Customer
	err = s.inTx(ctx, caller, func(tx *store.Tx) error {
		out = out[:0]
		pool, err := tx.LockPool(ctx, caller.TenantID, p.ID)
		if err != nil {
			return err
		}
		now := s.now()
		tx.SetEventNote(op.action, in.Reason)
		for _, id := range in.CustomerIDs {
			old, err := tx.CustomerForUpdate(ctx, caller.TenantID, id)
			if err != nil {
				return err
			}
			if caller.ProjectID != 0 && old.ProjectID != caller.ProjectID {
				return fmt.Errorf("crm: customer %d: %w", id, model.ErrNotFound)
			}
			// A customer in a pool the caller sees is visible to them;
			// an owned one by the data scope.
			if old.PoolID != pool.ID && !a.sees(old) {
				vis, err := s.seesCustomerPool(ctx, caller, old)
				if err != nil {
					return err
				}
				if !vis {
					if op.claim && old.HomePoolID == pool.ID && old.OwnerID != 0 {
						// It was in this pool a moment ago: the loser of
						// a race learns someone was first, not who.
						return fmt.Errorf("customer %d: %w", id, notInPool(pool, old))
					}
					return fmt.Errorf("crm: customer %d: %w", id, model.ErrNotFound)
				}
			}
			c := *old
			c.UpdatedAt = now
			c.UpdatedBy, c.UpdatedByName = actor.ID, actor.Name
			staff, from, err := op.apply(ctx, tx, pool, old, &c)
			if err != nil {
				return fmt.Errorf("customer %d: %w", id, err)
			}
			if err := tx.UpdatePoolState(ctx, old, &c); err != nil {
				return err
			}
			act := &model.PoolAction{PoolID: pool.ID, CustomerID: id, Action: op.action, StaffID: staff, FromStaffID: from,
				Actor: actor, Via: caller.Via, Reason: in.Reason, At: now}
			if op.action == model.PoolMove {
				act.FromPoolID = max(old.PoolID, old.HomePoolID)
			}
			if err := tx.AddPoolAction(ctx, caller.TenantID, act); err != nil {
				return err
			}
			if op.audited {
				if err := audit.Record(ctx, tx, caller, op.action, audit.Customer(id), act); err != nil {
					return err
				}
			}
			out = append(out, &c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	maskAll(caller, cat, out)
	return out, nil
}

// seesCustomerPool reports whether c is in a pool the caller sees.
func (s *Service) seesCustomerPool(ctx context.Context, caller *model.Caller, c *model.Customer) (bool, error) {
	if c.PoolID == 0 {
		return false, nil
	}
	p, err := s.Store.Pool(ctx, caller.TenantID, c.PoolID)
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return s.seesPoolNow(ctx, caller, p)
}

// limitsFor reads the counts the claim rules need for rep and customer.
func (s *Service) limitsFor(ctx context.Context, tx *store.Tx, p *model.Pool, rep, customerID int64) (claimLimits, error) {
	var l claimLimits
	var err error
	if p.Rules.MaxPerRep > 0 {
		if l.Held, err = tx.HeldCount(ctx, p.TenantID, p.ID, rep); err != nil {
			return l, err
		}
	}
	if p.Rules.DailyClaimLimit > 0 {
		if l.ClaimsToday, err = tx.ActionCount(ctx, p.TenantID, p.ID, rep, model.PoolClaim, startOfDay(s.now())); err != nil {
			return l, err
		}
	}
	if p.Rules.CooldownDays > 0 {
		if l.LastLoss, err = tx.LastLoss(ctx, p.TenantID, customerID, rep); err != nil {
			return l, err
		}
	}
	return l, nil
}

// take gives c (in the pool or owned from it) to rep under the pool's rules.
func (s *Service) take(ctx context.Context, tx *store.Tx, p *model.Pool, c *model.Customer, rep int64, claim bool) error {
	l, err := s.limitsFor(ctx, tx, p, rep, c.ID)
	if err != nil {
		return err
	}
	now := s.now()
	if err := checkTake(p, l, now, claim); err != nil {
		return err
	}
	c.OwnerID, c.PoolID, c.HomePoolID = rep, 0, p.ID
	c.ClaimedAt, c.ProtectedUntil = now, protectUntil(p, now)
	return nil
}

// poolOwnerChange applies the pool's rules to an owner set by an ordinary
// update (PATCH ownerId, a dialect's or an import's owner, the console's
// bulk 分配负责人) on a customer a pool holds or governs: as the pool's own
// assign (in the pool) or transfer (owned from it) would — the new rep's
// cap and cooldown checked, the customer out of the pool, the claim clock
// and protection started — recorded as that pool action and audited. So no
// path sets an owner past the rules, and no customer is left both in a
// pool and owned. Other updates pass. The customer's edit event is to
// carry the action: write it through write, which sets the transaction's
// event note for it alone (a batch's later customers keep theirs).
func (s *Service) poolOwnerChange(ctx context.Context, tx *store.Tx, caller *model.Caller, old, c *model.Customer, write func() error) error {
	if c.OwnerID == 0 || c.OwnerID == old.OwnerID {
		return write()
	}
	poolID, action := old.PoolID, model.PoolAssign
	if poolID == 0 {
		poolID, action = old.HomePoolID, model.PoolTransfer
	}
	if poolID == 0 {
		return write()
	}
	p, err := tx.LockPool(ctx, caller.TenantID, poolID)
	if errors.Is(err, model.ErrNotFound) {
		return write() // the pool is gone: nothing governs the customer
	}
	if err != nil {
		return err
	}
	if err := s.take(ctx, tx, p, c, c.OwnerID, false); err != nil {
		return err
	}
	act := &model.PoolAction{PoolID: p.ID, CustomerID: c.ID, Action: action, StaffID: c.OwnerID, Actor: caller.Actor(), Via: caller.Via, At: s.now()}
	if action == model.PoolTransfer {
		act.FromStaffID = old.OwnerID
	}
	if err := tx.AddPoolAction(ctx, caller.TenantID, act); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, caller, action, audit.Customer(c.ID), act); err != nil {
		return err
	}
	prevAction, prevReason := tx.EventNote()
	tx.SetEventNote(action, "")
	defer tx.SetEventNote(prevAction, prevReason)
	return write()
}

func notInPool(p *model.Pool, c *model.Customer) error {
	if c.PoolID == 0 && c.OwnerID != 0 && c.HomePoolID == p.ID {
		return &model.PoolError{Code: model.PoolErrClaimed, Msg: fmt.Sprintf("it was claimed from pool %q by someone else first", p.Name)}
	}
	return &model.PoolError{Code: model.PoolErrNotInPool, Msg: fmt.Sprintf("it is not in pool %q", p.Name)}
}

// Claim (领取) takes customers of a pool for the calling staff member.
func (s *Service) Claim(ctx context.Context, caller *model.Caller, poolID int64, in *PoolActionInput) ([]*model.Customer, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	if !caller.AsStaff() {
		return nil, &model.PoolError{Code: model.PoolErrNeedStaff, Msg: "a claim is made by a staff member for themselves; to give pool customers to someone, assign them"}
	}
	if err := need(caller, model.PermEdit); err != nil {
		return nil, err
	}
	if err := in.check(false); err != nil {
		return nil, err
	}
	return s.runPoolOp(ctx, caller, poolID, in, poolOp{action: model.PoolClaim, claim: true,
		apply: func(ctx context.Context, tx *store.Tx, p *model.Pool, old, c *model.Customer) (int64, int64, error) {
			if old.PoolID != p.ID {
				return 0, 0, notInPool(p, old)
			}
			return caller.StaffID, 0, s.take(ctx, tx, p, c, caller.StaffID, true)
		}})
}

// Assign (分配) gives customers of a pool to a rep (customer.assign).
func (s *Service) Assign(ctx context.Context, caller *model.Caller, poolID int64, in *PoolActionInput) ([]*model.Customer, error) {
	if err := s.checkAssign(ctx, caller, in); err != nil {
		return nil, err
	}
	return s.runPoolOp(ctx, caller, poolID, in, poolOp{action: model.PoolAssign, audited: true,
		apply: func(ctx context.Context, tx *store.Tx, p *model.Pool, old, c *model.Customer) (int64, int64, error) {
			if old.PoolID != p.ID {
				return 0, 0, notInPool(p, old)
			}
			return in.StaffID, 0, s.take(ctx, tx, p, c, in.StaffID, false)
		}})
}

// Transfer (转移) moves owned customers a pool governs from their rep to
// another (customer.assign); the claim clock and protection start again.
func (s *Service) Transfer(ctx context.Context, caller *model.Caller, poolID int64, in *PoolActionInput) ([]*model.Customer, error) {
	if err := s.checkAssign(ctx, caller, in); err != nil {
		return nil, err
	}
	return s.runPoolOp(ctx, caller, poolID, in, poolOp{action: model.PoolTransfer, audited: true,
		apply: func(ctx context.Context, tx *store.Tx, p *model.Pool, old, c *model.Customer) (int64, int64, error) {
			if old.OwnerID == 0 || old.HomePoolID != p.ID {
				return 0, 0, &model.PoolError{Code: model.PoolErrNoPool, Msg: fmt.Sprintf("it is not an owned customer of pool %q", p.Name)}
			}
			if old.OwnerID == in.StaffID {
				return 0, 0, model.Invalid("staffId", "staff member %d already owns customer %d", in.StaffID, old.ID)
			}
			return in.StaffID, old.OwnerID, s.take(ctx, tx, p, c, in.StaffID, false)
		}})
}

func (s *Service) checkAssign(ctx context.Context, caller *model.Caller, in *PoolActionInput) error {
	if err := checkCaller(caller); err != nil {
		return err
	}
	if err := need(caller, model.PermAssign); err != nil {
		return err
	}
	if err := in.check(false); err != nil {
		return err
	}
	if in.StaffID <= 0 {
		return &model.FieldError{Field: "staffId", Code: "required", Msg: "name the staff member who gets the customers"}
	}
	if _, err := s.Store.Staff(ctx, caller.TenantID, in.StaffID); errors.Is(err, model.ErrNotFound) {
		return model.Invalid("staffId", "staff member %d does not exist", in.StaffID)
	} else if err != nil {
		return err
	}
	return nil
}

// Release (释放/放弃) puts owned customers into a pool with a reason: their
// owner (customer.edit) or a caller with customer.assign.
func (s *Service) Release(ctx context.Context, caller *model.Caller, poolID int64, in *PoolActionInput) ([]*model.Customer, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	if err := need(caller, model.PermEdit); err != nil {
		return nil, err
	}
	if err := in.check(true); err != nil {
		return nil, err
	}
	return s.runPoolOp(ctx, caller, poolID, in, poolOp{action: model.PoolRelease,
		apply: func(_ context.Context, _ *store.Tx, p *model.Pool, old, c *model.Customer) (int64, int64, error) {
			if old.OwnerID == 0 {
				return 0, 0, &model.PoolError{Code: model.PoolErrNotOwner, Msg: "it has no owner to release it"}
			}
			if old.OwnerID != caller.StaffID && !caller.Can(model.PermAssign) {
				return 0, 0, &model.PoolError{Code: model.PoolErrNotOwner, Msg: "only its owner, or a role with customer.assign, releases it"}
			}
			if err := poolProject(p, old); err != nil {
				return 0, 0, err
			}
			enterPool(c, p, model.PoolEntryRelease, in.Reason)
			return old.OwnerID, 0, nil
		}})
}

// Move (移入) puts customers into pool poolID (customer.assign): customers
// of another pool move over; owned customers are taken from their owner
// into the pool.
func (s *Service) Move(ctx context.Context, caller *model.Caller, poolID int64, in *PoolActionInput) ([]*model.Customer, error) {
	if err := checkCaller(caller); err != nil {
		return nil, err
	}
	if err := need(caller, model.PermAssign); err != nil {
		return nil, err
	}
	if err := in.check(false); err != nil {
		return nil, err
	}
	return s.runPoolOp(ctx, caller, poolID, in, poolOp{action: model.PoolMove, audited: true,
		apply: func(_ context.Context, _ *store.Tx, p *model.Pool, old, c *model.Customer) (int64, int64, error) {
			if old.PoolID == p.ID {
				return 0, 0, &model.PoolError{Code: model.PoolErrNotInPool, Msg: fmt.Sprintf("it is already in pool %q", p.Name)}
			}
			if err := poolProject(p, old); err != nil {
				return 0, 0, err
			}
			enterPool(c, p, model.PoolEntryMove, in.Reason)
			return old.OwnerID, 0, nil
		}})
}

// poolProject refuses putting a customer of another project into a pool
// bound to a project.
func poolProject(p *model.Pool, c *model.Customer) error {
	if p.ProjectID != 0 && c.ProjectID != p.ProjectID {
		return model.Invalid("customerIds", "pool %q holds customers of project %d only", p.Name, p.ProjectID)
	}
	return nil
}

// enterPool puts c into pool p: no owner, the pool's, entered at
// c.UpdatedAt.
func enterPool(c *model.Customer, p *model.Pool, entry, reason string) {
	c.OwnerID, c.PoolID, c.HomePoolID = 0, p.ID, 0
	c.ClaimedAt, c.ProtectedUntil = time.Time{}, time.Time{}
	c.PoolEnteredAt = c.UpdatedAt
	c.PoolEntry, c.PoolReason = entry, reason
}
