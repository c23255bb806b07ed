package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
)

// This file stores pools (公海), their action log and what the pool rules
// read: a rep's holdings, claims per day and last loss of a customer, and
// the owned customers due for recycling. The rules themselves are crm's.

const poolColumns = `id, name, project_id, department_id, recycle_follow_days, recycle_deal_days, protect_days,
 max_per_rep, cooldown_days, daily_claim_limit, recycle_date_field, recycle_date_days, created_at, updated_at, recycle_date_walked_at`

func scanPool(sc Scanner, tenantID int64) (*model.Pool, error) {
	p := &model.Pool{TenantID: tenantID}
	var project, dept sql.NullInt64
	var created, updated, walked int64
	r := &p.Rules
	if err := sc.Scan(&p.ID, &p.Name, &project, &dept, &r.RecycleNoFollowDays, &r.RecycleNoDealDays, &r.ProtectDays,
		&r.MaxPerRep, &r.CooldownDays, &r.DailyClaimLimit, &r.RecycleDateField, &r.RecycleDateDays, &created, &updated, &walked); err != nil {
		return nil, err
	}
	p.ProjectID, p.DepartmentID = project.Int64, dept.Int64
	if walked != 0 {
		p.DateWalkedAt = model.FromMillis(walked)
	}
	p.CreatedAt, p.UpdatedAt = model.FromMillis(created), model.FromMillis(updated)
	return p, nil
}

func poolArgs(p *model.Pool) []any {
	r := p.Rules
	return []any{p.Name, nullInt(p.ProjectID), nullInt(p.DepartmentID), r.RecycleNoFollowDays, r.RecycleNoDealDays,
		r.ProtectDays, r.MaxPerRep, r.CooldownDays, r.DailyClaimLimit, r.RecycleDateField, r.RecycleDateDays}
}

// CreatePool inserts a pool (p.ID assigned); a name already taken is
// model.ErrConflict.
func (t *Tx) CreatePool(ctx context.Context, p *model.Pool) error {
	p.ID = idgen.Next()
	args := append([]any{p.TenantID, p.ID}, poolArgs(p)...)
	args = append(args, model.Millis(p.CreatedAt), model.Millis(p.UpdatedAt), int64(0))
	_, err := t.exec(ctx, `INSERT INTO pools (tenant_id, `+poolColumns+`) VALUES (`+placeholders(16)+`)`, args...)
	if isConflict(err) {
		return &model.ConflictError{Field: "name", Value: p.Name}
	}
	if err != nil {
		return fmt.Errorf("store: create pool: %w", err)
	}
	return nil
}

// UpdatePool rewrites a pool's name, binding and rules.
func (t *Tx) UpdatePool(ctx context.Context, p *model.Pool) error {
	args := append(poolArgs(p), model.Millis(p.UpdatedAt), p.TenantID, p.ID)
	res, err := t.exec(ctx, `UPDATE pools SET name = ?, project_id = ?, department_id = ?, recycle_follow_days = ?,
 recycle_deal_days = ?, protect_days = ?, max_per_rep = ?, cooldown_days = ?, daily_claim_limit = ?, recycle_date_field = ?,
 recycle_date_days = ?, updated_at = ?
 WHERE tenant_id = ? AND id = ?`, args...)
	if isConflict(err) {
		return &model.ConflictError{Field: "name", Value: p.Name}
	}
	if err != nil {
		return fmt.Errorf("store: update pool: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: pool %d: %w", p.ID, model.ErrNotFound)
	}
	return nil
}

// DeletePool removes a pool that holds and governs no customer; otherwise
// it is model.ErrConflict (move them out first).
func (t *Tx) DeletePool(ctx context.Context, tenantID, id int64) error {
	var n int64
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM customers WHERE tenant_id = ? AND pool_id = ?
 UNION ALL SELECT 1 FROM customers WHERE tenant_id = ? AND home_pool_id = ?) x`, tenantID, id, tenantID, id).Scan(&n); err != nil {
		return fmt.Errorf("store: delete pool: %w", err)
	}
	if n > 0 {
		return &model.PoolError{Code: model.PoolErrNotEmpty,
			Msg: fmt.Sprintf("the pool still holds or governs %d customers; move them to another pool first", n)}
	}
	res, err := t.exec(ctx, `DELETE FROM pools WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return fmt.Errorf("store: delete pool: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: pool %d: %w", id, model.ErrNotFound)
	}
	return nil
}

