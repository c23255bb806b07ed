package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// heavy is a query that runs for far longer than any request may (minutes
// of CPU on either database) and returns one row at the end, so all of its
// work happens before the first row.
var heavy = map[string]string{
	store.SQLite: `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000000)
		SELECT count(*) FROM c`,
	store.Postgres: `SELECT count(*) FROM generate_series(1, 5000000000)`,
}

// TestDeadlineStopsHeavyQuery: a request's deadline reaches the database.
// A heavy query whose context runs out stops promptly with an error that
// says so (a 503 saying it was too slow through store.Faulted, as every
// API answers it, not an anonymous driver error), the database stops working on it (PostgreSQL: no
// statement left running, through a cancel request), and the connection
// is back in the pool, usable, instead of being thrown away.
func TestDeadlineStopsHeavyQuery(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			st := storetest.Open(t, db)
			bg := context.Background()
			if err := st.Ping(bg); err != nil {
				t.Fatal(err)
			}
			_, before := st.DBStats()
			for i := range 3 {
				ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
				start := time.Now()
				var n int64
				err := st.QueryRow(ctx, heavy[db]).Scan(&n)
				took := time.Since(start)
				cancel()
				if err == nil {
					t.Fatalf("heavy query finished (%d) in %v", n, took)
				}
				var o *model.Overloaded
				if f := store.Faulted(err); !errors.As(f, &o) || o.Status != 503 || o.Msg != model.MsgTooSlow {
					t.Errorf("try %d: error %v (%T), want a 503 saying the request was too slow", i, err, err)
				}
				if took > 3*time.Second {
					t.Errorf("try %d: the query stopped %v after its start, want soon after its 300 ms deadline", i, took)
				}
			}
			if db == store.Postgres {
				// The server stopped the statements: nothing of ours is
				// still running (a cancel request lands within ms).
				deadline := time.Now().Add(5 * time.Second)
				for {
					var running int
					if err := st.QueryRow(bg, `SELECT count(*) FROM pg_stat_activity
						WHERE datname = current_database() AND state = 'active' AND query LIKE '%generate_series%'
						AND pid <> pg_backend_pid()`).Scan(&running); err != nil {
						t.Fatal(err)
					}
					if running == 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%d heavy statements still running on the server after their deadline", running)
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			// The connections are reused, not closed and reopened.
			if err := st.Ping(bg); err != nil {
				t.Fatalf("after the deadlines: %v", err)
			}
			_, after := st.DBStats()
			if after.MaxIdleClosed+after.MaxLifetimeClosed > before.MaxIdleClosed+before.MaxLifetimeClosed ||
				after.OpenConnections > before.OpenConnections+1 {
				t.Errorf("pool before %+v after %+v: connections were thrown away", before, after)
			}
			t.Logf("pool before: open %d; after: open %d", before.OpenConnections, after.OpenConnections)
		})
	}
}
