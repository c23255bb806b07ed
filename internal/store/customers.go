package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
)

func isConflict(err error) bool { return errors.Is(err, model.ErrConflict) }

// InsertCustomer writes a new customer with all its index rows and an "add"
// event. c.ID is assigned when zero.
func (t *Tx) InsertCustomer(ctx context.Context, c *model.Customer, cat *Catalog) error {
	if c.ID == 0 {
		c.ID = idgen.Next()
	}
	if c.StageID != 0 && c.StageChangedAt.IsZero() {
		c.StageChangedAt = c.CreatedAt
	}
	ix, err := buildIndex(c, cat)
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, `INSERT INTO customers (`+insertColumns+`) VALUES (`+insertPlaceholders+`)`, customerArgs(c)...); err != nil {
		if isConflict(err) {
			return t.s.customerConflict(ctx, t, c, err)
		}
		return fmt.Errorf("store: insert customer: %w", err)
	}
	if err := t.writeIndex(ctx, c, ix); err != nil {
		return err
	}
	if err := t.addCount(ctx, c, 1); err != nil {
		return err
	}
	return t.addEvent(ctx, nil, c, model.EventAdd, cat)
}

// customerConflict explains a unique violation on the customers table
// itself (the external id index); the primary key is ours and cannot clash
// unless two nodes drew the same id.
func (s *Store) customerConflict(ctx context.Context, t *Tx, c *model.Customer, err error) error {
	if c.ExternalID != "" {
		ce := &model.ConflictError{Field: "externalId", Value: c.ExternalID}
		if t.s.queryRow(ctx, `SELECT id FROM customers WHERE tenant_id = ? AND external_id = ?`, c.TenantID, c.ExternalID).Scan(&ce.ExistingID) == nil {
			return ce
		}
	}
	return fmt.Errorf("store: insert customer: %w", err)
}

// UpdateCustomer rewrites a customer row and its index rows and records an
// "edit" event. old is the stored version (from CustomerForUpdate).
func (t *Tx) UpdateCustomer(ctx context.Context, old, c *model.Customer, cat *Catalog) error {
	if c.StageID != old.StageID && c.StageChangedAt.Equal(old.StageChangedAt) {
		c.StageChangedAt = c.UpdatedAt // the no-deal recycling rule reads it
	}
	ix, err := buildIndex(c, cat)
	if err != nil {
		return err
	}
	args := customerArgs(c)[2:] // drop tenant_id and id: they are the key
	args = append(args, c.TenantID, c.ID)
	res, err := t.exec(ctx, `UPDATE customers SET `+updateAssignments+` WHERE tenant_id = ? AND id = ?`, args...)
	if err != nil {
		if isConflict(err) {
			return t.s.customerConflict(ctx, t, c, err)
		}
		return fmt.Errorf("store: update customer: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: update customer %d: %w", c.ID, model.ErrNotFound)
	}
	// Name and remark tokens carry status, project, owner and creation
	// time: rewrite them only when one of those or the text changed.
	sameGrams := sameGramPayload(old, c)
	if sameGrams {
		ix.grams = nil
	}
	if old.Company == c.Company {
		ix.company = nil // value_grams rows are never removed
	}
	if err := t.clearIndex(ctx, old, !sameGrams); err != nil {
		return err
	}
	if err := t.writeIndex(ctx, c, ix); err != nil {
		return err
	}
	if ko, kn := countKeyOf(old), countKeyOf(c); ko != kn {
		if err := t.addCounts(ctx, map[[4]int64]int64{ko: -1, kn: 1}); err != nil {
			return err
		}
	}
	return t.addEvent(ctx, old, c, model.EventEdit, cat)
}

