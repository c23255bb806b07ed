package platsync_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/platsync"
)

// TestWrongCredentials: each platform's refusal is a clear message without
// the secret, and nothing is written.
func TestWrongCredentials(t *testing.T) {
	w := newWorld(t, "sqlite")
	w.create(t, dashiCustomer(1, w.project.ID))
	for _, p := range []string{platsync.PlatformDashi, platsync.PlatformTanma, platsync.PlatformYeastar} {
		t.Run(p, func(t *testing.T) {
			cfg := w.config(p)
			cfg.AppSecret = "wrong-secret-0123456789"
			_, err := platsync.Run(context.Background(), w.dst.Svc, cfg)
			if err == nil || !strings.Contains(err.Error(), "refused the credentials") {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), cfg.AppSecret) || strings.Contains(err.Error(), "sign=") {
				t.Errorf("the message shows a secret or a signature: %v", err)
			}
			t.Log(err)
			cfg.AppID = "kh1_nosuchclient000000"
			if _, err := platsync.Run(context.Background(), w.dst.Svc, cfg); err == nil || !strings.Contains(err.Error(), "refused the credentials") {
				t.Fatalf("unknown app id: %v", err)
			}
		})
	}
	if n := len(all(t, w.dst, w.dst.Tenant.ID)); n != 0 {
		t.Errorf("%d customers written", n)
	}
}

// TestGarbageThenResume: a platform that answers a proxy's HTML page keeps
// failing with a message saying so; the pages before stay, and a run once
// it is healthy again continues after them, with no customer twice.
func TestGarbageThenResume(t *testing.T) {
	forEachDB(t, func(t *testing.T, w *world) {
		var plat []*model.Customer
		for i := range 70 {
			plat = append(plat, w.create(t, dashiCustomer(i, w.project.ID)))
		}
		w.proxy.setHook(func(r *http.Request, body []byte, n int) (int, string, time.Duration) {
			if isPage(r) && pageOf(r, body) == 3 {
				return 200, "<html><body>502 Bad Gateway</body></html>", 0
			}
			return 0, "", 0
		})
		cfg := w.config(platsync.PlatformDashi)
		cfg.PageSize = 20
		var retries atomic.Int32
		cfg.OnRetry = func(op string, attempt int, wait time.Duration, err error) { retries.Add(1) }
		sum, err := platsync.Run(context.Background(), w.dst.Svc, cfg)
		if err == nil || !strings.Contains(err.Error(), "not its API's JSON") || !strings.Contains(err.Error(), "502 Bad Gateway") ||
			!strings.Contains(err.Error(), "page 3") {
			t.Fatalf("err = %v", err)
		}
		if retries.Load() != 3 {
			t.Errorf("%d retries, want 3", retries.Load())
		}
		if sum == nil || sum.Created != 40 || len(all(t, w.dst, w.dst.Tenant.ID)) != 40 {
			t.Fatalf("after the failure: %+v", sum)
		}
		w.proxy.setHook(nil)
		sum = w.sync(t, cfg)
		if !sum.Resumed || sum.Created != 70 {
			t.Fatalf("resumed: %+v", sum)
		}
		w.sameCustomers(t, plat)
	})
}

// TestTransientFailures: rate limiting (429 with Retry-After, 探马's -1),
// 5xx and a slow page are retried with backoff and the sync completes.
func TestTransientFailures(t *testing.T) {
	w := newWorld(t, "sqlite")
	var plat []*model.Customer
	for i := range 30 {
		plat = append(plat, w.create(t, yeastarCustomer(i)))
	}
	w.proxy.setHook(func(r *http.Request, body []byte, n int) (int, string, time.Duration) {
		if !isPage(r) {
			return 0, "", 0
		}
		switch n {
		case 1:
			return 429, `{"status":"Failed","errcode":429,"errmsg":"too many requests"}`, 0
		case 2:
			return 503, "Service Unavailable", 0
		case 3:
			return 0, "", 2 * time.Second // longer than the request timeout
		}
		return 0, "", 0
	})
	cfg := w.config(platsync.PlatformYeastar)
	cfg.Timeout = 300 * time.Millisecond
	var whys []string
	cfg.OnRetry = func(op string, attempt int, wait time.Duration, err error) { whys = append(whys, err.Error()) }
	sum := w.sync(t, cfg)
	if sum.Created != 30 {
		t.Fatalf("%+v", sum)
	}
	if len(whys) != 3 || !strings.Contains(whys[0], "HTTP 429") || !strings.Contains(whys[1], "HTTP 503") ||
		!strings.Contains(whys[2], "no answer within the request timeout") {
		t.Errorf("retries: %q", whys)
	}
	w.sameCustomers(t, plat, "createdAt")

	// 探马's "系统异常,请稍后重试" (code -1) is retried too.
	w2 := newWorld(t, "sqlite")
	w2.create(t, yeastarCustomer(1))
	w2.proxy.setHook(func(r *http.Request, body []byte, n int) (int, string, time.Duration) {
		if isPage(r) && n == 1 {
			return 200, `{"code":-1,"message":"系统异常,请稍后重试","data":null}`, 0
		}
		return 0, "", 0
	})
	if sum := w2.sync(t, w2.config(platsync.PlatformTanma)); sum.Created != 1 {
		t.Fatalf("%+v", sum)
	}
}

