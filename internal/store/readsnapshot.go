package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kehu/kehu/internal/model"
)

// ReadSnapshot is a read-only transaction: every read through it sees the
// database as of its first query. A streamed page (query's Request.Stream)
// reads its ids, its total and then its rows, a batch at a time while the
// client takes them, through one: the rows written are exactly the page its
// ids named and its total counted, as if one statement had read them all,
// however the database changes meanwhile (a row deleted or moved out of the
// caller's view after the id walk is still the row as it was, never its
// newer content).
//
// It holds one read connection (and, on SQLite, the WAL snapshot, which
// checkpoints cannot pass) until Close: streams are bounded by their write
// deadlines and large pages take turns (admission), so a slow client holds
// it for seconds, not hours.
type ReadSnapshot struct {
	s  *Store
	tx *sql.Tx
}

// ReadSnapshot begins a read snapshot, on the replica ctx is routed to
// (ReadOnly) or on the primary's readers.
func (s *Store) ReadSnapshot(ctx context.Context) (*ReadSnapshot, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for every statement, not one each
	}
	if r, ok := ctx.Value(routeKey{}).(*replica); ok && r != nil && s.replicas != nil {
		tx, err := r.db.BeginTx(ctx, opts)
		if !s.replicaFailed(r, err) {
			if err != nil {
				return nil, fmt.Errorf("store: begin snapshot: %w", s.translate(err))
			}
			r.reads.Add(1)
			return &ReadSnapshot{s: s, tx: tx}, nil
		}
		s.replicas.primaryReads.Add(1)
	}
	tx, err := s.r.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("store: begin snapshot: %w", s.translate(err))
	}
	return &ReadSnapshot{s: s, tx: tx}, nil
}

// Close ends the snapshot (nothing was written: a rollback). Safe to call
// more than once.
func (sn *ReadSnapshot) Close() {
	if sn != nil && sn.tx != nil {
		_ = sn.tx.Rollback()
	}
}

// Query runs a read query in the snapshot (rebound like Store.Query), as
// the reader pool's cached prepared statement where there is one.
func (sn *ReadSnapshot) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = sn.s.Rebind(q)
	if c := sn.s.stmts; c != nil {
		e, err := c.get(ctx, q)
		if err == nil {
			defer c.done(e)
			rows, err := sn.tx.StmtContext(ctx, e.st).QueryContext(ctx, args...)
			return rows, sn.s.translate(err)
		}
	}
	rows, err := sn.tx.QueryContext(ctx, q, args...)
	return rows, sn.s.translate(err)
}

// QueryRow is Query for one row.
func (sn *ReadSnapshot) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = sn.s.Rebind(q)
	if c := sn.s.stmts; c != nil {
		if e, err := c.get(ctx, q); err == nil {
			defer c.done(e)
			return sn.tx.StmtContext(ctx, e.st).QueryRowContext(ctx, args...)
		}
	}
	return sn.tx.QueryRowContext(ctx, q, args...)
}

// CustomersByIDs is Store.CustomersByIDs in the snapshot: the customers
// of ids in that order, a missing id left out.
func (sn *ReadSnapshot) CustomersByIDs(ctx context.Context, tenantID int64, ids []int64) ([]*model.Customer, error) {
	return customersByIDs(ctx, sn.s.dialect, sn.Query, tenantID, ids)
}

// CustomersByRowIDs is CustomersByIDs by the SQLite rowids this snapshot
// read alongside the ids (query.Plan.PageRowIDs), in that order.
func (sn *ReadSnapshot) CustomersByRowIDs(ctx context.Context, tenantID int64, rowIDs []int64) ([]*model.Customer, error) {
	return customersByKeys(ctx, sn.s.dialect, sn.Query, tenantID, rowIDs, true)
}
