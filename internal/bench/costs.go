package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/fakedata"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/seed"
	"github.com/kehu/kehu/internal/store"
)

// Per-tenant costs on PostgreSQL (kehu bench --costs), the measured input
// of DISTRIBUTED.md's sizing of a tenant-sharded cluster: one tenant of N
// customers is loaded, then the command measures what each customer costs
// the database — bytes of heap and of every index, rows per customer in
// every tenant table — what a write costs (WAL bytes, rows and index
// entries per created and per updated customer, through crm as the APIs
// write), and what exact counts cost at that size.

// CostsConfig sets up a measurement.
type CostsConfig struct {
	N        int    // customers in the tenant
	DB       string // postgres:// URL of a database holding nothing else kehu wrote
	Seed     int64
	Writes   int // customers created, and then updated, to measure writes (default 2000)
	Progress io.Writer
}

// CostsReport is the outcome.
type CostsReport struct {
	Machine     Machine     `json:"machine"`
	Customers   int64       `json:"customers"`
	LoadSeconds float64     `json:"loadSeconds"`
	Tables      []TableCost `json:"tables"`
	// Per customer over every tenant table: heap, index and total bytes.
	HeapPerCustomer  float64     `json:"heapBytesPerCustomer"`
	IndexPerCustomer float64     `json:"indexBytesPerCustomer"`
	TotalPerCustomer float64     `json:"totalBytesPerCustomer"`
	Indexes          []IndexCost `json:"indexes"` // the largest first
	Create           WriteCost   `json:"create"`
	Update           WriteCost   `json:"update"`
	Counts           []CountCost `json:"counts"`
}

// TableCost is one table of the tenant.
type TableCost struct {
	Table           string  `json:"table"`
	Rows            int64   `json:"rows"`
	RowsPerCustomer float64 `json:"rowsPerCustomer"`
	HeapBytes       int64   `json:"heapBytes"`
	IndexBytes      int64   `json:"indexBytes"`
	Indexes         int     `json:"indexes"`
}

// IndexCost is one index.
type IndexCost struct {
	Table       string  `json:"table"`
	Index       string  `json:"index"`
	Bytes       int64   `json:"bytes"`
	PerCustomer float64 `json:"bytesPerCustomer"`
}

// WriteCost is the average cost of one customer write. WAL is measured
// twice: for the first writes after a checkpoint (every page touched is
// logged whole once: full_page_writes) and for the next as many (most
// pages already logged since the checkpoint).
type WriteCost struct {
	Writes           int     `json:"writes"`
	WALAfterCkpt     float64 `json:"walBytesAfterCheckpoint"`
	WALSteady        float64 `json:"walBytesSteady"`
	RowsWritten      float64 `json:"rowsWritten"`  // heap rows inserted, updated or deleted
	IndexEntries     float64 `json:"indexEntries"` // upper bound: (rows inserted + non-HOT updates) × indexes of their table (partial indexes count too)
	GrowthBytes      float64 `json:"growthBytes"`  // heap + index growth per customer
	MillisecondsP50  float64 `json:"msP50"`
	FullPageWritesOn bool    `json:"fullPageWrites"`
}

// CountCost is an exact count of the tenant's customers.
type CountCost struct {
	Name   string  `json:"name"`
	Filter string  `json:"filter"`
	Total  int64   `json:"total"`
	Ms     float64 `json:"msMedian"` // median of 5, the first (cold) one dropped
}