// Pool reads one pool of a tenant.
func (s *Store) Pool(ctx context.Context, tenantID, id int64) (*model.Pool, error) {
	p, err := scanPool(s.queryRow(ctx, `SELECT `+poolColumns+` FROM pools WHERE tenant_id = ? AND id = ?`, tenantID, id), tenantID)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("pool %d", id))
	}
	return p, nil
}

// LockPool reads a pool inside a write transaction and locks it: the claims
// and assignments of one pool run one at a time, so a rep's cap and daily
// limit are checked against counts no concurrent claim changes.
func (t *Tx) LockPool(ctx context.Context, tenantID, id int64) (*model.Pool, error) {
	p, err := scanPool(t.queryRow(ctx, `SELECT `+poolColumns+` FROM pools WHERE tenant_id = ? AND id = ?`+t.s.forUpdate(), tenantID, id), tenantID)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("pool %d", id))
	}
	return p, nil
}

// Pools lists a tenant's pools by name, from the node's cache while the
// catalogue version is current (migration 0017; do not modify them): every
// staff request's visibility reads them.
func (s *Store) Pools(ctx context.Context, tenantID int64) ([]*model.Pool, error) {
	e, err := s.catalogEntry(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return e.cat.Pools, nil
}

func (s *Store) pools(ctx context.Context, tenantID int64) ([]*model.Pool, error) {
	rows, err := s.query(ctx, `SELECT `+poolColumns+` FROM pools WHERE tenant_id = ? ORDER BY name, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: pools: %w", err)
	}
	defer rows.Close()
	var out []*model.Pool
	for rows.Next() {
		p, err := scanPool(rows, tenantID)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// RecyclingPools lists every pool of every tenant with a recycling rule
// (the recycler's work list).
func (s *Store) RecyclingPools(ctx context.Context) ([]*model.Pool, error) {
	rows, err := s.query(ctx, `SELECT tenant_id, `+poolColumns+` FROM pools
 WHERE recycle_follow_days > 0 OR recycle_deal_days > 0 OR recycle_date_field <> '' ORDER BY tenant_id, id`)
	if err != nil {
		return nil, fmt.Errorf("store: recycling pools: %w", err)
	}
	defer rows.Close()
	var out []*model.Pool
	for rows.Next() {
		var tenant int64
		p, err := scanPool(leadingScan{rows, &tenant}, 0)
		if err != nil {
			return nil, err
		}
		p.TenantID = tenant
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetDateWalked records when a recycling pass walked a pool's date rule
// (RecycleOptions.DateWalkEvery reads it).
func (s *Store) SetDateWalked(ctx context.Context, tenantID, poolID int64, at time.Time) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE pools SET recycle_date_walked_at = ? WHERE tenant_id = ? AND id = ?`, model.Millis(at), tenantID, poolID); err != nil {
			return fmt.Errorf("store: pool date walk: %w", err)
		}
		return nil
	})
}

// leadingScan scans a row's first column into lead and the rest into what
// its caller asks for (a pool's columns after its tenant).
type leadingScan struct {
	sc   Scanner
	lead any
}

func (l leadingScan) Scan(dest ...any) error { return l.sc.Scan(append([]any{l.lead}, dest...)...) }

// HeldCount is how many of a pool's customers a rep owns now.
func (t *Tx) HeldCount(ctx context.Context, tenantID, poolID, staffID int64) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM customers WHERE tenant_id = ? AND home_pool_id = ? AND owner_id = ?`,
		tenantID, poolID, staffID).Scan(&n)
	return n, err
}

// ActionCount is how many actions of a kind a rep had in a pool since t0
// (claims today, for the daily limit).
func (t *Tx) ActionCount(ctx context.Context, tenantID, poolID, staffID int64, action string, since time.Time) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM pool_actions WHERE tenant_id = ? AND pool_id = ? AND staff_id = ? AND action = ? AND at >= ?`,
		tenantID, poolID, staffID, action, model.Millis(since)).Scan(&n)
	return n, err
}

