package store

import (
	"context"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/textindex"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	dir := "migrations/" + s.dialect
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with a number", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migrations must be numbered 1, 2, …: found %s at position %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion returns the applied schema version and the version this
// binary expects.
func (s *Store) SchemaVersion(ctx context.Context) (have, want int, err error) {
	ms, err := s.migrations()
	if err != nil {
		return 0, 0, err
	}
	want = len(ms)
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return 0, want, fmt.Errorf("store: schema_migrations: %w", err)
	}
	if err := s.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return 0, want, fmt.Errorf("store: read schema version: %w", err)
	}
	return have, want, nil
}

// migrateLockKey is the PostgreSQL advisory lock that serialises Migrate
// across processes: every kehu node runs migrations at start, and several
// nodes starting at once must apply each migration once (the second waits,
// then finds nothing pending). The number is arbitrary but fixed forever —
// an old and a new kehu must agree on it.
const migrateLockKey int64 = 0x6b656875_6d696772 // "kehumigr"

// Migrate applies the pending migrations, each in its own transaction that
// also records its version, and returns how many it applied. On PostgreSQL it
// holds an advisory lock for the whole run, so concurrent Migrate calls from
// several nodes apply each migration exactly once. (SQLite needs none: one
// file, one writer connection, and BEGIN IMMEDIATE serialise it.)
func (s *Store) Migrate(ctx context.Context) (int, error) {
	if s.dialect != Postgres {
		return s.migrate(ctx)
	}
	// A session lock on a connection of its own: the migrations themselves
	// run in ordinary transactions on other pool connections.
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: migrate lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockKey); err != nil {
		conn.Close()
		return 0, fmt.Errorf("store: migrate lock: %w", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, migrateLockKey); err != nil {
			// Never hand a connection that may still hold the lock back to
			// the pool: throw it away, which ends its session and the lock.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}()
	return s.migrate(ctx)
}

func (s *Store) migrate(ctx context.Context) (int, error) {
	have, want, err := s.SchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	if have > want {
		return 0, s.newerSchema(ctx, have, want)
	}
	ms, _ := s.migrations()
	n := 0
	for _, m := range ms[have:] {
		err := s.InTx(ctx, func(tx *Tx) error {
			if _, err := tx.tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("store: migration %s: %w", m.name, err)
			}
			if step := migrationSteps[m.version]; step != nil {
				if err := step(ctx, tx); err != nil {
					return fmt.Errorf("store: migration %s: %w", m.name, err)
				}
			}
			_, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// CheckSchema returns an error telling the user to run `kehu migrate` when
// the database is behind this binary.
func (s *Store) CheckSchema(ctx context.Context) error {
	have, want, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if have < want {
		return fmt.Errorf("database schema is at version %d, this kehu needs %d: run `kehu migrate` (or start with --migrate)", have, want)
	}
	if have > want {
		return s.newerSchema(ctx, have, want)
	}
	return nil
}

// AdditiveSuffix ends the file name of a migration that only adds: new
// tables, new indexes that are not unique, new columns that are nullable or
// have a default (TestAdditiveMigrationsOnlyAdd checks the SQL). Code written
// before it never names what it adds, so an older kehu keeps working on the
// newer schema: during a rolling upgrade, old and new nodes share the
// database (DISTRIBUTED.md). The suffix was introduced with 0019: earlier
// migrations carry none even where they only add (0016_read_fences.sql
// adds one table), because renaming an applied migration would change the
// name recorded in schema_migrations. An older kehu never meets them as
// unknown: every kehu since the suffix knows 0001–0018.
const AdditiveSuffix = ".additive.sql"

// newerSchema decides what an older kehu does on a database migrated by a
// newer one: it works on if every migration it does not know is additive
// (nil), and refuses with the names of the others.
func (s *Store) newerSchema(ctx context.Context, have, want int) error {
	rows, err := s.w.QueryContext(ctx, s.Rebind(`SELECT name FROM schema_migrations WHERE version > ? ORDER BY version`), want)
	if err != nil {
		return fmt.Errorf("store: read schema migrations: %w", err)
	}
	defer rows.Close()
	var breaking []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		if !strings.HasSuffix(name, AdditiveSuffix) {
			breaking = append(breaking, name)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(breaking) == 0 {
		return nil
	}
	return fmt.Errorf("store: database schema version %d is newer than this kehu (%d), and not additive (%s): upgrade kehu", have, want, strings.Join(breaking, ", "))
}

// migrationSteps are Go steps that run after the SQL of a migration, in its
// transaction: for data SQL cannot compute (tokens come from the Go
// tokenizer).
var migrationSteps = map[int]func(ctx context.Context, tx *Tx) error{
	2: backfillTokens,
	4: backfillRoles,
}

// backfillTokens adds the tokens migration 0002 introduces: company tokens
// in value_grams and remark tokens in customer_grams.
func backfillTokens(ctx context.Context, tx *Tx) error {
	if err := backfillCompanyGrams(ctx, tx); err != nil {
		return err
	}
	rows, err := tx.query(ctx, `SELECT tenant_id, id, status, remark FROM customers WHERE remark <> ''`)
	if err != nil {
		return err
	}
	var out [][]any
	for rows.Next() {
		var tenant, id, status int64
		var remark string
		if err := rows.Scan(&tenant, &id, &status, &remark); err != nil {
			rows.Close()
			return err
		}
		for _, g := range textindex.FoldTokens(RemarkGramPrefix, remark) {
			out = append(out, []any{tenant, g, id, status})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return tx.insertRows(ctx, "customer_grams", "tenant_id, gram, customer_id, status", " ON CONFLICT DO NOTHING", out)
}

// backfillCompanyGrams fills value_grams from the companies customers
// already have (migration 0002).
func backfillCompanyGrams(ctx context.Context, tx *Tx) error {
	rows, err := tx.query(ctx, `SELECT DISTINCT tenant_id, company_norm FROM customers WHERE company_norm <> ''`)
	if err != nil {
		return err
	}
	type company struct {
		tenant int64
		norm   string
	}
	var cs []company
	for rows.Next() {
		var c company
		if err := rows.Scan(&c.tenant, &c.norm); err != nil {
			rows.Close()
			return err
		}
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var out [][]any
	for _, c := range cs {
		for _, g := range CompanyTokens(c.norm) {
			out = append(out, []any{c.tenant, g, c.norm})
		}
	}
	return tx.insertRows(ctx, "value_grams", "tenant_id, gram, value", " ON CONFLICT DO NOTHING", out)
}
