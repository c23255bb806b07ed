package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
)

// This file stores follow-ups (跟进记录) and a tenant's follow-up kinds.
// The rules (who may write, what the customer's follow-up fields become)
// are crm's; here is only their SQL.

const followUpCols = `id, customer_id, staff_id, kind_id, content, followed_at, next_at, created_at, updated_at, created_by, created_by_name, updated_by, updated_by_name`

func scanFollowUp(sc Scanner, tenantID int64) (*model.FollowUp, error) {
	f := &model.FollowUp{TenantID: tenantID}
	var at, next, created, updated int64
	if err := sc.Scan(&f.ID, &f.CustomerID, &f.StaffID, &f.KindID, &f.Content, &at, &next, &created, &updated,
		&f.CreatedBy, &f.CreatedByName, &f.UpdatedBy, &f.UpdatedByName); err != nil {
		return nil, err
	}
	f.At, f.NextAt = model.FromMillis(at), model.FromMillis(next)
	f.CreatedAt, f.UpdatedAt = model.FromMillis(created), model.FromMillis(updated)
	return f, nil
}

// InsertFollowUp writes a new follow-up; f.ID is assigned when zero.
func (t *Tx) InsertFollowUp(ctx context.Context, f *model.FollowUp) error {
	if f.ID == 0 {
		f.ID = idgen.Next()
	}
	_, err := t.exec(ctx, `INSERT INTO follow_ups (tenant_id, `+followUpCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.TenantID, f.ID, f.CustomerID, f.StaffID, f.KindID, f.Content, model.Millis(f.At), model.Millis(f.NextAt),
		model.Millis(f.CreatedAt), model.Millis(f.UpdatedAt), f.CreatedBy, f.CreatedByName, f.UpdatedBy, f.UpdatedByName)
	if err != nil {
		return fmt.Errorf("store: insert follow-up: %w", err)
	}
	return nil
}

// UpdateFollowUp rewrites a follow-up's kind, content, times and updated-by.
func (t *Tx) UpdateFollowUp(ctx context.Context, f *model.FollowUp) error {
	res, err := t.exec(ctx, `UPDATE follow_ups SET staff_id = ?, kind_id = ?, content = ?, followed_at = ?, next_at = ?, updated_at = ?, updated_by = ?, updated_by_name = ?
WHERE tenant_id = ? AND id = ?`,
		f.StaffID, f.KindID, f.Content, model.Millis(f.At), model.Millis(f.NextAt), model.Millis(f.UpdatedAt), f.UpdatedBy, f.UpdatedByName,
		f.TenantID, f.ID)
	if err != nil {
		return fmt.Errorf("store: update follow-up: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: follow-up %d: %w", f.ID, model.ErrNotFound)
	}
	return nil
}

