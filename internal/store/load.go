package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/kehu/kehu/internal/background"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store/sqlite"
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
			// No handler's recovery protects this goroutine (kehu serve
			// runs API imports through it): a panic here is the load's
			// error, which its caller reports (background.Report).
			defer func() {
				if pe := background.Caught("load", recover()); pe != nil {
					genErr = pe
				}
			}()
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