// LastLoss is when a rep last lost a customer to its pool (released it,
// or had it recycled or taken back), zero when never: the cooldown reads it.
func (t *Tx) LastLoss(ctx context.Context, tenantID, customerID, staffID int64) (time.Time, error) {
	var at sql.NullInt64
	err := t.queryRow(ctx, `SELECT MAX(at) FROM pool_actions WHERE tenant_id = ? AND customer_id = ? AND staff_id = ?
 AND action IN (?, ?, ?)`, tenantID, customerID, staffID, model.PoolRelease, model.PoolRecycle, model.PoolMove).Scan(&at)
	if err != nil {
		return time.Time{}, err
	}
	return fromNullMillis(at), nil
}

// AddPoolAction records a pool action (a.ID assigned).
func (t *Tx) AddPoolAction(ctx context.Context, tenantID int64, a *model.PoolAction) error {
	return t.AddPoolActions(ctx, tenantID, []*model.PoolAction{a})
}

// AddPoolActions records pool actions (IDs assigned), in multi-row inserts.
func (t *Tx) AddPoolActions(ctx context.Context, tenantID int64, as []*model.PoolAction) error {
	if len(as) == 0 {
		return nil
	}
	if err := t.insertRows(ctx, "pool_actions", poolActionCols, "", poolActionRows(tenantID, as)); err != nil {
		return fmt.Errorf("store: pool actions: %w", err)
	}
	return nil
}

const poolActionCols = `tenant_id, id, pool_id, customer_id, action, staff_id, from_staff_id, from_pool_id,
 actor_id, actor_name, actor_kind, via, reason, at`

// poolActionRows are the pool_actions rows of as (IDs assigned).
func poolActionRows(tenantID int64, as []*model.PoolAction) [][]any {
	rows := make([][]any, len(as))
	for i, a := range as {
		a.ID = idgen.Next()
		rows[i] = []any{tenantID, a.ID, a.PoolID, a.CustomerID, a.Action, a.StaffID, a.FromStaffID, a.FromPoolID,
			a.Actor.ID, a.Actor.Name, a.Actor.Kind, string(a.Via), a.Reason, model.Millis(a.At)}
	}
	return rows
}

// PoolActionFilter narrows PoolActions.
type PoolActionFilter struct {
	PoolID     int64 // 0: every pool
	CustomerID int64 // 0: every customer
	Before     int64 // action id to continue below (newest first); 0: from the newest
	Limit      int
}

