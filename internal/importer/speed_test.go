package importer_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/store"
)

// TestImportSpeed imports a generated CSV (default 1,000,000 rows; 10%
// duplicate phones, 5% invalid rows) into SQLite with dedupe by phone and
// reports rows/s and the process's peak RSS. Not part of the default run:
//
//	KEHU_IMPORT_SPEED=1000000 go test ./internal/importer -run ImportSpeed -v -timeout 30m
//
// The database is fresh, so the import runs as a load (load.go), as
// `kehu import` would; KEHU_IMPORT_BULK=0 imports in batches instead, as
// into a database that has customers. KEHU_IMPORT_FORMAT=xlsx imports an
// XLSX instead; KEHU_IMPORT_NO_COMPANY=1
// leaves the company column empty; KEHU_IMPORT_BATCH and
// KEHU_IMPORT_CACHE_MB override the batch size and SQLite cache (256).
//
// KEHU_IMPORT_DB=<file or postgres:// URL> imports into that database's
// first tenant instead (a live import: a copy of the bench database, which
// it changes), in batches, while a reader looks customers up by phone and
// counts a name token; the test reports the reads' latency.
func TestImportSpeed(t *testing.T) {
	v := os.Getenv("KEHU_IMPORT_SPEED")
	if v == "" {
		t.Skip("set KEHU_IMPORT_SPEED=<rows> to run")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		n = 1_000_000
	}
	dir := t.TempDir()
	start := time.Now()
	path := genCSV(t, dir, n)
	if os.Getenv("KEHU_IMPORT_FORMAT") == "xlsx" {
		path = genXLSX(t, dir, n)
	}
	info, _ := os.Stat(path)
	t.Logf("generated %d rows (%.1f MB) in %v", n, float64(info.Size())/1e6, time.Since(start).Round(time.Millisecond))
	f, live := speedFixture(t)
	runtime.GC()
	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start = time.Now()
	batch, _ := strconv.Atoi(os.Getenv("KEHU_IMPORT_BATCH"))
	cacheMB := 256
	if v, err := strconv.Atoi(os.Getenv("KEHU_IMPORT_CACHE_MB")); err == nil {
		cacheMB = v
	}
	bulk := os.Getenv("KEHU_IMPORT_BULK") != "0"
	before := f.count(t)
	var reads *readProbe
	if live {
		reads = startReadProbe(t, f)
	}
	sum := f.run(t, path, importer.Options{OnDuplicate: importer.Skip, DedupeBy: []string{"phone"}, BatchSize: batch, WriterCacheMB: cacheMB, BulkLoad: bulk}, nil)
	d := time.Since(start)
	if reads != nil {
		t.Logf("reads during the import: %s", reads.stop())
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	t.Logf("imported %d rows in %v (bulk load: %v): %.0f rows/s; CPU %v; created %d, skipped %d, failed %d; peak RSS %.0f MB, Go heap in use %.0f MB",
		sum.Total, d.Round(time.Millisecond), sum.BulkLoad, float64(sum.Total)/d.Seconds(), cpu.Round(100*time.Millisecond), sum.Created, sum.Skipped, sum.Failed,
		float64(ru.Maxrss)/1024, float64(ms.HeapInuse)/1e6)
	created, skipped, failed := expectCounts(n)
	if live { // the database's own customers may hold some of the file's phones
		created, skipped = sum.Created, sum.Skipped
	}
	if sum.Created != created || sum.Skipped != skipped || sum.Failed != failed {
		t.Fatalf("counts %+v, want created %d skipped %d failed %d", sum, created, skipped, failed)
	}
	if got := f.count(t) - before; got != created {
		t.Fatalf("%d customers more in the store, want %d", got, created)
	}
	fmt.Printf("IMPORT_SPEED rows=%d seconds=%.1f rows_per_s=%.0f peak_rss_mb=%.0f\n", sum.Total, d.Seconds(), float64(sum.Total)/d.Seconds(), float64(ru.Maxrss)/1024)
}

// speedFixture is a fresh SQLite database, or the database KEHU_IMPORT_DB
// names and its first tenant (live).
func speedFixture(t *testing.T) (f *fixture, live bool) {
	dsn := os.Getenv("KEHU_IMPORT_DB")
	if dsn == "" {
		return newFixture(t, store.SQLite), false
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := st.QueryRow(ctx, `SELECT MIN(id) FROM tenants`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	tn, err := st.Tenant(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, svc: crm.New(st, "CN", crm.China), tenant: tn}, true
}

// readProbe runs reads against the store while an import writes: a phone
// lookup and a name-token count, one after the other, every 20 ms.
type readProbe struct {
	stopc chan struct{}
	done  chan struct{}
	lat   []time.Duration
	err   error
}

func startReadProbe(t *testing.T, f *fixture) *readProbe {
	p := &readProbe{stopc: make(chan struct{}), done: make(chan struct{})}
	ctx := context.Background()
	phone := f.st.Rebind(`SELECT id FROM customers WHERE tenant_id = ? AND phone = ?`)
	count := f.st.Rebind(`SELECT COUNT(*) FROM customer_grams WHERE tenant_id = ? AND gram = ?`)
	go func() {
		defer close(p.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-p.stopc:
				return
			case <-tick.C:
			}
			start := time.Now()
			var id, n int64
			err := f.st.QueryRow(ctx, phone, f.tenant.ID, "+86"+genPhone(i*7919%1_000_000)).Scan(&id)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				p.err = err
				return
			}
			if err := f.st.QueryRow(ctx, count, f.tenant.ID, "王").Scan(&n); err != nil {
				p.err = err
				return
			}
			p.lat = append(p.lat, time.Since(start))
		}
	}()
	return p
}

// stop ends the probe and describes its latencies.
func (p *readProbe) stop() string {
	close(p.stopc)
	<-p.done
	if p.err != nil {
		return "failed: " + p.err.Error()
	}
	if len(p.lat) == 0 {
		return "none"
	}
	slices.Sort(p.lat)
	q := func(f float64) time.Duration {
		return p.lat[min(len(p.lat)-1, int(f*float64(len(p.lat))))].Round(10 * time.Microsecond)
	}
	return fmt.Sprintf("%d probes (phone lookup + token count), p50 %v, p99 %v, max %v", len(p.lat), q(0.5), q(0.99), p.lat[len(p.lat)-1].Round(10*time.Microsecond))
}
