// Package postgres opens kehu's PostgreSQL database through pgx v5 and
// translates its SQLSTATE codes into the store's sentinel errors.
//
// Every connection runs with plan_cache_mode=force_custom_plan: pgx prepares
// and caches statements, and after five executions PostgreSQL may switch to a
// generic plan that ignores the bound values — for gram lookups that turned a
// 0.2 ms query into 6 s (measurements.md §3.3).
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kehu/kehu/internal/model"
)

// Open connects to dsn and returns one pool used for both writes and reads.
func Open(dsn string) (*sql.DB, error) {
	db, err := open(dsn, "kehu")
	if err != nil {
		return nil, err
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return db, nil
}

// OpenReplica returns a pool on a read replica without connecting: a
// replica that is down when kehu starts must not stop it (reads go to the
// primary until the replica answers). Connecting gives up after 2 s, so a
// replica that vanished costs a read that long at most before it is
// marked down.
func OpenReplica(dsn string) (*sql.DB, error) {
	return open(dsn, "kehu-replica", func(c *pgx.ConnConfig) {
		if c.ConnectTimeout == 0 || c.ConnectTimeout > 2*time.Second {
			c.ConnectTimeout = 2 * time.Second
		}
	})
}

func open(dsn, app string, tune ...func(*pgx.ConnConfig)) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse dsn: %w", err)
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	cfg.RuntimeParams["application_name"] = app
	// A request's deadline (or its client leaving) ends its statements on
	// the server, not only in kehu: when the context is done pgx sends a
	// cancel request at once and keeps the connection, which the server
	// frees within milliseconds. pgx's default only sets a deadline on the
	// socket: the connection is thrown away and the server runs the
	// statement to its end (measured: a 300 ms deadline left a count over
	// generate_series running for minutes). A cancel request is also what
	// pgbouncer forwards in transaction pooling, where a session
	// statement_timeout would leak to other clients; and unlike a fixed
	// statement_timeout it follows each request's own deadline, which
	// streams move forward as they make progress, and leaves migrations and
	// bulk loads (long statements, no request) alone. The socket deadline a
	// second later is the fallback for a server that does not answer.
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, CancelRequestDelay: 0, DeadlineDelay: time.Second}
	}
	for _, f := range tune {
		f(cfg)
	}
	db := stdlib.OpenDB(*cfg)
	n := max(8, 4*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	return db, nil
}

// Translate maps unique violations (23505) to model.ErrConflict, and a
// server that cannot be reached or is shutting down, restarting or out of
// space to model.Unavailable (503 with Retry-After in every API; database/sql
// reconnects by itself once the server is back).
func Translate(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return fmt.Errorf("%w: %v", model.ErrConflict, err)
		case pe.Code == "57014":
			// query_canceled: the request's deadline passed (Open's cancel
			// request) or a statement_timeout an operator set.
			return model.Unavailable(model.CodeTimeout, model.MsgTooSlow, err)
		case pe.Code == "53100":
			return model.Unavailable(model.CodeStorageFull, "the database server's disk is full; retry once it has space", err)
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "57P"), pe.Code == "53300":
			// connection exceptions, admin shutdown / crash / cannot connect
			// now, too many connections
			return model.Unavailable(model.CodeDatabaseUnavailable, "the database is unavailable; retry shortly", err)
		}
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err // the request's own end, not the database's
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) {
		return model.Unavailable(model.CodeDatabaseUnavailable, "the database is unavailable; retry shortly", err)
	}
	return err
}

// Retryable reports whether err is a serialization failure (40001) or a
// deadlock (40P01): the transaction was aborted for its timing only, and
// running it again may well succeed.
func Retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// ConstraintName returns the violated constraint's name, if any.
func ConstraintName(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.TableName + "." + pe.ConstraintName
	}
	return ""
}
