package store

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
)

// additiveStatement is what a migration named *.additive.sql may do: add a
// table, a non-unique index, or a column that old code can leave out of
// its INSERTs (nullable, or NOT NULL with a DEFAULT).
var (
	sqlComment    = regexp.MustCompile(`--[^\n]*`)
	createTable   = regexp.MustCompile(`(?is)^CREATE TABLE (IF NOT EXISTS )?\S+ \(`)
	createIndex   = regexp.MustCompile(`(?is)^CREATE INDEX `)
	addColumn     = regexp.MustCompile(`(?is)^ALTER TABLE \S+ ADD COLUMN (IF NOT EXISTS )?\S+ (.*)$`)
	notNull       = regexp.MustCompile(`(?i)\bNOT NULL\b`)
	hasDefault    = regexp.MustCompile(`(?i)\bDEFAULT\b`)
	breakingInCol = regexp.MustCompile(`(?i)\b(UNIQUE|PRIMARY KEY|REFERENCES)\b`)
)

// checkAdditive returns what in sql an older kehu could trip over.
func checkAdditive(sql string) error {
	for _, st := range strings.Split(sqlComment.ReplaceAllString(sql, ""), ";") {
		st = strings.Join(strings.Fields(st), " ")
		if st == "" {
			continue
		}
		switch {
		case createTable.MatchString(st), createIndex.MatchString(st):
		case addColumn.MatchString(st):
			def := addColumn.FindStringSubmatch(st)[2]
			if notNull.MatchString(def) && !hasDefault.MatchString(def) {
				return fmt.Errorf("%q: a NOT NULL column without a DEFAULT fails the INSERTs of older code", st)
			}
			if breakingInCol.MatchString(def) {
				return fmt.Errorf("%q: a constraint on a new column can refuse what older code writes", st)
			}
		default:
			return fmt.Errorf("%q is not additive (only CREATE TABLE, CREATE INDEX and ALTER TABLE … ADD COLUMN are)", st)
		}
	}
	return nil
}

func TestCheckAdditive(t *testing.T) {
	for _, tc := range []struct {
		sql string
		ok  bool
	}{
		{"-- a new table\nCREATE TABLE notes (tenant_id BIGINT NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (tenant_id, id));", true},
		{"CREATE INDEX customers_x ON customers (tenant_id, x);", true},
		{"ALTER TABLE customers ADD COLUMN x TEXT;", true},
		{"ALTER TABLE customers ADD COLUMN x BIGINT NOT NULL DEFAULT 0;", true},
		{"ALTER TABLE customers ADD COLUMN x BIGINT NOT NULL;", false},
		{"ALTER TABLE customers ADD COLUMN x TEXT UNIQUE;", false},
		{"CREATE UNIQUE INDEX customers_x ON customers (tenant_id, x);", false},
		{"ALTER TABLE customers DROP COLUMN remark;", false},
		{"ALTER TABLE customers RENAME COLUMN remark TO note;", false},
		{"UPDATE customers SET status = 2;", false},
		{"CREATE TABLE a (x int); DROP TABLE b;", false},
	} {
		if err := checkAdditive(tc.sql); (err == nil) != tc.ok {
			t.Errorf("checkAdditive(%q) = %v, want ok %v", tc.sql, err, tc.ok)
		}
	}
}

// TestAdditiveMigrationsOnlyAdd: every migration marked additive (its name
// ends with AdditiveSuffix, so older kehu versions run on the schema it
// makes) really only adds, on both databases.
func TestAdditiveMigrationsOnlyAdd(t *testing.T) {
	for _, dialect := range []string{SQLite, Postgres} {
		entries, err := fs.ReadDir(migrationFS, "migrations/"+dialect)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), AdditiveSuffix) {
				continue
			}
			b, _ := fs.ReadFile(migrationFS, "migrations/"+dialect+"/"+e.Name())
			if err := checkAdditive(string(b)); err != nil {
				t.Errorf("%s/%s: %v", dialect, e.Name(), err)
			}
		}
	}
}

// TestOlderKehuOnNewerSchema: a database a newer kehu migrated with
// additive migrations still opens (Migrate applies nothing, CheckSchema
// passes) in this kehu, and its writes and reads work with the new column
// and table present; one newer migration that is not additive makes it
// refuse, naming it.
func TestOlderKehuOnNewerSchema(t *testing.T) {
	eachFresh(t, true, func(t *testing.T, s *Store) {
		ctx := context.Background()
		_, want, _ := s.SchemaVersion(ctx)
		newer := func(v int, name, sql string) {
			t.Helper()
			if err := s.InTx(ctx, func(tx *Tx) error {
				if sql != "" {
					if _, err := tx.tx.ExecContext(ctx, sql); err != nil {
						return err
					}
				}
				_, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, v, name, time.Now().UnixMilli())
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		add := "ALTER TABLE customers ADD COLUMN upgrade_probe TEXT NOT NULL DEFAULT 'new'; CREATE TABLE upgrade_probe (tenant_id BIGINT NOT NULL, id BIGINT NOT NULL, PRIMARY KEY (tenant_id, id))"
		if err := checkAdditive(add); err != nil {
			t.Fatal(err)
		}
		newer(want+1, fmt.Sprintf("%04d_upgrade_probe%s", want+1, AdditiveSuffix), add)
		if n, err := s.Migrate(ctx); err != nil || n != 0 {
			t.Fatalf("Migrate on a newer, additive schema: %d, %v", n, err)
		}
		if err := s.CheckSchema(ctx); err != nil {
			t.Fatalf("CheckSchema on a newer, additive schema: %v", err)
		}
		tn, err := s.CreateTenant(ctx, "upgrade")
		if err != nil {
			t.Fatal(err)
		}
		tenant := tn.ID
		cat, err := s.LoadCatalog(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		c := &model.Customer{TenantID: tenant, Name: "升级", Status: 1, CreatedAt: now, UpdatedAt: now}
		if err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertCustomer(ctx, c, cat) }); err != nil {
			t.Fatalf("a write of this kehu on the newer schema: %v", err)
		}
		if got, err := s.Customer(ctx, tenant, c.ID); err != nil || got.Name != "升级" {
			t.Fatalf("a read of this kehu on the newer schema: %v %v", got, err)
		}
		var probe string
		if err := s.QueryRow(ctx, `SELECT upgrade_probe FROM customers WHERE tenant_id = ? AND id = ?`, tenant, c.ID).Scan(&probe); err != nil || probe != "new" {
			t.Fatalf("the new column of the row this kehu wrote: %q %v", probe, err)
		}
		name := fmt.Sprintf("%04d_drop_remark.sql", want+2)
		newer(want+2, name, "")
		if _, err := s.Migrate(ctx); err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "upgrade kehu") {
			t.Fatalf("Migrate on a newer schema with a breaking migration: %v", err)
		}
		if err := s.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), name) {
			t.Fatalf("CheckSchema on a newer schema with a breaking migration: %v", err)
		}
	})
}
