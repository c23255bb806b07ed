package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/store/sqlite"
)

// The baseline of issue 14: native phone= must be at least twice as fast
// as a plain Go + SQLite app serving a 5-column record. The plain app is
// what such an app looks like: net/http, database/sql with the same SQLite
// driver and the same number of read connections as kehu, one table of the
// bench tenant's customers (id, name, phone, email, status) indexed by
// phone, a QueryRowContext per request and encoding/json; no auth, no
// middleware. It runs in this process beside kehu and is driven by the same
// load generator, so the two are measured on the same box in the same run.

// PlainWorkload is the plain app's workload name.
const PlainWorkload = "plain-phone"

// FloorWorkload asks the plain app's server for a constant body without
// touching the database: the HTTP floor of this machine and load generator,
// which no service answering over HTTP can beat.
const FloorWorkload = "http-floor"

type plainRecord struct {
	ID     int64   `json:"id"`
	Name   string  `json:"name"`
	Phone  string  `json:"phone"`
	Email  *string `json:"email"`
	Status int64   `json:"status"`
}

// plainApp is the running baseline.
type plainApp struct {
	base   string
	phones []string // stored phones of existing customers
	db     *sql.DB
	srv    *http.Server
}

// startPlain builds (or reuses) the plain app's database at path from the
// tenant's customers and serves it on a loopback port.
func startPlain(ctx context.Context, st *store.Store, tenantID, customers int64, path string, progress io.Writer) (*plainApp, error) {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(sqlite.ReaderPoolSize())
	db.SetMaxIdleConns(sqlite.ReaderPoolSize())
	if err := fillPlain(ctx, st, db, tenantID, customers, progress); err != nil {
		db.Close()
		return nil, fmt.Errorf("bench: plain app database %s: %w", path, err)
	}
	p := &plainApp{db: db}
	rows, err := db.QueryContext(ctx, `SELECT phone FROM customers WHERE phone IS NOT NULL ORDER BY id LIMIT 5000`)
	if err != nil {
		db.Close()
		return nil, err
	}
	for rows.Next() {
		var ph string
		if err := rows.Scan(&ph); err != nil {
			rows.Close()
			db.Close()
			return nil, err
		}
		p.phones = append(p.phones, ph)
	}
	rows.Close()
	if len(p.phones) == 0 {
		db.Close()
		return nil, fmt.Errorf("bench: plain app: no customer has a phone")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /customers", func(w http.ResponseWriter, r *http.Request) {
		var c plainRecord
		err := db.QueryRowContext(r.Context(), `SELECT id, name, phone, email, status FROM customers WHERE phone = ?`,
			r.URL.Query().Get("phone")).Scan(&c.ID, &c.Name, &c.Phone, &c.Email, &c.Status)
		if err == sql.ErrNoRows {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(&c)
	})
	mux.HandleFunc("GET /floor", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{\"id\":1}\n"))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return nil, err
	}
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	p.base = "http://" + ln.Addr().String()
	return p, nil
}

// fillPlain copies the tenant's customers into the plain table unless it
// already holds that many rows (a rerun on the same bench database).
func fillPlain(ctx context.Context, st *store.Store, db *sql.DB, tenantID, customers int64, progress io.Writer) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS customers (
		id INTEGER PRIMARY KEY, name TEXT NOT NULL, phone TEXT, email TEXT, status INTEGER NOT NULL)`); err != nil {
		return err
	}
	var have int64
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers`).Scan(&have); err != nil {
		return err
	}
	if have == customers {
		return nil
	}
	fmt.Fprintf(progress, "kehu bench: copying %d customers into the plain app's table\n", customers)
	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{`DROP INDEX IF EXISTS customers_phone`, `DELETE FROM customers`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO customers (id, name, phone, email, status) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	rows, err := st.Query(ctx, `SELECT id, name, phone, email, status FROM customers WHERE tenant_id = ?`, tenantID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, status int64
		var name string
		var phone, email sql.NullString
		if err := rows.Scan(&id, &name, &phone, &email, &status); err != nil {
			return err
		}
		if _, err := ins.ExecContext(ctx, id, name, phone, email, status); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE INDEX customers_phone ON customers (phone)`); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(progress, "kehu bench: plain app's table filled in %.1f s\n", time.Since(start).Seconds())
	return nil
}

func (p *plainApp) close() {
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = p.srv.Shutdown(sctx)
	p.db.Close()
}

// plainPath is where the plain app's database lives: beside a SQLite
// bench database, else in the temporary directory.
func plainPath(cfg Config) string {
	if cfg.DB != "" && !strings.Contains(cfg.DB, "://") {
		return filepath.Join(filepath.Dir(cfg.DB), "plain-phone.db")
	}
	return filepath.Join(os.TempDir(), "kehu-bench-plain-phone.db")
}

// plainWorkload asks the plain app for a random existing phone.
func plainWorkload(s *setup) *workload {
	return &workload{Name: PlainWorkload, API: "plain",
		Description: "the baseline: a plain net/http + database/sql SQLite app serving id, name, phone, email, status by phone",
		request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
			if s.plain == nil {
				return nil, fmt.Errorf("the plain app is not running")
			}
			req, err := http.NewRequest("GET", s.plain.base+"/customers?phone="+url.QueryEscape(s.plain.phones[r.IntN(len(s.plain.phones))]), nil)
			if err == nil {
				req.Header.Set("User-Agent", c.userAgent)
			}
			return req, err
		},
		check: func(status int, body []byte) (int, int64, error) {
			var rec plainRecord
			if status != 200 || json.Unmarshal(body, &rec) != nil || rec.ID == 0 {
				return 0, -1, fmt.Errorf("HTTP %d: %s", status, clip(body))
			}
			return 1, -1, nil
		}}
}

// floorWorkload asks the plain app's server for its constant body.
func floorWorkload(s *setup) *workload {
	return &workload{Name: FloorWorkload, API: "plain",
		Description: "the HTTP floor: the plain app's server answering a constant body, no database",
		request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
			if s.plain == nil {
				return nil, fmt.Errorf("the plain app is not running")
			}
			req, err := http.NewRequest("GET", s.plain.base+"/floor", nil)
			if err == nil {
				req.Header.Set("User-Agent", c.userAgent)
			}
			return req, err
		},
		check: func(status int, body []byte) (int, int64, error) {
			if status != 200 {
				return 0, -1, fmt.Errorf("HTTP %d: %s", status, clip(body))
			}
			return 1, -1, nil
		}}
}
