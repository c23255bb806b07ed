package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/server"
	"github.com/kehu/kehu/internal/testenv"
)

// lockAPI is one API's credential check: try sends an authentication with
// a client id and a secret; locked says whether a response is the API's own
// 429 answer.
type lockAPI struct {
	name   string
	try    func(e *testenv.Env, id, secret string) (int, http.Header, map[string]any)
	ok     func(status int, out map[string]any) bool
	locked func(status int, out map[string]any) bool
}

func send(e *testenv.Env, method, path string, hdr map[string]string, body []byte) (int, http.Header, map[string]any) {
	req, _ := http.NewRequest(method, e.URL+path, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, resp.Header, out
}

var formHdr = map[string]string{"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "kehu-test"}

var lockAPIs = []lockAPI{
	{
		name: "native",
		try: func(e *testenv.Env, id, secret string) (int, http.Header, map[string]any) {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()
			return send(e, "POST", "/v1/oauth/token", formHdr, []byte(form))
		},
		ok:     func(st int, out map[string]any) bool { return st == 200 && out["access_token"] != nil },
		locked: func(st int, out map[string]any) bool { return st == 429 && out["error"] == "temporarily_unavailable" },
	},
	{
		name: "dashi",
		try: func(e *testenv.Env, id, secret string) (int, http.Header, map[string]any) {
			ts := uniqueMilli()
			sign, _ := dashi.Sign("hmac-sha256", id, ts, secret)
			q := url.Values{"appid": {id}, "sign_method": {"hmac-sha256"}, "timestamp": {ts}, "sign": {sign}}.Encode()
			return send(e, "GET", "/api/justauth/generate/v1/visitor/token?"+q, nil, nil)
		},
		ok: func(st int, out map[string]any) bool { return st == 200 && out["token"] != nil },
		locked: func(st int, out map[string]any) bool {
			return st == 429 && out["status"] == dashi.StatusTooManyRequests && out["code"] == float64(429)
		},
	},
	{
		name: "tanma",
		try: func(e *testenv.Env, id, secret string) (int, http.Header, map[string]any) {
			body := []byte(`{}`)
			ts := uniqueMilli()
			return send(e, "POST", "/api/v3/echo", map[string]string{"Content-Type": "application/json", "appId": id,
				"timestamp": ts, "sign": tanma.Sign(id, ts, body, secret)}, body)
		},
		ok: func(st int, out map[string]any) bool { return st == 200 && out["code"] == float64(0) },
		locked: func(st int, out map[string]any) bool {
			return st == 429 && out["code"] == float64(tanma.CodeTooMany)
		},
	},
	{
		name: "yeastar",
		try: func(e *testenv.Env, id, secret string) (int, http.Header, map[string]any) {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()
			return send(e, "POST", "/dm/open_api/oauth/token", formHdr, []byte(form))
		},
		ok: func(st int, out map[string]any) bool { return st == 200 && out["access_token"] != nil },
		locked: func(st int, out map[string]any) bool {
			return st == 429 && out["status"] == "Failed" && out["errcode"] == float64(10008)
		},
	},
}

// clock is a settable clock for the lockout guard.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock(t time.Time) *clock    { return &clock{t: t} }
func (c *clock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var _ = (*clock).set

// TestLockoutEveryAPI: on each of the four APIs, wrong secrets for one
// client id first slow it down (429 + Retry-After in the API's envelope,
// even for the right secret), then lock it for 15 minutes, with every
// failure and the lockout in the audit log; another client of the same
// tenant, from the same address, keeps working throughout; the lock holds
// in the database (a second kehu on the same database sees it).
func TestLockoutEveryAPI(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			clk := newClock(time.Now())
			e.Auth.Guard.Now = clk.now
			node2 := &testenv.Env{Store: e.Store}
			srv2 := httptest.NewServer(server.Handler(&server.Deps{Store: e.Store, Svc: e.Svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Auth: &auth.Service{Store: e.Store, Keys: e.Auth.Keys, Guard: &auth.Guard{Store: e.Store, Now: clk.now}}}))
			defer srv2.Close()
			node2.URL = srv2.URL
			for _, api := range lockAPIs {
				t.Run(api.name, func(t *testing.T) {
					victim := e.NewClient(t, e.Tenant.ID, 0)
					other := e.NewClient(t, e.Tenant.ID, 0)
					for i := 1; i <= 3; i++ {
						st, _, out := api.try(e, victim.ClientID, "wrong-secret")
						if api.ok(st, out) || api.locked(st, out) {
							t.Fatalf("wrong secret #%d: %d %v", i, st, out)
						}
					}
					// The third failure starts the backoff: the next attempt is refused unchecked.
					st, hdr, out := api.try(e, victim.ClientID, victim.Secret)
					if !api.locked(st, out) || hdr.Get("Retry-After") != "1" {
						t.Fatalf("right secret during backoff: %d %v Retry-After %q", st, out, hdr.Get("Retry-After"))
					}
					if st, _, out := api.try(e, other.ClientID, other.Secret); !api.ok(st, out) {
						t.Fatalf("another client during the backoff: %d %v", st, out)
					}
					// Keep failing after each backoff until the lock.
					for i := 4; i <= 10; i++ {
						clk.add(time.Duration(1<<(i-4)) * time.Second)
						if st, _, out := api.try(e, victim.ClientID, "wrong-secret"); api.ok(st, out) || api.locked(st, out) {
							t.Fatalf("wrong secret #%d after the backoff: %d %v", i, st, out)
						}
					}
					clk.add(10 * time.Minute)
					st, hdr, out = api.try(e, victim.ClientID, victim.Secret)
					if ra, _ := strconv.Atoi(hdr.Get("Retry-After")); !api.locked(st, out) || ra < 290 || ra > 300 {
						t.Fatalf("right secret while locked: %d %v Retry-After %q", st, out, hdr.Get("Retry-After"))
					}
					if st, _, out := api.try(e, other.ClientID, other.Secret); !api.ok(st, out) {
						t.Fatalf("another client during the lock: %d %v", st, out)
					}
					// A second kehu node on the same database sees the lock: nothing is kept in memory.
					if st, hdr, out := api.try(node2, victim.ClientID, victim.Secret); !api.locked(st, out) || hdr.Get("Retry-After") == "" {
						t.Fatalf("right secret on a second node while locked: %d %v", st, out)
					}
					entries, err := audit.Query(context.Background(), e.Store, e.Tenant.ID, model.AuditFilter{Target: victim.ClientID, Limit: 100})
					if err != nil {
						t.Fatal(err)
					}
					var fails, locks int
					for _, en := range entries {
						switch en.Action {
						case audit.ClientAuthFail:
							fails++
						case audit.Lockout:
							locks++
						}
						if en.Via != model.Via(api.name) || en.Addr != "127.0.0.1" {
							t.Errorf("audit entry %+v: want via %s from 127.0.0.1", en, api.name)
						}
					}
					if fails != 10 || locks != 1 {
						t.Errorf("audit: %d failures and %d lockouts, want 10 and 1", fails, locks)
					}
					clk.add(6 * time.Minute)
					if st, _, out := api.try(e, victim.ClientID, victim.Secret); !api.ok(st, out) {
						t.Fatalf("right secret after the lock: %d %v", st, out)
					}
					// A success forgets the failures: three more are free again.
					for i := 1; i <= 2; i++ {
						api.try(e, victim.ClientID, "wrong-secret")
					}
					if st, _, out := api.try(e, victim.ClientID, victim.Secret); !api.ok(st, out) {
						t.Fatalf("right secret after two new failures: %d %v", st, out)
					}
				})
			}
		})
	}
}

// lastMilli backs uniqueMilli.
var lastMilli atomic.Int64

// uniqueMilli is a millisecond timestamp that no earlier call returned: two
// signed requests with the same secret in the same millisecond carry the same
// signature, which the platforms refuse as a replay, and on an idle machine
// two in-process requests fit in one millisecond.
func uniqueMilli() string {
	for {
		old := lastMilli.Load()
		n := max(time.Now().UnixMilli(), old+1)
		if lastMilli.CompareAndSwap(old, n) {
			return strconv.FormatInt(n, 10)
		}
	}
}
