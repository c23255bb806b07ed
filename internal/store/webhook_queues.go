package store

import (
	"context"
	"fmt"
	"time"

	"github.com/kehu/kehu/internal/model"
)

// WebhookQueue is one subscription's pending deliveries, as the console's
// subscriptions list shows them.
type WebhookQueue struct {
	Pending int64
	Oldest  time.Time // creation (event) time of the oldest pending delivery; zero when none
}

// TenantWebhookQueues reports the pending deliveries of every subscription
// of one tenant that has any (a read on the pending partial index, which
// leads with the tenant): the console's list, where WebhookStats is every
// tenant's for /metrics.
func (s *Store) TenantWebhookQueues(ctx context.Context, tenantID int64) (map[int64]WebhookQueue, error) {
	rows, err := s.query(ctx, `SELECT webhook_id, COUNT(*), MIN(created_at) FROM webhook_deliveries
WHERE tenant_id = ? AND status = 'pending' GROUP BY webhook_id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: webhook queues: %w", err)
	}
	defer rows.Close()
	out := map[int64]WebhookQueue{}
	for rows.Next() {
		var id, n, oldest int64
		if err := rows.Scan(&id, &n, &oldest); err != nil {
			return nil, fmt.Errorf("store: webhook queues: %w", err)
		}
		q := WebhookQueue{Pending: n}
		if oldest != 0 {
			q.Oldest = model.FromMillis(oldest)
		}
		out[id] = q
	}
	return out, rows.Err()
}
