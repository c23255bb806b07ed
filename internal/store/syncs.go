package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
)

// Sync is one row of the syncs table: a source a tenant pulls customers
// from (kehu sync), its checkpoint and its watermark (migration 0006).
type Sync struct {
	TenantID   int64
	ID         int64
	Source     string // platform, base URL and platform project, as internal/platsync names it
	Platform   string
	State      string // JSON checkpoint of the run in progress ("{}" when none)
	JobID      int64  // the import job of the current or last run
	Watermark  int64  // epoch ms: the last complete run started after this
	LeaseOwner string
	LeaseUntil time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SyncRecord is what kehu remembers of one platform customer.
type SyncRecord struct {
	ExternalID string
	CustomerID int64
	Hash       string
}

const syncColumns = `source, platform, state, job_id, watermark, lease_owner, lease_until, created_at, updated_at`

// SyncBySource finds the row of a source, creating it when there is none
// (two processes racing both end up with the one row).
func (s *Store) SyncBySource(ctx context.Context, tenantID int64, source, platform string) (*Sync, error) {
	for range 2 {
		sy := &Sync{TenantID: tenantID}
		var until, created, updated int64
		err := s.queryRow(ctx, `SELECT id, `+syncColumns+` FROM syncs WHERE tenant_id = ? AND source = ?`, tenantID, source).Scan(
			&sy.ID, &sy.Source, &sy.Platform, &sy.State, &sy.JobID, &sy.Watermark, &sy.LeaseOwner, &until, &created, &updated)
		if err == nil {
			sy.LeaseUntil, sy.CreatedAt, sy.UpdatedAt = model.FromMillis(until), model.FromMillis(created), model.FromMillis(updated)
			return sy, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: sync: %w", err)
		}
		now := model.Millis(time.Now())
		err = s.InTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, `INSERT INTO syncs (tenant_id, id, `+syncColumns+`) VALUES (?, ?, ?, ?, '{}', 0, 0, '', 0, ?, ?)`,
				tenantID, idgen.Next(), source, platform, now, now)
			return err
		})
		if err != nil && !isConflict(err) {
			return nil, fmt.Errorf("store: create sync: %w", err)
		}
	}
	return nil, fmt.Errorf("store: sync %q: %w", source, model.ErrNotFound)
}

// ClaimSync takes the lease of a sync row for owner until until, if it is
// free (expired or already owner's). It reports whether it got it and, if
// not, until when the other owner holds it.
func (s *Store) ClaimSync(ctx context.Context, tenantID, id int64, owner string, now, until time.Time) (bool, time.Time, error) {
	var ok bool
	var held int64
	err := s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE syncs SET lease_owner = ?, lease_until = ? WHERE tenant_id = ? AND id = ? AND (lease_until < ? OR lease_owner = ?)`,
			owner, model.Millis(until), tenantID, id, model.Millis(now), owner)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		if !ok {
			return tx.queryRow(ctx, `SELECT lease_until FROM syncs WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(&held)
		}
		return nil
	})
	if err != nil {
		return false, time.Time{}, fmt.Errorf("store: claim sync: %w", err)
	}
	return ok, model.FromMillis(held), nil
}

// SaveSync writes a sync row's state, job, watermark and lease expiry,
// provided owner still holds the lease (else model.ErrConflict: another
// process took the source over after this one stalled past its lease).
func (t *Tx) SaveSync(ctx context.Context, sy *Sync) error {
	sy.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
	res, err := t.exec(ctx, `UPDATE syncs SET state = ?, job_id = ?, watermark = ?, lease_until = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ? AND lease_owner = ?`,
		sy.State, sy.JobID, sy.Watermark, model.Millis(sy.LeaseUntil), model.Millis(sy.UpdatedAt), sy.TenantID, sy.ID, sy.LeaseOwner)
	if err != nil {
		return fmt.Errorf("store: save sync: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: save sync: the lease was lost: %w", model.ErrConflict)
	}
	return nil
}

// SaveSync is Tx.SaveSync in its own transaction.
func (s *Store) SaveSync(ctx context.Context, sy *Sync) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.SaveSync(ctx, sy) })
}

// ReleaseSync gives the lease up (at the end of a run).
func (s *Store) ReleaseSync(ctx context.Context, tenantID, id int64, owner string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE syncs SET lease_until = 0 WHERE tenant_id = ? AND id = ? AND lease_owner = ?`, tenantID, id, owner)
		return err
	})
}

// SyncRecords looks the remembered platform customers up by external id.
func (s *Store) SyncRecords(ctx context.Context, tenantID, syncID int64, externalIDs []string) (map[string]SyncRecord, error) {
	out := make(map[string]SyncRecord, len(externalIDs))
	for start := 0; start < len(externalIDs); start += 500 {
		part := externalIDs[start:min(start+500, len(externalIDs))]
		args := []any{tenantID, syncID}
		for _, x := range part {
			args = append(args, x)
		}
		rows, err := s.query(ctx, `SELECT external_id, customer_id, hash FROM sync_records WHERE tenant_id = ? AND sync_id = ? AND external_id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: sync records: %w", err)
		}
		for rows.Next() {
			var r SyncRecord
			if err := rows.Scan(&r.ExternalID, &r.CustomerID, &r.Hash); err != nil {
				rows.Close()
				return nil, err
			}
			out[r.ExternalID] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PutSyncRecords inserts or replaces remembered platform customers.
func (t *Tx) PutSyncRecords(ctx context.Context, tenantID, syncID int64, recs []SyncRecord) error {
	for _, r := range recs {
		_, err := t.execCached(ctx, `INSERT INTO sync_records (tenant_id, sync_id, external_id, customer_id, hash) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, sync_id, external_id) DO UPDATE SET customer_id = excluded.customer_id, hash = excluded.hash`,
			tenantID, syncID, r.ExternalID, r.CustomerID, r.Hash)
		if err != nil {
			return fmt.Errorf("store: put sync record: %w", err)
		}
	}
	return nil
}
