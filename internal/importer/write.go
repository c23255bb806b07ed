package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Writing: each batch in one transaction with its report rows and the
// job's progress.

// outcome is what the writer learned about one batch.
type outcome struct {
	created, updated, unchanged int64
	issues                      []Issue
}

// write commits each batch in one transaction: its customers, its report
// rows and the job's progress, so a crash leaves either all or none of a
// batch and counts that match the data.
func (r *run) write(ctx context.Context, batches <-chan *batch) error {
	for b := range batches {
		var out outcome
		var err error
		if r.o.DryRun {
			out, err = r.dryRun(ctx, b)
			switch {
			case err == nil && r.job != nil:
				checked := out
				err = r.im.Svc.Store.InTx(ctx, func(tx *store.Tx) error {
					out = checked // InTx may run this again
					out.issues = slices.Clone(checked.issues)
					return r.record(ctx, tx, b, &out)
				})
			case err == nil:
				mergeIssues(b, &out)
			}
		} else {
			write := func(bulk bool) error {
				st := r.im.Svc.Store
				inTx := st.InTx
				if bulk { // one tenant's new customers: see store.InBulkTx
					inTx = func(ctx context.Context, fn func(*store.Tx) error) error { return st.InBulkTx(ctx, r.o.TenantID, fn) }
				}
				return inTx(ctx, func(tx *store.Tx) error {
					out = outcome{}
					if err := r.apply(ctx, tx, b, &out, bulk); err != nil {
						return err
					}
					return r.record(ctx, tx, b, &out)
				})
			}
			// Multi-row inserts first; if the database refuses one of the
			// rows (a unique value written meanwhile by someone else), the
			// batch is redone row by row, each row in a savepoint.
			if err = write(true); errors.Is(err, errBulkConflict) {
				err = write(false)
			}
		}
		if err != nil {
			if r.job != nil { // the failed batch's counts were not committed
				r.setJobCounts(&r.sum)
			}
			return err
		}
		if err := r.committed(b, &out); err != nil {
			return err
		}
	}
	return nil
}

// committed counts a written batch and tells the report and the progress.
func (r *run) committed(b *batch, out *outcome) error {
	tally(&r.sum, b, out)
	for _, is := range out.issues { // in row order within the batch, batches in order
		if is.Kind == KindFailed && len(r.sum.FirstFailures) < maxFirstFailures {
			r.sum.FirstFailures = append(r.sum.FirstFailures, FailedRow{Row: is.Row, Column: is.Column, Reason: is.Reason})
		}
	}
	if r.im.Report != nil {
		for _, is := range out.issues {
			if err := r.im.Report.Add(is); err != nil {
				return fmt.Errorf("report: %w", err)
			}
		}
	}
	if r.im.Progress != nil {
		r.im.Progress(r.sum.Total, r.total)
	}
	return nil
}

// tally adds a committed batch to s.
func tally(s *Summary, b *batch, out *outcome) {
	s.Total += b.rows
	s.Created += out.created
	s.Updated += out.updated
	s.Unchanged += out.unchanged
	for _, is := range out.issues {
		if is.Kind == KindDuplicate {
			s.Skipped++
		} else {
			s.Failed++
		}
	}
}

// record adds the batch's report rows and the job's new counts to tx.
func (r *run) record(ctx context.Context, tx *store.Tx, b *batch, out *outcome) error {
	mergeIssues(b, out)
	if r.job == nil {
		return nil
	}
	if err := tx.AddImportIssues(ctx, r.o.TenantID, r.job.ID, issueRows(out.issues)); err != nil {
		return err
	}
	next := r.sum
	tally(&next, b, out)
	r.setJobCounts(&next)
	return tx.SaveImport(ctx, r.job)
}

// errBulkConflict: a multi-row insert hit a unique value; the batch is
// retried row by row.
var errBulkConflict = errors.New("importer: bulk insert conflict")

// apply writes a batch: its new customers in multi-row statements (bulk),
// or one by one, each in a savepoint so a refused row fails alone; then its
// updates in row order.
func (r *run) apply(ctx context.Context, tx *store.Tx, b *batch, out *outcome, bulk bool) error {
	cat := r.bulk.Catalog
	if len(b.creates) > 0 && bulk {
		cs := make([]*model.Customer, len(b.creates))
		for i, op := range b.creates {
			cs[i] = op.create
		}
		tx.RememberCompanies(r.companies)
		err := tx.InsertCustomers(ctx, cs, cat)
		if errors.Is(err, model.ErrConflict) {
			return errBulkConflict
		}
		if err != nil {
			return err
		}
		if err := tx.AddPoolActions(ctx, r.o.TenantID, r.bulk.PoolActions(cs)); err != nil {
			return err
		}
		out.created += int64(len(cs))
	}
	if len(b.creates) > 0 && !bulk {
		var inserted []*model.Customer
		for _, op := range b.creates {
			err := r.bulk.InsertTx(ctx, tx, op.create)
			var ce *model.ConflictError
			switch {
			case err == nil:
				inserted = append(inserted, op.create)
				out.created++
			case errors.As(err, &ce):
				out.issues = append(out.issues, r.issue(op.it, KindFailed, ce.Error(), r.colOf[ce.Field], ce.ExistingID))
			default:
				return err
			}
		}
		if err := tx.AddPoolActions(ctx, r.o.TenantID, r.bulk.PoolActions(inserted)); err != nil {
			return err
		}
	}
	for _, op := range b.updates {
		res, err := r.bulk.UpdateTx(ctx, tx, op.updateID, op.it.in)
		if err != nil {
			is, ok := r.writeIssue(op, err)
			if !ok {
				return err
			}
			out.issues = append(out.issues, is)
			continue
		}
		if res == crm.Unchanged {
			out.unchanged++
		} else {
			out.updated++
		}
	}
	return nil
}
