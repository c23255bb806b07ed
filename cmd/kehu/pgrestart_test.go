package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/store"
)

// TestPostgresRestartUnderLoad: `kehu serve` on PostgreSQL under a write
// load (8 clients creating customers) while the database crashes (pg_ctl
// stop -m immediate) and comes back seconds later. While it is down every
// request is answered 503 with Retry-After (never a 500, never a dropped
// connection) and /readyz says unavailable; once it is back kehu reconnects
// by itself, /readyz says ready and writes succeed again; every write
// acknowledged with 201, before, during or after, is in the database.
func TestPostgresRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private PostgreSQL cluster and restarts it")
	}
	bin := kehuBinary(t)
	pg := pgtest.NewServer(t)
	dsn := pg.NewDatabase(t)
	dir := t.TempDir()
	common := []string{"--db", dsn, "--data-dir", dir}
	tenant := runJSON(t, bin, append([]string{"tenant", "create", "--name", "restart"}, common...)...)
	tid := int64(tenant["id"].(float64))
	cl := runJSON(t, bin, append([]string{"client", "create", "--tenant", fmt.Sprint(tid), "--allow-local-secret-key"}, common...)...)
	// No rate limits: the test hammers on purpose.
	srv := serveLogged(t, bin, append(common, "--allow-local-secret-key", "--rate-client", "0", "--rate-address", "0")...)
	cmd, base := srv.cmd, srv.base
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	tok := nativeToken(t, base, cl["clientId"].(string), cl["clientSecret"].(string))
	hc := &http.Client{Timeout: 30 * time.Second}

	var (
		mu       sync.Mutex
		acked    []int64
		statuses = map[int]int{}
		bad      []string // answers that are neither 201 nor a proper 503
	)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				body := fmt.Sprintf(`{"name":"重启%d-%d","phone":"137%04d%04d"}`, w, i, w, i)
				req, _ := http.NewRequest("POST", base+"/v1/customers", bytes.NewReader([]byte(body)))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					mu.Lock()
					bad = append(bad, "transport: "+err.Error())
					mu.Unlock()
					return
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				statuses[resp.StatusCode]++
				switch {
				case resp.StatusCode == 201:
					var out struct{ ID int64 }
					if json.Unmarshal(raw, &out) != nil || out.ID == 0 {
						bad = append(bad, "201 without an id: "+string(raw))
					}
					acked = append(acked, out.ID)
				case resp.StatusCode == 503 && resp.Header.Get("Retry-After") != "" &&
					resp.Header.Get("Content-Type") == "application/problem+json":
				default:
					if len(bad) < 20 {
						bad = append(bad, fmt.Sprintf("%d Retry-After=%q %s", resp.StatusCode, resp.Header.Get("Retry-After"), raw))
					}
				}
				mu.Unlock()
				if resp.StatusCode == 503 {
					time.Sleep(50 * time.Millisecond) // a polite client backs off (not the full Retry-After: the test wants many tries)
				}
			}
		}()
	}
	readyz := func() (int, string) {
		resp, err := hc.Get(base + "/readyz")
		if err != nil {
			t.Fatalf("/readyz: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitReadyz := func(want int, within time.Duration) string {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			code, body := readyz()
			if code == want {
				return body
			}
			if time.Now().After(deadline) {
				t.Fatalf("/readyz still %d %s after %v, want %d", code, body, within, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	ackedNow := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }

	time.Sleep(time.Second)
	before := ackedNow()
	if before < 10 {
		t.Fatalf("only %d writes acknowledged before the restart", before)
	}
	// A crash (immediate: backends killed, crash recovery at start), then
	// a service restart (fast: sessions ended, checkpoint).
	var during503 int
	for _, immediate := range []bool{true, false} {
		mu.Lock()
		was503 := statuses[503]
		mu.Unlock()
		if err := pg.Stop(immediate); err != nil {
			t.Fatal(err)
		}
		down := time.Now()
		body := waitReadyz(503, 10*time.Second)
		t.Logf("/readyz while down: %s", body)
		// A read while down: 503 with Retry-After too.
		req, _ := http.NewRequest("GET", base+fmt.Sprintf("/v1/customers/%d", acked[0]), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if resp, err := hc.Do(req); err != nil {
			t.Fatal(err)
		} else {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
				t.Errorf("read while the database is down: %d Retry-After=%q %s", resp.StatusCode, resp.Header.Get("Retry-After"), b)
			}
		}
		time.Sleep(2 * time.Second)
		mu.Lock()
		n503 := statuses[503] - was503
		mu.Unlock()
		if n503 == 0 {
			t.Fatalf("no write was answered 503 while the database was down (immediate=%v, statuses %v)", immediate, statuses)
		}
		during503 += n503
		if err := pg.Start(); err != nil {
			t.Fatal(err)
		}
		t.Logf("database down for %v (immediate=%v): %d writes answered 503", time.Since(down).Round(time.Millisecond), immediate, n503)
		waitReadyz(200, 30*time.Second)
		up := ackedNow()
		deadline := time.Now().Add(15 * time.Second)
		for ackedNow() < up+20 {
			if time.Now().After(deadline) {
				t.Fatalf("writes did not resume after the restart (%d acknowledged since)", ackedNow()-up)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	stop()
	wg.Wait()

	if len(bad) > 0 {
		for _, l := range srv.errors() {
			t.Log(l)
		}
		t.Fatalf("%d answers neither 201 nor 503 with Retry-After (statuses %v), first: %q", len(bad), statuses, bad)
	}
	// Everything kehu logged through the crash, the outage and the
	// recovery is JSON, one object a line.
	if plain := srv.plainLines(); len(plain) > 0 {
		t.Errorf("%d log lines that are not JSON, first: %q", len(plain), plain[0])
	}
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range acked {
		if _, err := st.Customer(context.Background(), tid, id); err != nil {
			t.Fatalf("acknowledged customer %d lost: %v", id, err)
		}
	}
	t.Logf("statuses %v; %d acknowledged writes (%d before the crash), all present", statuses, len(acked), before)
}

// loggedServer is a running `kehu serve` whose error lines are kept.
type loggedServer struct {
	cmd   *exec.Cmd
	base  string
	mu    sync.Mutex
	errs  []string
	plain []string // lines that are not one JSON object: one log format only
}

func (s *loggedServer) errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

func (s *loggedServer) plainLines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.plain...)
}

// serveLogged is serve that keeps the first 50 log lines of level ERROR.
func serveLogged(t *testing.T, bin string, args ...string) *loggedServer {
	t.Helper()
	s := &loggedServer{cmd: exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)}
	stderr, _ := s.cmd.StderrPipe()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line struct{ Msg, Addr, Level string }
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				s.mu.Lock()
				s.plain = append(s.plain, sc.Text())
				s.mu.Unlock()
			}
			if line.Msg == "kehu listening" {
				addr <- line.Addr
			}
			if line.Level == "ERROR" {
				s.mu.Lock()
				if len(s.errs) < 50 {
					s.errs = append(s.errs, sc.Text())
				}
				s.mu.Unlock()
			}
		}
	}()
	select {
	case a := <-addr:
		s.base = "http://" + a
	case <-time.After(60 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Fatal("kehu serve did not start")
	}
	return s
}