// DeleteCustomer removes a customer and every index row of it, and records
// a "delete" event. Nothing of it stays visible to any API.
func (t *Tx) DeleteCustomer(ctx context.Context, old *model.Customer) error {
	if err := t.clearIndex(ctx, old, true); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM follow_ups WHERE tenant_id = ? AND customer_id = ?`, old.TenantID, old.ID); err != nil {
		return fmt.Errorf("store: delete customer's follow-ups: %w", err)
	}
	res, err := t.exec(ctx, `DELETE FROM customers WHERE tenant_id = ? AND id = ?`, old.TenantID, old.ID)
	if err != nil {
		return fmt.Errorf("store: delete customer: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: delete customer %d: %w", old.ID, model.ErrNotFound)
	}
	if err := t.addCount(ctx, old, -1); err != nil {
		return err
	}
	return t.addEvent(ctx, nil, old, model.EventDelete, nil)
}

// CustomerForUpdate reads a customer inside the write transaction, so the
// read-modify-write of a PATCH cannot interleave with another writer.
func (t *Tx) CustomerForUpdate(ctx context.Context, tenantID, id int64) (*model.Customer, error) {
	c := &model.Customer{}
	err := ScanCustomer(t.queryRow(ctx, `SELECT `+CustomerColumns(t.s.dialect)+` FROM customers c WHERE c.tenant_id = ? AND c.id = ?`+t.s.forUpdate(), tenantID, id), t.s.dialect, tenantID, c)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("customer %d", id))
	}
	return c, nil
}

func (s *Store) forUpdate() string {
	if s.dialect == Postgres {
		return " FOR UPDATE"
	}
	return "" // SQLite: the single writer connection already serialises
}

// Customer reads one customer of a tenant.
func (s *Store) Customer(ctx context.Context, tenantID, id int64) (*model.Customer, error) {
	c := &model.Customer{}
	err := ScanCustomer(s.queryRow(ctx, `SELECT `+CustomerColumns(s.dialect)+` FROM customers c WHERE c.tenant_id = ? AND c.id = ?`, tenantID, id), s.dialect, tenantID, c)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("customer %d", id))
	}
	return c, nil
}

// CustomerIDByUnique finds the customer holding value for a unique field.
func (s *Store) CustomerIDByUnique(ctx context.Context, tenantID, fieldID int64, value string) (int64, error) {
	var id int64
	err := s.queryRow(ctx, `SELECT customer_id FROM customer_unique WHERE tenant_id = ? AND field_id = ? AND value = ?`, tenantID, fieldID, value).Scan(&id)
	if err != nil {
		return 0, notFound(err, "customer by unique value")
	}
	return id, nil
}

// CustomersByIDs loads customers by id, in the order of ids; missing ids are skipped.
func (s *Store) CustomersByIDs(ctx context.Context, tenantID int64, ids []int64) ([]*model.Customer, error) {
	return customersByIDs(ctx, s.dialect, s.query, tenantID, ids)
}

// byIDsChunk is the most ids one load binds.
const byIDsChunk = 500

// customersByIDs loads ids through query. Each chunk's IN list is padded
// (with its last id) to one of a few lengths, so a page's loads share a
// handful of SQL texts and run as cached prepared statements instead of
// being parsed each time.
func customersByIDs(ctx context.Context, dialect string, query func(context.Context, string, ...any) (*sql.Rows, error), tenantID int64, ids []int64) ([]*model.Customer, error) {
	return customersByKeys(ctx, dialect, query, tenantID, ids, false)
}

// customersByKeys is customersByIDs by customer id or, with rowIDs, by
// SQLite rowid: ids are then rowids, good only inside the read snapshot
// that found them (a rowid names a row, not a customer, and VACUUM may
// renumber them), and each is one table seek where an id is a seek of the
// primary key index and then of the table. The tenant is still checked
// (unindexed: the rowids drive).
func customersByKeys(ctx context.Context, dialect string, query func(context.Context, string, ...any) (*sql.Rows, error), tenantID int64, ids []int64, rowIDs bool) ([]*model.Customer, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out := make([]*model.Customer, 0, len(ids))
	byKey := make(map[int64]*model.Customer, len(ids))
	args := make([]any, 0, min(len(ids), byIDsChunk)+1)
	where, key := ` WHERE c.tenant_id = ? AND c.id IN (`, ``
	var rowID int64
	var extra []any
	if rowIDs {
		where, key, extra = ` WHERE +c.tenant_id = ? AND c.rowid IN (`, `, c.rowid`, []any{&rowID}
	}
	for start := 0; start < len(ids); start += byIDsChunk {
		chunk := ids[start:min(start+byIDsChunk, len(ids))]
		n := paddedLen(len(chunk))
		args = append(args[:0], tenantID)
		for i := range n {
			args = append(args, chunk[min(i, len(chunk)-1)])
		}
		q := `SELECT ` + CustomerColumns(dialect) + key + ` FROM customers c` + where + placeholders(n) + `)`
		rows, err := query(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("store: load customers: %w", err)
		}
		for rows.Next() {
			c := &model.Customer{}
			if err := ScanCustomerWith(rows, dialect, tenantID, c, extra...); err != nil {
				rows.Close()
				return nil, err
			}
			if rowIDs {
				byKey[rowID] = c
			} else {
				byKey[c.ID] = c
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		if c := byKey[id]; c != nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// paddedLen is the IN-list length a chunk of n ids is bound as.
func paddedLen(n int) int {
	for _, l := range []int{1, 4, 16, 64, 128, 256} {
		if n <= l {
			return l
		}
	}
	return byIDsChunk
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
