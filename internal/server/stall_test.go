package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/seed"
	"github.com/kehu/kehu/internal/server"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// nativeToken gets a native access token for the env's client.
func nativeToken(t *testing.T, e *testenv.Env) string {
	t.Helper()
	req, _ := http.NewRequest("POST", e.URL+"/v1/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(e.Client.ClientID, e.Client.Secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

func rssMB(t *testing.T) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// TestStalledReaders: 100 sockets ask for a CSV export of 20,000 customers
// and never read. Before, each held its export and its memory for as long
// as it liked (RSS 30 → 712 MB, a probe took 7.9 s). Now exports take
// turns (2 per tenant), the rest are refused with 429 + Retry-After after
// a short wait, the two that started are cut off once they make no
// progress for StreamIdle, memory stays bounded and a cheap probe answers
// throughout; afterwards a reading client exports normally.
func TestStalledReaders(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 20,000 customers")
	}
	const idle = 2 * time.Second
	e := testenv.NewWith(t, store.SQLite, func(d *server.Deps) { d.StreamIdle = idle })
	ctx := context.Background()
	setup, err := seed.Catalog(ctx, e.Store, e.Tenant.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Load(ctx, e.Store, setup, 20_000, 5, store.LoadOptions{DeferIndexes: true}); err != nil {
		t.Fatal(err)
	}
	tok := nativeToken(t, e)
	addr := strings.TrimPrefix(e.URL, "http://")
	before := rssMB(t)

	// Small receive buffers, so that the server's writes block soon.
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	const n = 100
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET /v1/customers/export?format=csv HTTP/1.1\r\nHost: kehu\r\nAuthorization: Bearer %s\r\n\r\n", tok)
		conns[i] = c
	}

	probe := func() time.Duration {
		t.Helper()
		start := time.Now()
		req, _ := http.NewRequest("GET", e.URL+"/v1/customers?pageSize=1&phone=13800000000", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatalf("probe: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("probe: %d", resp.StatusCode)
		}
		return time.Since(start)
	}
	time.Sleep(500 * time.Millisecond)
	if d := probe(); d > 2*time.Second {
		t.Errorf("probe took %v while 100 exports stall", d)
	}
	time.Sleep(3 * time.Second) // the queued exports give up (2 s)
	peak := rssMB(t)
	if d := probe(); d > 2*time.Second {
		t.Errorf("probe took %v after the refusals", d)
	}

	// Every socket got either a 429 with Retry-After, or the start of a
	// 200 download that the server cut off after idle.
	statuses := map[int]int{}
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(idle + 5*time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("reading an answer: %v", err)
		}
		statuses[resp.StatusCode]++
		switch resp.StatusCode {
		case 429:
			if resp.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		case 200:
			// The rest of the body may still be in the socket buffers;
			// what matters is that the server let go (checked below).
		default:
			t.Errorf("status %d", resp.StatusCode)
		}
		resp.Body.Close()
	}
	if statuses[200] > 2 || statuses[429] < n-2 {
		t.Errorf("statuses %v: want at most 2 exports running and the rest refused", statuses)
	}
	t.Logf("RSS %.0f MB before, %.0f MB with 100 stalled exports; statuses %v", before, peak, statuses)
	if peak-before > 150 {
		t.Errorf("RSS grew by %.0f MB with 100 stalled readers", peak-before)
	}

	// The stalled exports were cut off: their slots are free again and a
	// client that reads gets the whole file.
	time.Sleep(idle + time.Second)
	req, _ := http.NewRequest("GET", e.URL+"/v1/customers/export?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines++
	}
	if resp.StatusCode != 200 || lines < 20_001 {
		t.Errorf("export after the stall: %d, %d lines", resp.StatusCode, lines)
	}
}
