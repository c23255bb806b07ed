package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kehu/kehu/internal/background"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/server"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
	"github.com/kehu/kehu/internal/webhook"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestSignatureReferenceVector: the signing library reproduces the Standard
// Webhooks specification's reference signature.
func TestSignatureReferenceVector(t *testing.T) {
	wh, err := standardwebhooks.NewWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil || sig != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("signature %q (%v)", sig, err)
	}
	if s := webhook.NewSecret(); !strings.HasPrefix(s, "whsec_") || len(s) != 6+44 {
		t.Fatalf("secret %q", s)
	}
	// The same signature from the specification's definition, without the
	// library: base64(HMAC-SHA256(base64-decoded secret, id.timestamp.body)).
	key, _ := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(`msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}`))
	if got := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); got != sig {
		t.Fatalf("by the definition %q, by the library %q", got, sig)
	}
	// A receiver's side of the vector: it verifies, also among several
	// signatures (a secret being rotated); a changed body or a stale
	// timestamp does not.
	h := http.Header{"Webhook-Id": {"msg_p5jXN8AQM9LWM0D4loKWxJek"}, "Webhook-Timestamp": {"1614265330"},
		"Webhook-Signature": {"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " + sig}}
	if err := wh.VerifyIgnoringTimestamp([]byte(`{"test": 2432232314}`), h); err != nil {
		t.Fatalf("reference vector does not verify: %v", err)
	}
	if wh.VerifyIgnoringTimestamp([]byte(`{"test": 2432232315}`), h) == nil {
		t.Fatal("a changed body verified")
	}
	if wh.Verify([]byte(`{"test": 2432232314}`), h) == nil {
		t.Fatal("a timestamp of 2021 verified")
	}
}

// api is a native-API client for one env.
type api struct {
	t     *testing.T
	e     *testenv.Env
	token string
}

func newAPI(t *testing.T, e *testenv.Env, c *model.Client) *api {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.Secret}}
	resp, err := http.PostForm(e.URL+"/v1/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	return &api{t: t, e: e, token: tok.AccessToken}
}

func (a *api) do(method, path, body string) (int, map[string]any) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.e.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	d.Decode(&out)
	if resp.StatusCode >= 500 {
		a.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func (a *api) must(method, path, body string, want int) map[string]any {
	a.t.Helper()
	code, out := a.do(method, path, body)
	if code != want {
		a.t.Fatalf("%s %s: %d, want %d: %v", method, path, code, want, out)
	}
	return out
}

// received is one request a receiver got.
type received struct {
	id, ts, sig string
	body        []byte
	at          time.Time
}

// receiver is a local endpoint that verifies signatures and answers per
// a plan: respond(n, body) gives the status for the n-th request (1-based).
type receiver struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	got     []received
	respond func(n int, r received) int
	secret  string
}

