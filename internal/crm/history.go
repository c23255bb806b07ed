package crm

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

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
	default:
		a, err := s.access(ctx, caller, nil)
		if err != nil {
			return nil, err
		}
		if !a.sees(c) {
			return nil, model.ErrNotFound // outside the caller's project or data scope: as if absent
		}
	}
	evs, err := s.Store.Events(ctx, caller.TenantID, store.EventFilter{After: after, Limit: min(max(limit, 1), MaxHistory),
		CustomerID: customerID, ProjectID: caller.ProjectID})
	if err != nil {
		return nil, err
	}
	if c == nil && len(evs) == 0 && after == 0 {
		return nil, model.ErrNotFound // never existed
	}
	var cat *store.Catalog
	if Masked(caller) || slices.ContainsFunc(evs, func(e model.Event) bool { return bulkAdd(&e) }) {
		if cat, err = s.Store.LoadCatalog(ctx, caller.TenantID); err != nil {
			return nil, err
		}
	}
	for i := range evs {
		if bulkAdd(&evs[i]) {
			if evs[i].Changes, err = s.bulkAddChanges(ctx, c, &evs[i], cat); err != nil {
				return nil, err
			}
		}
		evs[i].Data = nil // history is the changes, not snapshots
		if Masked(caller) {
			maskChanges(cat, evs[i].Changes)
		}
	}
	return evs, nil
}

// bulkAdd is an add written by a bulk insert (an import, kehu sync): the
// event row without snapshot or changes.
func bulkAdd(e *model.Event) bool {
	return e.Kind == model.EventAdd && len(e.Data) == 0 && len(e.Changes) == 0
}

// maxReconstruct bounds the later changes read to reconstruct a bulk add's
// fields; a customer changed more often shows its add without them.
const maxReconstruct = 10000

// bulkAddChanges are the fields a bulk add set, old → new: the customer as
// it is now (c, nil when deleted) taken back through every later change of
// it (store.BulkAddChanges); none when that cannot be known.
func (s *Service) bulkAddChanges(ctx context.Context, c *model.Customer, add *model.Event, cat *store.Catalog) ([]model.Change, error) {
	later, err := s.Store.Events(ctx, add.TenantID, store.EventFilter{After: add.Position, CustomerID: add.CustomerID, Limit: maxReconstruct})
	if err != nil {
		return nil, err
	}
	if len(later) == maxReconstruct {
		return nil, nil
	}
	chs, ok := store.BulkAddChanges(c, later, cat)
	if !ok {
		return nil, nil
	}
	return chs, nil
}

// FeedAccess decides who may read the raw change feed: it lists every
// customer of the tenant (or of the bound project) with full values, so a
// staff member needs admin.manage; API clients acting as the tenant may.
func FeedAccess(caller *model.Caller) error {
	if err := checkCaller(caller); err != nil {
		return err
	}
	if caller.AsStaff() {
		return need(caller, model.PermAdmin)
	}
	return nil
}

// maskChanges masks the old and new values of the fields a masked caller
// may not read in full, as mask does for a customer.
func maskChanges(cat *store.Catalog, chs []model.Change) {
	for i := range chs {
		var fn func(string) string
		switch chs[i].Field {
		case "phone", "phones", "contactPhone", "businessPhone", "homePhone", "fax":
			fn = MaskPhone
		case "email":
			fn = MaskEmail
		case "idNumber":
			fn = MaskIDNumber
		default:
			if f := cat.Field(chs[i].Field); f != nil && maskedField(f) {
				fn = MaskEmail
				if f.Type == model.TypePhone {
					fn = MaskPhone
				}
			}
		}
		if fn != nil {
			chs[i].Old, chs[i].New = maskRaw(chs[i].Old, fn), maskRaw(chs[i].New, fn)
		}
	}
}

// maskRaw masks a JSON string or array of strings; anything else (null) stays.
func maskRaw(raw json.RawMessage, fn func(string) string) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return raw
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		b, _ := json.Marshal(fn(s))
		return b
	}
	var ss []string
	if json.Unmarshal(raw, &ss) == nil {
		for i := range ss {
			ss[i] = fn(ss[i])
		}
		b, _ := json.Marshal(ss)
		return b
	}
	return raw
}
