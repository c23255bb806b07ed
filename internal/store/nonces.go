package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kehu/kehu/internal/model"
)

// UseRequestNonce records that a signed request was seen, for replay
// protection: it is UseSignature for a signature usable once, with no path.
func (s *Store) UseRequestNonce(ctx context.Context, tenantID int64, nonce string, expiresAt, now int64) error {
	return s.UseSignature(ctx, tenantID, nonce, "", true, expiresAt, now)
}

// UseSignature records a signed request of the tenant and decides whether
// it may be served: the first use binds the signature to path; a later use
// is refused (an error matching model.ErrConflict) when it comes on another
// path, when the first use was marked once, or when this use is once. So a
// read's signature may be repeated on its own path until it expires, a
// write's signature works once, and no signature can be moved to another
// endpoint. The record lives in the database, so the rule holds across
// nodes; expired records of the tenant are purged in the same transaction,
// so the table holds at most one signature window of requests.
func (s *Store) UseSignature(ctx context.Context, tenantID int64, nonce, path string, once bool, expiresAt, now int64) error {
	onceInt := 0
	if once {
		onceInt = 1
	}
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM request_nonces WHERE tenant_id = ? AND expires_at < ?`, tenantID, now); err != nil {
			return fmt.Errorf("store: purge nonces: %w", err)
		}
		res, err := tx.exec(ctx, `INSERT INTO request_nonces (tenant_id, nonce, expires_at, path, once) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, nonce) DO NOTHING`, tenantID, nonce, expiresAt, path, onceInt)
		if err != nil {
			return fmt.Errorf("store: record nonce: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			return nil // the first use
		}
		var usedPath string
		var usedOnce int
		err = tx.queryRow(ctx, `SELECT path, once FROM request_nonces WHERE tenant_id = ? AND nonce = ?`, tenantID, nonce).Scan(&usedPath, &usedOnce)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: nonce vanished: %w", model.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: read nonce: %w", err)
		}
		if once || usedOnce == 1 || usedPath != path {
			return fmt.Errorf("store: signature already used (on %q): %w", usedPath, model.ErrConflict)
		}
		return nil
	})
}