func newReceiver(t *testing.T, respond func(n int, r received) int) *receiver {
	rc := &receiver{t: t, respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got := received{id: r.Header.Get("webhook-id"), ts: r.Header.Get("webhook-timestamp"), sig: r.Header.Get("webhook-signature"), body: body, at: time.Now()}
		rc.mu.Lock()
		rc.got = append(rc.got, got)
		n, secret := len(rc.got), rc.secret
		rc.mu.Unlock()
		if secret != "" {
			wh, _ := standardwebhooks.NewWebhook(secret)
			if err := wh.Verify(body, r.Header); err != nil {
				t.Errorf("request %d: signature does not verify: %v", n, err)
			}
		}
		code := 204
		if rc.respond != nil {
			code = rc.respond(n, got)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// waitFor polls until cond holds or 30 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

type payload struct {
	Type string `json:"type"`
	Data struct {
		Position   int64       `json:"position"`
		CustomerID json.Number `json:"customerId"`
		Kind       string      `json:"kind"`
		Customer   struct {
			Name   string         `json:"name"`
			Remark string         `json:"remark"`
			Fields map[string]any `json:"fields"`
		} `json:"customer"`
		Info map[string]any `json:"info"`
	} `json:"data"`
}

func decode(t *testing.T, b []byte) payload {
	var p payload
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&p); err != nil {
		t.Fatalf("payload %s: %v", b, err)
	}
	return p
}

// TestDeliveryOrderRetriesAndSignatures: a receiver that fails the first
// two requests and answers others slowly gets every change of 5 customers
// edited 4 times each: signed, each delivery's id stable across its
// retries, each customer's changes in order, retries spaced by the backoff.
func TestDeliveryOrderRetriesAndSignatures(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			var mu sync.Mutex
			var firstID string
			tries := map[string]int{}
			rc := newReceiver(t, func(n int, r received) int {
				mu.Lock()
				if firstID == "" {
					firstID = r.id
				}
				tries[r.id]++
				fail := r.id == firstID && tries[r.id] <= 2 // the first delivery fails twice
				mu.Unlock()
				if fail {
					return 503
				}
				if n%7 == 0 {
					time.Sleep(150 * time.Millisecond) // slow, not failing
				}
				return 200
			})
			a := newAPI(t, e, e.Client)
			sub := a.must("POST", "/v1/webhooks", `{"url":"`+rc.srv.URL+`/hook","kinds":["add","edit"]}`, 201)
			rc.mu.Lock()
			rc.secret = sub["secret"].(string)
			rc.mu.Unlock()
			subID := sub["id"].(json.Number).String()
			if sub["enabled"] != true || sub["format"] != "native" {
				t.Fatalf("subscription %v", sub)
			}
			var ids []string
			for i := 0; i < 5; i++ {
				c := a.must("POST", "/v1/customers", fmt.Sprintf(`{"name":"顾客%d"}`, i), 201)
				ids = append(ids, c["id"].(json.Number).String())
			}
			for round := 1; round <= 4; round++ {
				for _, id := range ids {
					a.must("PATCH", "/v1/customers/"+id, fmt.Sprintf(`{"remark":"%d"}`, round), 200)
				}
			}
			want := 5 * 5
			distinct := func() map[string]received {
				m := map[string]received{}
				for _, r := range rc.requests() {
					if _, ok := m[r.id]; !ok || true {
						m[r.id] = r
					}
				}
				return m
			}
			waitFor(t, "every delivery", func() bool { return len(distinct()) == want })

			// Order per customer, from the requests in arrival order.
			last := map[string]int64{}
			remark := map[string]int{}
			byID := map[string][]received{}
			for _, r := range rc.requests() {
				byID[r.id] = append(byID[r.id], r)
				p := decode(t, r.body)
				cid := p.Data.CustomerID.String()
				if p.Data.Position < last[cid] {
					t.Fatalf("customer %s: position %d after %d", cid, p.Data.Position, last[cid])
				}
				last[cid] = p.Data.Position
				if p.Type != "customer."+p.Data.Kind {
					t.Fatalf("type %q for kind %q", p.Type, p.Data.Kind)
				}
				n, _ := strconv.Atoi(p.Data.Customer.Remark)
				if n < remark[cid] {
					t.Fatalf("customer %s: remark %d after %d", cid, n, remark[cid])
				}
				remark[cid] = n
			}
			// The first delivery was tried three times under one webhook-id
			// (its retries' spacing is checked on the recorded schedule
			// below: the receiver's clock also counts how late each request
			// left, which under load made a retry look early).
			first := rc.requests()[0]
			attempts := byID[first.id]
			if len(attempts) != 3 {
				t.Fatalf("first delivery tried %d times, want 3", len(attempts))
			}
			// The log: delivered (recorded just after the receiver answered),
			// three attempts, the first two 503.
			waitFor(t, "every delivery recorded", func() bool {
				return len(a.must("GET", "/v1/webhooks/"+subID+"/deliveries?status=delivered&limit=1000", "", 200)["data"].([]any)) == want
			})
			log := a.must("GET", "/v1/webhooks/"+subID+"/deliveries?limit=1000", "", 200)["data"].([]any)
			if len(log) != want {
				t.Fatalf("log has %d deliveries", len(log))
			}
			var firstDelivery map[string]any
			for _, d := range log {
				d := d.(map[string]any)
				if d["status"] != "delivered" {
					t.Fatalf("delivery %v", d)
				}
				if webhook.MessageID(mustInt(d["id"])) == first.id {
					firstDelivery = d
				}
			}
			one := a.must("GET", "/v1/webhooks/"+subID+"/deliveries/"+firstDelivery["id"].(json.Number).String(), "", 200)
			att := one["attemptLog"].([]any)
			if len(att) != 3 || fmt.Sprint(att[0].(map[string]any)["responseCode"]) != "503" || fmt.Sprint(att[2].(map[string]any)["responseCode"]) != "200" {
				t.Fatalf("attempt log %v", att)
			}
			// Retries keep the backoff (testenv: 50 ms doubling, jitter
			// down to half): each attempt starts when it is due, so the
			// recorded starts are at least 25 ms, then 50 ms, apart.
			at := func(i int) time.Time {
				v, err := time.Parse(time.RFC3339Nano, att[i].(map[string]any)["at"].(string))
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			for i, least := range []time.Duration{25 * time.Millisecond, 50 * time.Millisecond} {
				if gap := at(i + 1).Sub(at(i)); gap < least {
					t.Fatalf("attempt %d started %v after attempt %d, before its backoff (at least %v): %v", i+2, gap, i+1, least, att)
				}
			}
			// The attempts under one webhook-id reached the receiver in order.
			if !attempts[0].at.Before(attempts[1].at) || !attempts[1].at.Before(attempts[2].at) {
				t.Fatalf("attempts arrived out of order")
			}
			if got := a.must("GET", "/v1/webhooks/"+subID, "", 200); fmt.Sprint(got["failures"]) != "2" || got["secret"] != nil {
				t.Fatalf("subscription after: %v", got)
			}

			// Redelivery: the same delivery (same webhook-id) once more.
			before := len(rc.requests())
			a.must("POST", "/v1/webhooks/"+subID+"/deliveries/"+firstDelivery["id"].(json.Number).String()+"/redeliver", "", 202)
			waitFor(t, "the redelivery", func() bool { return len(rc.requests()) == before+1 })
			if r := rc.requests()[before]; r.id != first.id {
				t.Fatalf("redelivered %s, want %s", r.id, first.id)
			}
			// Replay from the start: every event again, under new ids.
			before = len(rc.requests())
			a.must("POST", "/v1/webhooks/"+subID+"/replay", `{"after":0}`, 202)
			waitFor(t, "the replay", func() bool { return len(rc.requests()) == before+want })
			if r := rc.requests()[before]; byID[r.id] != nil {
				t.Fatal("a replay reused a delivery id")
			}
		})
	}
}

