package importer

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// An import into a database that holds no customers yet — the first
// migration into kehu, the case of the million-row file — runs as a load
// (store.Load): one transaction that writes the customers in id order,
// their index rows in key order and builds the customer tables' secondary
// indexes after the rows, with a rollback journal instead of the WAL. It
// is several times faster than batches of multi-row inserts into every
// index of a live database, and all or nothing: a killed load leaves the
// database as it was, so running the import again is always right.
//
// It is taken only when the caller allows it (Options.BulkLoad: the CLI,
// a process of its own; the API shares its writer with live requests), on
// SQLite, for a real import (not a dry run) whose duplicates are skipped or
// created: an update would patch a customer of this same load before it
// is written. The database's other writers wait for it (up to SQLite's busy
// timeout), so it is for the first import, before the database goes live.

// Measured on a million-row file (BENCHMARKS.md): the page cache barely
// matters to a load that writes in key order, so it stays small; writing
// the index rows every half million customers bounds the memory for any
// file size and costs a few seconds per flush.
var (
	loadFlushEvery = 500_000 // customers per flush of the index rows (a var for tests)
	loadCacheMB    = 64
	loadChunk      = 1000 // rows per chunk between the goroutines
)

// loadSteps name the load's phases for Importer.Step (the tables it writes
// after the customers are "index rows").
var loadSteps = map[string]string{"customers": "customers", "customer_grams": "index rows", "build indexes": "building indexes", "finish": "committing"}

// canLoad reports whether the import may run as a load.
func (r *run) canLoad(ctx context.Context) (bool, error) {
	o := r.o
	st := r.im.Svc.Store
	if !o.BulkLoad || o.DryRun || o.OnDuplicate == Update || st.Dialect() != store.SQLite {
		return false, nil
	}
	has, err := st.HasCustomers(ctx)
	return !has, err
}

// load is pipeline as a store.Load: the reader goroutine as in pipeline,
// matching on the load's feed goroutine (against earlier rows of the file
// only: the store has no customers), and the writes on this one.
func (r *run) load(ctx context.Context, src Source) error {
	// Chunks no longer decide transactions: small ones keep fewer rows in
	// flight.
	r.o.BatchSize = min(r.o.BatchSize, loadChunk)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks, readErr := r.startReading(ctx, src)
	r.storeEmpty = true
	sum := r.sum
	opt := store.LoadOptions{DeferIndexes: true, Atomic: true, SizeHint: int(max(r.total, 0)), FlushEvery: loadFlushEvery, CacheMB: loadCacheMB,
		Progress: func(phase string, _ int) {
			if step := loadSteps[phase]; step != "" && r.im.Step != nil {
				r.im.Step(step)
			}
		}}
	_, err := r.im.Svc.Store.Load(ctx, r.o.TenantID, r.bulk.Catalog, func(ctx context.Context, f *store.LoadFeed) error {
		return guard(func() error { return r.feed(ctx, f, chunks, readErr) })
	}, opt)
	cancel()
	for range chunks {
	}
	if err != nil {
		// Nothing of the load was kept.
		r.sum = sum
		return firstErr(*readErr, err)
	}
	r.sum.BulkLoad = true
	return nil
}

// feed matches the chunks and hands their customers and report rows to
// the load; readErr is the reader's, set once chunks is closed.
func (r *run) feed(ctx context.Context, f *store.LoadFeed, chunks <-chan []*item, readErr *error) error {
	for ch := range chunks {
		b, err := r.decide(ctx, ch)
		if err != nil {
			return err
		}
		cs := make([]*model.Customer, len(b.creates))
		for i, op := range b.creates {
			if err := f.Add(op.create); err != nil {
				return err
			}
			cs[i] = op.create
		}
		f.AddPoolActions(r.bulk.PoolActions(cs))
		out := outcome{created: int64(len(b.creates))}
		mergeIssues(b, &out)
		if r.job != nil {
			f.AddImportIssues(r.job.ID, issueRows(out.issues))
		}
		if err := r.committed(b, &out); err != nil {
			return err
		}
	}
	// (chunks is closed: the reader is done.) A file that breaks off
	// imports nothing.
	if err := cmp.Or(*readErr, ctx.Err()); err != nil {
		return err
	}
	if r.job != nil {
		// The job is done when, and only when, the load commits.
		r.job.Status, r.job.TotalRows = StatusDone, r.sum.Total
		r.setJobCounts(&r.sum)
		f.SaveImport(r.job)
	}
	return nil
}

// issueRows are the import_issues rows of a batch's issues.
func issueRows(issues []Issue) []store.ImportIssue {
	rows := make([]store.ImportIssue, len(issues))
	for i, is := range issues {
		data, _ := json.Marshal(issueData{Column: is.Column, Cells: is.Cells})
		rows[i] = store.ImportIssue{Row: is.Row, Kind: is.Kind, Reason: is.Reason, ExistingID: is.ExistingID, Data: string(data)}
	}
	return rows
}

// errLoadRaced: customers appeared between canLoad and the load's own
// check under the write lock; nothing was written.
var errLoadRaced = errors.New("importer: the database received customers while the import started; nothing was imported, run it again")