// Costs runs the measurement.
func Costs(ctx context.Context, cfg CostsConfig) (*CostsReport, error) {
	if !strings.HasPrefix(cfg.DB, "postgres://") && !strings.HasPrefix(cfg.DB, "postgresql://") {
		return nil, errors.New("bench: --costs measures PostgreSQL: pass --db postgres://…")
	}
	if cfg.Writes <= 0 {
		cfg.Writes = 2000
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	tenants, err := st.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	if len(tenants) > 0 {
		return nil, fmt.Errorf("bench: --costs needs an empty kehu database (it measures whole tables); %s has %d tenants", st.Path, len(tenants))
	}
	rep := &CostsReport{Machine: machine(), Customers: int64(cfg.N)}
	_ = st.QueryRow(ctx, "SELECT version()").Scan(&rep.Machine.DatabaseVersion)

	t, err := st.CreateTenant(ctx, TenantName)
	if err != nil {
		return nil, err
	}
	p, err := st.CreateProject(ctx, t.ID, "bench 园区")
	if err != nil {
		return nil, err
	}
	s, err := seed.Catalog(ctx, st, t.ID, p.ID)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	fmt.Fprintf(cfg.Progress, "kehu bench --costs: loading %d customers\n", cfg.N)
	if _, err := seed.Load(ctx, st, s, cfg.N, cfg.Seed, store.LoadOptions{DeferIndexes: true}); err != nil {
		return nil, err
	}
	rep.LoadSeconds = time.Since(start).Seconds()

	fmt.Fprintf(cfg.Progress, "kehu bench --costs: sizes\n")
	if err := costSizes(ctx, st, rep); err != nil {
		return nil, err
	}
	svc := crm.New(st, "CN", crm.China)
	caller := crm.TenantCaller(t.ID, 0, model.ViaNative)
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 17))
	var ids []int64
	fmt.Fprintf(cfg.Progress, "kehu bench --costs: %d creates\n", 2*cfg.Writes)
	rep.Create, err = costWrites(ctx, st, cfg.Writes, func(i int) error {
		in, err := newInput(s, r)
		if err != nil {
			return err
		}
		c, err := svc.CreateCustomer(ctx, caller, in)
		if err == nil {
			ids = append(ids, c.ID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Progress, "kehu bench --costs: %d updates\n", 2*cfg.Writes)
	rep.Update, err = costWrites(ctx, st, cfg.Writes, func(i int) error {
		in, err := newInput(s, r) // every field changes: name, phone, company, tags, custom fields
		if err != nil {
			return err
		}
		_, err = svc.UpdateCustomer(ctx, caller, ids[i%len(ids)], in)
		return err
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Progress, "kehu bench --costs: counts\n")
	vip := s.TagIDs[slices.Index(fakedata.TagNames, "VIP")]
	if rep.Counts, err = costCounts(ctx, svc, caller, vip); err != nil {
		return nil, err
	}
	return rep, nil
}

// newInput is a generated customer as the native API would decode it.
func newInput(s *seed.Setup, r *rand.Rand) (*crm.CustomerInput, error) {
	gen := fakedata.New(fakedata.Config{Seed: r.Int64()})
	var p fakedata.Person
	gen.Next(&p)
	m := map[string]any{"name": p.Name, "phone": p.Phone, "company": p.Company, "remark": p.Remark, "status": p.Status,
		"fields": map[string]any{"level": fakedata.Levels[p.Level], "score": p.Score, "birthday": p.BornDate.Format("2006-01-02")}}
	if p.Email != "" {
		m["email"] = p.Email
	}
	var tags []int64
	for _, t := range p.Tags {
		tags = append(tags, s.TagIDs[t])
	}
	m["tagIds"] = tags
	b, _ := json.Marshal(m)
	var in crm.CustomerInput
	return &in, json.Unmarshal(b, &in)
}

// tenantTables are the tables with a tenant_id column: what a sharded
// database distributes.
func tenantTables(ctx context.Context, st *store.Store) ([]string, error) {
	rows, err := st.Query(ctx, `SELECT table_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name = 'tenant_id' ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func costSizes(ctx context.Context, st *store.Store, rep *CostsReport) error {
	tables, err := tenantTables(ctx, st)
	if err != nil {
		return err
	}
	n := float64(rep.Customers)
	var heap, idx int64
	for _, tb := range tables {
		tc := TableCost{Table: tb}
		if err := st.QueryRow(ctx, `SELECT pg_relation_size(c.oid) + COALESCE(pg_relation_size(c.reltoastrelid), 0), pg_indexes_size(c.oid),
			(SELECT count(*) FROM pg_index WHERE indrelid = c.oid) FROM pg_class c WHERE c.oid = to_regclass(?)`, tb).Scan(&tc.HeapBytes, &tc.IndexBytes, &tc.Indexes); err != nil {
			return fmt.Errorf("bench: size of %s: %w", tb, err)
		}
		// The table names come from the catalogue.
		if err := st.QueryRow(ctx, `SELECT count(*) FROM "`+tb+`"`).Scan(&tc.Rows); err != nil {
			return err
		}
		tc.RowsPerCustomer = float64(tc.Rows) / n
		heap += tc.HeapBytes
		idx += tc.IndexBytes
		rep.Tables = append(rep.Tables, tc)
	}
	slices.SortFunc(rep.Tables, func(a, b TableCost) int { return int((b.HeapBytes + b.IndexBytes) - (a.HeapBytes + a.IndexBytes)) })
	rep.HeapPerCustomer, rep.IndexPerCustomer = float64(heap)/n, float64(idx)/n
	rep.TotalPerCustomer = rep.HeapPerCustomer + rep.IndexPerCustomer
	rows, err := st.Query(ctx, `SELECT t.relname, i.relname, pg_relation_size(i.oid) FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
		WHERE t.relnamespace = to_regnamespace(current_schema()) ORDER BY 3 DESC`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ic IndexCost
		if err := rows.Scan(&ic.Table, &ic.Index, &ic.Bytes); err != nil {
			return err
		}
		if !slices.Contains(tables, ic.Table) {
			continue
		}
		ic.PerCustomer = float64(ic.Bytes) / n
		rep.Indexes = append(rep.Indexes, ic)
	}
	return rows.Err()
}

// dbTotals are database-wide counters a write moves.
type dbTotals struct {
	lsn                 string
	ins, upd, del, size int64
	entries             int64 // Σ (rows inserted + updated other than HOT) × indexes of the table
}

func totals(ctx context.Context, st *store.Store) (dbTotals, error) {
	var d dbTotals
	// Stats of other backends reach pg_stat_* when they flush (at most a
	// second after their transaction): wait, then read a fresh snapshot.
	time.Sleep(1200 * time.Millisecond)
	if err := exec(ctx, st, `SELECT pg_stat_clear_snapshot()`); err != nil {
		return d, err
	}
	err := st.QueryRow(ctx, `SELECT pg_current_wal_insert_lsn()::text,
		COALESCE(sum(s.n_tup_ins), 0), COALESCE(sum(s.n_tup_upd), 0), COALESCE(sum(s.n_tup_del), 0),
		COALESCE(sum(pg_total_relation_size(s.relid)), 0),
		COALESCE(sum((s.n_tup_ins + s.n_tup_upd - s.n_tup_hot_upd) * (SELECT count(*) FROM pg_index x WHERE x.indrelid = s.relid)), 0)
		FROM pg_stat_user_tables s WHERE s.schemaname = current_schema()`).Scan(&d.lsn, &d.ins, &d.upd, &d.del, &d.size, &d.entries)
	return d, err
}

// exec runs a statement whose rows do not matter.
func exec(ctx context.Context, st *store.Store, q string) error {
	rows, err := st.Query(ctx, q)
	if err != nil {
		return err
	}
	return rows.Close()
}

func walDiff(ctx context.Context, st *store.Store, a, b string) (float64, error) {
	var v float64
	err := st.QueryRow(ctx, `SELECT pg_wal_lsn_diff(?::pg_lsn, ?::pg_lsn)`, b, a).Scan(&v)
	return v, err
}

// costWrites runs write 2×n times: n right after a checkpoint, n more.
func costWrites(ctx context.Context, st *store.Store, n int, write func(i int) error) (WriteCost, error) {
	wc := WriteCost{Writes: 2 * n}
	var fpw string
	if err := st.QueryRow(ctx, `SHOW full_page_writes`).Scan(&fpw); err != nil {
		return wc, err
	}
	wc.FullPageWritesOn = fpw == "on"
	if err := exec(ctx, st, `CHECKPOINT`); err != nil {
		return wc, fmt.Errorf("bench: CHECKPOINT (needs a superuser or pg_checkpoint): %w", err)
	}
	t0, err := totals(ctx, st)
	if err != nil {
		return wc, err
	}
	var ms []float64
	var mid dbTotals
	for i := 0; i < 2*n; i++ {
		if i == n {
			if mid, err = totals(ctx, st); err != nil {
				return wc, err
			}
		}
		start := time.Now()
		if err := write(i); err != nil {
			return wc, err
		}
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
	}
	t1, err := totals(ctx, st)
	if err != nil {
		return wc, err
	}
	a, err := walDiff(ctx, st, t0.lsn, mid.lsn)
	if err != nil {
		return wc, err
	}
	b, err := walDiff(ctx, st, mid.lsn, t1.lsn)
	if err != nil {
		return wc, err
	}
	f := float64(n)
	wc.WALAfterCkpt, wc.WALSteady = a/f, b/f
	wc.RowsWritten = float64((t1.ins-t0.ins)+(t1.upd-t0.upd)+(t1.del-t0.del)) / (2 * f)
	wc.IndexEntries = float64(t1.entries-t0.entries) / (2 * f)
	wc.GrowthBytes = float64(t1.size-t0.size) / (2 * f)
	slices.Sort(ms)
	wc.MillisecondsP50 = ms[len(ms)/2]
	return wc, nil
}

func costCounts(ctx context.Context, svc *crm.Service, caller *model.Caller, vip int64) ([]CountCost, error) {
	var out []CountCost
	month := time.Now().AddDate(0, 0, -30).Format("2006-01-02")
	for _, c := range []struct{ name, filter string }{
		{"all customers (counters)", ""},
		{"one status (counters)", "status = 1"},
		{"name contains one character", `name ~ "张"`},
		{"name contains two characters", `name ~ "张伟"`},
		{"a tag (VIP)", fmt.Sprintf("tags ?= %d", vip)},
		{"a custom number range", "score > 90"},
		{"created in the last 30 days", fmt.Sprintf("createdAt >= %q", month)},
		{"status and a tag and a name", fmt.Sprintf(`status = 1 && tags ?= %d && name ~ "王"`, vip)},
	} {
		var f *cond.Node
		if c.filter != "" {
			var err error
			if f, err = cond.ParseString(c.filter, cond.Limits{}); err != nil {
				return nil, fmt.Errorf("bench: count %q: %w", c.filter, err)
			}
		}
		var times []float64
		var total int64
		for i := 0; i < 6; i++ {
			start := time.Now()
			res, err := svc.Search(ctx, caller, &query.Request{Filter: f, PageSize: 1}, nil)
			if err != nil {
				return nil, fmt.Errorf("bench: count %q: %w", c.filter, err)
			}
			if i > 0 {
				times = append(times, float64(time.Since(start).Microseconds())/1000)
			}
			total = res.Total
		}
		slices.Sort(times)
		out = append(out, CountCost{Name: c.name, Filter: c.filter, Total: total, Ms: times[len(times)/2]})
	}
	return out, nil
}

// PrintCosts writes the report as text.
func PrintCosts(w io.Writer, r *CostsReport) {
	fmt.Fprintf(w, "kehu bench --costs — one tenant of %d customers\n", r.Customers)
	fmt.Fprintf(w, "machine: %s, %d cores, %.1f GiB, %s, %s, load average %s\n\n", r.Machine.CPU, r.Machine.Cores,
		float64(r.Machine.MemoryBytes)/(1<<30), r.Machine.Go, firstWords(r.Machine.DatabaseVersion, 2), r.Machine.LoadAverage)
	fmt.Fprintf(w, "load: %.1f s; per customer: heap %.0f B + indexes %.0f B = %.0f B (all tenant tables)\n\n",
		r.LoadSeconds, r.HeapPerCustomer, r.IndexPerCustomer, r.TotalPerCustomer)
	fmt.Fprintf(w, "%28s %12s %9s %10s %10s %8s\n", "table", "rows", "rows/cust", "heap MiB", "index MiB", "indexes")
	for _, t := range r.Tables {
		if t.Rows == 0 && t.HeapBytes < 1<<16 {
			continue
		}
		fmt.Fprintf(w, "%28s %12d %9.2f %10.1f %10.1f %8d\n", t.Table, t.Rows, t.RowsPerCustomer, mib(t.HeapBytes), mib(t.IndexBytes), t.Indexes)
	}
	fmt.Fprintf(w, "\n%44s %10s %10s\n", "index (largest 12)", "MiB", "B/cust")
	for _, ix := range r.Indexes[:min(12, len(r.Indexes))] {
		fmt.Fprintf(w, "%44s %10.1f %10.1f\n", ix.Index, mib(ix.Bytes), ix.PerCustomer)
	}
	fmt.Fprintf(w, "\n%8s %7s %14s %12s %8s %13s %11s %7s\n", "write", "writes", "WAL B (ckpt)", "WAL B (next)", "rows", "index entries", "growth B", "p50 ms")
	for _, x := range []struct {
		name string
		c    WriteCost
	}{{"create", r.Create}, {"update", r.Update}} {
		fmt.Fprintf(w, "%8s %7d %14.0f %12.0f %8.1f %13.1f %11.0f %7.2f\n", x.name, x.c.Writes, x.c.WALAfterCkpt, x.c.WALSteady,
			x.c.RowsWritten, x.c.IndexEntries, x.c.GrowthBytes, x.c.MillisecondsP50)
	}
	fmt.Fprintf(w, "(full_page_writes %v)\n\n%32s %10s %9s  filter\n", r.Create.FullPageWritesOn, "exact count", "total", "ms")
	for _, c := range r.Counts {
		fmt.Fprintf(w, "%32s %10d %9.2f  %s\n", c.Name, c.Total, c.Ms, c.Filter)
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}
