package crm

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Recycling: owned customers whose pool's rules find them due go back to
// the pool (recycleDue). One pass walks each pool's owned customers in
// claim-time order from the customers_home_pool index (for the rules
// counted from a claim, a follow-up or a stage change) and, for a pool's
// date rule (合同到期), the date field's values up to the last one that can
// be due; it decides with the rule engine and moves the due ones in
// batches, each batch one transaction that locks every row and decides
// again on the locked row, so
// a customer is moved once however many passes or nodes overlap, and one
// followed up or transferred meanwhile stays. A pass after downtime finds
// everything that fell due meanwhile: due-ness is a condition on the
// stored times, not a timer.

// RecycleOptions shape one pass.
type RecycleOptions struct {
	TenantID int64 // 0: every tenant
	PoolID   int64 // 0: every pool with a recycling rule
	DryRun   bool  // decide and report, move nothing
	Batch    int   // customers per transaction; 0: 100 (a transaction holds SQLite's one writer: small ones let API writes in between)
	// Workers is how many batches run at once, each in its own
	// transaction; 0: one on SQLite (one writer), two on PostgreSQL,
	// where batches of distinct customers lock distinct rows and the
	// server's work per moved customer (a new row version in every index)
	// is what a pass waits for.
	Workers int
	// Keep is called between batches; an error (the lease was lost, the
	// context ended) stops the pass.
	Keep func(ctx context.Context) error
	// Items keeps up to this many moved (or, dry, due) customers in the
	// report.
	Items int
	// DateWalkEvery: walk a pool's date rule (合同到期) only when its last
	// walk is at least this old (pools.recycle_date_walked_at, so every
	// node sees it); 0: every pass. The claim-time rules are walked every
	// pass. A serving node's passes come every minute and the date rule
	// counts days, while its walk reads every value up to the bound,
	// including those of customers the pool got back long ago.
	DateWalkEvery time.Duration
}

// RecycleReport is what one pass did.
type RecycleReport struct {
	Pools   int            `json:"pools"`
	Scanned int            `json:"scanned"` // owned customers the rules were applied to
	Due     int            `json:"due"`
	Moved   int            `json:"moved"`   // 0 on a dry run
	Skipped int            `json:"skipped"` // due when scanned, not any more on the locked row
	ByRule  map[string]int `json:"byRule"`
	Items   []RecycleItem  `json:"items,omitempty"`
}

// RecycleItem is one customer a pass moved (or would move).
type RecycleItem struct {
	TenantID   int64  `json:"tenantId"`
	CustomerID int64  `json:"customerId"`
	PoolID     int64  `json:"poolId"`
	OwnerID    int64  `json:"ownerId"`
	Rule       string `json:"rule"`
	Reason     string `json:"reason"`
}

// recycler is the actor recorded on recycled customers.
var recycler = model.Actor{ID: "recycler", Name: "公海回收", Kind: ""}

// recycleCheckpointPages is the WAL size (pages, 480 MB) at which SQLite's
// writer checkpoints during a recycling pass (store.SetWriterCheckpoint).
// A pass writes ≈ 37 WAL frames per moved customer, ≈ 60,000 a second,
// and the WAL starts over only after the writer's own checkpoint at this
// threshold: the reader connection's checkpoints copy everything but
// cannot restart it while the writer keeps appending. The writer's
// checkpoint — copying what the last background one did not and syncing,
// while the pass and every edit queued behind it wait — ran every third of
// a second at 20,000 pages and every two seconds now (BENCHMARKS.md:
// 100k scattered of 1M, 1 min 01 s → 48 s alone). The disk is given back
// after the pass (the writer's journal_size_limit).
const recycleCheckpointPages = 120000

// recycleCheckpointEvery is how often a reader connection checkpoints the
// WAL during a recycling pass (store.CheckpointBehind): a pass's commits
// write 12,000 frames in that time, so at an import's one second the
// writer still did most of the copying itself.
var recycleCheckpointEvery = 200 * time.Millisecond

// candidatePage is how many owned customers one index read returns.
const candidatePage = 2000

