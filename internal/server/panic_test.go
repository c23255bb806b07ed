package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/server"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// syncBuffer is a log destination several goroutines write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestBackgroundPanicIsVisible: a bug that panics in a background job of
// the node (here webhook work, through its clock, once) is a logged,
// visible failure, never a dead process: one JSON log line at ERROR
// naming the job with the panic and its stack, kehu_background_panics_total
// for that job on /metrics, and the node keeps serving — the API answers
// and the delivery the panic interrupted is made all the same.
func TestBackgroundPanicIsVisible(t *testing.T) {
	var logs syncBuffer
	var armed atomic.Bool
	e := testenv.NewWith(t, store.SQLite, func(d *server.Deps) {
		d.Log = slog.New(slog.NewJSONHandler(&logs, nil))
		d.Webhooks.Log = d.Log
		d.Webhooks.Now = func() time.Time { // the test hook
			if armed.CompareAndSwap(true, false) {
				panic("the clock broke")
			}
			return time.Now()
		}
	})
	var got atomic.Int32
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
	defer rc.Close()
	a := newAPIs(t, e)
	auth := map[string]string{"Authorization": "Bearer " + a.native, "Content-Type": "application/json"}
	if an := rlSend(t, "POST", e.URL+"/v1/webhooks", auth, jsonBody(map[string]any{"url": rc.URL})); an.status != 201 {
		t.Fatalf("webhook: %d %v", an.status, an.body)
	}
	armed.Store(true)
	if an := rlSend(t, "POST", e.URL+"/v1/customers", auth, jsonBody(map[string]any{"name": "恐慌", "phone": "13655000001"})); an.status != 201 {
		t.Fatalf("create: %d %v", an.status, an.body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for armed.Load() || got.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: clock armed %v, deliveries %d; log:\n%s", armed.Load(), got.Load(), logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var job string
	for _, line := range strings.Split(logs.String(), "\n") {
		var l struct{ Level, Msg, Job, Panic, Stack string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "background job panicked" {
			if l.Level != "ERROR" || l.Panic != "the clock broke" || !strings.Contains(l.Stack, "panic_test.go") || l.Job == "" {
				t.Errorf("the panic's log line: %s", line)
			}
			job = l.Job
		}
	}
	if job == "" {
		t.Fatalf("no JSON log line for the panic:\n%s", logs.String())
	}
	resp, err := http.Get(e.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `kehu_background_panics_total{job="` + job + `"}`; !strings.Contains(string(body), want) {
		t.Errorf("/metrics has no %s", want)
	}
	if an := rlSend(t, "POST", e.URL+"/v1/customers", auth, jsonBody(map[string]any{"name": "之后", "phone": "13655000002"})); an.status != 201 {
		t.Fatalf("a create after the panic: %d %v", an.status, an.body)
	}
}
