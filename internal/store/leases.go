package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// NodeID names this process as a lease holder: random per process, so a
// restarted node does not inherit its predecessor's leases by accident.
var NodeID = func() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}()

// TryLease takes or renews the named lease for d and reports whether this
// node holds it now. A lease held by another node is taken only once it
// has expired, so work under a lease runs on one node at a time as long as
// it finishes (or renews) within d.
func (s *Store) TryLease(ctx context.Context, name string, d time.Duration) (bool, error) {
	now := time.Now()
	res, err := s.w.ExecContext(ctx, s.Rebind(`INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE leases.holder = excluded.holder OR leases.expires_at < ?`), name, NodeID, now.Add(d).UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("store: lease %s: %w", name, s.translate(err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ReleaseLease gives the named lease up if this node holds it.
func (s *Store) ReleaseLease(ctx context.Context, name string) error {
	_, err := s.w.ExecContext(ctx, s.Rebind(`DELETE FROM leases WHERE name = ? AND holder = ?`), name, NodeID)
	return err
}