func mustInt(v any) int64 {
	n, _ := v.(json.Number).Int64()
	return n
}

// TestTimeoutsDisablingAndTheDisabledEvent: a receiver that never answers
// in time is retried until the retry window closes; then the subscription
// is disabled, the feed carries a webhook.disabled event, and another
// subscription listening for that kind receives it. Re-enabling resumes.
func TestTimeoutsDisablingAndTheDisabledEvent(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			e.Webhooks.Timeout = 100 * time.Millisecond
			e.Webhooks.RetryFor = 700 * time.Millisecond
			block := make(chan struct{})
			var blocking sync.Mutex
			on := true
			slow := newReceiver(t, func(n int, r received) int {
				blocking.Lock()
				b := on
				blocking.Unlock()
				if b {
					select {
					case <-block:
					case <-time.After(300 * time.Millisecond):
					}
				}
				return 200
			})
			watcher := newReceiver(t, nil)
			a := newAPI(t, e, e.Client)
			sub := a.must("POST", "/v1/webhooks", `{"url":"`+slow.srv.URL+`"}`, 201)
			a.must("POST", "/v1/webhooks", `{"url":"`+watcher.srv.URL+`","kinds":["webhook.disabled"]}`, 201)
			subID := sub["id"].(json.Number).String()
			a.must("POST", "/v1/customers", `{"name":"超时"}`, 201)
			waitFor(t, "the subscription to be disabled", func() bool {
				return a.must("GET", "/v1/webhooks/"+subID, "", 200)["enabled"] == false
			})
			got := a.must("GET", "/v1/webhooks/"+subID, "", 200)
			if !strings.Contains(fmt.Sprint(got["disabledReason"]), "failed for") {
				t.Fatalf("reason %v", got["disabledReason"])
			}
			log := a.must("GET", "/v1/webhooks/"+subID+"/deliveries?status=failed", "", 200)["data"].([]any)
			if len(log) != 1 || mustInt(log[0].(map[string]any)["attempts"]) < 2 || !strings.Contains(fmt.Sprint(log[0]), "deadline") && !strings.Contains(fmt.Sprint(log[0]), "Timeout") {
				t.Fatalf("failed deliveries %v", log)
			}
			evs := a.must("GET", "/v1/events?kind=webhook.disabled", "", 200)["data"].([]any)
			if len(evs) != 1 || fmt.Sprint(evs[0].(map[string]any)["info"].(map[string]any)["webhookId"]) != subID {
				t.Fatalf("disabled events %v", evs)
			}
			waitFor(t, "the watcher", func() bool { return len(watcher.requests()) == 1 })
			if p := decode(t, watcher.requests()[0].body); p.Type != "webhook.disabled" || fmt.Sprint(p.Data.Info["webhookId"]) != subID {
				t.Fatalf("watcher got %s", watcher.requests()[0].body)
			}

			// Fixed receiver, re-enabled, the failed delivery redelivered.
			blocking.Lock()
			on = false
			blocking.Unlock()
			close(block)
			a.must("PATCH", "/v1/webhooks/"+subID, `{"enabled":true}`, 200)
			before := len(slow.requests())
			a.must("POST", "/v1/webhooks/"+subID+"/deliveries/"+log[0].(map[string]any)["id"].(json.Number).String()+"/redeliver", "", 202)
			a.must("POST", "/v1/customers", `{"name":"恢复"}`, 201)
			waitFor(t, "deliveries after re-enabling", func() bool {
				return len(a.must("GET", "/v1/webhooks/"+subID+"/deliveries?status=delivered", "", 200)["data"].([]any)) == 2
			})
			if len(slow.requests()) < before+2 {
				t.Fatalf("receiver saw %d more requests", len(slow.requests())-before)
			}
		})
	}
}