// DeleteFollowUp removes a follow-up.
func (t *Tx) DeleteFollowUp(ctx context.Context, tenantID, id int64) error {
	res, err := t.exec(ctx, `DELETE FROM follow_ups WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return fmt.Errorf("store: delete follow-up: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: follow-up %d: %w", id, model.ErrNotFound)
	}
	return nil
}

// FollowUpInTx reads a follow-up inside a write transaction (after its
// customer's row is locked, so it cannot change underneath).
func (t *Tx) FollowUpInTx(ctx context.Context, tenantID, id int64) (*model.FollowUp, error) {
	f, err := scanFollowUp(t.queryRow(ctx, `SELECT `+followUpCols+` FROM follow_ups WHERE tenant_id = ? AND id = ?`, tenantID, id), tenantID)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("follow-up %d", id))
	}
	return f, nil
}

// NewestFollowUp is a customer's newest follow-up (by time, then id), nil
// when it has none.
func (t *Tx) NewestFollowUp(ctx context.Context, tenantID, customerID int64) (*model.FollowUp, error) {
	f, err := scanFollowUp(t.queryRow(ctx, `SELECT `+followUpCols+` FROM follow_ups WHERE tenant_id = ? AND customer_id = ?
ORDER BY followed_at DESC, id DESC LIMIT 1`, tenantID, customerID), tenantID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: newest follow-up: %w", err)
	}
	return f, nil
}

// SetFollowState writes a customer's follow-up fields (last/next follow-up
// and who followed up last) and its updated-at/-by, and records an "edit"
// event whose changes are those fields plus extra (the follow-up itself,
// old → new). old is the row as read by CustomerForUpdate. Only these
// columns change, so no index row of the customer needs rewriting.
func (t *Tx) SetFollowState(ctx context.Context, old, c *model.Customer, extra []model.Change) error {
	res, err := t.exec(ctx, `UPDATE customers SET last_follow_at = ?, last_follow_user = ?, next_follow_at = ?, updated_at = ?, updated_by = ?, updated_by_name = ?
WHERE tenant_id = ? AND id = ?`,
		model.Millis(c.LastFollowAt), nullInt(c.LastFollowUserID), model.Millis(c.NextFollowAt),
		model.Millis(c.UpdatedAt), c.UpdatedBy, c.UpdatedByName, c.TenantID, c.ID)
	if err != nil {
		return fmt.Errorf("store: set follow-up state: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: customer %d: %w", c.ID, model.ErrNotFound)
	}
	return t.addEventWith(ctx, old, c, model.EventEdit, nil, extra)
}

// FollowUpChange is the change entry of a follow-up written, edited or
// deleted (nil old or new: absent), as history and the feed show it.
func FollowUpChange(old, new *model.FollowUp) model.Change {
	enc := func(f *model.FollowUp) json.RawMessage {
		if f == nil {
			return json.RawMessage("null")
		}
		b, _ := json.Marshal(f)
		return b
	}
	return model.Change{Field: "followUp", Old: enc(old), New: enc(new)}
}

// FollowUp reads one follow-up of a tenant.
func (s *Store) FollowUp(ctx context.Context, tenantID, id int64) (*model.FollowUp, error) {
	f, err := scanFollowUp(s.queryRow(ctx, `SELECT `+followUpCols+` FROM follow_ups WHERE tenant_id = ? AND id = ?`, tenantID, id), tenantID)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("follow-up %d", id))
	}
	return f, nil
}

// FollowUpFilter selects follow-ups newest first: of one customer or of
// one staff member (exactly one of the two), before a keyset position.
type FollowUpFilter struct {
	CustomerID int64
	StaffID    int64
	// Before is the (time, id) of the last follow-up of the previous
	// page; zero: from the newest.
	BeforeAt time.Time
	BeforeID int64
	Limit    int
}

// FollowUps lists follow-ups newest first (time, then id), walking
// follow_ups_customer or follow_ups_staff backwards.
func (s *Store) FollowUps(ctx context.Context, tenantID int64, f FollowUpFilter) ([]*model.FollowUp, error) {
	var where strings.Builder
	args := []any{tenantID}
	where.WriteString(`tenant_id = ?`)
	switch {
	case f.CustomerID != 0 && f.StaffID == 0:
		where.WriteString(` AND customer_id = ?`)
		args = append(args, f.CustomerID)
	case f.StaffID != 0 && f.CustomerID == 0:
		where.WriteString(` AND staff_id = ?`)
		args = append(args, f.StaffID)
	default:
		return nil, errors.New("store: follow-ups: name a customer or a staff member")
	}
	if f.BeforeID != 0 {
		at := model.Millis(f.BeforeAt)
		where.WriteString(` AND (followed_at < ? OR (followed_at = ? AND id < ?))`)
		args = append(args, at, at, f.BeforeID)
	}
	limit := max(f.Limit, 1)
	rows, err := s.query(ctx, `SELECT `+followUpCols+` FROM follow_ups WHERE `+where.String()+
		fmt.Sprintf(` ORDER BY followed_at DESC, id DESC LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("store: follow-ups: %w", err)
	}
	defer rows.Close()
	var out []*model.FollowUp
	for rows.Next() {
		fu, err := scanFollowUp(rows, tenantID)
		if err != nil {
			return nil, fmt.Errorf("store: follow-ups: %w", err)
		}
		out = append(out, fu)
	}
	return out, rows.Err()
}

