package store

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// CheckpointBehind copies the SQLite WAL back into the database from a
// reader connection every interval, until stop is called; PostgreSQL
// ignores it. It is for a long run of write transactions (an import in
// batches): SQLite's writer otherwise checkpoints inside the commit that
// crosses wal_autocheckpoint (SetWriterCheckpoint), so every few batches
// the writer — and every writer queued behind it — waited while the WAL's
// pages were copied into the database. A passive checkpoint on another
// connection does that copy while the writer goes on; the writer's own
// checkpoint at the threshold then finds the pages copied, and the WAL
// restarts as before, so it stays bounded by that threshold (only the
// writer's checkpoint restarts it: by the time this one has copied the
// frames, the writer has appended more). Checkpoints
// are safe at any moment: after a kill -9 the next open copies the WAL
// again.
func (s *Store) CheckpointBehind(ctx context.Context, interval time.Duration) (stop func()) {
	if s.dialect != SQLite || interval <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if err := s.checkpointPassive(ctx); err != nil && ctx.Err() == nil {
				// The writer's own checkpoints still bound the WAL.
				slog.Warn("store: background checkpoint", slog.Any("error", err))
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
		// And the frames of the last interval: the writer's checkpoint
		// threshold goes back to SQLite's 1,000 pages after the run
		// (SetWriterCheckpoint's restore), so the next commit of an
		// ordinary API write would otherwise copy them while it waits.
		if err := s.checkpointPassive(context.Background()); err != nil {
			slog.Warn("store: background checkpoint", slog.Any("error", err))
		}
	}
}

func (s *Store) checkpointPassive(ctx context.Context) error {
	var busy, frames, copied int64
	return s.r.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
}
