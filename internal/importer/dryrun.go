package importer

import (
	"context"
	"errors"

	"github.com/kehu/kehu/internal/model"
)

// dryRun decides what a batch would do without writing: creates count as
// created, updates are applied to a copy of the stored customer.
func (r *run) dryRun(ctx context.Context, b *batch) (outcome, error) {
	out := outcome{created: int64(len(b.creates))}
	pending := map[int64]*model.Customer{}
	for _, op := range b.creates {
		pending[op.create.ID] = op.create
	}
	for _, op := range b.updates {
		old := pending[op.updateID]
		if old == nil {
			c, err := r.im.Svc.Store.Customer(ctx, r.o.TenantID, op.updateID)
			if err != nil && !errors.Is(err, model.ErrNotFound) {
				return out, err
			}
			old = c
		}
		if old == nil {
			// Created by an earlier batch of this dry run: it would be updated.
			out.updated++
			continue
		}
		nc, changed, err := r.bulk.Patch(ctx, old, op.it.in)
		if err != nil {
			if is, ok := r.writeIssue(op, r.bulk.HideConflict(ctx, err)); ok {
				out.issues = append(out.issues, is)
				continue
			}
			return out, err
		}
		if changed {
			out.updated++
			pending[op.updateID] = nc
		} else {
			out.unchanged++
		}
	}
	return out, nil
}
