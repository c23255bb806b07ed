package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kehu/kehu/internal/background"
)

// StartBackground starts the work every node does besides answering
// requests — numbering the change feed and waking long-polling readers,
// webhook fan-out and delivery, 公海 recycling, pruning events past the
// retention, probing read replicas — and
// returns stop, which cancels that work and the work requests started
// (imports, d.Background) and waits for all of it to end; canceling ctx
// cancels it too. Every piece coordinates through the
// database (work that must run once holds a lease), so any number of nodes
// may run it at once.
func StartBackground(ctx context.Context, d *Deps) (stop func()) {
	d.setup()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// A panic in a job is logged, counted (kehu_background_panics_total)
	// and the job started again: never the end of the process.
	run := func(job string, fn func(ctx context.Context)) {
		wg.Add(1)
		go func() { defer wg.Done(); background.Loop(ctx, d.Log, job, fn) }()
	}
	// Imports started by requests stop with the rest.
	unlink := context.AfterFunc(ctx, d.Background.Stop)
	run("feed", func(ctx context.Context) { d.Store.RunFeed(ctx, d.Log) })
	run("webhooks", d.Webhooks.Run)
	run("recycle", d.Recycler.Run)
	run("replica-probe", d.Store.RunReplicaProbe) // returns at once without replicas
	if d.Retention > 0 {
		run("prune-events", func(ctx context.Context) { pruneEvents(ctx, d) })
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			unlink()
			cancel()
			d.Background.Stop()
			wg.Wait()
		})
	}
}

// pruneEvents deletes change events (and so history) older than
// d.Retention, hourly, on whichever node holds the "prune-events" lease.
func pruneEvents(ctx context.Context, d *Deps) {
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		t.Reset(time.Hour)
		ok, err := d.Store.TryLease(ctx, "prune-events", 30*time.Minute)
		if err != nil || !ok {
			continue
		}
		n, err := d.Store.PruneEvents(ctx, time.Now().Add(-d.Retention), 5000)
		if err != nil && ctx.Err() == nil {
			d.Log.Warn("prune events", slog.Any("error", err))
		} else if n > 0 {
			d.Log.Info("pruned events past retention", slog.Int64("events", n), slog.Duration("retention", d.Retention))
		}
		_ = d.Store.ReleaseLease(context.WithoutCancel(ctx), "prune-events")
	}
}
