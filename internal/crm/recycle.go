package crm

import (
	"context"
	"fmt"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Recycling: owned customers whose pool's rules find them due go back to
// the pool (recycleDue). One pass walks each pool's owned customers in
// claim-time order from the customers_home_pool index, decides with the
// rule engine, and moves the due ones in batches, each batch one
// transaction that locks every row and decides again on the locked row, so
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
	// Keep is called between batches; an error (the lease was lost, the
	// context ended) stops the pass.
	Keep func(ctx context.Context) error
	// Items keeps up to this many moved (or, dry, due) customers in the
	// report.
	Items int
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

// recycleCheckpointPages is the WAL size (pages) at which SQLite's writer
// checkpoints during a recycling pass (store.SetWriterCheckpoint).
const recycleCheckpointPages = 20000

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
		// SQLite's WAL hold ~80 MB of them before checkpointing instead of
		// 4 MB (BENCHMARKS.md: 4 min 21 s → 2 min 28 s at a million).
		restore, err := s.Store.SetWriterCheckpoint(ctx, recycleCheckpointPages)
		if err != nil {
			return nil, err
		}
		defer restore()
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
	cutoff, ok := earliestClaimDue(p, now)
	if !ok {
		return nil
	}
	var cur store.RecycleCursor
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
		if err := s.recycleBatch(ctx, p, due, o, rep); err != nil {
			return err
		}
		due = due[:0]
		return nil
	}
	for {
		page, next, err := s.Store.RecycleCandidates(ctx, p.TenantID, p.ID, cutoff, now, cur, candidatePage)
		if err != nil {
			return err
		}
		for _, st := range page {
			rep.Scanned++
			if entry, reason, ok := recycleDue(p, st, now); ok {
				rep.Due++
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
		if len(page) < candidatePage {
			return flush()
		}
		cur = next
	}
}

// recycleBatch moves one batch in one transaction, deciding again on each
// locked row.
func (s *Service) recycleBatch(ctx context.Context, p *model.Pool, batch []store.RecycleState, o RecycleOptions, rep *RecycleReport) error {
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
			entry, reason, ok := recycleDue(p, states[old.ID], now)
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
