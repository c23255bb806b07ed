package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kehu/kehu/internal/server"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestRequestIDs: every response has an X-Request-Id — the client's when
// it is sane, a fresh one otherwise — Yeastar's body requestId is the same
// id, and the access log line is JSON with the id, tenant, client and a
// duration in milliseconds.
func TestRequestIDs(t *testing.T) {
	logs := &syncBuf{}
	e := testenv.NewWith(t, store.SQLite, func(d *server.Deps) {
		d.Log = slog.New(slog.NewJSONHandler(logs, nil))
	})
	tok := nativeToken(t, e)
	get := func(path, id string, hdr map[string]string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", e.URL+path, nil)
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	fresh := regexp.MustCompile(`^[0-9a-f]{32}$`)
	auth := map[string]string{"Authorization": "Bearer " + tok}
	for _, tc := range []struct{ path, sent string }{
		{"/v1/customers?pageSize=1", "client-req.42:a_b"},
		{"/v1/customers?pageSize=1", "has space"},
		{"/v1/customers?pageSize=1", strings.Repeat("x", 129)},
		{"/v1/no-such-thing", ""},
		{"/healthz", ""},
		{"/dm/open_api/v1/customers", "ycm-1"},
	} {
		resp, body := get(tc.path, tc.sent, auth)
		got := resp.Header.Get("X-Request-Id")
		sane := tc.sent != "" && !strings.Contains(tc.sent, " ") && len(tc.sent) <= 128
		if sane && got != tc.sent || !sane && !fresh.MatchString(got) {
			t.Errorf("%s with %q: X-Request-Id %q", tc.path, tc.sent, got)
		}
		if strings.HasPrefix(tc.path, "/dm/") {
			var env struct {
				RequestID string `json:"requestId"`
			}
			json.Unmarshal(body, &env)
			if env.RequestID != got {
				t.Errorf("yeastar body requestId %q, header %q", env.RequestID, got)
			}
		}
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		if rec["msg"] == "request" && rec["requestId"] == "client-req.42:a_b" {
			found = true
			if rec["clientId"] != e.Client.ClientID || rec["tenantId"] != float64(e.Tenant.ID) {
				t.Errorf("access log without tenant/client: %s", line)
			}
			if _, ok := rec["durationMs"].(float64); !ok {
				t.Errorf("access log without durationMs: %s", line)
			}
		}
		if rec["msg"] == "request" && rec["requestId"] == nil {
			t.Errorf("access log line without requestId: %s", line)
		}
	}
	if !found {
		t.Errorf("no access log line for the request with our id:\n%s", logs.String())
	}
}
