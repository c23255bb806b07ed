// Package store is kehu's only home for SQL besides the query compiler. It
// runs the same plain SQL on SQLite and PostgreSQL through database/sql;
// statements are written with ? placeholders and rebound to $n for
// PostgreSQL in one helper. Methods take a context first and return
// model.ErrNotFound / model.ErrConflict (translated by the driver packages);
// uniqueness is always decided by a constraint, never by a check first.
// The driver packages (store/sqlite, store/postgres) open the databases,
// translate their errors and hold what only one driver can do (PostgreSQL's
// COPY and LISTEN: postgres.Conn); what is written and read, and the SQL,
// stay here, so the store root imports no driver.
//
// Index layout (the query engine relies on it): customers carries the
// system columns with composite indexes that all lead with tenant_id and end
// with id; customer_grams holds name, pinyin and remark tokens per customer,
// with the customer's status, project, owner and creation time (GramColumns:
// scoped name searches never read a customer row); value_grams holds company tokens per distinct
// normalised company name (joined back through customers_company); custom
// field values live in customer_values_num/_text keyed (tenant, field,
// value, customer); tags and collaborators in their own link tables;
// customer_counts counts customers per (project, status). Every index row
// and counter is written in the same transaction as the customer, so a
// customer is searchable and counted the moment its write returns. Bulk
// loads into a fresh tenant go through BulkLoad (load.go). The catalogue and
// API clients are cached per node and checked against cache_versions on
// every read (catalogcache.go).
//
// With read replicas (Options.Replicas), reads of a context marked ReadOnly
// run on a streaming standby that has replayed the session's own writes,
// everything else on the primary (replicas.go).
//
// # The change feed
//
// Every customer write adds a customer_events row in its own transaction
// (feed.go). A consumer resumes from the last position it processed, so
// positions must only ever grow in commit order: an id drawn inside the
// transaction does not (two PostgreSQL transactions commit in any order, so
// a reader that passed id 10 never sees id 9 committing later — the feed
// lost 34 of 800 events that way). kehu assigns positions after commit, in
// a single sequencing step:
//
//   - Events are written with no position. On PostgreSQL they also take a
//     draw number from a sequence as they are written.
//   - The sequencing step locks the one feed_sequence row (SELECT … FOR
//     UPDATE: one step at a time across every node), numbers every committed
//     unnumbered event in draw order continuing from the counter, raises
//     the counter, NOTIFYs kehu_feed and commits. Under read committed each
//     statement after the lock sees every transaction committed before it,
//     so an event still in flight stays unnumbered and is numbered by a
//     later step — after everything numbered before it. Readers only read
//     numbered events, and a step's numbers become visible all at once.
//   - Per customer the order is the order of the changes: the next change of
//     a customer waits for the previous transaction's row lock, so it draws
//     its number after that transaction committed; the two are either
//     numbered in different steps or in one step in draw order.
//   - On SQLite one writer commits at a time (BEGIN IMMEDIATE takes the
//     write lock first), so the writing transaction numbers its own events
//     as it writes them and raises the counter before it commits
//     (eventPosition); events written without one (a crashed bulk load's)
//     are numbered by the step.
//
// Who runs the step: RunFeed (kehu serve, on every node) right after this
// node commits events and every 250 ms for other processes' events, and
// Events itself before it reads, so the feed moves even when no server
// runs; a crash between commit and numbering leaves events that the next
// step numbers. We chose this over holding back by PostgreSQL's snapshot
// horizon (pg_current_snapshot's xmin) because that orders by transaction
// id, not commit order — a change waiting for a row lock could be listed
// before the change it waited for — and one long transaction anywhere in
// the cluster would hold back every tenant's feed. Numbering costs an
// UPDATE per event, asynchronously, in batches. Long-polling readers wait
// for FeedSignal: this node's steps, other nodes' through LISTEN kehu_feed.
//
// Webhooks read the same feed: a subscription's position is its cursor,
// and deliveries are derived from the events after it (webhooks.go,
// FanOut). A write adds nothing for its subscriptions — no delivery row,
// no trigger — so its cost is the same with or without them; rows in
// webhook_deliveries are the delivery log (written in one batch per pass,
// without payload for a first-attempt success) and the retry queue
// (failures, with payload, and the same customer's later events behind
// them). Retention (PruneEvents) keeps the events after an enabled
// subscription's cursor.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store/postgres"
	"github.com/kehu/kehu/internal/store/sqlite"
)