// FollowUpKinds lists the built-in kinds and the tenant's own, in position
// order (built-in first).
func (s *Store) FollowUpKinds(ctx context.Context, tenantID int64) ([]model.FollowUpKind, error) {
	out := append([]model.FollowUpKind{}, model.BuiltinFollowUpKinds...)
	rows, err := s.query(ctx, `SELECT id, name, position FROM follow_up_kinds WHERE tenant_id = ? ORDER BY position, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: follow-up kinds: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k model.FollowUpKind
		if err := rows.Scan(&k.ID, &k.Name, &k.Position); err != nil {
			return nil, fmt.Errorf("store: follow-up kinds: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// AddFollowUpKind adds a tenant's own kind at the end; a name in use (by
// another own kind) is a *model.ConflictError.
func (s *Store) AddFollowUpKind(ctx context.Context, tenantID int64, name string) (model.FollowUpKind, error) {
	k := model.FollowUpKind{ID: idgen.Next(), Name: name}
	err := s.InTx(ctx, func(tx *Tx) error {
		var pos sql.NullInt64
		if err := tx.queryRow(ctx, `SELECT MAX(position) FROM follow_up_kinds WHERE tenant_id = ?`, tenantID).Scan(&pos); err != nil {
			return fmt.Errorf("store: follow-up kinds: %w", err)
		}
		k.Position = len(model.BuiltinFollowUpKinds)
		if pos.Valid {
			k.Position = int(pos.Int64) + 1
		}
		_, err := tx.exec(ctx, `INSERT INTO follow_up_kinds (tenant_id, id, name, position, created_at) VALUES (?, ?, ?, ?, ?)`,
			tenantID, k.ID, k.Name, k.Position, model.Millis(time.Now()))
		if isConflict(err) {
			return &model.ConflictError{Field: "name", Value: name}
		}
		return err
	})
	return k, err
}

// RenameFollowUpKind renames a tenant's own kind.
func (s *Store) RenameFollowUpKind(ctx context.Context, tenantID, id int64, name string) error {
	res, err := s.w.ExecContext(ctx, s.Rebind(`UPDATE follow_up_kinds SET name = ? WHERE tenant_id = ? AND id = ?`), name, tenantID, id)
	if err = s.translate(err); err != nil {
		if isConflict(err) {
			return &model.ConflictError{Field: "name", Value: name}
		}
		return fmt.Errorf("store: rename follow-up kind: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: follow-up kind %d: %w", id, model.ErrNotFound)
	}
	return nil
}

// ErrKindInUse: a follow-up kind still named by follow-ups cannot be
// deleted. It matches model.ErrConflict.
var ErrKindInUse error = kindInUse{}

type kindInUse struct{}

func (kindInUse) Error() string        { return "follow-up kind is in use" }
func (kindInUse) Is(target error) bool { return target == model.ErrConflict }

// DeleteFollowUpKind deletes a tenant's own kind that no follow-up uses
// (else ErrKindInUse, which matches model.ErrConflict).
func (s *Store) DeleteFollowUpKind(ctx context.Context, tenantID, id int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		// Lock the kind first: a follow-up written concurrently checks
		// the kind exists in its own transaction (KindExists).
		var one int
		if err := tx.queryRow(ctx, `SELECT 1 FROM follow_up_kinds WHERE tenant_id = ? AND id = ?`+s.forUpdate(), tenantID, id).Scan(&one); err != nil {
			return notFound(err, fmt.Sprintf("follow-up kind %d", id))
		}
		var used int
		err := tx.queryRow(ctx, `SELECT 1 FROM follow_ups WHERE tenant_id = ? AND kind_id = ? LIMIT 1`, tenantID, id).Scan(&used)
		switch {
		case err == nil:
			return fmt.Errorf("store: follow-up kind %d: %w", id, ErrKindInUse)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: follow-up kind in use: %w", err)
		}
		_, err = tx.exec(ctx, `DELETE FROM follow_up_kinds WHERE tenant_id = ? AND id = ?`, tenantID, id)
		return err
	})
}

// KindExists reports, inside a follow-up's write transaction, whether a
// kind id is a built-in kind or one of the tenant's own, and locks the
// row (PostgreSQL) so a concurrent DeleteFollowUpKind waits or fails.
func (t *Tx) KindExists(ctx context.Context, tenantID, id int64) (bool, error) {
	if id >= 1 && id <= model.MaxBuiltinFollowUpKind {
		return true, nil
	}
	lock := ""
	if t.s.dialect == Postgres {
		lock = " FOR SHARE"
	}
	var one int
	err := t.queryRow(ctx, `SELECT 1 FROM follow_up_kinds WHERE tenant_id = ? AND id = ?`+lock, tenantID, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: follow-up kind: %w", err)
	}
	return true, nil
}

// SetActor records who makes this transaction's changes, keeping the API
// they come through (see SetOrigin).
func (t *Tx) SetActor(a model.Actor) { t.origin.Actor = a }
