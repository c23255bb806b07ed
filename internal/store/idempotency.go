package store

import (
	"context"
	"fmt"
	"time"

	"github.com/kehu/kehu/internal/model"
)

// IdempotentResponse is a stored first response to a request sent with an
// Idempotency-Key (the idempotency_keys table).
type IdempotentResponse struct {
	RequestHash string
	Status      int
	Body        []byte
	CreatedAt   time.Time
}

// IdempotentResponse loads the response stored for a client's key, if it
// was stored after notBefore (older ones have expired).
func (s *Store) IdempotentResponse(ctx context.Context, tenantID int64, clientID, key string, notBefore time.Time) (*IdempotentResponse, error) {
	r := &IdempotentResponse{}
	var created int64
	err := s.queryRow(ctx, `SELECT request_hash, status, body, created_at FROM idempotency_keys WHERE tenant_id = ? AND client_id = ? AND key = ? AND created_at >= ?`,
		tenantID, clientID, key, model.Millis(notBefore)).Scan(&r.RequestHash, &r.Status, &r.Body, &created)
	if err != nil {
		return nil, notFound(err, "idempotency key")
	}
	r.CreatedAt = model.FromMillis(created)
	return r, nil
}

// SaveIdempotentResponse stores the response to a keyed request in the
// transaction that made its writes. An expired row for the same key is
// replaced; a live one makes the insert fail with model.ErrConflict (another
// request with the key won the race).
func (t *Tx) SaveIdempotentResponse(ctx context.Context, tenantID int64, clientID, key string, r *IdempotentResponse, notBefore time.Time) error {
	if _, err := t.exec(ctx, `DELETE FROM idempotency_keys WHERE tenant_id = ? AND client_id = ? AND key = ? AND created_at < ?`,
		tenantID, clientID, key, model.Millis(notBefore)); err != nil {
		return fmt.Errorf("store: expire idempotency key: %w", err)
	}
	_, err := t.exec(ctx, `INSERT INTO idempotency_keys (tenant_id, client_id, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		tenantID, clientID, key, r.RequestHash, r.Status, r.Body, model.Millis(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: save idempotency key: %w", err)
	}
	return nil
}

// PurgeIdempotentResponses deletes a client's expired keys.
func (t *Tx) PurgeIdempotentResponses(ctx context.Context, tenantID int64, clientID string, notBefore time.Time) error {
	_, err := t.exec(ctx, `DELETE FROM idempotency_keys WHERE tenant_id = ? AND client_id = ? AND created_at < ?`, tenantID, clientID, model.Millis(notBefore))
	if err != nil {
		return fmt.Errorf("store: purge idempotency keys: %w", err)
	}
	return nil
}