// TestFiltersProjectsFormatsAndTenants: a filter in the condition language,
// a project-bound subscription, the 达实 domain-event format with its
// topic, and another tenant's changes never reaching a subscription.
func TestFiltersProjectsFormatsAndTenants(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			a := newAPI(t, e, e.Client)
			vip := newReceiver(t, nil)
			dashiRc := newReceiver(t, nil)
			p := a.must("POST", "/v1/projects", `{"name":"园区A"}`, 201)
			pid := p["id"].(json.Number).String()
			a.must("POST", "/v1/webhooks", `{"url":"`+vip.srv.URL+`","filter":"name ~ \"VIP\" && status = 1"}`, 201)
			a.must("POST", "/v1/webhooks", `{"url":"`+dashiRc.srv.URL+`","format":"dashi","projectId":`+pid+`}`, 201)
			for _, bad := range []string{
				`{"url":"ftp://x"}`, `{"url":"` + vip.srv.URL + `","kinds":["upsert"]}`, `{"url":"` + vip.srv.URL + `","filter":"nosuchfield = 1"}`,
				`{"url":"` + vip.srv.URL + `","format":"xml"}`, `{"url":"` + vip.srv.URL + `","secret":"mine"}`, `{"url":"` + vip.srv.URL + `","secret":"whsec_c2hvcnQ="}`, `{}`,
			} {
				a.must("POST", "/v1/webhooks", bad, 400)
			}
			a.must("POST", "/v1/customers", `{"name":"VIP张三"}`, 201)
			a.must("POST", "/v1/customers", `{"name":"普通李四"}`, 201)
			in := a.must("POST", "/v1/customers", `{"name":"园区王五","projectId":`+pid+`}`, 201)
			a.must("POST", "/v1/customers", `{"name":"VIP禁用","status":2}`, 201)
			a.must("DELETE", "/v1/customers/"+in["id"].(json.Number).String(), "", 204)

			other, oc := e.NewTenant(t, "other", 0)
			_ = other
			b := newAPI(t, e, oc)
			b.must("POST", "/v1/customers", `{"name":"VIP别的租户"}`, 201)

			waitFor(t, "the VIP delivery", func() bool { return len(vip.requests()) >= 1 })
			waitFor(t, "the 达实 deliveries", func() bool { return len(dashiRc.requests()) >= 2 })
			time.Sleep(300 * time.Millisecond) // nothing else arrives
			if n := len(vip.requests()); n != 1 {
				t.Fatalf("VIP subscription got %d requests", n)
			}
			if got := decode(t, vip.requests()[0].body); got.Data.Customer.Name != "VIP张三" {
				t.Fatalf("VIP got %s", vip.requests()[0].body)
			}
			reqs := dashiRc.requests()
			if len(reqs) != 2 {
				t.Fatalf("达实 subscription got %d requests", len(reqs))
			}
			topic := strconv.FormatInt(e.Tenant.ID, 10) + "/proj_" + pid + "/v1-business-model-customer"
			for i, kind := range []string{"add", "delete"} {
				var ev struct {
					ID    int64          `json:"id"`
					Topic string         `json:"topic"`
					Type  string         `json:"type"`
					Time  int64          `json:"time"`
					Data  map[string]any `json:"data"`
				}
				if err := json.Unmarshal(reqs[i].body, &ev); err != nil || ev.Topic != topic || ev.Type != kind || ev.Time == 0 {
					t.Fatalf("达实 event %d: %s", i, reqs[i].body)
				}
				if kind == "add" && (ev.Data["name"] != "园区王五" || ev.Data["projectName"] != "园区A" || len(ev.Data) != 46) {
					t.Fatalf("达实 add data %v", ev.Data)
				}
			}
			// The other tenant sees none of this tenant's subscriptions.
			if l := b.must("GET", "/v1/webhooks", "", 200)["data"].([]any); len(l) != 0 {
				t.Fatalf("other tenant lists %v", l)
			}
		})
	}
}

