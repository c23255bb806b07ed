// Package bench is `kehu bench`: it loads N realistic customers
// (internal/seed, internal/fakedata) into a fresh tenant through the
// store's bulk loader, starts kehu's real HTTP handler (server.Handler) on
// a loopback listener in this process, and drives it through all four APIs
// — 达实, 探马 and Yeastar with their own auth schemes, and the native API
// with OAuth2 client credentials, all with one API client's credentials —
// with C concurrent clients for T seconds per workload. It reports the load
// rate, then per workload requests/s, latency percentiles and rows/s, plus
// the peak RSS while serving and the database size.
//
// The workloads are the target table of issue #5 (BENCHMARKS.md has the
// results at a million customers on SQLite and PostgreSQL).
package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/seed"
	"github.com/kehu/kehu/internal/server"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/webhook"
)

// ContentionWorkload names the contention run: phone lookups with one
// client while Clients clients fetch 4,000-row pages (run after the
// others, or alone with --workloads phone-under-4000).
const ContentionWorkload = "phone-under-4000"

// TenantName names the tenants kehu bench creates. A database whose tenants
// all carry this name is a bench database: kehu bench may start it over.
const TenantName = "kehu bench"

// Config is one bench run.
type Config struct {
	N         int           // customers to load (ignored with SkipLoad)
	DB        string        // SQLite path or postgres:// URL
	Sync      string        // SQLite commits: normal or full (store.Options)
	DataDir   string        // where the secret key file lives
	Clients   int           // concurrent clients per workload
	Duration  time.Duration // measured time per workload
	Addr      string        // listen address of the in-process server
	SkipLoad  bool          // reuse the newest bench tenant of DB
	Seed      int64         // fakedata seed
	Workloads []string      // names to run; empty runs all
	Progress  io.Writer     // progress lines (stderr); nil for none
	// ProgressLines prints each progress update as a line of its own instead
	// of redrawing one line with \r (stderr is not a terminal).
	ProgressLines bool
	// CPUProfile, if set, is a directory that gets one CPU profile per
	// workload (<name>.pprof) of the whole process, server and clients.
	CPUProfile string
	// Soak, if set, replaces the workloads with one soak of this length:
	// the mixed traffic of soakMix (reads on all four APIs, one write in
	// five) with Clients clients at once (kehu bench --soak 10m).
	Soak time.Duration
	// Webhooks is how many active webhook subscriptions the bench tenant
	// has while the workloads run, all delivering to a local receiver that
	// answers 204 at once (their cost on writes; BENCHMARKS.md).
	Webhooks int
}

// Report is the outcome of a run.
type Report struct {
	Machine   Machine     `json:"machine"`
	Database  string      `json:"database"`       // sqlite or postgres
	Sync      string      `json:"sync,omitempty"` // SQLite: normal or full
	DB        string      `json:"db"`
	Customers int64       `json:"customers"`
	Load      *LoadReport `json:"load,omitempty"`
	Clients   int         `json:"clients"`
	Duration  string      `json:"durationPerWorkload"`
	Workloads []*Result   `json:"workloads"`
	PeakRSS   int64       `json:"peakRssBytes"`     // VmHWM while serving (reset after the load)
	LoadRSS   int64       `json:"loadPeakRssBytes"` // VmHWM of the load phase
	DBSize    int64       `json:"dbSizeBytes"`
	Soak      *SoakReport `json:"soak,omitempty"`
	Errors    int64       `json:"errors"`
	Started   time.Time   `json:"started"`
	Notes     []string    `json:"notes,omitempty"`
}

// LoadReport describes the load phase.
type LoadReport struct {
	Customers int               `json:"customers"`
	Seconds   float64           `json:"seconds"`
	PerSecond float64           `json:"customersPerSecond"`
	Deferred  bool              `json:"indexesDeferred"` // secondary indexes built after the rows (fresh database)
	Rows      int64             `json:"rows"`            // rows written, customers and index rows
	Phases    []store.LoadPhase `json:"phases"`
}