// TestKeepsFailing: a platform that fails every time gives up after the
// retries with the last failure, and a rerun adds nothing twice.
func TestKeepsFailing(t *testing.T) {
	w := newWorld(t, "sqlite")
	for i := range 5 {
		w.create(t, dashiCustomer(i, w.project.ID))
	}
	w.proxy.setHook(func(r *http.Request, body []byte, n int) (int, string, time.Duration) {
		if isPage(r) {
			return 500, `{"msg":"internal error","code":500,"status":"INTERNAL_ERROR"}`, 0
		}
		return 0, "", 0
	})
	cfg := w.config(platsync.PlatformDashi)
	_, err := platsync.Run(context.Background(), w.dst.Svc, cfg)
	if err == nil || !strings.Contains(err.Error(), "kept failing (HTTP 500)") || !strings.Contains(err.Error(), "after 4 attempts") {
		t.Fatalf("err = %v", err)
	}
	// A project the platform does not have is the platform's refusal.
	w.proxy.setHook(nil)
	bad := cfg
	bad.SourceProject = "42"
	if _, err := platsync.Run(context.Background(), w.dst.Svc, bad); err == nil || !strings.Contains(err.Error(), "PROJECT_NOT_EXIST") {
		t.Fatalf("err = %v", err)
	}
	if sum := w.sync(t, cfg); sum.Created != 5 {
		t.Fatalf("%+v", sum)
	}
	if sum := w.sync(t, cfg); sum.Created != 0 || sum.Unchanged != 5 {
		t.Fatalf("%+v", sum)
	}
}

// TestOneRunAtATime: a second run of the same source waits for the
// first's lease.
func TestOneRunAtATime(t *testing.T) {
	forEachDB(t, testOneRunAtATime)
}

func testOneRunAtATime(t *testing.T, w *world) {
	for i := range 40 {
		w.create(t, dashiCustomer(i, w.project.ID))
	}
	slow := make(chan struct{})
	w.proxy.setHook(func(r *http.Request, body []byte, n int) (int, string, time.Duration) {
		if isPage(r) && n == 1 {
			<-slow
		}
		return 0, "", 0
	})
	cfg := w.config(platsync.PlatformDashi)
	cfg.PageSize = 20
	first := make(chan error, 1)
	go func() { _, err := platsync.Run(context.Background(), w.dst.Svc, cfg); first <- err }()
	time.Sleep(200 * time.Millisecond)
	waited := make(chan time.Time, 1)
	second := cfg
	second.OnWait = func(until time.Time) { waited <- until; close(slow) }
	sum, err := platsync.Run(context.Background(), w.dst.Svc, second)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	select {
	case <-waited:
	default:
		t.Fatal("the second run did not wait")
	}
	if n := len(all(t, w.dst, w.dst.Tenant.ID)); n != 40 || sum.Created != 0 {
		t.Fatalf("%d customers, second run %+v", n, sum)
	}
}

// TestSmallerPages: a platform that serves fewer customers a page than
// asked for stops the run with the page size to use, rather than skipping
// customers; with that size the run completes.
func TestSmallerPages(t *testing.T) {
	w := newWorld(t, "sqlite")
	var plat []*model.Customer
	for i := range 45 {
		plat = append(plat, w.create(t, yeastarCustomer(i)))
	}
	w.proxy.setHook(func(r *http.Request, body []byte, n int) (int, string, time.Duration) {
		if isPage(r) && r.URL.Query().Get("pageSize") == "20" {
			q := r.URL.Query()
			q.Set("pageSize", "10") // the platform's own cap
			r.URL.RawQuery = q.Encode()
			resp, _ := forward(r, w.plat.URL, body)
			return 200, strings.Replace(resp, `"pageSize":10`, `"pageSize":20`, 1), 0
		}
		return 0, "", 0
	})
	cfg := w.config(platsync.PlatformYeastar)
	cfg.PageSize = 20
	_, err := platsync.Run(context.Background(), w.dst.Svc, cfg)
	if err == nil || !strings.Contains(err.Error(), "--page-size 10") {
		t.Fatalf("err = %v", err)
	}
	cfg.PageSize = 10
	if sum := w.sync(t, cfg); sum.Seen != 45 {
		t.Fatalf("%+v", sum)
	}
	w.sameCustomers(t, plat, "createdAt")
}
