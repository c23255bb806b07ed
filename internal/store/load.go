package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"iter"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store/sqlite"
	"github.com/kehu/kehu/internal/textindex"
)

// Bulk loading.
//
// BulkLoad writes the same rows InsertCustomers writes — the customer, its
// gram, value, tag and collaborator rows, an "add" event and the counters —
// but as a load, not as transactions of a live service:
//
//   - customers (and their events) stream into the database in id order, so
//     every B-tree grows at its right edge;
//   - the side-table rows are collected in memory as posting lists while the
//     customers stream, then written in primary-key order (a WITHOUT ROWID
//     B-tree filled in key order is an append, several times faster than
//     random inserts);
//   - SQLite gets the rows through the driver's own statement interface (no
//     database/sql conversion per value), PostgreSQL through COPY;
//   - with DeferIndexes the secondary indexes (and, on PostgreSQL, the side
//     tables' primary keys and the foreign keys) are dropped first and built
//     afterwards in one sort each, which is how a restore works.
//
// Nobody may read or write the tenant's customers during a load: it is for
// a fresh tenant (`kehu bench`, seeding), not for imports into a live one.

// LoadOptions tune BulkLoad.
type LoadOptions struct {
	// DeferIndexes drops the secondary indexes of the customer tables
	// before the load and builds them after it. It requires a database in
	// which no tenant has customers yet (the indexes are shared by all
	// tenants), such as the fresh database `kehu bench` creates. SQLite
	// then also writes without a journal: a load that fails halfway
	// leaves such a database unusable (start it over).
	DeferIndexes bool
	// Atomic makes the load one transaction that commits entirely or not
	// at all, even if the process is killed: on a fresh SQLite database the
	// load writes through a rollback journal (of the few pages that existed
	// before; new pages are written once) instead of none, and it never
	// commits halfway. Imports use it; PostgreSQL does not support it here.
	Atomic bool
	// SizeHint is the number of customers expected (0: unknown).
	SizeHint int
	// FlushEvery writes the index rows collected so far after every
	// FlushEvery customers instead of once after all of them, which bounds
	// the memory of a load (about 150 bytes per customer collected) at the
	// cost of inserting later flushes between earlier rows (still in key
	// order). SQLite only; 0: once.
	FlushEvery int
	// CacheMB is SQLite's page cache for the load (0: 256 MiB).
	CacheMB int
	// Progress, if set, is told each phase as it starts and the number of
	// customers generated so far (from the generating goroutine).
	Progress func(phase string, customers int)
}

// ErrNotEmpty: a load that defers indexes found customers in the database
// (or, without deferring, in the tenant).
var ErrNotEmpty = errors.New("store: the database already holds customers")

// LoadPhase is one timed step of a load.
type LoadPhase struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration"`
	CPU      time.Duration `json:"cpu"` // CPU time of this process (all goroutines) during the phase
	Rows     int64         `json:"rows"`
}

// LoadStats describes a finished load.
type LoadStats struct {
	Customers int         `json:"customers"`
	Rows      int64       `json:"rows"` // all rows written, customers and index rows
	Phases    []LoadPhase `json:"phases"`
}

// loadTables are the tables a load writes; their secondary indexes are the
// ones DeferIndexes drops.
var loadTables = []string{"customers", "customer_grams", "value_grams", "customer_values_num", "customer_values_text",
	"customer_unique", "customer_tags", "customer_collaborators", "customer_events", "customer_counts"}

// postings collects side-table rows as posting lists of customer ordinals
// (positions in ids), which keeps a million customers' twenty-odd million
// gram rows in about 100 MB.
type postings struct {
	ids     []int64
	status  []int8
	project []int64 // project, owner and creation time: the token rows carry them (GramColumns)
	owner   []int64
	created []int64
	grams   map[string][]uint32
	company map[string][]string // value_grams: gram → normalised company names
	seen    map[string]bool     // companies already tokenised
	nums    map[int64][]numPosting
	texts   map[int64]map[string][]uint32
	uniques map[int64]map[string][]uint32
	tags    map[int64][]uint32
	collabs map[int64][]uint32
	// counts per (project, status, slot) for customer_counts.
	counts map[[3]int64]int64
	sorted bool // ids ascend
}

type numPosting struct {
	v float64
	i uint32
}

func newPostings(n int) *postings {
	return &postings{ids: make([]int64, 0, n), status: make([]int8, 0, n), project: make([]int64, 0, n),
		owner: make([]int64, 0, n), created: make([]int64, 0, n), grams: map[string][]uint32{},
		company: map[string][]string{}, seen: map[string]bool{}, nums: map[int64][]numPosting{},
		texts: map[int64]map[string][]uint32{}, uniques: map[int64]map[string][]uint32{},
		tags: map[int64][]uint32{}, collabs: map[int64][]uint32{}, counts: map[[3]int64]int64{}, sorted: true}
}