// PoolActions lists recorded actions, newest first.
func (s *Store) PoolActions(ctx context.Context, tenantID int64, f PoolActionFilter) ([]model.PoolAction, error) {
	q := `SELECT id, pool_id, customer_id, action, staff_id, from_staff_id, from_pool_id, actor_id, actor_name, actor_kind, via, reason, at
 FROM pool_actions WHERE tenant_id = ?`
	args := []any{tenantID}
	if f.PoolID != 0 {
		q += ` AND pool_id = ?`
		args = append(args, f.PoolID)
	}
	if f.CustomerID != 0 {
		q += ` AND customer_id = ?`
		args = append(args, f.CustomerID)
	}
	if f.Before != 0 {
		q += ` AND id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, max(f.Limit, 1))
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: pool actions: %w", err)
	}
	defer rows.Close()
	var out []model.PoolAction
	for rows.Next() {
		var a model.PoolAction
		var via string
		var at int64
		if err := rows.Scan(&a.ID, &a.PoolID, &a.CustomerID, &a.Action, &a.StaffID, &a.FromStaffID, &a.FromPoolID,
			&a.Actor.ID, &a.Actor.Name, &a.Actor.Kind, &via, &a.Reason, &at); err != nil {
			return nil, err
		}
		a.Via, a.At = model.Via(via), model.FromMillis(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// RecycleState is what the recycling rules read of an owned customer.
type RecycleState struct {
	ID             int64
	OwnerID        int64
	HomePoolID     int64
	PoolID         int64
	ClaimedAt      time.Time
	ProtectedUntil time.Time
	StageChangedAt time.Time
	LastFollowAt   time.Time
	// DateBasis is when the pool's date rule (RecycleDateField) counts
	// from for this customer, zero when it has no such date; crm fills it
	// from DateValue or the customer's custom values.
	DateBasis time.Time
	// DateValue is the date field's index value RecycleDateCandidates
	// found the customer by (store.DateNumber of a date, epoch ms of a
	// datetime).
	DateValue float64
}

// recycleCols reads RecycleState; last_follow_at is the follow-up
// timeline's column (the customer's newest follow-up, 0 for none).
const recycleCols = `id, owner_id, home_pool_id, pool_id, claimed_at, protected_until, stage_changed_at, last_follow_at`

func scanRecycle(sc Scanner) (RecycleState, error) {
	var r RecycleState
	var owner, home, pool, claimed, protected, stage, follow sql.NullInt64
	if err := sc.Scan(&r.ID, &owner, &home, &pool, &claimed, &protected, &stage, &follow); err != nil {
		return r, err
	}
	r.OwnerID, r.HomePoolID, r.PoolID = owner.Int64, home.Int64, pool.Int64
	r.ClaimedAt, r.ProtectedUntil = fromNullMillis(claimed), fromNullMillis(protected)
	r.StageChangedAt = fromNullMillis(stage)
	if follow.Int64 != 0 {
		r.LastFollowAt = model.FromMillis(follow.Int64)
	}
	return r, nil
}

// RecycleCursor continues a walk of a pool's owned customers in claim-time
// order.
type RecycleCursor struct {
	ClaimedAt int64
	ID        int64
}

// RecycleCandidates walks the owned customers a pool governs that were
// claimed at or before claimedBefore and are not protected at now, in
// (claimed_at, id) order after cur, up to limit: the customers the rules
// may find due (the caller decides with the rule engine). It reads only the
// customers_home_pool index and the rows it returns.
//
// The cursor is a row value, (claimed_at, id) > (?, ?), which both
// databases take as the start of the index scan.
func (s *Store) RecycleCandidates(ctx context.Context, tenantID, poolID int64, claimedBefore, now time.Time, cur RecycleCursor, limit int) ([]RecycleState, RecycleCursor, error) {
	q := `SELECT ` + recycleCols + ` FROM customers
 WHERE tenant_id = ? AND home_pool_id = ? AND claimed_at <= ? AND (claimed_at, id) > (?, ?)
   AND protected_until <= ?
 ORDER BY claimed_at, id LIMIT ?`
	args := []any{tenantID, poolID, model.Millis(claimedBefore), cur.ClaimedAt, cur.ID, model.Millis(now), limit}
	if s.dialect != Postgres {
		rows, err := s.query(ctx, q, args...)
		if err != nil {
			return nil, cur, fmt.Errorf("store: recycle candidates: %w", err)
		}
		defer rows.Close()
		return scanCandidates(rows, cur)
	}
	// PostgreSQL, right after a bulk claim or assignment and before
	// autovacuum's ANALYZE, estimates one row for the pool and may walk
	// customers_home_owner instead (the whole pool's owned customers, and
	// their rows, then a sort: 0.5–0.7 s a page at 200,000, 23 s of a
	// 100,000-customer pass, BENCHMARKS.md). Without a sort it has to take
	// the index in claim-time order, which stops after the page.
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, cur, fmt.Errorf("store: recycle candidates: %w", s.translate(err))
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_sort = off`); err != nil {
		return nil, cur, fmt.Errorf("store: recycle candidates: %w", s.translate(err))
	}
	rows, err := tx.QueryContext(ctx, s.Rebind(q), args...)
	if err != nil {
		return nil, cur, fmt.Errorf("store: recycle candidates: %w", s.translate(err))
	}
	defer rows.Close()
	return scanCandidates(rows, cur)
}

// recycleDateSQL is the first statement of RecycleDateCandidates: a page
// of the date field's values up to a bound, from the start of the range or
// after a cursor (begun) — a range of customer_values_num's primary key,
// index-only on both databases.
func recycleDateSQL(begun bool) string {
	after := "value >= ?"
	if begun {
		after = "(value, customer_id) > (?, ?)"
	}
	return `SELECT value, customer_id FROM customer_values_num
 WHERE tenant_id = ? AND field_id = ? AND value <= ? AND ` + after + ` ORDER BY value, customer_id LIMIT ?`
}