// Recycle runs one recycling pass at the service's now.
func (s *Service) Recycle(ctx context.Context, o RecycleOptions) (*RecycleReport, error) {
	if o.Batch <= 0 {
		o.Batch = 100
	}
	pools, err := s.Store.RecyclingPools(ctx)
	if err != nil {
		return nil, err
	}
	if !o.DryRun {
		// The pass's commits dirty token-index pages all over the file; let
		// SQLite's WAL hold 480 MB of them before the writer checkpoints
		// instead of 4 MB (BENCHMARKS.md: 4 min 21 s → 2 min 28 s at a
		// million with 80 MB, 1 min 01 s → 48 s scattered with 480 MB).
		restore, err := s.Store.SetWriterCheckpoint(ctx, recycleCheckpointPages)
		if err != nil {
			return nil, err
		}
		defer restore()
		// And copy the WAL back from a reader connection meanwhile, so the
		// writer's commit that reaches the threshold finds the copying
		// done instead of doing it while the pass and every edit queued
		// behind it wait (as an import does).
		defer s.Store.CheckpointBehind(ctx, recycleCheckpointEvery)()
	}
	rep := &RecycleReport{ByRule: map[string]int{}}
	for _, p := range pools {
		if (o.TenantID != 0 && p.TenantID != o.TenantID) || (o.PoolID != 0 && p.ID != o.PoolID) {
			continue
		}
		rep.Pools++
		if err := s.recyclePool(ctx, p, o, rep); err != nil {
			return rep, fmt.Errorf("crm: recycle pool %d of tenant %d: %w", p.ID, p.TenantID, err)
		}
	}
	return rep, nil
}

func (s *Service) recyclePool(ctx context.Context, p *model.Pool, o RecycleOptions, rep *RecycleReport) error {
	now := s.now()
	var date *model.Field
	walked := o.DateWalkEvery > 0 && !p.DateWalkedAt.IsZero() && now.Sub(p.DateWalkedAt) < o.DateWalkEvery
	if p.Rules.RecycleDateField != "" && !walked { // walked: a moment ago, by this node or another
		cat, err := s.Store.LoadCatalog(ctx, p.TenantID)
		if err != nil {
			return err
		}
		date = dateField(p, cat) // nil: the field is gone, the rule moves nobody
	}
	// One walk per kind of rule, each to its end before the next: the
	// claim-time rules walk the pool's owned customers in claim order
	// (customers_home_pool), the date rule walks the date field's values
	// (customer_values_num). A customer the first moved is in the pool
	// when the second reads it, so the second leaves it out.
	var walks []func(run *batchRunner) error
	cutoff, timed := earliestClaimDue(p, now)
	if timed {
		var cur store.RecycleCursor
		walks = append(walks, func(run *batchRunner) error {
			return s.walkDue(ctx, p, nil, o, rep, now, run, func() ([]store.RecycleState, bool, error) {
				page, next, err := s.Store.RecycleCandidates(ctx, p.TenantID, p.ID, cutoff, now, cur, candidatePage)
				cur = next
				return page, len(page) == candidatePage, err
			})
		})
	}
	if date != nil {
		var cur store.DateCursor
		upTo := dateUpTo(date, p.Rules.RecycleDateDays, now)
		walks = append(walks, func(run *batchRunner) error {
			return s.walkDue(ctx, p, date, o, rep, now, run, func() ([]store.RecycleState, bool, error) {
				page, next, more, err := s.Store.RecycleDateCandidates(ctx, p.TenantID, p.ID, date.ID, upTo, now, cur, candidatePage)
				cur = next
				out := page[:0]
				for _, st := range page {
					// Due by a claim-time rule too: the first walk saw it
					// (and, unless dry, moved it before this read).
					if _, _, ok := recycleDue(p, nil, st, now); timed && ok {
						continue
					}
					st.DateBasis = dateBasis(date, st.DateValue)
					out = append(out, st)
				}
				return out, more, err
			})
		})
	}
	for _, walk := range walks {
		run := s.newBatchRunner(ctx, p, date, o, rep)
		err := walk(run)
		if werr := run.wait(); err == nil {
			err = werr
		}
		if err != nil {
			return err
		}
	}
	if date != nil && !o.DryRun {
		return s.Store.SetDateWalked(ctx, p.TenantID, p.ID, now)
	}
	return nil
}

