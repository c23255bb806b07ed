package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// kehuBinary builds cmd/kehu once per test run.
func kehuBinary(t *testing.T) string { return testenv.KehuBinary(t) }

func runKehu(t *testing.T, bin string, args ...string) (map[string]any, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "KEHU_LOG_LEVEL=warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kehu %v: %v\n%s", args, err, stderr.String())
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("kehu %v printed %q", args, out)
	}
	return m, stderr.String()
}

// crashFile writes n rows; every 10th row repeats the phone of the row five
// before it, so the file holds n - n/10 distinct phones.
func crashFile(t *testing.T, path string, n int) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write([]string{"姓名", "手机号", "城市", "备注"})
	distinct := 0
	for i := 0; i < n; i++ {
		p := i
		if i%10 == 9 {
			p = i - 5
		} else {
			distinct++
		}
		w.Write([]string{fmt.Sprintf("客户%d", i), fmt.Sprintf("139%08d", p), "深圳市", "崩溃测试"})
	}
	w.Flush()
	bw.Flush()
	f.Close()
	return distinct
}

func count(t *testing.T, st *store.Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := st.QueryRow(context.Background(), st.Rebind(q), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestImportKill9: kill -9 `kehu import` after it has reported progress;
// the database is consistent (every committed customer has its index rows
// and event, the job's counts match the data), and running the same
// import again with --on-duplicate skip ends with exactly one customer per
// distinct phone. Twice: into a database that already has customers (the
// import commits batch by batch, so some survive the kill) and into one
// without (the import is one load: nothing survives, and the indexes the
// load had dropped are all back).
func TestImportKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 150k rows")
	}
	for _, load := range []bool{false, true} {
		t.Run(map[bool]string{false: "batches", true: "load"}[load], func(t *testing.T) { testImportKill9(t, load) })
	}
}