// recycleDateProbe is its second: the pool state of dateProbeChunk of
// those customers, primary-key probes; which of them the pool governs,
// owned and unprotected, RecycleDateCandidates picks in Go. Two plain
// statements rather than one with those conditions: given a condition on
// the pool, both databases (SQLite without sqlite_stat1, PostgreSQL without
// statistics for a new field) planned a walk of every customer the pool
// governs (customers_home_pool, which covers the columns read) per chunk or
// per value row instead of the probes.
var recycleDateProbe = `SELECT ` + recycleCols + ` FROM customers WHERE tenant_id = ? AND id IN (` + placeholders(dateProbeChunk) + `)`

// dateProbeChunk is how many ids one probe statement takes; the last chunk
// repeats its last id (one statement text, prepared once).
const dateProbeChunk = 250

// DateCursor continues RecycleDateCandidates after the last value read.
type DateCursor struct {
	Value float64
	ID    int64
	Begun bool // false: from the start
}

// RecycleDateCandidates reads the candidates of a pool's date rule (合同到期):
// of the customers whose value of the date field fieldID is at most upTo
// (its index value: DateNumber of a date field, epoch ms of a datetime),
// limit at a time in the order of that value, those the pool governs,
// owned and not protected at now, with DateValue set. The rule engine
// decides on each. more reports that the value range may go on (the page
// of values was full, whatever the probe kept of it).
func (s *Store) RecycleDateCandidates(ctx context.Context, tenantID, poolID, fieldID int64, upTo float64, now time.Time,
	cur DateCursor, limit int) (page []RecycleState, next DateCursor, more bool, err error) {
	args := []any{tenantID, fieldID, upTo, -math.MaxFloat64}
	if cur.Begun {
		args = append(args[:3], cur.Value, cur.ID)
	}
	rows, err := s.query(ctx, recycleDateSQL(cur.Begun), append(args, limit)...)
	if err != nil {
		return nil, cur, false, fmt.Errorf("store: recycle date candidates: %w", err)
	}
	var ids []int64
	values := map[int64]float64{}
	for rows.Next() {
		var v float64
		var id int64
		if err := rows.Scan(&v, &id); err != nil {
			rows.Close()
			return nil, cur, false, err
		}
		ids = append(ids, id)
		values[id] = v
		cur = DateCursor{Value: v, ID: id, Begun: true}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, cur, false, fmt.Errorf("store: recycle date candidates: %w", err)
	}
	found := map[int64]RecycleState{}
	for start := 0; start < len(ids); start += dateProbeChunk {
		chunk := ids[start:min(start+dateProbeChunk, len(ids))]
		args := []any{tenantID}
		for i := range dateProbeChunk {
			args = append(args, chunk[min(i, len(chunk)-1)])
		}
		rows, err := s.query(ctx, recycleDateProbe, args...)
		if err != nil {
			return nil, cur, false, fmt.Errorf("store: recycle date candidates: %w", err)
		}
		for rows.Next() {
			r, err := scanRecycle(rows)
			if err != nil {
				rows.Close()
				return nil, cur, false, err
			}
			if r.HomePoolID != poolID || r.OwnerID == 0 || r.PoolID != 0 || now.Before(r.ProtectedUntil) {
				continue // in a pool, not owned, another pool's or protected
			}
			r.DateValue = values[r.ID]
			found[r.ID] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, cur, false, fmt.Errorf("store: recycle date candidates: %w", err)
		}
	}
	for _, id := range ids {
		if r, ok := found[id]; ok {
			page = append(page, r)
		}
	}
	return page, cur, len(ids) == limit, nil
}

func scanCandidates(rows *sql.Rows, cur RecycleCursor) ([]RecycleState, RecycleCursor, error) {
	var out []RecycleState
	for rows.Next() {
		r, err := scanRecycle(rows)
		if err != nil {
			return nil, cur, err
		}
		out = append(out, r)
		cur = RecycleCursor{ClaimedAt: model.Millis(r.ClaimedAt), ID: r.ID}
	}
	return out, cur, rows.Err()
}

// PoolMove is one customer's change by a pool action: the locked row and
// the row after, which differ in the owner and pool state (and who updated
// it when) only, and the reason its event carries.
type PoolMove struct {
	Old, New *model.Customer
	Reason   string
}

