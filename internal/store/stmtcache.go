package store

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the reader pool's prepared statements by SQL text, so a
// query the server runs again and again (a phone lookup, a search of one
// shape, the cache-version check) is parsed and planned once per
// connection instead of once per call. The pure-Go SQLite driver prepares
// every QueryContext afresh and finalizes it at Close: a profile of native
// phone= lookups spent 48 % of the server's CPU in SQLite's parser and
// column-name generation (BENCHMARKS.md, issue 14); a cached statement
// is only reused as such if nothing it binds feeds the planner (see
// query's builder.limit). PostgreSQL needs no
// such cache: pgx keeps one per connection itself.
//
// Entries are *sql.Stmt of the reader pool, which prepares them lazily on
// each connection that runs them and finalizes them when closed. The cache
// holds at most max statements, least recently used evicted first; a
// statement evicted while a caller is between get and the start of its
// query is closed when that caller is done (database/sql itself keeps a
// closed statement alive until rows read through it are closed).
type stmtCache struct {
	db  *sql.DB
	max int

	mu  sync.Mutex
	m   map[string]*list.Element // of *cachedStmt
	lru list.List                // front: most recently used
}

type cachedStmt struct {
	q       string
	st      *sql.Stmt
	users   int  // callers between get and done
	evicted bool // out of the cache: close when users drops to 0
}

// stmtCacheSize bounds the statements kept per store: the query compiler
// makes one SQL text per search shape, and a server sees a few dozen
// shapes; SQLite keeps a prepared statement on each reader connection
// (a few KiB each).
const stmtCacheSize = 256

func newStmtCache(db *sql.DB, max int) *stmtCache {
	return &stmtCache{db: db, max: max, m: map[string]*list.Element{}}
}

// get returns q's prepared statement, preparing it on first use. The
// caller must call done(e) once its query has started (or failed).
func (c *stmtCache) get(ctx context.Context, q string) (*cachedStmt, error) {
	c.mu.Lock()
	if el, ok := c.m[q]; ok {
		c.lru.MoveToFront(el)
		e := el.Value.(*cachedStmt)
		e.users++
		c.mu.Unlock()
		return e, nil
	}
	c.mu.Unlock()
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[q]; ok { // prepared meanwhile by another caller
		st.Close()
		c.lru.MoveToFront(el)
		e := el.Value.(*cachedStmt)
		e.users++
		return e, nil
	}
	e := &cachedStmt{q: q, st: st, users: 1}
	c.m[q] = c.lru.PushFront(e)
	for c.lru.Len() > c.max {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.m, old.q)
		old.evicted = true
		if old.users == 0 {
			old.st.Close()
		}
	}
	return e, nil
}

// done releases a statement get returned.
func (c *stmtCache) done(e *cachedStmt) {
	c.mu.Lock()
	e.users--
	closeIt := e.evicted && e.users == 0
	c.mu.Unlock()
	if closeIt {
		e.st.Close()
	}
}

// close closes every cached statement (Store.Close).
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.lru.Front(); el != nil; el = el.Next() {
		el.Value.(*cachedStmt).st.Close()
	}
	c.m = map[string]*list.Element{}
	c.lru.Init()
}

// query runs q through its cached statement.
func (c *stmtCache) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	e, err := c.get(ctx, q)
	if err != nil {
		return nil, err
	}
	defer c.done(e)
	return e.st.QueryContext(ctx, args...)
}

// queryRow is query for one row. A statement that fails to prepare is
// run unprepared, so the *sql.Row carries the same error it always did.
func (c *stmtCache) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	e, err := c.get(ctx, q)
	if err != nil {
		return c.db.QueryRowContext(ctx, q, args...)
	}
	defer c.done(e)
	return e.st.QueryRowContext(ctx, args...)
}