// TestOutboundGuards: without the administrator's allowance, loopback and
// private targets are refused at creation and at connect time (a name that
// resolves to loopback), and redirects to another host are never followed.
func TestOutboundGuards(t *testing.T) {
	e := testenv.New(t, "sqlite")
	a := newAPI(t, e, e.Client)
	e.Webhooks.AllowPrivate = false
	for _, u := range []string{"http://127.0.0.1:9/x", "http://[::1]/x", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data", "http://localhost/x", "http://192.168.1.1/"} {
		if code, out := a.do("POST", "/v1/webhooks", `{"url":"`+u+`"}`); code != 400 || out["field"] != "url" {
			t.Fatalf("%s: %d %v", u, code, out)
		}
	}
	e.Webhooks.AllowPrivate = true
	// A receiver that redirects to another host: the delivery fails, the
	// other host never hears of it.
	target := newReceiver(t, nil)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(target.srv.URL, "127.0.0.1", "localhost", 1)+"/stolen", http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	sub := a.must("POST", "/v1/webhooks", `{"url":"`+redirect.URL+`"}`, 201)
	a.must("POST", "/v1/customers", `{"name":"重定向"}`, 201)
	id := sub["id"].(json.Number).String()
	waitFor(t, "a failed attempt", func() bool {
		l := a.must("GET", "/v1/webhooks/"+id+"/deliveries", "", 200)["data"].([]any)
		return len(l) == 1 && mustInt(l[0].(map[string]any)["attempts"]) >= 1
	})
	l := a.must("GET", "/v1/webhooks/"+id+"/deliveries", "", 200)["data"].([]any)
	if !strings.Contains(fmt.Sprint(l[0]), "another host") || len(target.requests()) != 0 {
		t.Fatalf("redirect followed: %v, target got %d", l[0], len(target.requests()))
	}
	// The dial guard: a service that does not allow private targets
	// refuses a name that resolves to loopback when connecting.
	guard := webhook.New(e.Store, e.Auth.Keys, e.Svc.Engine, nil)
	if _, err := guard.HTTPClient().Get(strings.Replace(target.srv.URL, "127.0.0.1", "localhost", 1)); err == nil || !strings.Contains(err.Error(), "not allowed") {
		t.Fatalf("dial guard let localhost through: %v", err)
	}
	if len(target.requests()) != 0 {
		t.Fatal("the guarded client reached the receiver")
	}
}