func (p *postings) add(c *model.Customer, ix *indexRows) {
	if n := len(p.ids); n > 0 && c.ID <= p.ids[n-1] {
		p.sorted = false
	}
	i := uint32(len(p.ids))
	p.ids = append(p.ids, c.ID)
	p.status = append(p.status, int8(c.Status))
	p.project = append(p.project, c.ProjectID)
	p.owner = append(p.owner, c.OwnerID)
	p.created = append(p.created, model.Millis(c.CreatedAt))
	for _, g := range ix.grams {
		l, ok := p.grams[g]
		if !ok {
			g = strings.Clone(g) // tokens share one buffer per customer: keep only the key
		}
		p.grams[g] = append(l, i)
	}
	if c.Company != "" {
		if norm := textindex.Normalize(c.Company); norm != "" && !p.seen[norm] {
			p.seen[norm] = true
			for _, g := range CompanyTokens(norm) {
				l, ok := p.company[g]
				if !ok {
					g = strings.Clone(g)
				}
				p.company[g] = append(l, norm)
			}
		}
	}
	for _, n := range ix.nums {
		p.nums[n.field] = append(p.nums[n.field], numPosting{n.value, i})
	}
	for _, x := range ix.texts {
		m := p.texts[x.field]
		if m == nil {
			m = map[string][]uint32{}
			p.texts[x.field] = m
		}
		m[x.value] = append(m[x.value], i)
	}
	for _, u := range ix.uniques {
		m := p.uniques[u.field]
		if m == nil {
			m = map[string][]uint32{}
			p.uniques[u.field] = m
		}
		m[u.value] = append(m[u.value], i)
	}
	for _, t := range uniqueInts(c.TagIDs) {
		p.tags[t] = append(p.tags[t], i)
	}
	for _, s := range uniqueInts(c.CollaboratorIDs) {
		p.collabs[s] = append(p.collabs[s], i)
	}
	p.counts[[3]int64{c.ProjectID, int64(c.Status), c.ID % countSlots}]++
}

// order sorts a posting list by customer id (a no-op when ids ascend).
func (p *postings) order(l []uint32) []uint32 {
	if !p.sorted {
		slices.SortFunc(l, func(a, b uint32) int { return cmp.Compare(p.ids[a], p.ids[b]) })
	}
	return l
}

// rowSource yields rows of one table in primary-key order.
type rowSource struct {
	table string
	cols  []string
	n     int64
	each  func(yield func(row []any) bool) // row is reused between calls
}

