package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/cli"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// TestSyncKill9: kill -9 `kehu sync` in the middle of a walk; running it
// again (once the dead run's lease is over) continues after the last
// committed page and ends with exactly one customer per platform customer.
// The credentials come from the environment and never appear in the
// output.
func TestSyncKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := kehuBinary(t)
	plat := testenv.New(t, store.SQLite)
	ctx := context.Background()
	const n = 300
	for i := range n {
		name := fmt.Sprintf("客户%d", i)
		if _, err := plat.Svc.CreateCustomer(ctx, crm.SystemCaller(plat.Tenant.ID, model.Actor{ID: "t"}), &crm.CustomerInput{Name: &name,
			Phone: crm.Ptr(fmt.Sprintf("139%08d", i)), Remark: crm.Ptr("迁移测试")}); err != nil {
			t.Fatal(err)
		}
	}
	// Pages are slow, so the kill lands mid-walk.
	target, _ := url.Parse(plat.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/dm/open_api/v1/customers" {
			time.Sleep(300 * time.Millisecond) // progress lines come once a second on a pipe
		}
		rp.ServeHTTP(w, r)
	}))
	defer slow.Close()

	dir := t.TempDir()
	db := filepath.Join(dir, "kehu.db")
	tenant, _ := runKehu(t, bin, "tenant", "create", "--name", "moving in", "--db", db)
	tid := strconv.FormatFloat(tenant["id"].(float64), 'f', 0, 64)
	args := []string{"sync", "--from", "yeastar", "--base-url", slow.URL, "--tenant", tid, "--db", db, "--page-size", "20", "--lease", "2s", "--rate", "0"}
	env := append(os.Environ(), "KEHU_LOG_LEVEL=warn", "KEHU_APP_ID="+plat.Client.ClientID, "KEHU_APP_SECRET="+plat.Client.Secret)

	cmd := exec.Command(bin, args...)
	cmd.Env = env
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	progress := regexp.MustCompile(`(\d+)(?:/\d+)? rows`) // stderr is a pipe: one progress line per update
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
			if sent {
				continue
			}
			buf = append(buf, b)
			if m := progress.FindAllSubmatch(buf, -1); len(m) > 0 {
				if k, _ := strconv.ParseInt(string(m[len(m)-1][1]), 10, 64); k >= 100 {
					cmd.Process.Signal(syscall.SIGKILL)
					killed <- k
					sent = true
				}
			}
		}
	}()
	var at int64
	select {
	case at = <-killed:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("no progress reported")
	}
	_ = cmd.Wait()
	if at < 0 {
		t.Fatal("sync ended before it could be killed")
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	have := count(t, st, `SELECT COUNT(*) FROM customers WHERE tenant_id = ?`, tenant["id"].(float64))
	st.Close()
	if have < 100 || have >= n || have%20 != 0 {
		t.Fatalf("after the kill: %d customers (whole pages of 20, at least the 100 reported)", have)
	}

	cmd = exec.Command(bin, args...)
	cmd.Env = env
	var errBuf strings.Builder
	cmd.Stderr = &errBuf
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("rerun: %v\n%s", err, errBuf.String())
	}
	for _, s := range []string{string(out), errBuf.String()} {
		if strings.Contains(s, plat.Client.Secret) {
			t.Fatal("the secret was printed")
		}
	}
	if !strings.Contains(string(out), `"resumed":true`) || !strings.Contains(string(out), fmt.Sprintf(`"created":%d`, n)) {
		t.Fatalf("rerun printed %s", out)
	}
	st, err = store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := count(t, st, `SELECT COUNT(*) FROM customers WHERE tenant_id = ?`, tenant["id"].(float64)); got != n {
		t.Fatalf("%d customers after the rerun, want %d", got, n)
	}
	if got := count(t, st, `SELECT COUNT(DISTINCT external_id) FROM customers WHERE tenant_id = ?`, tenant["id"].(float64)); got != n {
		t.Fatalf("%d distinct external ids", got)
	}
}

// lineCounter calls fn with each line written to it.
type lineCounter struct {
	mu  sync.Mutex
	buf strings.Builder
	fn  func(line string)
}

func (l *lineCounter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range p {
		if b == '\n' {
			l.fn(l.buf.String())
			l.buf.Reset()
			continue
		}
		l.buf.WriteByte(b)
	}
	return len(p), nil
}

// TestSyncWatch: --watch runs again at each interval, the later runs
// incremental; Ctrl-C ends it with exit code 0. The credentials come from a
// file.
func TestSyncWatch(t *testing.T) {
	plat := testenv.New(t, store.SQLite)
	ctx := context.Background()
	create := func(i int) {
		name := fmt.Sprintf("监视%d", i)
		if _, err := plat.Svc.CreateCustomer(ctx, crm.SystemCaller(plat.Tenant.ID, model.Actor{ID: "t"}), &crm.CustomerInput{Name: &name}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		create(i)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "kehu.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tn, _ := st.CreateTenant(ctx, "watch")
	st.Close()
	cred := filepath.Join(dir, "cred.json")
	_ = os.WriteFile(cred, []byte(`{"appId":"`+plat.Client.ClientID+`","appSecret":"`+plat.Client.Secret+`"}`), 0o600)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var sums []map[string]any
	out := &lineCounter{fn: func(line string) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			sums = append(sums, m)
			if len(sums) == 1 {
				create(99) // a new customer for the next run
			}
			if len(sums) == 2 {
				cancel()
			}
		}
	}}
	var stderr strings.Builder
	code := cli.Run(runCtx, []string{"sync", "--from", "yeastar", "--base-url", plat.URL, "--credentials", cred, "--tenant", fmt.Sprint(tn.ID),
		"--db", db, "--watch", "1s", "--progress=false", "--log-level", "warn"}, out, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if len(sums) != 2 || sums[0]["created"] != float64(3) || sums[1]["created"] != float64(1) || sums[1]["unchanged"] != float64(3) || sums[1]["since"] == nil {
		t.Fatalf("summaries %v", sums)
	}
	if strings.Contains(stderr.String(), plat.Client.Secret) {
		t.Fatal("the secret was printed")
	}
}
