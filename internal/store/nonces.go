package store

import (
	"context"
	"fmt"
)

// UseRequestNonce records that a signed request was seen, for replay
// protection (探马's per-request signatures). It returns an error matching
// model.ErrConflict when the tenant already used nonce and it has not
// expired. Expired nonces of the tenant are purged in the same transaction,
// so the table holds at most one signature window of requests.
func (s *Store) UseRequestNonce(ctx context.Context, tenantID int64, nonce string, expiresAt, now int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM request_nonces WHERE tenant_id = ? AND expires_at < ?`, tenantID, now); err != nil {
			return fmt.Errorf("store: purge nonces: %w", err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO request_nonces (tenant_id, nonce, expires_at) VALUES (?, ?, ?)`, tenantID, nonce, expiresAt); err != nil {
			if isConflict(err) {
				return fmt.Errorf("store: nonce already used: %w", err)
			}
			return fmt.Errorf("store: record nonce: %w", err)
		}
		return nil
	})
}