// UpdatePoolState writes one pool action's change of a customer (see
// UpdatePoolStates); its event carries the transaction's event note.
func (t *Tx) UpdatePoolState(ctx context.Context, old, c *model.Customer) error {
	return t.UpdatePoolStates(ctx, t.note.action, []PoolMove{{Old: old, New: c, Reason: t.note.reason}})
}

// UpdatePoolStates writes what a pool action changes of customers: their
// owner and pool state and who updated them when — nothing else —, their
// token rows' owner and pool, and one "edit" event each with the changed
// fields, the action and the reason. Set-based where it can be (one UPDATE
// per distinct new state, multi-row event inserts), and far narrower than
// UpdateCustomer, which rewrites every column and index row: recycling
// moves a hundred thousand customers through it.
func (t *Tx) UpdatePoolStates(ctx context.Context, action string, moves []PoolMove) error {
	type state struct {
		owner, pool, home                       int64
		claimed, protected, entered, updatedAt  int64
		entry, reason, updatedBy, updatedByName string
	}
	groups := map[state][]int64{}
	var order []state
	for _, m := range moves {
		c := m.New
		k := state{c.OwnerID, c.PoolID, c.HomePoolID, model.Millis(c.ClaimedAt), model.Millis(c.ProtectedUntil), model.Millis(c.PoolEnteredAt),
			model.Millis(c.UpdatedAt), c.PoolEntry, c.PoolReason, c.UpdatedBy, c.UpdatedByName}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c.ID)
	}
	tenantID := moves[0].New.TenantID
	for _, k := range order {
		ids := groups[k]
		for start := 0; start < len(ids); start += 500 {
			chunk := ids[start:min(start+500, len(ids))]
			args := []any{nullInt(k.owner), nullInt(k.pool), nullInt(k.home), k.claimed, k.protected, k.entered,
				k.entry, k.reason, k.updatedAt, k.updatedBy, k.updatedByName, tenantID}
			for _, id := range chunk {
				args = append(args, id)
			}
			res, err := t.exec(ctx, t.s.updateVerb()+` customers SET owner_id = ?, pool_id = ?, home_pool_id = ?, claimed_at = ?, protected_until = ?,
 pool_entered_at = ?, pool_entry = ?, pool_reason = ?, updated_at = ?, updated_by = ?, updated_by_name = ?
 WHERE tenant_id = ? AND id IN (`+placeholders(len(chunk))+`)`, args...)
			if err != nil {
				return fmt.Errorf("store: pool state: %w", err)
			}
			if n, _ := res.RowsAffected(); n != int64(len(chunk)) {
				return fmt.Errorf("store: pool state of %d customers wrote %d: %w", len(chunk), n, model.ErrNotFound)
			}
		}
	}
	if err := t.updateGramScopes(ctx, tenantID, moves); err != nil {
		return err
	}
	events := make([][]any, 0, len(moves))
	for _, m := range moves {
		old, c := m.Old, m.New
		var ch string
		if changes := poolChanges(old, c); len(changes) > 0 {
			b, _ := json.Marshal(changes)
			ch = string(b)
		}
		actor := t.actorFor(c, model.EventEdit)
		pos, err := t.eventPosition(ctx)
		if err != nil {
			return err
		}
		events = append(events, []any{c.TenantID, idgen.Next(), nullInt(c.ProjectID), c.ID, model.EventEdit, string(Snapshot(c)),
			model.Millis(c.UpdatedAt), actor.ID, actor.Name, actor.Kind, string(t.origin.Via), ch, action, m.Reason, pos})
	}
	if err := t.insertRows(ctx, "customer_events", eventInsertCols, "", events); err != nil {
		return err
	}
	t.events += len(events)
	return nil
}

