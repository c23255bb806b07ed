package recycle_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/seed"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestRecycleSpeed measures one recycling pass over a tenant of N customers
// of which a tenth are due, while two clients read and edit other
// customers through crm, and reports the pass time and the clients'
// latencies during it (BENCHMARKS.md):
//
//	KEHU_POOL_BENCH=1 [KEHU_POOL_BENCH_N=1000000] [KEHU_POOL_BENCH_DB=sqlite|postgres] \
//	  [KEHU_POOL_BENCH_CPUPROFILE=pass.pprof] [KEHU_POOL_BENCH_BATCH=500] [KEHU_POOL_BENCH_CACHE=dir] \
//	  [KEHU_POOL_BENCH_WORKERS=2] [KEHU_POOL_BENCH_PG=postgres://…/postgres] [KEHU_POOL_BENCH_RULE=date] [KEHU_POOL_BENCH_SCATTER=1] go test -count=1 -timeout 30m -run TestRecycleSpeed -v ./internal/recycle/
//
// After the pass it times the pool's list with and without name fragments
// beside the tenant's normal list (listSpeeds).
func TestRecycleSpeed(t *testing.T) {
	if os.Getenv("KEHU_POOL_BENCH") == "" {
		t.Skip("a benchmark: set KEHU_POOL_BENCH=1")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("KEHU_POOL_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	db := store.SQLite
	if os.Getenv("KEHU_POOL_BENCH_DB") == "postgres" {
		db = store.Postgres
	}
	ctx := context.Background()
	st, tenantID, staffID := benchTenant(t, db, n)
	tn := &model.Tenant{ID: tenantID}
	svc := crm.New(st, "CN", crm.China)
	admin := crm.TenantCaller(tn.ID, 0, model.ViaCLI)
	rules := model.PoolRules{RecycleNoFollowDays: 7}
	byDate := os.Getenv("KEHU_POOL_BENCH_RULE") == "date"
	if byDate {
		// The date rule (合同到期) on the seed's birthday field: due once
		// the date is as old as 1980-01-01 is now, about half of the
		// governed customers that have one.
		rules = model.PoolRules{RecycleDateField: "birthday",
			RecycleDateDays: int(time.Since(time.Date(1980, 1, 1, 0, 0, 0, 0, crm.China)) / (24 * time.Hour))}
	}
	p, err := svc.CreatePool(ctx, admin, &model.Pool{Name: "公海", Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	// A tenth of the customers were claimed from the pool 30 days ago and
	// never followed up; another tenth a day ago (scanned, not due).
	due := n / 10
	old := time.Now().Add(-30 * 24 * time.Hour).UnixMilli()
	recent := time.Now().Add(-24 * time.Hour).UnixMilli()
	// Which customers: the first ids (adjacent rows and index entries, as
	// the earlier measurements had them), or with KEHU_POOL_BENCH_SCATTER=1
	// every tenth one across the whole tenant, as customers claimed over
	// months lie.
	order := "id"
	if os.Getenv("KEHU_POOL_BENCH_SCATTER") != "" {
		order = "id % 97, id"
	}
	if err := st.InTx(ctx, func(tx *store.Tx) error {
		for _, x := range []struct {
			offset int
			at     int64
		}{{0, old}, {due, recent}} {
			if _, err := tx.Exec(ctx, `UPDATE customers SET home_pool_id = ?, claimed_at = ?, owner_id = COALESCE(owner_id, ?)
 WHERE tenant_id = ? AND id IN (SELECT id FROM customers WHERE tenant_id = ? ORDER BY `+order+` LIMIT ? OFFSET ?)`,
				p.ID, x.at, staffID, tn.ID, tn.ID, due, x.offset); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if byDate {
		// Due: the governed customers whose birthday is before the bound
		// (both tenths: the claim time does not matter to this rule).
		f, err := st.LoadCatalog(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		bound, _ := store.DateNumber(time.Now().In(crm.China).AddDate(0, 0, -rules.RecycleDateDays-1).Format("2006-01-02"))
		if err := st.QueryRow(ctx, `SELECT COUNT(*) FROM customer_values_num v JOIN customers c ON c.tenant_id = v.tenant_id AND c.id = v.customer_id
 WHERE v.tenant_id = ? AND v.field_id = ? AND v.value <= ? AND c.home_pool_id = ?`, tn.ID, f.ByKey["birthday"].ID, bound, p.ID).Scan(&due); err != nil {
			t.Fatal(err)
		}
		t.Logf("date rule: %d of the %d governed customers due by their birthday", due, 2*(n/10))
	}
	var others []int64
	var phones []string
	rows, err := st.Query(ctx, `SELECT id, COALESCE(phone, '') FROM customers WHERE tenant_id = ? AND home_pool_id IS NULL LIMIT 2000`, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var phone string
		_ = rows.Scan(&id, &phone)
		others = append(others, id)
		if phone != "" {
			phones = append(phones, phone)
		}
	}
	rows.Close()
	if len(phones) == 0 {
		t.Fatal("no phones to look up")
	}
	// What API clients ask while the pass runs: a phone lookup (the call
	// centre's screen pop) and a name search, newest first, both with an
	// exact total, as the tenant's administrator.
	search := func(i int, kind string) error {
		f := fmt.Sprintf("phone = %q", phones[i%len(phones)])
		if kind == "search" {
			f = `name ~ "张" && status = 1`
		}
		filter, err := cond.ParseString(f, cond.DefaultLimits)
		if err != nil {
			return err
		}
		_, err = svc.Search(ctx, admin, &query.Request{Filter: filter, Sort: []query.SortSpec{{Field: "createdAt", Desc: true}},
			PageSize: 20, Total: query.TotalExact}, nil)
		return err
	}

	// Four clients while the pass runs: one reads customers by id, one
	// looks up phones, one searches names, one edits.
	stop := make(chan struct{})
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	var wg sync.WaitGroup
	kinds := []string{"read", "phone", "search", "edit"}
	// Between requests: lookups and searches at a steady rate (tens per
	// second) rather than flat out, so they measure the pass's effect on
	// them, not take the pass's CPU.
	pause := map[string]time.Duration{"read": 5 * time.Millisecond, "phone": 20 * time.Millisecond,
		"search": 50 * time.Millisecond, "edit": 5 * time.Millisecond}
	if os.Getenv("KEHU_POOL_BENCH_QUIET") != "" {
		kinds = nil // the pass alone
	}
	for _, kind := range kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := others[i%len(others)]
				t0 := time.Now()
				var err error
				switch kind {
				case "read":
					_, err = svc.Customer(ctx, admin, id)
				case "phone", "search":
					err = search(i, kind)
				default:
					_, err = svc.UpdateCustomer(ctx, admin, id, &crm.CustomerInput{Remark: crm.Ptr(fmt.Sprint("备注", i))})
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				lat[kind] = append(lat[kind], time.Since(t0))
				mu.Unlock()
				time.Sleep(pause[kind])
			}
		}()
	}
	if f := os.Getenv("KEHU_POOL_BENCH_CPUPROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			t.Fatal(err)
		}
	}
	if mb, _ := strconv.Atoi(os.Getenv("KEHU_POOL_BENCH_CACHE_MB")); mb > 0 {
		restore, err := st.SetWriterCache(ctx, mb<<10)
		if err != nil {
			t.Fatal(err)
		}
		defer restore()
	}
	loadBefore := loadAverage()
	start := time.Now()
	batch, _ := strconv.Atoi(os.Getenv("KEHU_POOL_BENCH_BATCH"))
	workers, _ := strconv.Atoi(os.Getenv("KEHU_POOL_BENCH_WORKERS"))
	rep, err := svc.Recycle(ctx, crm.RecycleOptions{Batch: batch, Workers: workers})
	took := time.Since(start)
	pprof.StopCPUProfile()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Moved != due {
		t.Fatalf("moved %d of %d due (%+v)", rep.Moved, due, rep)
	}
	t.Logf("%s: recycled %d of %d customers (scanned %d) in %v: %.0f customers/s; load average %s → %s", db, rep.Moved, n, rep.Scanned,
		took.Round(time.Millisecond), float64(rep.Moved)/took.Seconds(), loadBefore, loadAverage())
	// The next pass, a minute later in a serving node: nothing is due, but
	// it reads its candidates again (the claim walk the owned customers
	// claimed before the cutoff, the date walk every value up to its bound).
	start = time.Now()
	again, err := svc.Recycle(ctx, crm.RecycleOptions{Batch: batch, Workers: workers})
	if err != nil || again.Moved != 0 {
		t.Fatalf("the next pass: %+v %v", again, err)
	}
	t.Logf("%s: the next pass (nothing due) scanned %d in %v", db, again.Scanned, time.Since(start).Round(time.Millisecond))
	if db == store.SQLite {
		// The pass let the WAL grow (recycleCheckpointPages); the writer's
		// journal_size_limit gives the disk back when it starts over, at
		// the writes after the pass.
		wal := func() string {
			fi, err := os.Stat(st.Path + "-wal")
			if err != nil {
				return err.Error()
			}
			return fmt.Sprintf("%.0f MiB", float64(fi.Size())/(1<<20))
		}
		after := wal()
		var edits []time.Duration
		for i := range 3 {
			t0 := time.Now()
			if _, err := svc.UpdateCustomer(ctx, admin, others[i], &crm.CustomerInput{Remark: crm.Ptr("之后")}); err != nil {
				t.Fatal(err)
			}
			edits = append(edits, time.Since(t0).Round(10*time.Microsecond))
		}
		t.Logf("%s: WAL after the passes %s, after three edits (%v) %s", db, after, edits, wal())
	}
	listSpeeds(t, svc, admin, p.ID)
	for _, kind := range kinds {
		l := lat[kind]
		slices.Sort(l)
		if len(l) == 0 {
			continue
		}
		pct := func(q float64) time.Duration { return l[min(len(l)-1, int(q*float64(len(l))))] }
		t.Logf("  %s during the pass: %d requests, p50 %v, p99 %v, max %v", kind, len(l), pct(0.5).Round(10*time.Microsecond),
			pct(0.99).Round(10*time.Microsecond), l[len(l)-1].Round(10*time.Microsecond))
	}
}

// benchTenant opens a database with a tenant of n seeded customers and
// returns a staff member of it. With KEHU_POOL_BENCH_CACHE=dir (SQLite), the
// loaded database is kept there and later runs of the same n start from a
// copy of it instead of loading again (minutes at a million).
func benchTenant(t *testing.T, db string, n int) (*store.Store, int64, int64) {
	ctx := context.Background()
	if server := os.Getenv("KEHU_POOL_BENCH_PG"); server != "" && db == store.Postgres {
		return pgBenchTenant(t, server, n)
	}
	cache := os.Getenv("KEHU_POOL_BENCH_CACHE")
	if db != store.SQLite {
		cache = ""
	}
	kept := filepath.Join(cache, fmt.Sprintf("pool-bench-%d.db", n))
	if cache != "" {
		if _, err := os.Stat(kept); err == nil {
			path := filepath.Join(t.TempDir(), "kehu.db")
			if err := copyFile(kept, path); err != nil {
				t.Fatal(err)
			}
			t.Logf("started from %s", kept)
			return openLoaded(t, path)
		}
	}
	st := storetest.Open(t, db)
	tn, _ := st.CreateTenant(ctx, "pool bench")
	sd, err := seed.Catalog(ctx, st, tn.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := seed.Load(ctx, st, sd, n, 1, store.LoadOptions{DeferIndexes: true}); err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d customers in %v", n, time.Since(start).Round(time.Millisecond))
	if cache != "" {
		raw, err := sql.Open("sqlite", st.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.ExecContext(ctx, `VACUUM INTO ?`, kept); err != nil {
			os.Remove(kept)
			t.Fatal(err)
		}
	}
	return st, tn.ID, sd.StaffIDs[0]
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	// On the disk before the clock starts: otherwise the kernel writes the
	// 2.8 GB copy back during the pass, and the pass's checkpoints wait
	// for it at every sync.
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// pgBenchTenant is benchTenant on a PostgreSQL server the caller runs
// (KEHU_POOL_BENCH_PG, a URL of any database on it): the tenant is loaded
// once into the database pool_bench_<n>, and every run works on a fresh
// copy of it, pool_bench_<n>_run (CREATE DATABASE … TEMPLATE: a file copy,
// a minute instead of a load of several).
func pgBenchTenant(t *testing.T, server string, n int) (*store.Store, int64, int64) {
	ctx := context.Background()
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	dsnOf := func(name string) string { v := *u; v.Path = "/" + name; return v.String() }
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	kept, run := fmt.Sprintf("pool_bench_%d", n), fmt.Sprintf("pool_bench_%d_run", n)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, kept).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		if _, err := admin.Exec(ctx, `CREATE DATABASE `+kept+` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(ctx, dsnOf(kept))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		tn, _ := st.CreateTenant(ctx, "pool bench")
		sd, err := seed.Catalog(ctx, st, tn.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := seed.Load(ctx, st, sd, n, 1, store.LoadOptions{DeferIndexes: true}); err != nil {
			st.Close()
			_, _ = admin.Exec(ctx, `DROP DATABASE `+kept)
			t.Fatal(err)
		}
		t.Logf("loaded %d customers into %s in %v", n, kept, time.Since(start).Round(time.Millisecond))
		st.Close()
	}
	start := time.Now()
	if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+run); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+run+` TEMPLATE `+kept); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), `DROP DATABASE IF EXISTS `+run) })
	t.Logf("copied %s to %s in %v", kept, run, time.Since(start).Round(time.Millisecond))
	return openLoaded(t, dsnOf(run))
}

// openLoaded opens a copy of a loaded bench database, migrates it (the copy
// may predate the newest migrations) and returns it with its tenant and
// that tenant's first staff member.
func openLoaded(t *testing.T, dsn string) (*store.Store, int64, int64) {
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var tenant, staff int64
	if err := st.QueryRow(ctx, `SELECT tenant_id, MIN(id) FROM staff GROUP BY tenant_id`).Scan(&tenant, &staff); err != nil {
		t.Fatal(err)
	}
	return st, tenant, staff
}

// loadAverage is the machine's 1-minute load average (Linux), reported with
// every number because the benchmark shares its cores.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// listSpeeds times, after the pass, a pool's list (the pool now holds the
// recycled customers) with and without a 1- and 2-character name fragment
// beside the tenant's normal list with the same fragments (issue 16: "listing
// a pool with a name fragment stays as fast as a normal list"): newest
// first, a page of 20 with an exact total, as the administrator; the
// median of 15 after 3 to warm up.
func listSpeeds(t *testing.T, svc *crm.Service, caller *model.Caller, poolID int64) {
	ctx := context.Background()
	for _, f := range []string{``, `name ~ "张"`, `name ~ "张伟"`, `name ~ "王"`,
		fmt.Sprintf(`pool = %d`, poolID), fmt.Sprintf(`pool = %d && name ~ "张"`, poolID),
		fmt.Sprintf(`pool = %d && name ~ "张伟"`, poolID), fmt.Sprintf(`pool = %d && name ~ "王"`, poolID),
		`inPool = true && name ~ "张"`} {
		req := &query.Request{Sort: []query.SortSpec{{Field: "createdAt", Desc: true}}, PageSize: 20, Total: query.TotalExact}
		if f != "" {
			filter, err := cond.ParseString(f, cond.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			req.Filter = filter
		}
		var took []time.Duration
		var total int64
		for i := 0; i < 18; i++ {
			t0 := time.Now()
			res, err := svc.Search(ctx, caller, req, nil)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if i >= 3 {
				took = append(took, time.Since(t0))
			}
			total = res.Total
		}
		slices.Sort(took)
		t.Logf("  list %-32q total %7d: p50 %v, max %v (load average %s)", f, total, took[len(took)/2].Round(10*time.Microsecond),
			took[len(took)-1].Round(10*time.Microsecond), loadAverage())
	}
}
