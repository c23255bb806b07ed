package store

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strconv"
)

// Lookups for matching (查重) and upserts: many values at once outside a
// transaction (imports look up a chunk of rows per query), one value inside
// the write transaction (batch upserts must see their own earlier writes).

// lookupColumns are the indexed system columns customers can be matched on.
var lookupColumns = map[string]bool{"phone": true, "email": true, "external_id": true, "id_number": true, "id": true}

// CustomerIDsByValues finds, for each of values, the customers whose indexed
// system column (phone, email, external_id, id_number or id) equals it,
// oldest first. Values without a match are absent from the map.
func (s *Store) CustomerIDsByValues(ctx context.Context, tenantID int64, column string, values []string) (map[string][]int64, error) {
	if !lookupColumns[column] {
		return nil, fmt.Errorf("store: lookup by %q is not supported", column)
	}
	out := map[string][]int64{}
	for start := 0; start < len(values); start += 500 {
		chunk := values[start:min(start+500, len(values))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, tenantID)
		for _, v := range chunk {
			args = append(args, v)
		}
		if column == "id" {
			// Ids are compared as integers through the primary key.
			args = args[:1]
			for _, v := range chunk {
				if n, err := strconv.ParseInt(v, 10, 64); err == nil {
					args = append(args, n)
				}
			}
			if len(args) == 1 {
				continue
			}
		}
		// No ORDER BY: ordering by id makes SQLite walk the primary key
		// instead of the value's index. Ids are sorted below.
		rows, err := s.query(ctx, `SELECT `+column+`, id FROM customers WHERE tenant_id = ? AND `+column+` IN (`+placeholders(len(args)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: lookup customers: %w", err)
		}
		for rows.Next() {
			var v string
			var id int64
			if column == "id" {
				var n int64
				if err := rows.Scan(&n, &id); err != nil {
					rows.Close()
					return nil, err
				}
				v = strconv.FormatInt(n, 10)
			} else if err := rows.Scan(&v, &id); err != nil {
				rows.Close()
				return nil, err
			}
			out[v] = append(out[v], id)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	for _, ids := range out {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	}
	return out, nil
}

// UniqueOwners finds, for each of values, the customer holding it for a
// field marked unique (the customer_unique table).
func (s *Store) UniqueOwners(ctx context.Context, tenantID, fieldID int64, values []string) (map[string]int64, error) {
	out := map[string]int64{}
	for start := 0; start < len(values); start += 500 {
		chunk := values[start:min(start+500, len(values))]
		args := make([]any, 0, len(chunk)+2)
		args = append(args, tenantID, fieldID)
		for _, v := range chunk {
			args = append(args, v)
		}
		rows, err := s.query(ctx, `SELECT value, customer_id FROM customer_unique WHERE tenant_id = ? AND field_id = ? AND value IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: lookup unique values: %w", err)
		}
		for rows.Next() {
			var v string
			var id int64
			if err := rows.Scan(&v, &id); err != nil {
				rows.Close()
				return nil, err
			}
			out[v] = id
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CustomerIDsByColumn is Store.CustomerIDsByColumn inside the transaction:
// it sees the transaction's own writes.
func (t *Tx) CustomerIDsByColumn(ctx context.Context, tenantID int64, column string, values []string, limit int) ([]int64, error) {
	if !lookupColumns[column] || column == "id" {
		return nil, fmt.Errorf("store: lookup by %q is not supported", column)
	}
	if len(values) == 0 {
		return nil, nil
	}
	args := []any{tenantID}
	for _, v := range values {
		args = append(args, v)
	}
	args = append(args, limit)
	// "id + 0": ordering by the bare id makes SQLite walk the primary key
	// instead of the value's index.
	rows, err := t.query(ctx, `SELECT id FROM customers WHERE tenant_id = ? AND `+column+` IN (`+placeholders(len(values))+`) ORDER BY id + 0 LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: lookup customers: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// CustomerIDByUnique is Store.CustomerIDByUnique inside the transaction.
func (t *Tx) CustomerIDByUnique(ctx context.Context, tenantID, fieldID int64, value string) (int64, error) {
	var id int64
	err := t.queryRow(ctx, `SELECT customer_id FROM customer_unique WHERE tenant_id = ? AND field_id = ? AND value = ?`, tenantID, fieldID, value).Scan(&id)
	if err != nil {
		return 0, notFound(err, "customer by unique value")
	}
	return id, nil
}

// Savepoint runs fn inside a savepoint: when fn fails, its writes are rolled
// back and the transaction stays usable (PostgreSQL otherwise aborts the
// whole transaction at the first failed statement), so one bad item of a
// batch does not undo the others.
func (t *Tx) Savepoint(ctx context.Context, fn func() error) error {
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT kehu_item"); err != nil {
		return fmt.Errorf("store: savepoint: %w", t.s.translate(err))
	}
	counts := maps.Clone(t.counts) // the counter moves to keep if fn fails
	events, pos := t.events, t.pos // and the events' numbers: no gaps
	if err := fn(); err != nil {
		t.counts, t.events, t.pos = counts, events, pos
		if _, rerr := t.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT kehu_item"); rerr != nil {
			return fmt.Errorf("store: rollback to savepoint: %w (after %w)", rerr, err) // both: a disk-full cause must still read as 503
		}
		if _, rerr := t.tx.ExecContext(ctx, "RELEASE SAVEPOINT kehu_item"); rerr != nil {
			return fmt.Errorf("store: release savepoint: %w (after %w)", rerr, err)
		}
		return err
	}
	if _, err := t.tx.ExecContext(ctx, "RELEASE SAVEPOINT kehu_item"); err != nil {
		return fmt.Errorf("store: release savepoint: %w", t.s.translate(err))
	}
	return nil
}
