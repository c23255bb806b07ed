package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// kehuBinary builds cmd/kehu once per test run.
func kehuBinary(t *testing.T) string { return testenv.KehuBinary(t) }

func runJSON(t *testing.T, bin string, args ...string) map[string]any {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "KEHU_LOG_LEVEL=warn")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kehu %v: %v", args, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("kehu %v printed %q, not one JSON object", args, out)
	}
	return m
}

// serve starts `kehu serve` and returns its base URL once it listens.
func serve(t *testing.T, bin string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "kehu listening" && !sent {
				addr <- line.Addr
				sent = true
			}
		}
	}()
	select {
	case a := <-addr:
		return cmd, "http://" + a
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("kehu serve did not start")
	}
	return nil, ""
}

func nativeToken(t *testing.T, base, id, secret string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/v1/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	if tok.AccessToken == "" {
		t.Fatalf("no token (status %d)", resp.StatusCode)
	}
	return tok.AccessToken
}

// TestSIGTERMLosesNoAcknowledgedWrite: the CLI contract end to end. Create a
// tenant and client with the CLI, serve, fire a burst of concurrent creates,
// SIGTERM mid-burst: the process exits 0, and every create that was answered
// 201 is in the database afterwards.
func TestSIGTERMLosesNoAcknowledgedWrite(t *testing.T) {
	bin := kehuBinary(t)
	for _, db := range []string{store.SQLite, store.Postgres} {
		t.Run(db, func(t *testing.T) {
			dir := t.TempDir()
			dsn := filepath.Join(dir, "kehu.db")
			if db == store.Postgres {
				dsn = pgtest.NewDatabase(t)
			}
			common := []string{"--db", dsn, "--data-dir", dir}
			tenant := runJSON(t, bin, append([]string{"tenant", "create", "--name", "e2e"}, common...)...)
			tid := fmt.Sprint(int64(tenant["id"].(float64)))
			project := runJSON(t, bin, append([]string{"project", "create", "--tenant", tid, "--name", "p"}, common...)...)
			if project["name"] != "p" || fmt.Sprint(int64(project["tenantId"].(float64))) != tid {
				t.Fatalf("project create printed %v", project)
			}
			clientArgs := append([]string{"client", "create", "--tenant", tid}, common...)
			if db == store.Postgres {
				clientArgs = append(clientArgs, "--allow-local-secret-key") // one node: the key file in dir
			}
			cl := runJSON(t, bin, clientArgs...)
			id, secret := cl["clientId"].(string), cl["clientSecret"].(string)

			// The server commits with fsync (--sync full; PostgreSQL always does).
			serveArgs := append(common, "--sync", "full")
			if db == store.Postgres {
				serveArgs = append(serveArgs, "--allow-local-secret-key") // one node, its key file in dir
			}
			cmd, base := serve(t, bin, serveArgs...)
			tok := nativeToken(t, base, id, secret)
			var mu sync.Mutex
			var acked []string
			var wg sync.WaitGroup
			ctx, stop := context.WithCancel(context.Background())
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; ctx.Err() == nil; i++ {
						body := fmt.Sprintf(`{"name":"并发%d-%d","phone":"139%04d%04d"}`, w, i, w, i)
						req, _ := http.NewRequest("POST", base+"/v1/customers", bytes.NewReader([]byte(body)))
						req.Header.Set("Authorization", "Bearer "+tok)
						req.Header.Set("Content-Type", "application/json")
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							return // server gone
						}
						var out struct{ ID json.Number }
						json.NewDecoder(resp.Body).Decode(&out)
						resp.Body.Close()
						if resp.StatusCode == 201 {
							mu.Lock()
							acked = append(acked, out.ID.String())
							mu.Unlock()
						}
					}
				}(w)
			}
			time.Sleep(700 * time.Millisecond)
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			stop()
			wg.Wait()
			if err != nil {
				t.Fatalf("kehu serve did not exit 0 on SIGTERM: %v", err)
			}
			if len(acked) < 10 {
				t.Fatalf("only %d writes acknowledged before SIGTERM", len(acked))
			}
			st, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var tenantID int64
			fmt.Sscan(tid, &tenantID)
			for _, a := range acked {
				var cid int64
				fmt.Sscan(a, &cid)
				if _, err := st.Customer(context.Background(), tenantID, cid); err != nil {
					t.Fatalf("acknowledged customer %s lost: %v", a, err)
				}
			}
			t.Logf("%d acknowledged writes, all present", len(acked))
		})
	}
}