// updateGramScopes moves the owner and pool columns of the name tokens of
// customers whose owner or pool changed. On PostgreSQL: one statement per
// new scope and chunk of (token, customer) pairs, each pair a primary-key
// lookup (row values IN a VALUES list) — instead of one statement, and one
// round trip, per customer. On SQLite, where that form is slower than a
// statement per customer, updateGramScopesEach.
//
// Every chunk has the same number of pairs (the last one repeats its last
// pair, which IN ignores), so a transaction prepares the statement once
// and runs it for each chunk: one statement of a batch's ~850 pairs was
// parsed afresh in every batch, 16 % of the statement's time in a
// recycling pass on SQLite (BENCHMARKS.md). A statement with the pairs in
// one JSON value (json_each) was slower: SQLite then keeps a statement
// journal for it.
func (t *Tx) updateGramScopes(ctx context.Context, tenantID int64, moves []PoolMove) error {
	if t.s.dialect == SQLite {
		return t.updateGramScopesEach(ctx, tenantID, moves)
	}
	type scope struct{ owner, pool int64 }
	pairs := map[scope][]any{}
	var order []scope
	for _, m := range moves {
		old, c := m.Old, m.New
		if old.OwnerID == c.OwnerID && old.PoolID == c.PoolID {
			continue
		}
		k := scope{c.OwnerID, c.PoolID}
		if pairs[k] == nil {
			order = append(order, k)
		}
		for _, g := range NameTokens(old.Name, old.Remark) {
			pairs[k] = append(pairs[k], g, c.ID)
		}
	}
	if len(order) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(t.s.updateVerb() + ` customer_grams SET owner_id = ?, pool_id = ? WHERE tenant_id = ? AND (gram, customer_id) IN (VALUES `)
	for i := 0; i < gramScopeChunk; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, CAST(? AS BIGINT))")
	}
	b.WriteString(")")
	q := b.String()
	const width = 3 + 2*gramScopeChunk // owner, pool, tenant, the pairs
	args := make([]any, 0, width)
	for _, k := range order {
		all := pairs[k]
		for start := 0; start < len(all); start += 2 * gramScopeChunk {
			chunk := all[start:min(start+2*gramScopeChunk, len(all))]
			args = append(append(args[:0], k.owner, k.pool, tenantID), chunk...)
			for len(args) < width {
				args = append(args, chunk[len(chunk)-2:]...)
			}
			if _, err := t.execCached(ctx, q, args...); err != nil {
				return fmt.Errorf("store: pool state of name tokens: %w", err)
			}
		}
	}
	return nil
}

// gramScopeChunk is how many (token, customer) pairs one statement of
// updateGramScopes moves.
const gramScopeChunk = 128

// updateGramScopesEach is updateGramScopes on SQLite: one statement per
// customer, its tokens a list ("gram IN (?, …)"). SQLite updates the rows
// a WHERE with a subquery finds in two passes — it first seeks every row
// and writes its key to a temporary table, then seeks each key again to
// change the row — and a row-value IN (VALUES …) is such a subquery; with
// the customer fixed and its tokens a plain list it changes each row where
// its one seek lands (BENCHMARKS.md: the token rows were 35 % of a
// recycling pass). The list is padded to a power of two by repeating its
// last token (IN ignores the repeats), so a transaction prepares a few
// statements and runs them for every customer.
func (t *Tx) updateGramScopesEach(ctx context.Context, tenantID int64, moves []PoolMove) error {
	var args []any
	for _, m := range moves {
		old, c := m.Old, m.New
		if old.OwnerID == c.OwnerID && old.PoolID == c.PoolID {
			continue
		}
		grams := NameTokens(old.Name, old.Remark)
		if len(grams) == 0 {
			continue
		}
		width := 8
		for width < len(grams) {
			width *= 2
		}
		args = append(args[:0], c.OwnerID, c.PoolID, tenantID, c.ID)
		for i := range width {
			args = append(args, grams[min(i, len(grams)-1)])
		}
		q := gramScopeEachSQL[width]
		if q == "" { // a long remark
			q = gramScopeEachQuery(width)
		}
		if _, err := t.execCached(ctx, q, args...); err != nil {
			return fmt.Errorf("store: pool state of name tokens: %w", err)
		}
	}
	return nil
}

// gramScopeEachSQL are updateGramScopesEach's statements of the usual
// widths, built once.
var gramScopeEachSQL = func() map[int]string {
	m := map[int]string{}
	for w := 8; w <= 64; w *= 2 {
		m[w] = gramScopeEachQuery(w)
	}
	return m
}()