// Dialect names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is a handle on one kehu database.
type Store struct {
	w, r      *sql.DB
	dialect   string
	translate func(error) error
	// Path is the SQLite file or the PostgreSQL DSN without password.
	Path string
	sync string // SQLite: sqlite.SyncNormal or SyncFull

	retries atomic.Int64 // transactions run again (InTx)
	// queued counts delivery rows this process inserted since it last
	// analyzed webhook_deliveries (PostgreSQL; see FanOut), analyzedAt
	// how many it had inserted then.
	queued, analyzedAt atomic.Int64
	// writeFault is the database fault the last write transaction failed
	// with, nil once one commits (WriteFault, for /readyz).
	writeFault atomic.Pointer[writeFault]

	// Per-tenant caches, valid while cache_versions says so (catalogcache.go).
	catalogCache sync.Map // tenant id → *catalogEntry
	clientCache  sync.Map // clientKey → *clientEntry

	// stmts are the reader pool's prepared statements (SQLite; nil on
	// PostgreSQL, whose driver caches its own: stmtcache.go).
	stmts *stmtCache

	feed *feedHub

	replicas *replicaSet // nil without --db-replica (replicas.go)
}

// Options tune Open.
type Options struct {
	// Sync is how SQLite commits reach the disk: "normal" (default) or
	// "full" (see sqlite.SyncNormal). PostgreSQL ignores it: it always
	// commits with fsync.
	Sync string
	// Replicas are DSNs of PostgreSQL streaming standbys of the primary,
	// for read-only work (replicas.go).
	Replicas []string
}

// Open opens dsn: a postgres:// or postgresql:// URL, or else a SQLite file path.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return OpenWith(ctx, dsn, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, o Options) (*Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := postgres.Open(dsn)
		if err != nil {
			return nil, err
		}
		s := &Store{w: db, r: db, dialect: Postgres, translate: postgres.Translate, Path: redact(dsn), feed: newFeedHub()}
		if len(o.Replicas) > 0 {
			if s.replicas, err = openReplicas(o.Replicas); err != nil {
				db.Close()
				return nil, err
			}
		}
		return s, nil
	}
	if len(o.Replicas) > 0 {
		return nil, errors.New("store: read replicas need PostgreSQL (--db postgres://…)")
	}
	sync, err := sqlite.ParseSync(o.Sync)
	if err != nil {
		return nil, fmt.Errorf("store: sync: %w", err)
	}
	w, r, err := sqlite.Open(dsn, sync)
	if err != nil {
		return nil, err
	}
	return &Store{w: w, r: r, dialect: SQLite, translate: sqlite.Translate, Path: dsn, sync: sync, feed: newFeedHub(),
		stmts: newStmtCache(r, stmtCacheSize)}, nil
}

func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 {
		return dsn
	}
	return dsn[:scheme+3] + "…" + dsn[at:]
}

// Dialect returns SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

// Close closes the pools.
func (s *Store) Close() error {
	if s.stmts != nil {
		s.stmts.close()
	}
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	if s.replicas != nil {
		err = errors.Join(err, s.replicas.close())
	}
	return err
}

// Ping checks the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// DBStats reports pool statistics of the writer and reader pools (for metrics).
func (s *Store) DBStats() (writer, reader sql.DBStats) { return s.w.Stats(), s.r.Stats() }

// Rebind rewrites ? placeholders to $1, $2, … for PostgreSQL. Question marks
// inside quoted literals are left alone.
func (s *Store) Rebind(q string) string { return Rebind(s.dialect, q) }