// Run runs a bench. The report is returned also when workloads failed;
// the error then says how many requests failed.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Clients < 1 {
		cfg.Clients = 1
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 30 * time.Second
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}
	rep := &Report{Machine: machine(), Clients: cfg.Clients, Duration: cfg.Duration.String(), Started: time.Now().UTC()}

	st, fresh, err := openDB(ctx, cfg, progress)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rep.Database, rep.DB = st.Dialect(), st.Path
	if st.Dialect() == store.SQLite {
		rep.Sync = cmp.Or(strings.ToLower(strings.TrimSpace(cfg.Sync)), "normal")
	}
	rep.Machine.DatabaseVersion = databaseVersion(ctx, st)

	var tenantID, projectID int64
	if cfg.SkipLoad {
		if tenantID, projectID, err = findBenchTenant(ctx, st); err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "kehu bench: reusing tenant %d\n", tenantID)
	} else {
		if tenantID, projectID, err = load(ctx, st, cfg, fresh, rep, progress); err != nil {
			return nil, err
		}
	}
	rep.LoadRSS = peakRSS()
	if err := st.QueryRow(ctx, st.Rebind(`SELECT COUNT(*) FROM customers WHERE tenant_id = ?`), tenantID).Scan(&rep.Customers); err != nil {
		return nil, err
	}
	setup, err := benchSetup(ctx, st, tenantID, projectID)
	if err != nil {
		return nil, err
	}

	// Serving starts here: give back the load's memory and restart the
	// peak-RSS watermark, so PeakRSS is what serving needs.
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()

	keyDir := cfg.DataDir
	if keyDir == "" {
		keyDir = "./kehu-data"
		if !strings.Contains(cfg.DB, "://") {
			keyDir = filepath.Dir(cfg.DB)
		}
	}
	keys, err := secret.Load(keyDir)
	if err != nil {
		return nil, err
	}
	au := &auth.Service{Store: st, Keys: keys, Guard: &auth.Guard{Store: st}, Cache: auth.NewCache()}
	client, err := au.CreateClient(ctx, tenantID, 0, "kehu bench", []string{model.ScopeRead, model.ScopeWrite})
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := crm.New(st, "CN", crm.China)
	// The feed sequencer and webhook delivery run as in kehu serve, with
	// or without subscriptions, so runs with and without --webhooks differ
	// by the subscriptions only.
	wh := webhook.New(st, keys, svc.Engine, log)
	wh.AllowPrivate = true // the receiver is on this machine
	bgCtx, stopBg := context.WithCancel(ctx)
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { defer bg.Done(); st.RunFeed(bgCtx, log) }()
	go func() { defer bg.Done(); wh.Run(bgCtx) }()
	defer func() { stopBg(); bg.Wait() }()
	var hooks *receiver
	if cfg.Webhooks > 0 {
		if hooks, err = subscribe(ctx, wh, tenantID, cfg.Webhooks); err != nil {
			return nil, err
		}
		defer hooks.stop()
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d active webhook subscriptions, delivering to a local receiver that verifies each signature", cfg.Webhooks))
		defer func() {
			if bad := hooks.bad.Load(); bad > 0 {
				rep.Errors += bad
				rep.Notes = append(rep.Notes, fmt.Sprintf("%d webhook deliveries with a signature that did not verify", bad))
			}
		}()
	}
	h := server.Handler(&server.Deps{Store: st, Svc: svc, Auth: au, Log: log, Webhooks: wh})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(progress, "kehu bench: serving %s on %s with %d customers\n", rep.Database, base, rep.Customers)

	cl, err := newClients(ctx, base, client, cfg.Clients)
	if err != nil {
		return nil, fmt.Errorf("bench: sign in: %w", err)
	}
	// A second client bound to the project, as a site's integration is.
	bound, err := au.CreateClient(ctx, tenantID, projectID, "kehu bench (project)", []string{model.ScopeRead, model.ScopeWrite})
	if err != nil {
		return nil, err
	}
	if cl.bound, err = newClients(ctx, base, bound, cfg.Clients); err != nil {
		return nil, fmt.Errorf("bench: sign in (project client): %w", err)
	}
	if err := signInStaff(ctx, st, au, base, setup, cfg.Clients, cl); err != nil {
		return nil, err
	}
	setup.rep = rep
	all := workloads(setup, cfg)
	if cfg.Soak == 0 && (len(cfg.Workloads) == 0 || contains(cfg.Workloads, PlainWorkload) || contains(cfg.Workloads, FloorWorkload)) {
		if setup.plain, err = startPlain(ctx, st, tenantID, rep.Customers, plainPath(cfg), progress); err != nil {
			return nil, err
		}
		defer setup.plain.close()
	}
	if cfg.Soak > 0 {
		fmt.Fprintf(progress, "kehu bench: soak of %v with %d clients\n", cfg.Soak, cfg.Clients)
		rep.Duration = cfg.Soak.String()
		rep.Soak = soak(ctx, cl, all, cfg.Clients, cfg.Soak, progress)
		rep.PeakRSS = rep.Soak.RSSPeak
		rep.DBSize = dbSize(ctx, st)
		rep.Errors = rep.Soak.Overall.Errors
		if rep.Errors > 0 {
			return rep, fmt.Errorf("%d requests failed", rep.Errors)
		}
		return rep, ctx.Err()
	}
	for _, w := range all {
		if len(cfg.Workloads) > 0 && !contains(cfg.Workloads, w.Name) {
			continue
		}
		fmt.Fprintf(progress, "kehu bench: %-22s ", w.Name)
		rep.PeakRSS = max(rep.PeakRSS, peakRSS())
		debug.FreeOSMemory() // each workload's peak starts from what serving keeps
		resetPeakRSS()
		single := run(ctx, cl, w, 1, max(500*time.Millisecond, cfg.Duration/5))
		stopProfile := startProfile(cfg.CPUProfile, w.Name)
		mark := hooks.mark()
		res := run(ctx, cl, w, cfg.Clients, cfg.Duration)
		stopProfile()
		res.Webhooks = hooks.since(ctx, mark)
		res.Single = single
		res.PeakRSS = peakRSS()
		if os.Getenv("KEHU_BENCH_MEMSTATS") != "" {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Fprintf(progress, "  mem: anon %d file %d MiB; rss now %d MiB, peak %d MiB; go heap inuse %d MiB, sys %d MiB, released %d MiB, total sys %d MiB\n",
				procKB("/proc/self/status", "RssAnon:")>>20, procKB("/proc/self/status", "RssFile:")>>20, procKB("/proc/self/status", "VmRSS:")>>20, res.PeakRSS>>20, ms.HeapInuse>>20, ms.HeapSys>>20, ms.HeapReleased>>20, ms.Sys>>20)
		}
		fmt.Fprintf(progress, "1 client: p50 %7.2f ms; %d clients: %7.0f req/s  p50 %7.2f ms  p99 %7.2f ms  %d errors\n",
			single.P50, cfg.Clients, res.RPS, res.P50, res.P99, res.Errors+single.Errors)
		if wr := res.Webhooks; wr != nil {
			fmt.Fprintf(progress, "kehu bench: %-22s webhooks: %d deliveries received during the %d-client run (%.0f/s); at its end the slowest cursor was %d events behind the feed, %d pending\n",
				"", wr.Delivered, cfg.Clients, wr.PerSecond, wr.Behind, wr.Pending)
		}
		rep.Workloads = append(rep.Workloads, res)
		rep.Errors += res.Errors + single.Errors
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
	}
	// A cheap lookup while heavy pages fill the server: what admission
	// control is for (issue #12: phone p99 < 50 ms beside 8 clients
	// fetching 4,000-row pages).
	if len(cfg.Workloads) == 0 || contains(cfg.Workloads, ContentionWorkload) {
		byName := map[string]*workload{}
		for _, w := range all {
			byName[w.Name] = w
		}
		fmt.Fprintf(progress, "kehu bench: %-22s ", ContentionWorkload)
		debug.FreeOSMemory()
		resetPeakRSS()
		cheap, heavy := contention(ctx, cl, byName["phone-exact"], byName["dashi-4000"], cfg.Clients, cfg.Duration)
		cheap.PeakRSS, heavy.PeakRSS = peakRSS(), peakRSS()
		fmt.Fprintf(progress, "phone p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms; beside it %d clients of 4000-row pages: %.1f req/s, p99 %.0f ms, %d errors\n",
			cheap.P50, cheap.P99, cheap.Max, cfg.Clients, heavy.RPS, heavy.P99, cheap.Errors+heavy.Errors)
		rep.Workloads = append(rep.Workloads, cheap, heavy)
		rep.Errors += cheap.Errors + heavy.Errors
	}
	if n := plainRatio(rep.Workloads, cfg.Clients); n != "" {
		rep.Notes = append(rep.Notes, n)
	}
	rep.PeakRSS = max(rep.PeakRSS, peakRSS())
	rep.DBSize = dbSize(ctx, st)
	if rep.Errors > 0 {
		return rep, fmt.Errorf("%d requests failed", rep.Errors)
	}
	return rep, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