func (p *postings) sources(tenantID int64) []rowSource {
	var out []rowSource
	gramKeys := sortedKeys(p.grams)
	var ng int64
	for _, l := range p.grams {
		ng += int64(len(l))
	}
	out = append(out, rowSource{"customer_grams", strings.Split(GramColumns, ", "), ng, func(yield func([]any) bool) {
		row := make([]any, 7)
		row[0] = tenantID
		for _, g := range gramKeys {
			row[1] = g
			for _, i := range p.order(p.grams[g]) {
				row[2], row[3], row[4], row[5], row[6] = p.ids[i], int64(p.status[i]), p.project[i], p.owner[i], p.created[i]
				if !yield(row) {
					return
				}
			}
		}
	}})
	var nc int64
	for _, l := range p.company {
		nc += int64(len(l))
	}
	out = append(out, rowSource{"value_grams", []string{"tenant_id", "gram", "value"}, nc, func(yield func([]any) bool) {
		row := make([]any, 3)
		row[0] = tenantID
		for _, g := range sortedKeys(p.company) {
			row[1] = g
			l := p.company[g]
			slices.Sort(l)
			for _, v := range l {
				row[2] = v
				if !yield(row) {
					return
				}
			}
		}
	}})
	countKeys := make([][3]int64, 0, len(p.counts))
	for k := range p.counts {
		countKeys = append(countKeys, k)
	}
	slices.SortFunc(countKeys, func(a, b [3]int64) int {
		for i := range a {
			if c := cmp.Compare(a[i], b[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	out = append(out, rowSource{"customer_counts", []string{"tenant_id", "project_id", "status", "slot", "n"}, int64(len(countKeys)), func(yield func([]any) bool) {
		for _, k := range countKeys {
			if !yield([]any{tenantID, k[0], k[1], k[2], p.counts[k]}) {
				return
			}
		}
	}})
	fields := sortedKeys(p.nums)
	var nn int64
	for _, l := range p.nums {
		nn += int64(len(l))
	}
	out = append(out, rowSource{"customer_values_num", []string{"tenant_id", "field_id", "value", "customer_id"}, nn, func(yield func([]any) bool) {
		row := make([]any, 4)
		row[0] = tenantID
		for _, f := range fields {
			l := p.nums[f]
			slices.SortFunc(l, func(a, b numPosting) int {
				if c := cmp.Compare(a.v, b.v); c != 0 {
					return c
				}
				return cmp.Compare(p.ids[a.i], p.ids[b.i])
			})
			row[1] = f
			var last *numPosting
			for k := range l {
				e := &l[k]
				if last != nil && last.v == e.v && last.i == e.i {
					continue // a multi-select listing the same option twice
				}
				last = e
				row[2], row[3] = e.v, p.ids[e.i]
				if !yield(row) {
					return
				}
			}
		}
	}})
	textRows := func(table string, m map[int64]map[string][]uint32, dedupe bool) rowSource {
		var n int64
		for _, vm := range m {
			for _, l := range vm {
				n += int64(len(l))
			}
		}
		return rowSource{table, []string{"tenant_id", "field_id", "value", "customer_id"}, n, func(yield func([]any) bool) {
			row := make([]any, 4)
			row[0] = tenantID
			for _, f := range sortedKeys(m) {
				row[1] = f
				vm := m[f]
				for _, v := range sortedKeys(vm) {
					row[2] = v
					last := int64(-1)
					for _, i := range p.order(vm[v]) {
						if dedupe && p.ids[i] == last {
							continue
						}
						last = p.ids[i]
						row[3] = last
						if !yield(row) {
							return
						}
					}
				}
			}
		}}
	}
	out = append(out, textRows("customer_values_text", p.texts, true))
	out = append(out, textRows("customer_unique", p.uniques, false))
	linkRows := func(table, col string, m map[int64][]uint32) rowSource {
		var n int64
		for _, l := range m {
			n += int64(len(l))
		}
		return rowSource{table, []string{"tenant_id", col, "customer_id"}, n, func(yield func([]any) bool) {
			row := make([]any, 3)
			row[0] = tenantID
			for _, k := range sortedKeys(m) {
				row[1] = k
				for _, i := range p.order(m[k]) {
					row[2] = p.ids[i]
					if !yield(row) {
						return
					}
				}
			}
		}}
	}
	out = append(out, linkRows("customer_tags", "tag_id", p.tags), linkRows("customer_collaborators", "staff_id", p.collabs))
	return out
}

// checkUnique reports the first value of a unique field held by two customers.
func (p *postings) checkUnique() error {
	for _, f := range sortedKeys(p.uniques) {
		for _, v := range sortedKeys(p.uniques[f]) {
			if l := p.uniques[f][v]; len(l) > 1 {
				return &model.ConflictError{Field: fieldKey(f), Value: v, ExistingID: p.ids[l[0]]}
			}
		}
	}
	return nil
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// loadBatch is a slice of generated customers on its way to the writer.
type loadBatch struct {
	cust   [][]any
	events [][]any
	extra  []extraRows
	post   *postings // index rows to write now (FlushEvery)
}

// extraRows are rows of another table written in the load's transaction
// (an import's report rows).
type extraRows struct {
	table string
	cols  []string
	rows  [][]any
}

const loadBatchRows = 512

// BulkLoad generates n customers with fill (called with the customer's
// ordinal and a zeroed customer of tenantID; a zero ID is assigned) and
// loads them into tenantID, which must have no customers yet. fill runs on
// a goroutine of its own, concurrently with the database writes.
func (s *Store) BulkLoad(ctx context.Context, tenantID int64, cat *Catalog, n int, fill func(i int, c *model.Customer), opt LoadOptions) (*LoadStats, error) {
	if opt.SizeHint == 0 {
		opt.SizeHint = n
	}
	return s.Load(ctx, tenantID, cat, func(ctx context.Context, f *LoadFeed) error {
		for i := 0; i < n; i++ {
			c := &model.Customer{}
			fill(i, c)
			if err := f.Add(c); err != nil {
				return err
			}
		}
		return nil
	}, opt)
}

// Load loads the customers feed adds into tenantID, which must have no
// customers yet (with DeferIndexes, no tenant may have any). feed runs on a
// goroutine of its own, concurrently with the database writes; when it
// returns an error, nothing of the load is kept if the load is Atomic.
func (s *Store) Load(ctx context.Context, tenantID int64, cat *Catalog, feed func(ctx context.Context, f *LoadFeed) error, opt LoadOptions) (*LoadStats, error) {
	progress := opt.Progress
	if progress == nil {
		progress = func(string, int) {}
	}
	if opt.Atomic && s.dialect != SQLite {
		return nil, fmt.Errorf("store: atomic loads need SQLite")
	}
	if s.dialect != SQLite {
		opt.FlushEvery = 0 // COPY cannot merge counters with rows already written
	}
	if err := checkLoadable(ctx, s.exists, tenantID, opt.DeferIndexes); err != nil {
		return nil, err
	}
	if opt.DeferIndexes && s.dialect == SQLite {
		// Let the writer take the database for itself (see sqliteLoader.open).
		s.r.SetMaxIdleConns(0)
		defer s.r.SetMaxIdleConns(sqlite.ReaderPoolSize())
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: bulk load: %w", err)
	}
	defer conn.Close()
	var l loader
	if s.dialect == Postgres {
		l = &pgLoader{}
	} else {
		l = &sqliteLoader{atomic: opt.Atomic, cacheMB: cmp.Or(opt.CacheMB, 256), sync: s.sync}
	}
	stats := &LoadStats{}
	cpu := processCPU()
	phase := func(name string, rows int64, start time.Time) {
		now := processCPU()
		stats.Phases = append(stats.Phases, LoadPhase{Name: name, Duration: time.Since(start), CPU: now - cpu, Rows: rows})
		cpu = now
		stats.Rows += rows
	}
	done := false
	err = conn.Raw(func(dc any) error {
		if err := l.open(ctx, dc, opt.DeferIndexes); err != nil {
			return err
		}
		defer l.close(ctx)
		if sl, ok := l.(*sqliteLoader); ok {
			// Checked again under the write lock: nobody can add a
			// customer between this check and the commit.
			if err := checkLoadable(ctx, sl.exists, tenantID, opt.DeferIndexes); err != nil {
				return err
			}
		}
		start := time.Now()
		var deferred []string
		if opt.DeferIndexes {
			progress("drop indexes", 0)
			if deferred, err = l.dropIndexes(ctx); err != nil {
				return fmt.Errorf("drop indexes: %w", err)
			}
			phase("drop indexes", 0, start)
		}

		// Feed on one goroutine, write on this one.
		progress("customers", 0)
		start = time.Now()
		sizeHint := opt.SizeHint
		if opt.FlushEvery > 0 {
			sizeHint = min(sizeHint, opt.FlushEvery)
		}
		f := &LoadFeed{tenantID: tenantID, cat: cat, post: newPostings(sizeHint), b: &loadBatch{}, progress: progress, flushEvery: opt.FlushEvery}
		writePostings := func(post *postings) error {
			if err := post.checkUnique(); err != nil {
				return err
			}
			for _, src := range post.sources(tenantID) {
				if src.n == 0 {
					continue
				}
				progress(src.table, f.n)
				start := time.Now()
				if err := l.rows(ctx, src); err != nil {
					return fmt.Errorf("%s: %w", src.table, err)
				}
				phase(src.table, src.n, start)
			}
			return nil
		}
		batches := make(chan *loadBatch, 8)
		genCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		f.ctx, f.out = genCtx, batches
		var genErr error
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(batches)
			if genErr = feed(genCtx, f); genErr == nil {
				genErr = f.flush()
			}
		}()
		err := l.customers(ctx, batches, writePostings)
		if err != nil {
			cancel()
			for range batches {
			}
		}
		wg.Wait()
		if err == nil {
			err = genErr
		}
		if err != nil {
			return fmt.Errorf("customers: %w", err)
		}
		n := f.n
		stats.Customers = n
		phase("customers", int64(2*n), start)
		post := f.post
		f.post = nil
		if err := writePostings(post); err != nil {
			return err
		}
		post = nil
		runtime.GC()

		if len(deferred) > 0 {
			progress("build indexes", n)
			start = time.Now()
			if err := l.buildIndexes(ctx, deferred); err != nil {
				return fmt.Errorf("build indexes: %w", err)
			}
			phase("build indexes", 0, start)
		}
		progress("finish", n)
		start = time.Now()
		if err := l.finish(ctx); err != nil {
			return fmt.Errorf("finish: %w", err)
		}
		phase("finish", 0, start)
		done = true
		// Retire the connection: its load-sized page cache goes with it.
		return driver.ErrBadConn
	})
	if done && errors.Is(err, driver.ErrBadConn) {
		err = nil
	}
	if err != nil {
		if errors.Is(err, ErrNotEmpty) {
			return stats, err
		}
		return stats, fmt.Errorf("store: bulk load: %w", s.translate(err))
	}
	// The load's events go into the feed after it, in id order — on the
	// pool's writer connection, so the load's own must be back first.
	conn.Close()
	start := time.Now()
	if _, err := s.SequenceFeed(ctx); err != nil {
		return stats, err
	}
	stats.Phases = append(stats.Phases, LoadPhase{Name: "feed positions", Duration: time.Since(start)})
	return stats, nil
}

// checkLoadable refuses a load into a tenant that has customers, and a
// load deferring the shared indexes into a database that has any.
func checkLoadable(ctx context.Context, exists func(ctx context.Context, q string, args ...any) (bool, error), tenantID int64, deferIndexes bool) error {
	q, args := `SELECT 1 FROM customers WHERE tenant_id = ? LIMIT 1`, []any{tenantID}
	if deferIndexes {
		q, args = `SELECT 1 FROM customers LIMIT 1`, nil
	}
	found, err := exists(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: bulk load: %w", err)
	}
	if found {
		return ErrNotEmpty
	}
	return nil
}

// exists reports whether q returns a row.
func (s *Store) exists(ctx context.Context, q string, args ...any) (bool, error) {
	var one int
	switch err := s.queryRow(ctx, q, args...).Scan(&one); {
	case err == nil:
		return true, nil
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	default:
		return false, err
	}
}

// HasCustomers reports whether any tenant has a customer.
func (s *Store) HasCustomers(ctx context.Context) (bool, error) {
	return s.exists(ctx, `SELECT 1 FROM customers LIMIT 1`)
}

// LoadFeed takes a load's customers (and rows that belong to the same
// transaction) from the feed goroutine to the writer.
type LoadFeed struct {
	ctx      context.Context
	tenantID int64
	cat      *Catalog
	post     *postings
	b        *loadBatch
	out      chan<- *loadBatch
	n        int
	told     int // f.n when progress was last told
	progress func(string, int)
	// flushEvery: hand the postings to the writer after this many customers.
	flushEvery int
}

// Add queues a new customer of the load's tenant (a zero ID is assigned).
func (f *LoadFeed) Add(c *model.Customer) error {
	c.TenantID = f.tenantID
	if c.ID == 0 {
		c.ID = idgen.Next()
	}
	ix, err := buildIndexOpts(c, f.cat, false)
	if err != nil {
		return err
	}
	f.post.add(c, &ix)
	f.b.cust = append(f.b.cust, customerArgs(c))
	f.b.events = append(f.b.events, []any{f.tenantID, idgen.Next(), nullInt(c.ProjectID), c.ID, "add", "", model.Millis(c.UpdatedAt)})
	f.n++
	if f.flushEvery > 0 && len(f.post.ids) >= f.flushEvery {
		if err := f.flush(); err != nil {
			return err
		}
		f.b.post, f.post = f.post, newPostings(f.flushEvery)
		if err := f.flush(); err != nil {
			return err
		}
	}
	if len(f.b.cust) == loadBatchRows {
		if err := f.flush(); err != nil {
			return err
		}
		if f.n-f.told >= 64*loadBatchRows {
			f.told = f.n
			f.progress("customers", f.n)
		}
	}
	return nil
}

// AddImportIssues queues report rows of an import job.
func (f *LoadFeed) AddImportIssues(importID int64, issues []ImportIssue) {
	if len(issues) == 0 {
		return
	}
	f.b.extra = append(f.b.extra, extraRows{"import_issues", importIssueCols, importIssueRows(f.tenantID, importID, issues)})
}

// SaveImport queues the final state of an import job (SQLite loads only),
// so the job reads as done exactly when its rows are committed.
func (f *LoadFeed) SaveImport(j *ImportJob) {
	cols := append([]string{"tenant_id", "id"}, strings.Split(importColumns, ", ")...)
	row := []any{j.TenantID, j.ID, j.Status, j.FileName, j.Options, j.TotalRows, j.Processed, j.Created, j.Updated, j.Skipped, j.Failed, j.Error,
		model.Millis(j.CreatedAt), model.Millis(j.UpdatedAt)}
	f.b.extra = append(f.b.extra, extraRows{"imports", cols, [][]any{row}})
}

func (f *LoadFeed) flush() error {
	if len(f.b.cust) == 0 && len(f.b.extra) == 0 && f.b.post == nil {
		return nil
	}
	select {
	case f.out <- f.b:
	case <-f.ctx.Done():
		return f.ctx.Err()
	}
	f.b = &loadBatch{}
	return nil
}

// loader is one database's way of loading.
type loader interface {
	open(ctx context.Context, driverConn any, fresh bool) error
	dropIndexes(ctx context.Context) (deferred []string, err error)
	// customers writes the batches' customers, events and extra rows, and
	// their postings with writePostings.
	customers(ctx context.Context, batches <-chan *loadBatch, writePostings func(*postings) error) error
	rows(ctx context.Context, src rowSource) error
	buildIndexes(ctx context.Context, ddl []string) error
	finish(ctx context.Context) error
	close(ctx context.Context)
}

// ---------------------------------------------------------------------------
// SQLite

type sqliteLoader struct {
	conn    driver.Conn
	stmts   map[string]driver.Stmt
	inTx    bool
	atomic  bool // one transaction, through a journal (LoadOptions.Atomic)
	cacheMB int
	sync    string // the store's synchronous setting, restored after the load
	noWAL   bool   // journal_mode OFF (or DELETE, atomic) for the load of a fresh database
}

func (l *sqliteLoader) open(ctx context.Context, dc any, fresh bool) error {
	c, ok := dc.(driver.Conn)
	if !ok {
		return fmt.Errorf("unexpected driver connection %T", dc)
	}
	l.conn, l.stmts = c, map[string]driver.Stmt{}
	// Durability is pointless halfway through a bench load: it either
	// finishes (and checkpoints) or the database is thrown away. An atomic
	// load (an import) must survive a power cut: FULL, which a rollback
	// journal needs for that. A large cache lets the index sorts run in
	// memory.
	sync := "OFF"
	if l.atomic {
		sync = "FULL"
	}
	for _, p := range []string{"PRAGMA foreign_keys = OFF", "PRAGMA synchronous = " + sync, "PRAGMA cache_size = -" + strconv.Itoa(l.cacheMB<<10),
		"PRAGMA wal_autocheckpoint = 0"} {
		if err := l.exec(ctx, p); err != nil {
			return err
		}
	}
	if fresh {
		// A database without customers has little to protect: without the
		// WAL every page is written once instead of to the WAL and then
		// again by the checkpoint. An atomic load keeps a rollback journal,
		// which holds only the pages that existed before the load (new
		// pages need no undo), so it costs next to nothing and a killed
		// load rolls back.
		mode := "off"
		if l.atomic {
			mode = "delete"
		}
		// (SQLite answers SQLITE_BUSY while another connection, such as a
		// running `kehu serve`, has the database open: the load keeps WAL.)
		rows, err := l.queryStrings(ctx, "PRAGMA journal_mode = "+mode)
		l.noWAL = err == nil && len(rows) == 1 && strings.EqualFold(rows[0][0], mode)
	}
	return l.exec(ctx, "BEGIN IMMEDIATE")
}

func (l *sqliteLoader) exec(ctx context.Context, q string, args ...driver.NamedValue) error {
	ex, ok := l.conn.(driver.ExecerContext)
	if !ok {
		return fmt.Errorf("driver cannot exec")
	}
	if _, err := ex.ExecContext(ctx, q, args); err != nil {
		return fmt.Errorf("%s: %w", firstLine(q), err)
	}
	switch {
	case strings.HasPrefix(q, "BEGIN"):
		l.inTx = true
	case q == "COMMIT" || q == "ROLLBACK":
		l.inTx = false
	}
	return nil
}

func firstLine(q string) string {
	if i := strings.IndexByte(q, '\n'); i >= 0 {
		q = q[:i]
	}
	if len(q) > 80 {
		q = q[:80] + "…"
	}
	return q
}

// exists reports whether q returns a row.
func (l *sqliteLoader) exists(ctx context.Context, q string, args ...any) (bool, error) {
	rows, err := l.queryStrings(ctx, q, args...)
	return len(rows) > 0, err
}

func (l *sqliteLoader) queryStrings(ctx context.Context, q string, args ...any) ([][]string, error) {
	qc, ok := l.conn.(driver.QueryerContext)
	if !ok {
		return nil, fmt.Errorf("driver cannot query")
	}
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: driverValue(a)}
	}
	rows, err := qc.QueryContext(ctx, q, named)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	dest := make([]driver.Value, len(rows.Columns()))
	for {
		if err := rows.Next(dest); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		row := make([]string, len(dest))
		for i, v := range dest {
			switch x := v.(type) {
			case string:
				row[i] = x
			case []byte:
				row[i] = string(x)
			case int64:
				row[i] = strconv.FormatInt(x, 10)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func (l *sqliteLoader) dropIndexes(ctx context.Context) ([]string, error) {
	rows, err := l.queryStrings(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('`+
		strings.Join(loadTables, "', '")+`') ORDER BY rowid`)
	if err != nil {
		return nil, err
	}
	var ddl []string
	for _, r := range rows {
		if err := l.exec(ctx, `DROP INDEX "`+r[0]+`"`); err != nil {
			return nil, err
		}
		ddl = append(ddl, r[1])
	}
	return ddl, nil
}

func (l *sqliteLoader) stmt(ctx context.Context, q string) (driver.Stmt, error) {
	pc, ok := l.conn.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("driver cannot prepare")
	}
	return pc.PrepareContext(ctx, q)
}

// insert writes rows (all of the same width) with multi-row statements.
func (l *sqliteLoader) insert(ctx context.Context, table string, cols []string, rows [][]any, args *[]driver.NamedValue) error {
	width := len(cols)
	per := max(1, min(500, maxBindVars/width))
	colKey := table + "(" + strings.Join(cols, ",") + ")"
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		key := colKey + strconv.Itoa(len(chunk))
		st := l.stmts[key]
		if st == nil {
			var err error
			if st, err = l.stmt(ctx, multiInsert(table, cols, len(chunk))); err != nil {
				return err
			}
			l.stmts[key] = st
		}
		a := (*args)[:0]
		for _, r := range chunk {
			for _, v := range r {
				a = append(a, driver.NamedValue{Ordinal: len(a) + 1, Value: driverValue(v)})
			}
		}
		*args = a
		if _, err := st.(driver.StmtExecContext).ExecContext(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// loadConflict is what a load's insert does when the row exists: a load
// that flushes its postings more than once meets its own company tokens and
// counters again.
var loadConflict = map[string]string{
	"value_grams":     " ON CONFLICT DO NOTHING",
	"customer_counts": " ON CONFLICT (tenant_id, project_id, status, slot) DO UPDATE SET n = customer_counts.n + excluded.n",
	"imports": " ON CONFLICT (tenant_id, id) DO UPDATE SET status = excluded.status, options = excluded.options, total_rows = excluded.total_rows," +
		" processed = excluded.processed, created = excluded.created, updated = excluded.updated, skipped = excluded.skipped," +
		" failed = excluded.failed, error = excluded.error, updated_at = excluded.updated_at",
}

func multiInsert(table string, cols []string, rows int) string {
	one := "(" + placeholders(len(cols)) + ")"
	var b strings.Builder
	b.Grow(32 + len(table) + 16*len(cols) + rows*(len(one)+2))
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	b.WriteString(loadConflict[table])
	return b.String()
}

// driverValue converts the few Go types the store passes as arguments.
func driverValue(v any) driver.Value {
	switch x := v.(type) {
	case nil, int64, float64, string, []byte, bool, time.Time:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	}
	dv, err := driver.DefaultParameterConverter.ConvertValue(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return dv
}

func loadCustomerCols() []string { return strings.Split(insertColumns, ", ") }

var eventCols = []string{"tenant_id", "id", "project_id", "customer_id", "kind", "data", "created_at"}

func (l *sqliteLoader) customers(ctx context.Context, batches <-chan *loadBatch, writePostings func(*postings) error) error {
	cols := loadCustomerCols()
	defaults, err := l.columnDefaults(ctx, "customers")
	if err != nil {
		return err
	}
	// Most customers leave most of the 60-odd columns empty; binding a
	// value costs more than SQLite filling in the column default, so each
	// batch lists only the columns some row of it sets.
	dflt := make([]driver.Value, len(cols))
	omittable := make([]bool, len(cols))
	for j, c := range cols {
		dflt[j], omittable[j] = defaults[c]
	}
	var args []driver.NamedValue
	var projected [][]any
	mask := make([]byte, len(cols))
	done := 0
	for b := range batches {
		if b.post != nil {
			if err := writePostings(b.post); err != nil {
				return err
			}
		}
		for j := range cols {
			mask[j] = '1'
			if omittable[j] {
				mask[j] = '0'
				for _, r := range b.cust {
					if v := driverValue(r[j]); v != dflt[j] {
						mask[j] = '1'
						break
					}
				}
			}
		}
		var keep []string
		var idx []int
		for j, c := range cols {
			if mask[j] == '1' {
				keep, idx = append(keep, c), append(idx, j)
			}
		}
		projected = projected[:0]
		for _, r := range b.cust {
			p := make([]any, len(idx))
			for k, j := range idx {
				p[k] = r[j]
			}
			projected = append(projected, p)
		}
		if err := l.insert(ctx, "customers", keep, projected, &args); err != nil {
			return err
		}
		if err := l.insert(ctx, "customer_events", eventCols, b.events, &args); err != nil {
			return err
		}
		for _, x := range b.extra {
			if err := l.insert(ctx, x.table, x.cols, x.rows, &args); err != nil {
				return err
			}
		}
		// Commit now and then so the WAL does not grow without bound
		// (the checkpoint at the end moves it into the database).
		if done += len(b.cust); done >= 100_000 {
			done = 0
			if err := l.commitBegin(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// columnDefaults reads which columns of table SQLite fills in by itself
// and with what: NULL for nullable columns without a default, or a
// literal '…' string or integer default.
func (l *sqliteLoader) columnDefaults(ctx context.Context, table string) (map[string]driver.Value, error) {
	rows, err := l.queryStrings(ctx, `SELECT name, "notnull", COALESCE(dflt_value, ''), dflt_value IS NULL FROM pragma_table_info('`+table+`')`)
	if err != nil {
		return nil, err
	}
	out := map[string]driver.Value{}
	for _, r := range rows {
		name, notNull, d, isNull := r[0], r[1] == "1", r[2], r[3] == "1"
		switch {
		case isNull && !notNull:
			out[name] = nil
		case isNull:
		case len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' && !strings.Contains(d[1:len(d)-1], "'"):
			out[name] = d[1 : len(d)-1]
		default:
			if n, err := strconv.ParseInt(d, 10, 64); err == nil {
				out[name] = n
			}
		}
	}
	return out, nil
}

func (l *sqliteLoader) commitBegin(ctx context.Context) error {
	if l.noWAL || l.atomic {
		return nil // no WAL to bound, or all or nothing: one transaction
	}
	if err := l.exec(ctx, "COMMIT"); err != nil {
		return err
	}
	if err := l.exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return err
	}
	return l.exec(ctx, "BEGIN IMMEDIATE")
}

func (l *sqliteLoader) rows(ctx context.Context, src rowSource) error {
	const chunk = 4096
	buf := make([][]any, 0, chunk)
	store := make([]any, 0, chunk*len(src.cols))
	var args []driver.NamedValue
	var err error
	written := 0
	flush := func() bool {
		if err = l.insert(ctx, src.table, src.cols, buf, &args); err != nil {
			return false
		}
		written += len(buf)
		buf, store = buf[:0], store[:0]
		if written >= 2_000_000 {
			written = 0
			if err = l.commitBegin(ctx); err != nil {
				return false
			}
		}
		return true
	}
	src.each(func(row []any) bool {
		start := len(store)
		store = append(store, row...)
		buf = append(buf, store[start:len(store):len(store)])
		if len(buf) == chunk {
			return flush()
		}
		return true
	})
	if err != nil {
		return err
	}
	if len(buf) > 0 {
		flush()
	}
	return err
}

func (l *sqliteLoader) buildIndexes(ctx context.Context, ddl []string) error {
	for _, q := range ddl {
		if err := l.exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (l *sqliteLoader) finish(ctx context.Context) error {
	if err := l.exec(ctx, "COMMIT"); err != nil {
		return err
	}
	if l.noWAL {
		rows, err := l.queryStrings(ctx, "PRAGMA journal_mode = WAL")
		if err != nil {
			return err
		}
		if (len(rows) != 1 || !strings.EqualFold(rows[0][0], "wal")) && !l.atomic {
			// (An atomic load has committed by now; the next connection
			// of the pool switches the database back to WAL.)
			return fmt.Errorf("could not switch back to WAL: %v", rows)
		}
		l.noWAL = false
		return nil
	}
	err := l.exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	if l.atomic {
		// Committed: a checkpoint held up by readers is left to the
		// next writer's automatic one, not reported as a failed load.
		return nil
	}
	return err
}

func (l *sqliteLoader) close(ctx context.Context) {
	for _, st := range l.stmts {
		st.Close()
	}
	if l.inTx {
		_ = l.exec(ctx, "ROLLBACK")
	}
	// Back to the settings of sqlite.Open for whoever uses the connection next.
	if l.noWAL {
		_, _ = l.queryStrings(ctx, "PRAGMA journal_mode = WAL")
	}
	for _, p := range []string{"PRAGMA foreign_keys = ON", "PRAGMA synchronous = " + strings.ToUpper(cmp.Or(l.sync, sqlite.SyncNormal)), "PRAGMA cache_size = -16384",
		"PRAGMA wal_autocheckpoint = 1000"} {
		_ = l.exec(ctx, p)
	}
}

// ---------------------------------------------------------------------------
// PostgreSQL

type pgLoader struct {
	conn *pgx.Conn
	ddl  []string // constraints and indexes to restore, in order
}

func (l *pgLoader) open(ctx context.Context, dc any, _ bool) error {
	c, ok := dc.(*stdlib.Conn)
	if !ok {
		return fmt.Errorf("unexpected driver connection %T", dc)
	}
	l.conn = c.Conn()
	for _, q := range []string{"SET synchronous_commit = off", "SET maintenance_work_mem = '512MB'"} {
		if _, err := l.conn.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (l *pgLoader) dropIndexes(ctx context.Context) ([]string, error) {
	tables := "'" + strings.Join(loadTables, "', '") + "'"
	// Foreign keys and the side tables' primary keys (customers keeps its
	// own: ids arrive in ascending order, so it is an append), then plain
	// indexes.
	rows, err := l.conn.Query(ctx, `SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype::text
		FROM pg_constraint WHERE conrelid::regclass::text IN (`+tables+`) AND (contype = 'f' OR (contype = 'p' AND conrelid::regclass::text <> 'customers'))
		ORDER BY contype DESC, conname`)
	if err != nil {
		return nil, err
	}
	type con struct{ table, name, def, typ string }
	var cons []con
	for rows.Next() {
		var c con
		if err := rows.Scan(&c.table, &c.name, &c.def, &c.typ); err != nil {
			rows.Close()
			return nil, err
		}
		cons = append(cons, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = l.conn.Query(ctx, `SELECT i.indexname, i.indexdef FROM pg_indexes i
		WHERE i.schemaname = current_schema() AND i.tablename IN (`+tables+`)
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
		ORDER BY i.indexname`)
	if err != nil {
		return nil, err
	}
	type idx struct{ name, def string }
	var idxs []idx
	for rows.Next() {
		var x idx
		if err := rows.Scan(&x.name, &x.def); err != nil {
			rows.Close()
			return nil, err
		}
		idxs = append(idxs, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var restore []string
	for _, c := range cons {
		if _, err := l.conn.Exec(ctx, `ALTER TABLE `+pgx.Identifier{c.table}.Sanitize()+` DROP CONSTRAINT `+pgx.Identifier{c.name}.Sanitize()); err != nil {
			return nil, err
		}
	}
	for _, x := range idxs {
		if _, err := l.conn.Exec(ctx, `DROP INDEX `+pgx.Identifier{x.name}.Sanitize()); err != nil {
			return nil, err
		}
		restore = append(restore, x.def)
	}
	// Primary keys before foreign keys (which need the referenced keys).
	for _, typ := range []string{"p", "f"} {
		for _, c := range cons {
			if c.typ == typ {
				restore = append(restore, `ALTER TABLE `+pgx.Identifier{c.table}.Sanitize()+` ADD CONSTRAINT `+pgx.Identifier{c.name}.Sanitize()+` `+c.def)
			}
		}
	}
	return restore, nil
}

func (l *pgLoader) customers(ctx context.Context, batches <-chan *loadBatch, _ func(*postings) error) error {
	// Customers and their events go through two COPYs; events are kept
	// aside (small rows) and copied after.
	var events [][]any
	var extra []extraRows
	var cur *loadBatch
	k := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		for cur == nil || k == len(cur.cust) {
			b, ok := <-batches
			if !ok {
				return nil, nil
			}
			cur, k = b, 0
			events = append(events, b.events...)
			extra = append(extra, b.extra...)
		}
		row := cur.cust[k]
		k++
		return row, nil
	})
	if _, err := l.conn.CopyFrom(ctx, pgx.Identifier{"customers"}, loadCustomerCols(), src); err != nil {
		return err
	}
	if _, err := l.conn.CopyFrom(ctx, pgx.Identifier{"customer_events"}, eventCols, pgx.CopyFromRows(events)); err != nil {
		return err
	}
	for _, x := range extra {
		if loadConflict[x.table] != "" {
			return fmt.Errorf("loads into PostgreSQL cannot update %s", x.table)
		}
		if _, err := l.conn.CopyFrom(ctx, pgx.Identifier{x.table}, x.cols, pgx.CopyFromRows(x.rows)); err != nil {
			return err
		}
	}
	return nil
}

func (l *pgLoader) rows(ctx context.Context, src rowSource) error {
	next, stop := iter.Pull(iter.Seq[[]any](src.each))
	defer stop()
	_, err := l.conn.CopyFrom(ctx, pgx.Identifier{src.table}, src.cols, pgx.CopyFromFunc(func() ([]any, error) {
		row, ok := next()
		if !ok {
			return nil, nil
		}
		return row, nil
	}))
	return err
}

func (l *pgLoader) buildIndexes(ctx context.Context, ddl []string) error {
	for _, q := range ddl {
		if _, err := l.conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", firstLine(q), err)
		}
	}
	return nil
}

func (l *pgLoader) finish(ctx context.Context) error {
	// Statistics for the planner and the visibility map for index-only
	// scans, as autovacuum would eventually provide.
	for _, t := range loadTables {
		if _, err := l.conn.Exec(ctx, `VACUUM ANALYZE `+pgx.Identifier{t}.Sanitize()); err != nil {
			return err
		}
	}
	return nil
}

func (l *pgLoader) close(ctx context.Context) {
	_, _ = l.conn.Exec(ctx, "RESET synchronous_commit")
	_, _ = l.conn.Exec(ctx, "RESET maintenance_work_mem")
}

// TruncateCustomers empties every customer table of the database — all
// tenants' customers, tokens, values, events and counters — so a bench
// database can be loaded afresh with deferred indexes. Only `kehu bench`
// calls it, and only on a database that holds nothing but bench tenants.
func (s *Store) TruncateCustomers(ctx context.Context) error {
	if s.dialect == Postgres {
		_, err := s.w.ExecContext(ctx, `TRUNCATE `+strings.Join(loadTables, ", "))
		return err
	}
	return s.InTx(ctx, func(tx *Tx) error {
		for _, t := range loadTables {
			if _, err := tx.exec(ctx, `DELETE FROM `+t); err != nil {
				return err
			}
		}
		return nil
	})
}