// TestPanicInDeliveryIsNotTheEnd: a bug that panics while a delivery is
// being made (here the clock, once) is recovered — logged, counted in
// kehu_background_panics_total — and the delivery is made all the same,
// by the restarted loop or as the retry of the failed attempt.
func TestPanicInDeliveryIsNotTheEnd(t *testing.T) {
	var armed atomic.Bool
	e := testenv.NewWith(t, store.SQLite, func(d *server.Deps) {
		d.Webhooks.Now = func() time.Time {
			if armed.CompareAndSwap(true, false) {
				panic("the clock broke")
			}
			return time.Now()
		}
	})
	panics := func() float64 {
		reg := prometheus.NewRegistry()
		reg.MustRegister(background.Panics)
		mfs, _ := reg.Gather()
		n := 0.0
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
		return n
	}
	before := panics()
	rc := newReceiver(t, nil)
	a := newAPI(t, e, e.Client)
	a.must("POST", "/v1/webhooks", `{"url":"`+rc.srv.URL+`"}`, 201)
	armed.Store(true)
	a.must("POST", "/v1/customers", `{"name":"恐慌"}`, 201)
	waitFor(t, "the delivery after the panic", func() bool { return len(rc.requests()) >= 1 })
	if armed.Load() {
		t.Fatal("the clock was never read")
	}
	if got := panics() - before; got != 1 {
		t.Fatalf("kehu_background_panics_total rose by %v, want 1", got)
	}
}

// TestMetrics: /metrics reports each subscription's queue depth, delivery
// lag and failures, and this node's attempts by outcome, from the database
// (any node reports the whole queue).
func TestMetrics(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			rc := newReceiver(t, func(n int, r received) int { return 503 }) // never takes one
			a := newAPI(t, e, e.Client)
			sub := a.must("POST", "/v1/webhooks", `{"url":"`+rc.srv.URL+`/hook"}`, 201)
			subID := sub["id"].(json.Number).String()
			for i := 0; i < 3; i++ {
				a.must("POST", "/v1/customers", fmt.Sprintf(`{"name":"指标%d"}`, i), 201)
			}
			labels := fmt.Sprintf(`{tenant="%d",webhook="%s"}`, e.Tenant.ID, subID)
			metric := func(body, name string) float64 {
				for _, line := range strings.Split(body, "\n") {
					if v, ok := strings.CutPrefix(line, name+" "); ok {
						f, _ := strconv.ParseFloat(v, 64)
						return f
					}
				}
				return -1
			}
			var body string
			waitFor(t, "failures on /metrics", func() bool {
				resp, err := http.Get(e.URL + "/metrics")
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				body = string(b)
				// The node counts its attempts after the pass that logged
				// them commits, so the two may be seen a moment apart.
				return metric(body, "kehu_webhook_failures_total"+labels) >= 3 &&
					metric(body, `kehu_webhook_attempts_total{outcome="failed"}`) >= 3
			})
			if d := metric(body, "kehu_webhook_queue_depth"+labels); d != 3 {
				t.Fatalf("queue depth %v, want 3 (every delivery pending)\n%s", d, body)
			}
			if lag := metric(body, "kehu_webhook_delivery_lag_seconds"+labels); lag <= 0 {
				t.Fatalf("lag %v, want the oldest pending event's age", lag)
			}
			if on := metric(body, "kehu_webhook_enabled"+labels); on != 1 {
				t.Fatalf("enabled %v", on)
			}
			if n := metric(body, `kehu_webhook_attempts_total{outcome="failed"}`); n < 3 {
				t.Fatalf("failed attempts %v", n)
			}
		})
	}
}