// gramScopeEachQuery is updateGramScopesEach's statement for width tokens
// (UPDATE OR FAIL: updateVerb on SQLite).
func gramScopeEachQuery(width int) string {
	return "UPDATE OR FAIL customer_grams SET owner_id = ?, pool_id = ? WHERE tenant_id = ? AND customer_id = ? AND gram IN (" +
		placeholders(width) + ")"
}

// updateVerb starts the set-based UPDATEs of pool moves. On SQLite it is
// UPDATE OR FAIL: a plain UPDATE of many rows that could fail a constraint
// half-way (the NOT NULL columns) makes SQLite keep a statement journal to
// undo the statement alone, a copy of every page it changes (≈ 10 % of a
// recycling pass's CPU, BENCHMARKS.md); with FAIL none is needed, and the
// rows already changed by a failing statement do not outlive it, because
// the error rolls the whole transaction back (as insertRows' INSERT OR FAIL).
func (s *Store) updateVerb() string {
	if s.dialect == SQLite {
		return "UPDATE OR FAIL"
	}
	return "UPDATE"
}

// poolChanges are the changes of a pool action, as Diff lists them, for the
// members a pool action writes.
func poolChanges(old, c *model.Customer) []model.Change {
	var out []model.Change
	add := func(field string, ov, nv any, empty bool, oe bool) {
		raw := func(v any, isEmpty bool) json.RawMessage {
			if isEmpty {
				return json.RawMessage("null")
			}
			b, _ := json.Marshal(v)
			return b
		}
		o, n := raw(ov, oe), raw(nv, empty)
		if string(o) != string(n) {
			out = append(out, model.Change{Field: field, Old: o, New: n})
		}
	}
	tm := func(field string, a, b time.Time) {
		add(field, a.UTC(), b.UTC(), b.IsZero(), a.IsZero())
	}
	id := func(field string, a, b int64) { add(field, a, b, b == 0, a == 0) }
	str := func(field, a, b string) { add(field, a, b, b == "", a == "") }
	// In Diff's order: system fields alphabetically.
	tm("claimedAt", old.ClaimedAt, c.ClaimedAt)
	id("homePoolId", old.HomePoolID, c.HomePoolID)
	id("ownerId", old.OwnerID, c.OwnerID)
	tm("poolEnteredAt", old.PoolEnteredAt, c.PoolEnteredAt)
	str("poolEntry", old.PoolEntry, c.PoolEntry)
	id("poolId", old.PoolID, c.PoolID)
	str("poolReason", old.PoolReason, c.PoolReason)
	tm("protectedUntil", old.ProtectedUntil, c.ProtectedUntil)
	return out
}

// CustomersForUpdate reads and locks customers inside the write
// transaction, in the order of ids (missing ones are left out), with their
// recycling state.
func (t *Tx) CustomersForUpdate(ctx context.Context, tenantID int64, ids []int64) ([]*model.Customer, map[int64]RecycleState, error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	args := []any{tenantID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := t.query(ctx, `SELECT `+CustomerColumns(t.s.dialect)+` FROM customers c WHERE c.tenant_id = ? AND c.id IN (`+
		placeholders(len(ids))+`) ORDER BY c.id`+t.s.forUpdate(), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("store: lock customers: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]*model.Customer, len(ids))
	states := make(map[int64]RecycleState, len(ids))
	for rows.Next() {
		c := &model.Customer{}
		if err := ScanCustomer(rows, t.s.dialect, tenantID, c); err != nil {
			return nil, nil, err
		}
		byID[c.ID] = c
		states[c.ID] = RecycleState{ID: c.ID, OwnerID: c.OwnerID, HomePoolID: c.HomePoolID, PoolID: c.PoolID, ClaimedAt: c.ClaimedAt,
			ProtectedUntil: c.ProtectedUntil, StageChangedAt: c.StageChangedAt, LastFollowAt: c.LastFollowAt}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	out := make([]*model.Customer, 0, len(byID))
	for _, id := range ids {
		if c := byID[id]; c != nil {
			out = append(out, c)
		}
	}
	return out, states, nil
}

// fromNullMillis reads a time column that may be NULL or 0 (no time).
func fromNullMillis(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return model.FromMillis(v.Int64)
}
