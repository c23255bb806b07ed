package main_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/store"
)

// TestRollingUpgradeAdditive: the database moves to a newer schema while
// kehu nodes built before it serve under load, as when the first node of a
// new release starts and migrates. The newer migration is additive (marked
// with store.AdditiveSuffix) and as wide as one can be: a new column with a
// default on every table, a new table and a new index. The old nodes keep
// answering every request, a node of the old release (re)started on the
// newer schema starts, applies nothing and serves, `kehu migrate` of the old
// release leaves it alone; rows the old code writes get the new column's
// default. A newer migration that is not additive makes an old node refuse
// to start, naming it, while the running ones keep serving.
func TestRollingUpgradeAdditive(t *testing.T) {
	c := newCluster(t)
	tok := nativeToken(t, c.bases[0], c.id, c.secret)
	db, err := sql.Open("pgx", c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var have int
	if err := db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&have); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var acked []string
	var failures []string
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				base := c.bases[(w+i)%len(c.bases)]
				if w%2 == 1 {
					base = c.random()
				}
				a, err := do(base, "POST", "/v1/customers", tok, []byte(fmt.Sprintf(`{"name":"升级%d-%d","phone":"137%04d%04d"}`, w, i, w, i)), nil)
				s, err2 := do(base, "GET", "/v1/customers?pageSize=5&name=升级", tok, nil, nil)
				mu.Lock()
				if err != nil || a.code != 201 {
					failures = append(failures, fmt.Sprintf("create on %s: %d %s %v", base, a.code, a.body, err))
				} else {
					var out struct{ ID json.Number }
					json.Unmarshal(a.body, &out)
					acked = append(acked, out.ID.String())
				}
				if err2 != nil || s.code != 200 {
					failures = append(failures, fmt.Sprintf("search on %s: %d %s %v", base, s.code, s.body, err2))
				}
				mu.Unlock()
			}
		}(w)
	}

	time.Sleep(300 * time.Millisecond)
	// The new release's migration, applied as Migrate applies one: in one
	// transaction with its schema_migrations row.
	var tables []string
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var mig strings.Builder
	for _, tb := range tables {
		fmt.Fprintf(&mig, "ALTER TABLE %s ADD COLUMN upgrade_probe TEXT NOT NULL DEFAULT 'v2';\n", tb)
	}
	mig.WriteString("CREATE TABLE customer_notes (tenant_id BIGINT NOT NULL, customer_id BIGINT NOT NULL, id BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (tenant_id, customer_id, id));\n")
	mig.WriteString("CREATE INDEX customers_upgrade_probe ON customers (tenant_id, upgrade_probe);\n")
	name := fmt.Sprintf("%04d_upgrade_probe%s", have+1, store.AdditiveSuffix)
	for attempt := 1; ; attempt++ {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(mig.String())
		if err == nil {
			_, err = tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, have+1, name, time.Now().UnixMilli())
		}
		if err == nil {
			err = tx.Commit()
		} else {
			tx.Rollback()
		}
		if err == nil {
			break
		}
		if attempt == 3 { // a deadlock with the load may pick the migration; Migrate's InTx would run it again too
			t.Fatalf("the additive migration: %v", err)
		}
	}
	t.Logf("migrated to %s (%d tables widened) under load", name, len(tables))
	time.Sleep(300 * time.Millisecond)

	// An old-release node starting now finds the newer schema.
	cmd, late := serve(t, c.bin, "--db", c.dsn, "--data-dir", t.TempDir(), "--rate-client", "0", "--rate-address", "0")
	c.nodes = append(c.nodes, cmd)
	c.mu.Lock()
	c.bases = append(c.bases, late)
	c.mu.Unlock()
	time.Sleep(300 * time.Millisecond)
	stop()
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	if len(acked) < 20 {
		t.Fatalf("only %d writes acknowledged", len(acked))
	}
	var probe string
	if err := db.QueryRow(`SELECT upgrade_probe FROM customers WHERE id = $1`, acked[len(acked)-1]).Scan(&probe); err != nil || probe != "v2" {
		t.Fatalf("a row the old code wrote after the migration: upgrade_probe %q, %v", probe, err)
	}
	for i, id := range acked {
		mustDo(t, c.bases[i%len(c.bases)], "GET", "/v1/customers/"+id, tok, nil, nil, 200)
	}
	if out := c.cli("migrate"); fmt.Sprint(out["schemaVersion"]) != fmt.Sprint(have+1) {
		t.Fatalf("kehu migrate of the old release on the newer schema: %v", out)
	}
	t.Logf("%d writes acknowledged across the migration, all readable; a node started on the newer schema served", len(acked))

	// A newer migration that is not additive: an old node refuses to start.
	breaking := fmt.Sprintf("%04d_rename_remark.sql", have+2)
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, have+2, breaking, time.Now().UnixMilli()); err != nil {
		t.Fatal(err)
	}
	run := exec.Command(c.bin, "serve", "--db", c.dsn, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	run.Env = os.Environ()
	out, err := run.CombinedOutput()
	if err == nil || !strings.Contains(string(out), breaking) || !strings.Contains(string(out), "upgrade kehu") {
		t.Fatalf("an old node on a schema with a breaking migration: %v %s", err, out)
	}
	for _, b := range c.bases {
		mustDo(t, b, "GET", "/v1/customers?pageSize=1", tok, nil, nil, 200)
	}
}
