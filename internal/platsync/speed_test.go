package platsync_test

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/platsync"
	"github.com/kehu/kehu/internal/seed"
)

// TestSyncSpeed syncs N demo customers (seed: the catalogue of `kehu demo`,
// realistic names, phones, custom values, owners, tags) from each platform
// into an empty kehu, and reports customers per second — the numbers in
// BENCHMARKS.md:
//
//	KEHU_SYNC_SPEED=20000 go test ./internal/platsync -run SyncSpeed -v
//
// Both kehus run in this process on SQLite, so the figure includes the
// platform's side of every page.
func TestSyncSpeed(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("KEHU_SYNC_SPEED"))
	if n <= 0 {
		t.Skip("set KEHU_SYNC_SPEED=<customers> to run")
	}
	for _, p := range []string{platsync.PlatformDashi, platsync.PlatformTanma, platsync.PlatformYeastar} {
		t.Run(p, func(t *testing.T) {
			w := newWorld(t, "sqlite")
			ctx := context.Background()
			s, err := seed.Catalog(ctx, w.plat.Store, w.plat.Tenant.ID, w.project.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := seed.Customers(ctx, w.plat.Store, s, n, 1, nil); err != nil {
				t.Fatal(err)
			}
			cfg := w.config(p)
			if p == platsync.PlatformTanma {
				cfg.PageSize = 1000
			}
			start, cpu0 := time.Now(), cpuTime()
			sum := w.sync(t, cfg)
			d, cpu := time.Since(start), cpuTime()-cpu0
			t.Logf("%s: %d customers in %d pages, %.1f s (%.1f s CPU, both kehus), %.0f customers/s, %.0f per CPU second (created %d, failed %d, not mapped %d, keys not mapped %v)",
				p, sum.Seen, sum.Pages, d.Seconds(), cpu.Seconds(), float64(sum.Seen)/d.Seconds(), float64(sum.Seen)/cpu.Seconds(), sum.Created, sum.Failed, sum.NotMapped, sum.KeysNotMapped)
			// Again, incremental: 探马 is asked for what changed since the
			// last run (the seeded customers did not); 达实 and Yeastar walk
			// every page and compare.
			start = time.Now()
			again := w.sync(t, cfg)
			t.Logf("%s incremental: %d seen, %d unchanged in %.2f s", p, again.Seen, again.Unchanged, time.Since(start).Seconds())
			// And a full walk that finds everything unchanged by content.
			cfg.Full = true
			start, cpu0 = time.Now(), cpuTime()
			full := w.sync(t, cfg)
			d, cpu = time.Since(start), cpuTime()-cpu0
			t.Logf("%s --full: %d unchanged in %.1f s (%.1f s CPU), %.0f customers/s, %.0f per CPU second", p, full.Unchanged, d.Seconds(), cpu.Seconds(),
				float64(full.Seen)/d.Seconds(), float64(full.Seen)/cpu.Seconds())
			if sum.Failed != 0 || full.Unchanged != sum.Seen || again.Created+again.Updated != 0 {
				t.Errorf("first %+v, again %+v, full %+v", sum, again, full)
			}
		})
	}
}

// cpuTime is the process's user and system CPU time so far: on a machine
// shared with other builds, wall-clock rates say more about the others.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
