package importer_test

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

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
	f := newFixture(t, store.SQLite)
	runtime.GC()
	start = time.Now()
	batch, _ := strconv.Atoi(os.Getenv("KEHU_IMPORT_BATCH"))
	cacheMB := 256
	if v, err := strconv.Atoi(os.Getenv("KEHU_IMPORT_CACHE_MB")); err == nil {
		cacheMB = v
	}
	bulk := os.Getenv("KEHU_IMPORT_BULK") != "0"
	sum := f.run(t, path, importer.Options{OnDuplicate: importer.Skip, DedupeBy: []string{"phone"}, BatchSize: batch, WriterCacheMB: cacheMB, BulkLoad: bulk}, nil)
	d := time.Since(start)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("imported %d rows in %v (bulk load: %v): %.0f rows/s; created %d, skipped %d, failed %d; peak RSS %.0f MB, Go heap in use %.0f MB",
		sum.Total, d.Round(time.Millisecond), sum.BulkLoad, float64(sum.Total)/d.Seconds(), sum.Created, sum.Skipped, sum.Failed,
		float64(ru.Maxrss)/1024, float64(ms.HeapInuse)/1e6)
	created, skipped, failed := expectCounts(n)
	if sum.Created != created || sum.Skipped != skipped || sum.Failed != failed {
		t.Fatalf("counts %+v, want created %d skipped %d failed %d", sum, created, skipped, failed)
	}
	if got := f.count(t); got != created {
		t.Fatalf("%d customers in the store, want %d", got, created)
	}
	fmt.Printf("IMPORT_SPEED rows=%d seconds=%.1f rows_per_s=%.0f peak_rss_mb=%.0f\n", sum.Total, d.Seconds(), float64(sum.Total)/d.Seconds(), float64(ru.Maxrss)/1024)
}