func testImportKill9(t *testing.T, load bool) {
	bin := kehuBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "kehu.db")
	tenant, _ := runKehu(t, bin, "tenant", "create", "--name", "crash", "--db", db)
	tid := strconv.FormatFloat(tenant["id"].(float64), 'f', 0, 64)
	file := filepath.Join(dir, "big.csv")
	distinct := crashFile(t, file, 150_000)
	if !load {
		// Another tenant's customer: the database is not empty, no load.
		other, _ := runKehu(t, bin, "tenant", "create", "--name", "other", "--db", db)
		one := filepath.Join(dir, "one.csv")
		crashFile(t, one, 1)
		runKehu(t, bin, "import", one, "--tenant", strconv.FormatFloat(other["id"].(float64), 'f', 0, 64), "--db", db, "--progress=false")
	}
	indexes := func(st *store.Store) int64 {
		return count(t, st, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'customer%'`)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	indexesBefore := indexes(st)
	st.Close()

	cmd := exec.Command(bin, "import", file, "--tenant", tid, "--db", db, "--batch", "2000")
	cmd.Env = append(os.Environ(), "KEHU_LOG_LEVEL=warn")
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	progress := regexp.MustCompile(`(\d+)/\d+ rows`) // stderr is a pipe: one line per update
	killed := make(chan int64, 1)
	go func() {
		br := bufio.NewReader(stderr)
		var buf []byte
		sent := false
		for {
			b, err := br.ReadByte()
			if err != nil {
				if !sent {
					killed <- -1
				}
				return
			}
			buf = append(buf, b)
			if len(buf) > 4096 {
				buf = buf[len(buf)-256:]
			}
			if sent {
				continue
			}
			if m := progress.FindAllSubmatch(buf, -1); len(m) > 0 {
				if n, _ := strconv.ParseInt(string(m[len(m)-1][1]), 10, 64); n >= 20_000 {
					cmd.Process.Signal(syscall.SIGKILL)
					killed <- n
					sent = true
				}
			}
		}
	}()
	var at int64
	select {
	case at = <-killed:
	case <-time.After(5 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("no progress reported")
	}
	werr := cmd.Wait()
	if at < 0 {
		t.Fatalf("import ended before it could be killed: %v", werr)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("import was not killed: %v", werr)
	}

	if _, err := os.Stat(db + "-journal"); load && err != nil {
		// The load writes through a rollback journal, which the next open
		// plays back.
		t.Fatalf("no rollback journal after killing a load: %v", err)
	}
	st, err = store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	tenantID, _ := strconv.ParseInt(tid, 10, 64)
	var check, mode string
	if err := st.QueryRow(context.Background(), "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	if err := st.QueryRow(context.Background(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q %v after the kill", mode, err)
	}
	if n := indexes(st); n != indexesBefore {
		t.Fatalf("%d indexes on the customer tables after the kill, %d before", n, indexesBefore)
	}
	n1 := count(t, st, `SELECT COUNT(*) FROM customers WHERE tenant_id = ?`, tenantID)
	switch {
	case load && n1 != 0:
		t.Fatalf("%d customers after killing a load (at %d rows): a load is all or nothing", n1, at)
	case !load && (n1 == 0 || n1 >= int64(distinct)):
		t.Fatalf("%d customers after the kill (killed at %d rows): not mid-import", n1, at)
	}
	if n := count(t, st, `SELECT COUNT(DISTINCT customer_id) FROM customer_grams WHERE tenant_id = ?`, tenantID); n != n1 {
		t.Fatalf("%d customers but %d with name tokens: a half-written customer", n1, n)
	}
	if n := count(t, st, `SELECT COUNT(*) FROM customer_events WHERE tenant_id = ? AND kind = 'add'`, tenantID); n != n1 {
		t.Fatalf("%d customers but %d add events", n1, n)
	}
	if n := count(t, st, `SELECT created FROM imports WHERE tenant_id = ?`, tenantID); n != n1 {
		t.Fatalf("the job says %d created, the store holds %d", n, n1)
	}
	if n := count(t, st, `SELECT COUNT(*) FROM import_issues WHERE tenant_id = ?`, tenantID); load && n != 0 {
		t.Fatalf("%d report rows of a killed load", n)
	}
	if n := count(t, st, `SELECT COUNT(*) FROM (SELECT phone FROM customers WHERE tenant_id = ? GROUP BY phone HAVING COUNT(*) > 1) d`, tenantID); n != 0 {
		t.Fatalf("%d phones duplicated after the kill", n)
	}
	st.Close()

	sum, _ := runKehu(t, bin, "import", file, "--tenant", tid, "--db", db, "--on-duplicate", "skip", "--progress=false")
	if int64(sum["created"].(float64))+n1 != int64(distinct) || sum["failed"].(float64) != 0 {
		t.Fatalf("re-run: %v (had %d, want %d distinct)", sum, n1, distinct)
	}
	if got := sum["bulkLoad"] == true; got != load {
		t.Fatalf("re-run: bulkLoad %v, want %v", sum["bulkLoad"], load)
	}
	st, err = store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n := count(t, st, `SELECT COUNT(*) FROM customers WHERE tenant_id = ?`, tenantID); n != int64(distinct) {
		t.Fatalf("%d customers after the re-run, want %d", n, distinct)
	}
	if n := count(t, st, `SELECT COUNT(DISTINCT phone) FROM customers WHERE tenant_id = ?`, tenantID); n != int64(distinct) {
		t.Fatalf("%d distinct phones, want %d", n, distinct)
	}
	// The interrupted job reads as interrupted once stale; the second is done.
	var statuses []string
	rows, _ := st.Query(context.Background(), st.Rebind(`SELECT status FROM imports WHERE tenant_id = ? ORDER BY id`), tenantID)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		statuses = append(statuses, s)
	}
	rows.Close()
	if strings.Join(statuses, ",") != "running,done" {
		t.Fatalf("job statuses %v", statuses)
	}
}

// TestImportExportCLI: the commands end to end on a small file: the
// summary, the report file, an export to XLSX and CSV.
func TestImportExportCLI(t *testing.T) {
	bin := kehuBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "kehu.db")
	tenant, _ := runKehu(t, bin, "tenant", "create", "--name", "cli", "--db", db)
	tid := strconv.FormatFloat(tenant["id"].(float64), 'f', 0, 64)
	file := filepath.Join(dir, "in.csv")
	os.WriteFile(file, []byte("\uFEFFname,mobile,email\n张三,13800000001,zs@example.com\n李四,13800000001,\n王五,bad,\n"), 0o644)
	mapping := filepath.Join(dir, "map.json")
	os.WriteFile(mapping, []byte(`{"email":"-"}`), 0o644)
	report := filepath.Join(dir, "report.xlsx")
	sum, stderr := runKehu(t, bin, "import", "--tenant", tid, "--db", db, file, "--report", report, "--mapping", mapping)
	if sum["created"].(float64) != 1 || sum["skipped"].(float64) != 1 || sum["failed"].(float64) != 1 || sum["total"].(float64) != 3 {
		t.Fatalf("summary %v", sum)
	}
	// stderr is a pipe, not a terminal: whole lines, never \r-redrawn ones
	if !strings.Contains(stderr, "kehu import: in.csv: done, 3/3 rows (100%)\n") || strings.Contains(stderr, "\r") {
		t.Fatalf("no progress lines on stderr: %q", stderr)
	}
	if info, err := os.Stat(report); err != nil || info.Size() == 0 {
		t.Fatalf("report: %v", err)
	}
	dry, _ := runKehu(t, bin, "import", file, "--tenant", tid, "--db", db, "--dry-run", "--on-duplicate", "update", "--progress=false")
	if dry["dryRun"] != true || dry["updated"].(float64) != 2 || dry["failed"].(float64) != 1 || dry["importId"] != nil {
		t.Fatalf("dry run %v", dry)
	}
	out := filepath.Join(dir, "out.xlsx")
	res, _ := runKehu(t, bin, "export", "--tenant", tid, "--db", db, "--out", out)
	if res["exported"].(float64) != 1 || res["format"] != "xlsx" {
		t.Fatalf("export %v", res)
	}
	cmd := exec.Command(bin, "export", "--tenant", tid, "--db", db, "--filter", `name ~ "张"`)
	csvOut, err := cmd.Output()
	if err != nil || !bytes.HasPrefix(csvOut, []byte("\uFEFF客户ID,姓名,手机号")) || !bytes.Contains(csvOut, []byte("张三,+8613800000001")) {
		t.Fatalf("csv export: %v %q", err, csvOut)
	}
}
