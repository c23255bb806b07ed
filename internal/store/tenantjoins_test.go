package store

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The queries half of "nothing crosses tenants": every JOIN between tenant
// tables equates the two sides' tenant_id, and every subquery over a tenant
// table names tenant_id in its WHERE, so on a database sharded by tenant_id
// (DISTRIBUTED.md) each join is colocated and stays on one shard. Checked on
// the SQL text of the two packages that hold SQL: the store and the query
// compiler.

var (
	// JOIN <table> <alias> ON <condition up to the next clause>
	joinRe = regexp.MustCompile(`(?is)\bJOIN\s+(\w+)\s+(\w+)\s+ON\s+(.*?)(?:\bWHERE\b|\bJOIN\b|\bGROUP\b|\bORDER\b|\)|` + "`" + `|"|$)`)
	// (SELECT … FROM <table> [<alias>] WHERE <condition>
	subqueryRe = regexp.MustCompile(`(?is)\(\s*SELECT\b[^()]*?\bFROM\s+(\w+)(?:\s+(\w+))?\s+(?:JOIN\b[^()]*?)?WHERE\s+([^()]*)`)
	// Go concatenation inside a SQL literal: "… " + expr + " …"
	goConcat = regexp.MustCompile("[`\"]\\s*\\+\\s*[\\w.()\\[\\]]+\\s*\\+\\s*[`\"]")
)

// crossTenantSQL returns the joins and subqueries of src (Go source or SQL)
// over tenant tables that do not pin tenant_id.
func crossTenantSQL(src string) (bad []string, checked int) {
	src = goConcat.ReplaceAllString(src, " dyn ") // a table or column named at run time is checked as "dyn"
	for _, m := range joinRe.FindAllStringSubmatch(src, -1) {
		table, alias, on := m[1], m[2], m[3]
		if skipTable(table) {
			continue
		}
		checked++
		if !regexp.MustCompile(`\b` + alias + `\.tenant_id\s*=\s*\w+\.tenant_id\b|\b\w+\.tenant_id\s*=\s*` + alias + `\.tenant_id\b`).MatchString(on) {
			bad = append(bad, "JOIN "+table+" "+alias+" ON "+strings.Join(strings.Fields(on), " "))
		}
	}
	for _, m := range subqueryRe.FindAllStringSubmatch(src, -1) {
		table, where := m[1], m[3]
		if skipTable(table) {
			continue
		}
		checked++
		sub := "subquery FROM " + table + " WHERE " + strings.Join(strings.Fields(where), " ")
		if !strings.Contains(where, "tenant_id") && !allTenantScan(sub) {
			bad = append(bad, sub)
		}
	}
	return bad, checked
}

// allTenantScans are the subqueries that read every tenant on purpose, each
// with the reason. They join nothing across tenants (their rows go back to
// the same table by (tenant_id, id)), but on a sharded database they touch
// every shard: DISTRIBUTED.md lists them.
var allTenantScans = map[string]string{
	"subquery FROM customer_events WHERE position IS NULL":   "the change feed's numbering step: feed positions are global, in commit order",
	"subquery FROM customer_events WHERE created_at < ? AND": "retention pruning (--history-retention), one lease holder for all tenants",
}

func allTenantScan(sub string) bool {
	for prefix := range allTenantScans {
		if strings.HasPrefix(sub, prefix) {
			return true
		}
	}
	return false
}

// skipTable: reference tables and PostgreSQL's or SQLite's own catalogues.
func skipTable(t string) bool {
	if _, ok := referenceTables[t]; ok {
		return true
	}
	return strings.HasPrefix(t, "pg_") || strings.HasPrefix(t, "sqlite_") || strings.HasPrefix(t, "pragma_") ||
		t == "information_schema" || t == "generate_subscripts" || t == "unnest"
}

func TestCrossTenantSQL(t *testing.T) {
	for _, tc := range []struct {
		sql string
		bad bool
	}{
		{`SELECT c.id FROM customers c JOIN customer_tags t ON t.tenant_id = c.tenant_id AND t.customer_id = c.id WHERE c.tenant_id = ?`, false},
		{`SELECT c.id FROM customers c JOIN customer_tags t ON t.customer_id = c.id WHERE c.tenant_id = ?`, true},
		{`FROM webhooks w LEFT JOIN webhook_deliveries d ON d.tenant_id = w.tenant_id AND d.webhook_id = w.id AND d.status = 'pending'`, false},
		{`SELECT s.id FROM staff s JOIN departments d ON d.id = s.department_id`, true},
		{`c.id IN (SELECT customer_id FROM customer_tags WHERE tenant_id = ? AND tag_id = ?)`, false},
		{`c.id IN (SELECT customer_id FROM customer_tags WHERE tag_id = ?)`, true},
		{`COALESCE((SELECT MIN(v.value) FROM customer_values_text v WHERE v.tenant_id = c.tenant_id AND v.customer_id = c.id), '')`, false},
		{"b.w(\"IN (SELECT customer_id FROM \" + table + \" WHERE tag_id = \")", true},
		{`SELECT t.name FROM customers c JOIN tenants t ON t.id = c.tenant_id`, false}, // a reference table
		{`NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`, false},
	} {
		if got, _ := crossTenantSQL(tc.sql); (len(got) > 0) != tc.bad {
			t.Errorf("crossTenantSQL(%q) = %q, want bad %v", tc.sql, got, tc.bad)
		}
	}
}

// TestNoQueryJoinsAcrossTenants runs the check over the SQL of the store
// and the query compiler (tests excluded).
func TestNoQueryJoinsAcrossTenants(t *testing.T) {
	files, checked := 0, 0
	for _, dir := range []string{".", "../query"} {
		paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			if strings.HasSuffix(p, "_test.go") {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			files++
			bad, n := crossTenantSQL(string(b))
			checked += n
			for _, bad := range bad {
				t.Errorf("%s: %s: does not pin tenant_id on both sides (a cross-shard join on a tenant-sharded database)", p, bad)
			}
		}
	}
	if files < 20 || checked < 15 {
		t.Fatalf("only %d source files read, %d joins and subqueries found", files, checked)
	}
	t.Logf("%d files, %d joins and subqueries over tenant tables checked", files, checked)
}
