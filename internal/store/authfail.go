package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// AuthSubject names one counter of failed authentications: a client id, a
// login name or a source address (tenant 0 for addresses and unknown
// tenants).
type AuthSubject struct {
	TenantID int64
	Subject  string
}

// AuthLockedUntil returns the latest locked_until (epoch ms) of subjects (0
// when none is locked) and whether the first subject has a counter at all.
func (s *Store) AuthLockedUntil(ctx context.Context, subjects ...AuthSubject) (until int64, firstSeen bool, err error) {
	for i, sub := range subjects {
		var u int64
		err := s.queryRow(ctx, `SELECT locked_until FROM auth_failures WHERE tenant_id = ? AND subject = ?`, sub.TenantID, sub.Subject).Scan(&u)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			return 0, false, fmt.Errorf("store: auth lock: %w", s.translate(err))
		}
		until, firstSeen = max(until, u), firstSeen || i == 0
	}
	return until, firstSeen, nil
}

// AddAuthFailure counts one failed authentication of sub at now (epoch ms)
// in a window that restarts when its start is older than windowStart, and
// lets lock (given the new count) decide until when the subject is locked
// (0: not locked). It returns the count and the resulting locked_until.
// One upsert and one update in one transaction: correct with several nodes.
func (s *Store) AddAuthFailure(ctx context.Context, sub AuthSubject, now, windowStart int64, lock func(failures int64) int64) (int64, int64, error) {
	var failures, until int64
	err := s.InTx(ctx, func(tx *Tx) error {
		err := tx.queryRow(ctx, `INSERT INTO auth_failures (tenant_id, subject, failures, window_start, locked_until) VALUES (?, ?, 1, ?, 0)
			ON CONFLICT (tenant_id, subject) DO UPDATE SET
				failures = CASE WHEN auth_failures.window_start < ? THEN 1 ELSE auth_failures.failures + 1 END,
				window_start = CASE WHEN auth_failures.window_start < ? THEN ? ELSE auth_failures.window_start END
			RETURNING failures, locked_until`, sub.TenantID, sub.Subject, now, windowStart, windowStart, now).Scan(&failures, &until)
		if err != nil {
			return fmt.Errorf("store: count auth failure: %w", s.translate(err))
		}
		if l := lock(failures); l > until {
			until = l
			if _, err := tx.exec(ctx, `UPDATE auth_failures SET locked_until = ? WHERE tenant_id = ? AND subject = ?`, until, sub.TenantID, sub.Subject); err != nil {
				return fmt.Errorf("store: lock auth subject: %w", err)
			}
		}
		return nil
	})
	return failures, until, err
}

// ClearAuthFailures forgets a subject's failures (after it authenticated).
func (s *Store) ClearAuthFailures(ctx context.Context, sub AuthSubject) error {
	return s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM auth_failures WHERE tenant_id = ? AND subject = ?`, sub.TenantID, sub.Subject)
		return err
	})
}

// PurgeAuthFailures deletes a tenant's counters whose window started before
// windowStart and whose lock has passed.
func (s *Store) PurgeAuthFailures(ctx context.Context, tenantID, windowStart, now int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM auth_failures WHERE tenant_id = ? AND window_start < ? AND locked_until < ?`, tenantID, windowStart, now)
		return err
	})
}
