package webhook

import (
	"context"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Queues is where the caller's subscriptions stand: the pending deliveries
// of each (by subscription id; none pending: absent) and the head of the
// tenant's feed, the position a subscription that is caught up has
// reached.
func (s *Service) Queues(ctx context.Context, caller *model.Caller) (map[int64]store.WebhookQueue, int64, error) {
	if err := crm.WebhookAccess(caller); err != nil {
		return nil, 0, err
	}
	q, err := s.Store.TenantWebhookQueues(ctx, caller.TenantID)
	if err != nil {
		return nil, 0, err
	}
	head, err := s.Store.LastPosition(ctx, caller.TenantID)
	if err != nil {
		return nil, 0, err
	}
	return q, head, nil
}
