package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// keyRef is one key of the migrated schema: a primary key, a unique
// constraint or unique index, or a foreign key (cols → refCols of refTable).
type keyRef struct {
	table, name, kind string // kind: "primary key", "unique", "foreign key"
	cols, refCols     []string
	refTable          string
}

func (k keyRef) String() string {
	s := fmt.Sprintf("%s %s %s (%s)", k.table, k.kind, k.name, strings.Join(k.cols, ", "))
	if k.kind == "foreign key" {
		s += fmt.Sprintf(" → %s (%s)", k.refTable, strings.Join(k.refCols, ", "))
	}
	return s
}

// referenceTables are the tables that are not partitioned by tenant, each
// with the reason. On a tenant-sharded PostgreSQL (Citus) they are reference
// tables (copied to every node) or stay on the coordinator; every other
// table is distributed by tenant_id, which needs every primary key and
// unique key to lead with tenant_id and every foreign key to carry it, so
// that a key check and a join never cross shards.
var referenceTables = map[string]string{
	"schema_migrations": "the schema version of the whole database, written by Migrate only",
	"tenants":           "the tenant table itself: its id is the tenant id (a reference table, small)",
	"feed_sequence":     "the one numbering step of the change feed (a single row; on Citus it stays on the coordinator)",
	"leases":            "leases of background work that spans tenants (webhook fan-out, retention), one row per job",
}

// TestEveryKeyLeadsWithTenant reads the schema the migrations build on both
// databases (from the catalogue: what really exists, however the SQL spells
// it) and fails when a tenant table lacks tenant_id, a primary key or unique
// constraint/index does not lead with tenant_id, or a foreign key does not
// carry tenant_id. (kehu's system fields are Go constants, not a table, so
// the only reference tables are the two below.)
func TestEveryKeyLeadsWithTenant(t *testing.T) {
	eachFresh(t, true, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tables, keys, err := schemaKeys(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if len(tables) < 10 {
			t.Fatalf("only %d tables found: %v", len(tables), tables)
		}
		for name := range referenceTables {
			if !contains(tables, name) {
				t.Errorf("reference table %s is listed but not in the schema: drop it from referenceTables", name)
			}
		}
		for _, tbl := range tables {
			if _, ok := referenceTables[tbl]; ok {
				continue
			}
			cols, err := columns(ctx, s, tbl)
			if err != nil {
				t.Fatal(err)
			}
			if !contains(cols, "tenant_id") {
				t.Errorf("table %s has no tenant_id column (or it belongs in referenceTables, with the reason)", tbl)
			}
		}
		for _, k := range keys {
			if err := checkTenantKey(k); err != nil {
				t.Error(err)
			}
		}
		t.Logf("%d tables, %d keys checked", len(tables), len(keys))
	})
}

// checkTenantKey says what is wrong with a key of the schema for a
// tenant-sharded database: a key of a tenant table that does not lead with
// tenant_id, or a foreign key that could join rows of two tenants.
func checkTenantKey(k keyRef) error {
	if _, ok := referenceTables[k.table]; ok {
		return nil
	}
	switch k.kind {
	case "foreign key":
		if k.refTable == "tenants" {
			// The tenant itself: tenant_id → tenants.id, nothing else.
			if len(k.cols) != 1 || k.cols[0] != "tenant_id" || k.refCols[0] != "id" {
				return fmt.Errorf("%v: a reference to tenants must be (tenant_id) → (id)", k)
			}
			return nil
		}
		if _, ok := referenceTables[k.refTable]; ok {
			if !contains(k.cols, "tenant_id") {
				return fmt.Errorf("%v: a tenant table's foreign key must include tenant_id", k)
			}
			return nil
		}
		i := index(k.cols, "tenant_id")
		if i < 0 || i >= len(k.refCols) || k.refCols[i] != "tenant_id" {
			return fmt.Errorf("%v: a foreign key between tenant tables must map tenant_id to tenant_id", k)
		}
	default:
		if len(k.cols) == 0 || k.cols[0] != "tenant_id" {
			return fmt.Errorf("%v: must lead with tenant_id (or the table belongs in referenceTables, with the reason)", k)
		}
	}
	return nil
}

// TestCheckTenantKey: the key rule refuses what would cross tenants.
func TestCheckTenantKey(t *testing.T) {
	for _, tc := range []struct {
		k  keyRef
		ok bool
	}{
		{keyRef{table: "customers", kind: "primary key", cols: []string{"tenant_id", "id"}}, true},
		{keyRef{table: "customers", kind: "primary key", cols: []string{"id"}}, false},
		{keyRef{table: "customer_unique", kind: "unique", cols: []string{"field_id", "value", "tenant_id"}}, false},
		{keyRef{table: "tenants", kind: "primary key", cols: []string{"id"}}, true}, // a reference table
		{keyRef{table: "customer_tags", kind: "foreign key", cols: []string{"tenant_id", "customer_id"}, refTable: "customers", refCols: []string{"tenant_id", "id"}}, true},
		{keyRef{table: "customer_tags", kind: "foreign key", cols: []string{"customer_id"}, refTable: "customers", refCols: []string{"id"}}, false},
		// tenant_id mapped to another column joins rows of two tenants.
		{keyRef{table: "customer_tags", kind: "foreign key", cols: []string{"customer_id", "tenant_id"}, refTable: "customers", refCols: []string{"tenant_id", "id"}}, false},
		{keyRef{table: "customers", kind: "foreign key", cols: []string{"tenant_id"}, refTable: "tenants", refCols: []string{"id"}}, true},
		{keyRef{table: "customers", kind: "foreign key", cols: []string{"owner_id"}, refTable: "tenants", refCols: []string{"id"}}, false},
	} {
		if err := checkTenantKey(tc.k); (err == nil) != tc.ok {
			t.Errorf("%v: %v, want ok %v", tc.k, err, tc.ok)
		}
	}
}