// Rebind is Store.Rebind for a dialect name.
func Rebind(dialect, q string) string {
	if dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a write transaction. Its methods rebind and translate like Store's.
type Tx struct {
	tx    *sql.Tx
	s     *Store
	stmts map[string]*sql.Stmt // prepared bulk statements, closed with the transaction
	// counts are the customer counter moves of this transaction, applied in
	// key order just before commit (see flushCounts).
	counts map[[4]int64]int64
	// origin is who makes this transaction's changes and through which
	// API, recorded on its events (SetOrigin).
	origin Origin
	note   eventNote // action and reason of the events written (SetEventNote)
	// events counts the change events written, so commit knows to number
	// them (SQLite) or to wake the sequencer (PostgreSQL); pos are the
	// feed positions given to them on SQLite (eventPosition).
	events int
	pos    eventPositions
	// companies learns newCompanies when the transaction commits
	// (RememberCompanies).
	companies    *KnownCompanies
	newCompanies []tenantCompany
	// bulkTenant is the only tenant InsertCustomers may write in an
	// InBulkTx transaction, whose foreign keys are off (0: any).
	bulkTenant int64
}

// maxTxAttempts bounds how often InTx runs a transaction that PostgreSQL
// aborted as a deadlock victim or a serialization failure.
const maxTxAttempts = 5

// InTx runs fn in a write transaction on the writer pool and commits when fn
// returns nil. fn must not keep the Tx.
//
// A transaction PostgreSQL aborts with 40001 (serialization failure) or
// 40P01 (deadlock detected) is rolled back and run again, up to
// maxTxAttempts times with a short random backoff: those failures say
// nothing about the request, only about its timing. fn must therefore be
// safe to run again: it must build its results afresh on each call rather
// than append to state outside the closure.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	// Whatever the transaction writes, the request's next version check
	// reads the row again (WithRequestVersions).
	defer forgetVersions(ctx)
	for attempt := 1; ; attempt++ {
		err := s.inTxOnce(ctx, fn)
		if err == nil || attempt == maxTxAttempts || !s.retryable(err) {
			s.noteWrite(err)
			return err
		}
		s.retries.Add(1)
		// 2, 4, 8, 16 ms (±50 %): enough for the winner to commit.
		d := time.Duration(1<<attempt) * time.Millisecond
		d = d/2 + rand.N(d)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(d):
		}
	}
}

// TxRetries is how many transactions were run again after a deadlock or
// serialization failure (for metrics).
func (s *Store) TxRetries() int64 { return s.retries.Load() }

func (s *Store) retryable(err error) bool {
	return s.dialect == Postgres && postgres.Retryable(err)
}

func (s *Store) inTxOnce(ctx context.Context, fn func(tx *Tx) error) error {
	return s.runTx(ctx, s.w.BeginTx, fn)
}

// runTx runs fn in a transaction begin starts (on the writer pool, or on a
// connection of it that InBulkTx holds) and commits it.
func (s *Store) runTx(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), fn func(tx *Tx) error) error {
	tx, err := begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", s.translate(err))
	}
	t := &Tx{tx: tx, s: s, origin: originOf(ctx)}
	defer func() {
		for _, st := range t.stmts {
			st.Close()
		}
	}()
	if err := fn(t); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := t.flushCounts(ctx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if t.events > 0 && s.dialect == SQLite {
		// One writer commits at a time: the events were numbered as they
		// were written (eventPosition), in commit order.
		if err := t.finishPositions(ctx); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", s.translate(err))
	}
	if t.companies != nil {
		t.companies.add(t.newCompanies)
	}
	s.raiseFence(ctx)
	if t.events > 0 {
		s.feedWritten()
	}
	return nil
}

func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(ctx, t.s.Rebind(q), args...)
	return res, t.s.translate(err)
}

func (t *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := t.tx.QueryContext(ctx, t.s.Rebind(q), args...)
	return rows, t.s.translate(err)
}

func (t *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.s.Rebind(q), args...)
}

// Exec runs a statement inside the transaction (for callers that own SQL,
// such as bulk loaders inside this package's subpackages).
func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.exec(ctx, q, args...)
}

// query and queryRow read through the reader pool, or a replica when ctx
// was routed there (ReadOnly).
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = s.Rebind(q)
	if rows, ok, err := s.routedQuery(ctx, q, args...); ok {
		return rows, s.translate(err)
	}
	if s.stmts != nil {
		rows, err := s.stmts.query(ctx, q, args...)
		return rows, s.translate(err)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	return rows, s.translate(err)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = s.Rebind(q)
	if row := s.routedQueryRow(ctx, q, args...); row != nil {
		return row
	}
	if s.stmts != nil {
		return s.stmts.queryRow(ctx, q, args...)
	}
	return s.r.QueryRowContext(ctx, q, args...)
}

// Query runs a read query (from the query compiler, or with ?
// placeholders, rebound for this store's dialect like every query of the
// store's own).
func (s *Store) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.query(ctx, q, args...)
}

// QueryRow is Query for one row.
func (s *Store) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.queryRow(ctx, q, args...)
}

// notFound turns sql.ErrNoRows into model.ErrNotFound with context.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", what, model.ErrNotFound)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}