// TestMetricsCountTheFeedBacklog: events after a subscription's cursor
// that no pass has read yet (this node's delivery stopped) are queue depth
// and lag too, not only the pending retries: a lease holder that is stuck
// shows as a growing queue.
func TestMetricsCountTheFeedBacklog(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			e.StopBackground() // no fan-out: the cursor stays where it was created
			a := newAPI(t, e, e.Client)
			rc := newReceiver(t, nil)
			sub := a.must("POST", "/v1/webhooks", `{"url":"`+rc.srv.URL+`/hook"}`, 201)
			for i := 0; i < 3; i++ {
				a.must("POST", "/v1/customers", fmt.Sprintf(`{"name":"积压%d"}`, i), 201)
			}
			if _, err := e.Store.SequenceFeed(context.Background()); err != nil { // PostgreSQL numbers in the background
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond) // the oldest event has an age
			resp, err := http.Get(e.URL + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			labels := fmt.Sprintf(`{tenant="%d",webhook="%s"}`, e.Tenant.ID, sub["id"].(json.Number).String())
			var depth, lag string
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "kehu_webhook_queue_depth"+labels+" "); ok {
					depth = v
				}
				if v, ok := strings.CutPrefix(line, "kehu_webhook_delivery_lag_seconds"+labels+" "); ok {
					lag = v
				}
			}
			if l, _ := strconv.ParseFloat(lag, 64); depth != "3" || l <= 0 {
				t.Fatalf("queue depth %q (want 3), lag %q (want > 0)\n%s", depth, lag, b)
			}
			if n := len(rc.requests()); n != 0 {
				t.Fatalf("%d deliveries without a fan-out", n)
			}
		})
	}
}

// TestCallerSecret: a subscription created with the caller's own
// Standard Webhooks secret (one moved from another sender) signs with it;
// the secret is shown at create, never read back, and cannot be changed by
// an update (rotate-secret draws a new one).
func TestCallerSecret(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			a := newAPI(t, e, e.Client)
			const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
			rc := newReceiver(t, nil)
			rc.secret = secret // every request below must verify with it
			sub := a.must("POST", "/v1/webhooks", `{"url":"`+rc.srv.URL+`","secret":"`+secret+`"}`, 201)
			if sub["secret"] != secret {
				t.Fatalf("create answered secret %v", sub["secret"])
			}
			subID := sub["id"].(json.Number).String()
			if got := a.must("GET", "/v1/webhooks/"+subID, "", 200); got["secret"] != nil {
				t.Fatalf("the secret is read back: %v", got)
			}
			a.must("PATCH", "/v1/webhooks/"+subID, `{"secret":"`+secret+`"}`, 400)
			a.must("POST", "/v1/customers", `{"name":"自带密钥"}`, 201)
			waitFor(t, "the delivery", func() bool { return len(rc.requests()) >= 1 })
			if got := decode(t, rc.requests()[0].body); got.Data.Customer.Name != "自带密钥" {
				t.Fatalf("delivered %s", rc.requests()[0].body)
			}
		})
	}
}