func contains(xs []string, x string) bool { return index(xs, x) >= 0 }

func index(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

// columns names the columns of a table (names come from the catalogue, not
// from input, so quoting them is enough).
func columns(ctx context.Context, s *Store, table string) ([]string, error) {
	rows, err := s.w.QueryContext(ctx, `SELECT * FROM "`+table+`" WHERE 1 = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}

// schemaKeys reads the tables and keys of the migrated database from its
// catalogue (what the migrations really created, whatever their SQL
// spelling).
func schemaKeys(ctx context.Context, s *Store) (tables []string, keys []keyRef, err error) {
	if s.dialect == Postgres {
		return pgSchemaKeys(ctx, s)
	}
	return sqliteSchemaKeys(ctx, s)
}

func pgSchemaKeys(ctx context.Context, s *Store) ([]string, []keyRef, error) {
	var tables []string
	rows, err := s.w.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var keys []keyRef
	// Unique indexes cover primary keys and unique constraints too; the
	// columns in index order, an expression as "(expression)".
	rows, err = s.w.QueryContext(ctx, `
SELECT c.relname, i.relname, x.indisprimary,
       array_to_string(ARRAY(SELECT COALESCE(a.attname, '(expression)')
                             FROM generate_subscripts(x.indkey, 1) k
                             LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.indkey[k]
                             ORDER BY k), ',')
FROM pg_index x
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND x.indisunique
ORDER BY 1, 2`)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var k keyRef
		var primary bool
		var cols string
		if err := rows.Scan(&k.table, &k.name, &primary, &cols); err != nil {
			rows.Close()
			return nil, nil, err
		}
		k.kind = "unique"
		if primary {
			k.kind = "primary key"
		}
		k.cols = strings.Split(cols, ",")
		keys = append(keys, k)
	}
	rows.Close()
	rows, err = s.w.QueryContext(ctx, `
SELECT c.relname, o.conname, r.relname,
       array_to_string(ARRAY(SELECT a.attname FROM unnest(o.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = o.conrelid AND a.attnum = k.n ORDER BY k.i), ','),
       array_to_string(ARRAY(SELECT a.attname FROM unnest(o.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = o.confrelid AND a.attnum = k.n ORDER BY k.i), ',')
FROM pg_constraint o
JOIN pg_class c ON c.oid = o.conrelid
JOIN pg_class r ON r.oid = o.confrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND o.contype = 'f'
ORDER BY 1, 2`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		k := keyRef{kind: "foreign key"}
		var cols, refCols string
		if err := rows.Scan(&k.table, &k.name, &k.refTable, &cols, &refCols); err != nil {
			return nil, nil, err
		}
		k.cols, k.refCols = strings.Split(cols, ","), strings.Split(refCols, ",")
		keys = append(keys, k)
	}
	return tables, keys, rows.Err()
}

func sqliteSchemaKeys(ctx context.Context, s *Store) ([]string, []keyRef, error) {
	var tables []string
	rows, err := s.w.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1`)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var keys []keyRef
	for _, tbl := range tables {
		// The primary key as declared (a rowid alias has no index of its own).
		pk := map[int]string{}
		rows, err := s.w.QueryContext(ctx, `SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0`, tbl)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var col string
			var n int
			rows.Scan(&col, &n)
			pk[n] = col
		}
		rows.Close()
		if len(pk) > 0 {
			k := keyRef{table: tbl, name: "primary", kind: "primary key"}
			for i := 1; i <= len(pk); i++ {
				k.cols = append(k.cols, pk[i])
			}
			keys = append(keys, k)
		}
		// Unique constraints and unique indexes (the primary key's own
		// index, origin "pk", is checked above).
		var idx []string
		rows, err = s.w.QueryContext(ctx, `SELECT name FROM pragma_index_list(?) WHERE "unique" = 1 AND origin <> 'pk'`, tbl)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			idx = append(idx, n)
		}
		rows.Close()
		for _, name := range idx {
			k := keyRef{table: tbl, name: name, kind: "unique"}
			rows, err := s.w.QueryContext(ctx, `SELECT COALESCE(name, '(expression)') FROM pragma_index_info(?) ORDER BY seqno`, name)
			if err != nil {
				return nil, nil, err
			}
			for rows.Next() {
				var c string
				rows.Scan(&c)
				k.cols = append(k.cols, c)
			}
			rows.Close()
			keys = append(keys, k)
		}
		// Foreign keys, one per id, columns in seq order.
		fks := map[int]*keyRef{}
		rows, err = s.w.QueryContext(ctx, `SELECT id, "table", "from", COALESCE("to", '') FROM pragma_foreign_key_list(?) ORDER BY id, seq`, tbl)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var id int
			var ref, from, to string
			rows.Scan(&id, &ref, &from, &to)
			k := fks[id]
			if k == nil {
				k = &keyRef{table: tbl, name: fmt.Sprintf("fk%d", id), kind: "foreign key", refTable: ref}
				fks[id] = k
			}
			k.cols, k.refCols = append(k.cols, from), append(k.refCols, to)
		}
		rows.Close()
		ids := make([]int, 0, len(fks))
		for id := range fks {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		for _, id := range ids {
			keys = append(keys, *fks[id])
		}
	}
	return tables, keys, nil
}