// openDB opens the bench database. A SQLite file holding only bench
// tenants is deleted and created anew (so indexes can be deferred); a
// PostgreSQL database holding only bench tenants has its customer tables
// emptied. Any other database is used as it is, with indexes in place.
func openDB(ctx context.Context, cfg Config, progress io.Writer) (_ *store.Store, fresh bool, err error) {
	pg := strings.HasPrefix(cfg.DB, "postgres://") || strings.HasPrefix(cfg.DB, "postgresql://")
	if !cfg.SkipLoad && !pg {
		if only, err := onlyBenchTenants(ctx, cfg.DB); err != nil {
			return nil, false, err
		} else if only {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(cfg.DB + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
					return nil, false, err
				}
			}
		}
	}
	st, err := store.OpenWith(ctx, cfg.DB, store.Options{Sync: cfg.Sync})
	if err != nil {
		return nil, false, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, false, err
	}
	if cfg.SkipLoad {
		return st, false, nil
	}
	var others, customers int64
	if err := st.QueryRow(ctx, st.Rebind(`SELECT COUNT(*) FROM tenants WHERE name <> ?`), TenantName).Scan(&others); err != nil {
		st.Close()
		return nil, false, err
	}
	if err := st.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM customers LIMIT 1) AS x`).Scan(&customers); err != nil {
		st.Close()
		return nil, false, err
	}
	if pg && others == 0 && customers > 0 {
		fmt.Fprintln(progress, "kehu bench: emptying the customer tables of the previous bench run")
		if err := st.TruncateCustomers(ctx); err != nil {
			st.Close()
			return nil, false, err
		}
		customers = 0
	}
	if customers > 0 {
		fmt.Fprintln(progress, "kehu bench: the database already has customers: loading with every index in place (slower than a fresh database)")
	}
	return st, customers == 0, nil
}

// onlyBenchTenants reports whether the SQLite file at path exists and
// holds nothing but bench tenants.
func onlyBenchTenants(ctx context.Context, path string) (bool, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return false, err
	}
	defer st.Close()
	var others int64
	if err := st.QueryRow(ctx, `SELECT COUNT(*) FROM tenants WHERE name <> ?`, TenantName).Scan(&others); err != nil {
		return false, fmt.Errorf("bench: %s exists and is not a kehu database (%v); choose another --db", path, err)
	}
	return others == 0, nil
}

// load creates the bench tenant and loads cfg.N customers into it.
func load(ctx context.Context, st *store.Store, cfg Config, fresh bool, rep *Report, progress io.Writer) (int64, int64, error) {
	t, err := st.CreateTenant(ctx, TenantName)
	if err != nil {
		return 0, 0, err
	}
	p, err := st.CreateProject(ctx, t.ID, "bench 园区")
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	s, err := seed.Catalog(ctx, st, t.ID, p.ID)
	if err != nil {
		return 0, 0, err
	}
	// Customers spread over four projects (40/25/20/10 %, 5 % in none), as
	// a tenant with several sites has them: the 达实 workloads run on the
	// largest project, so a scoped search is not the whole tenant.
	s.Projects = []int64{p.ID}
	for _, name := range []string{"bench 二期", "bench 三期", "bench 四期"} {
		q, err := st.CreateProject(ctx, t.ID, name)
		if err != nil {
			return 0, 0, err
		}
		s.Projects = append(s.Projects, q.ID)
	}
	last := time.Now()
	stats, err := seed.Load(ctx, st, s, cfg.N, cfg.Seed, store.LoadOptions{DeferIndexes: fresh, Progress: func(phase string, done int) {
		if time.Since(last) < time.Second && phase == "customers" && done < cfg.N {
			return
		}
		last = time.Now()
		if cfg.ProgressLines {
			fmt.Fprintf(progress, "kehu bench: loading: %s %d/%d customers\n", phase, done, cfg.N)
			return
		}
		fmt.Fprintf(progress, "\rkehu bench: loading: %-22s %9d/%d customers   ", phase, done, cfg.N)
	}})
	if !cfg.ProgressLines {
		fmt.Fprintln(progress)
	}
	if err != nil {
		return 0, 0, err
	}
	secs := time.Since(start).Seconds()
	rep.Load = &LoadReport{Customers: cfg.N, Seconds: secs, PerSecond: float64(cfg.N) / secs, Deferred: fresh,
		Rows: stats.Rows, Phases: stats.Phases}
	fmt.Fprintf(progress, "kehu bench: loaded %d customers (%d rows) in %.1f s: %.0f customers/s\n", cfg.N, stats.Rows, secs, rep.Load.PerSecond)
	return t.ID, p.ID, nil
}

func findBenchTenant(ctx context.Context, st *store.Store) (int64, int64, error) {
	var tenantID, projectID int64
	err := st.QueryRow(ctx, st.Rebind(`SELECT t.id, p.id FROM tenants t JOIN projects p ON p.tenant_id = t.id
		WHERE t.name = ? ORDER BY t.id DESC, p.created_at, p.id LIMIT 1`), TenantName).Scan(&tenantID, &projectID)
	if err != nil {
		return 0, 0, fmt.Errorf("bench: --skip-load: no bench tenant in %s (run kehu bench without --skip-load first): %w", st.Path, err)
	}
	return tenantID, projectID, nil
}

func startProfile(dir, name string) func() {
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, name+".pprof"))
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// plainRatio compares phone-exact with the plain app's phone lookup of the
// same run (issue 14's target: at least 2× its req/s), or "".
func plainRatio(ws []*Result, clients int) string {
	var kehu, plain *Result
	for _, w := range ws {
		switch w.Name {
		case "phone-exact":
			kehu = w
		case PlainWorkload:
			plain = w
		}
	}
	if kehu == nil || plain == nil || plain.RPS == 0 || kehu.Single == nil || plain.Single == nil || plain.Single.P50 == 0 {
		return ""
	}
	return fmt.Sprintf("phone-exact vs the plain Go + SQLite app (%s): %.2f× its req/s at %d clients (%.0f vs %.0f), 1-client p50 %.2f vs %.2f ms (%.2f×)",
		PlainWorkload, kehu.RPS/plain.RPS, clients, kehu.RPS, plain.RPS, kehu.Single.P50, plain.Single.P50, plain.Single.P50/kehu.Single.P50)
}
