package crm

import (
	"context"
	"errors"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// MaxHistory is the most history entries one call returns.
const MaxHistory = 1000

// History returns a customer's changes after feed position after, oldest
// first: when, who (staff member or API client), through which API, the
// kind and the fields that changed, old → new. A customer the caller cannot
// see is not found; a deleted customer's history is kept, and shown to
// callers holding admin.manage only (its last visibility is gone with it).
// A project-bound caller sees the changes made while the customer was in
// its project.
func (s *Service) History(ctx context.Context, caller *model.Caller, customerID, after int64, limit int) ([]model.Event, error) {
	c, err := s.Store.Customer(ctx, caller.TenantID, customerID)
	switch {
	case errors.Is(err, model.ErrNotFound):
		if !caller.Can(model.PermAdmin) {
			return nil, err
		}
	case err != nil:
		return nil, err
	case caller.ProjectID != 0 && c.ProjectID != caller.ProjectID:
		return nil, model.ErrNotFound // outside the caller's project: as if absent
	}
	evs, err := s.Store.Events(ctx, caller.TenantID, store.EventFilter{After: after, Limit: min(max(limit, 1), MaxHistory),
		CustomerID: customerID, ProjectID: caller.ProjectID})
	if err != nil {
		return nil, err
	}
	if c == nil && len(evs) == 0 && after == 0 {
		return nil, model.ErrNotFound // never existed
	}
	for i := range evs {
		evs[i].Data = nil // history is the changes, not snapshots
	}
	return evs, nil
}
