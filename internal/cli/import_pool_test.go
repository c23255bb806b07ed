package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/cli"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// TestImportPoolFlag: kehu import --pool puts the created customers into
// the pool (a load into the empty database); a pool that does not exist
// fails the import before any row, naming poolId.
func TestImportPoolFlag(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := cli.Run(ctx, append(args, "--db", db), &out, &errb); code != want {
			t.Fatalf("%v: exit %d (want %d): %s %s", args, code, want, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	var tenant struct{ ID int64 }
	out, _ := run(0, "tenant", "create", "--name", "t")
	json.Unmarshal([]byte(out), &tenant)
	tid := fmt.Sprint(tenant.ID)
	var pool model.Pool
	out, _ = run(0, "pool", "create", "--tenant", tid, "--name", "公海")
	json.Unmarshal([]byte(out), &pool)
	file := filepath.Join(dir, "c.csv")
	if err := os.WriteFile(file, []byte("姓名,手机\n张三,13900000001\n李四,13900000002\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut := run(1, "import", file, "--tenant", tid, "--progress=false", "--pool", fmt.Sprint(pool.ID+1)); !strings.Contains(errOut, "poolId") {
		t.Fatalf("unknown pool: %s", errOut)
	}
	out, _ = run(0, "import", file, "--tenant", tid, "--progress=false", "--pool", fmt.Sprint(pool.ID))
	if !strings.Contains(out, `"created":2`) {
		t.Fatalf("import: %s", out)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int
	if err := st.QueryRow(ctx, `SELECT COUNT(*) FROM customers WHERE tenant_id = ? AND pool_id = ? AND owner_id IS NULL`, tenant.ID, pool.ID).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d customers in the pool without an owner (%v)", n, err)
	}
}