// walkDue reads a pool's candidates a page at a time from next (more:
// another page may follow), decides on each and hands the due ones to run in
// batches.
func (s *Service) walkDue(ctx context.Context, p *model.Pool, date *model.Field, o RecycleOptions, rep *RecycleReport, now time.Time,
	run *batchRunner, next func() (page []store.RecycleState, more bool, err error)) error {
	var due []store.RecycleState
	flush := func() error {
		if len(due) == 0 {
			return nil
		}
		if o.Keep != nil {
			if err := o.Keep(ctx); err != nil {
				return err
			}
		}
		if err := run.submit(due); err != nil {
			return err
		}
		due = nil // the worker owns the batch now
		return nil
	}
	for {
		page, more, err := next()
		if err != nil {
			return err
		}
		for _, st := range page {
			run.mu.Lock()
			rep.Scanned++
			entry, reason, ok := recycleDue(p, date, st, now)
			if ok {
				rep.Due++
			}
			run.mu.Unlock()
			if ok {
				if o.DryRun {
					rep.ByRule[entry]++
					if len(rep.Items) < o.Items {
						rep.Items = append(rep.Items, RecycleItem{TenantID: p.TenantID, CustomerID: st.ID, PoolID: p.ID,
							OwnerID: st.OwnerID, Rule: entry, Reason: reason})
					}
					continue
				}
				if due = append(due, st); len(due) >= o.Batch {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		if !more {
			return flush()
		}
	}
}

// recycleBatch moves one batch in one transaction, deciding again on each
// locked row.
func (s *Service) recycleBatch(ctx context.Context, p *model.Pool, date *model.Field, batch []store.RecycleState, o RecycleOptions, rep *RecycleReport, mu *sync.Mutex) error {
	var moved []RecycleItem
	skipped := 0
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		moved, skipped = moved[:0], 0
		tx.SetOrigin(store.Origin{Actor: recycler, Via: model.ViaSystem})
		now := s.now()
		ids := make([]int64, len(batch))
		for i, cand := range batch {
			ids[i] = cand.ID
		}
		olds, states, err := tx.CustomersForUpdate(ctx, p.TenantID, ids)
		if err != nil {
			return err
		}
		skipped = len(ids) - len(olds) // deleted meanwhile
		var moves []store.PoolMove
		var acts []*model.PoolAction
		for _, old := range olds {
			st := states[old.ID]
			if date != nil {
				st.DateBasis = customerDateBasis(date, old)
			}
			entry, reason, ok := recycleDue(p, date, st, now)
			if !ok {
				skipped++ // followed up, claimed again or recycled by another pass meanwhile
				continue
			}
			c := *old
			c.UpdatedAt = now
			c.UpdatedBy, c.UpdatedByName = recycler.ID, recycler.Name
			enterPool(&c, p, entry, reason)
			moves = append(moves, store.PoolMove{Old: old, New: &c, Reason: reason})
			acts = append(acts, &model.PoolAction{PoolID: p.ID, CustomerID: c.ID, Action: model.PoolRecycle,
				StaffID: old.OwnerID, Actor: recycler, Via: model.ViaSystem, Reason: reason, At: now})
			moved = append(moved, RecycleItem{TenantID: p.TenantID, CustomerID: c.ID, PoolID: p.ID, OwnerID: old.OwnerID, Rule: entry, Reason: reason})
		}
		if len(moves) == 0 {
			return nil
		}
		if err := tx.UpdatePoolStates(ctx, model.PoolRecycle, moves); err != nil {
			return err
		}
		return tx.AddPoolActions(ctx, p.TenantID, acts)
	})
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	rep.Moved += len(moved)
	rep.Skipped += skipped
	for _, m := range moved {
		rep.ByRule[m.Rule]++
		if len(rep.Items) < o.Items {
			rep.Items = append(rep.Items, m)
		}
	}
	return nil
}

// batchRunner runs a pool's batches: in the walking goroutine with one
// worker, else on that many goroutines (connections) at once. The first
// error stops the rest and is the pass's.
type batchRunner struct {
	s    *Service
	p    *model.Pool
	date *model.Field // the date rule's field, nil: off
	o    RecycleOptions
	rep  *RecycleReport
	mu   sync.Mutex // guards rep and err
	err  error
	ctx  context.Context
	stop context.CancelFunc
	work chan []store.RecycleState
	wg   sync.WaitGroup
}

func (s *Service) newBatchRunner(ctx context.Context, p *model.Pool, date *model.Field, o RecycleOptions, rep *RecycleReport) *batchRunner {
	r := &batchRunner{s: s, p: p, date: date, o: o, rep: rep}
	workers := o.Workers
	if workers <= 0 {
		workers = 1
		if s.Store.Dialect() == store.Postgres {
			workers = 2
		}
	}
	r.ctx, r.stop = context.WithCancel(ctx)
	if workers == 1 || o.DryRun {
		return r
	}
	r.work = make(chan []store.RecycleState)
	for range workers {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			for b := range r.work {
				if r.failed() != nil {
					continue // drain: the pass stops
				}
				if err := s.recycleBatch(r.ctx, p, date, b, o, rep, &r.mu); err != nil {
					r.fail(err)
				}
			}
		}()
	}
	return r
}

// submit runs a batch, or hands it to a free worker.
func (r *batchRunner) submit(batch []store.RecycleState) error {
	if r.work == nil {
		return r.s.recycleBatch(r.ctx, r.p, r.date, batch, r.o, r.rep, &r.mu)
	}
	if err := r.failed(); err != nil {
		return err
	}
	select {
	case r.work <- batch:
		return nil
	case <-r.ctx.Done():
		if err := r.failed(); err != nil {
			return err
		}
		return r.ctx.Err()
	}
}

// wait waits for the handed-out batches and returns the first error.
func (r *batchRunner) wait() error {
	defer r.stop()
	if r.work == nil {
		return nil
	}
	close(r.work)
	r.wg.Wait()
	return r.failed()
}

func (r *batchRunner) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
		r.stop()
	}
}

func (r *batchRunner) failed() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}
