package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/ratelimit"
	"github.com/kehu/kehu/internal/server"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

type answer struct {
	status int
	hdr    http.Header
	body   map[string]any
}

func rlSend(t *testing.T, method, u string, hdr map[string]string, body []byte) answer {
	t.Helper()
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, hdr: resp.Header}
	json.Unmarshal(raw, &a.body)
	return a
}

// TestRateLimitsEveryAPI: one client's budget (here 5 requests/s, its
// tenant's own setting) holds on all four APIs; the request beyond it gets
// 429 with Retry-After in that API's envelope, and the native API tells the
// budget in RateLimit-* headers on every answer. A client of another tenant
// is not affected.
func TestRateLimitsEveryAPI(t *testing.T) {
	e := testenv.NewWith(t, store.SQLite, func(d *server.Deps) {
		d.RateLimits = ratelimit.New(ratelimit.Config{Client: 1000, Address: 10_000, Nodes: 1, Burst: 1}, d.Store)
	})
	if err := e.Store.SetTenantRateLimit(context.Background(), e.Tenant.ID, 5); err != nil {
		t.Fatal(err)
	}
	a := newAPIs(t, e)
	_, other := e.NewTenant(t, "other", 0)
	id, secret := e.Client.ClientID, e.Client.Secret
	tanmaHdr := func(b []byte) map[string]string {
		ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
		return map[string]string{"Content-Type": "application/json", "appId": id, "timestamp": ts, "sign": tanma.Sign(id, ts, b, secret)}
	}
	apis := []struct {
		name  string
		call  func() answer
		check func(a answer) string // "" when the 429 is in the right envelope
	}{
		{"native", func() answer {
			return rlSend(t, "GET", e.URL+"/v1/customers?pageSize=1", map[string]string{"Authorization": "Bearer " + a.native}, nil)
		}, func(an answer) string {
			if an.body["code"] != "rate_limited" || an.hdr.Get("RateLimit-Limit") != "5" || an.hdr.Get("RateLimit-Remaining") != "0" {
				return fmt.Sprintf("%v %v", an.body, an.hdr)
			}
			return ""
		}},
		{"dashi", func() answer {
			return rlSend(t, "POST", e.URL+"/api/open/customer/customer-manage/v1/customer/page?project="+a.project,
				map[string]string{"Authorization": "Bearer " + a.dashiTok, "Content-Type": "application/json"}, jsonBody(map[string]any{"pageSize": 1, "pageIndex": 1}))
		}, func(an answer) string {
			if fmt.Sprint(an.body["code"]) != "429" || an.body["status"] != "TOO_MANY_REQUESTS" {
				return fmt.Sprint(an.body)
			}
			return ""
		}},
		{"tanma", func() answer {
			b := jsonBody(map[string]any{"pageNo": 1, "pageSize": 1})
			return rlSend(t, "POST", e.URL+"/api/v3/customer/search", tanmaHdr(b), b)
		}, func(an answer) string {
			if fmt.Sprint(an.body["code"]) != strconv.Itoa(tanma.CodeTooMany) {
				return fmt.Sprint(an.body)
			}
			return ""
		}},
		{"yeastar", func() answer {
			return rlSend(t, "GET", e.URL+"/dm/open_api/v1/customers", map[string]string{"Authorization": "Bearer " + a.ycmToken, "User-Agent": "kehu-test"}, nil)
		}, func(an answer) string {
			if fmt.Sprint(an.body["errcode"]) != "10008" || an.body["status"] != "Failed" {
				return fmt.Sprint(an.body)
			}
			return ""
		}},
	}
	for _, api := range apis {
		time.Sleep(1100 * time.Millisecond) // the bucket refills (5/s, 1 s of burst)
		var ok, limited int
		for i := range 8 {
			an := api.call()
			switch {
			case an.status == 200 && (api.name != "tanma" || fmt.Sprint(an.body["code"]) == "0"):
				ok++
				if api.name == "native" && an.hdr.Get("RateLimit-Limit") != "5" {
					t.Errorf("native 200 without RateLimit-Limit: %v", an.hdr)
				}
			case an.status == 429:
				limited++
				if an.hdr.Get("Retry-After") == "" {
					t.Errorf("%s: 429 without Retry-After", api.name)
				}
				if msg := api.check(an); msg != "" {
					t.Errorf("%s: 429 in the wrong envelope: %s", api.name, msg)
				}
			default:
				t.Errorf("%s request %d: %d %v", api.name, i, an.status, an.body)
			}
		}
		if ok < 4 || ok > 6 || limited != 8-ok {
			t.Errorf("%s: %d served and %d limited of 8 at a budget of 5/s", api.name, ok, limited)
		}
	}
	// Another tenant's client has its own (default, large) budget.
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {other.ClientID}, "client_secret": {other.Secret}}.Encode()
	tok := rlSend(t, "POST", e.URL+"/v1/oauth/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(form))
	for range 10 {
		if an := rlSend(t, "GET", e.URL+"/v1/customers?pageSize=1", map[string]string{"Authorization": "Bearer " + tok.body["access_token"].(string)}, nil); an.status != 200 {
			t.Fatalf("other tenant: %d %v", an.status, an.body)
		}
	}
}

// TestRateLimitPerAddress: an address's budget counts every request before
// any credential is checked, so the token endpoints of every API answer
// 429 (in their envelopes) once it is spent.
func TestRateLimitPerAddress(t *testing.T) {
	e := testenv.NewWith(t, store.SQLite, func(d *server.Deps) {
		d.RateLimits = ratelimit.New(ratelimit.Config{Client: 1000, Address: 3, Nodes: 1, Burst: 1}, d.Store)
	})
	form := []byte(url.Values{"grant_type": {"client_credentials"}, "client_id": {e.Client.ClientID}, "client_secret": {"wrong"}}.Encode())
	formHdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "kehu-test"}
	calls := map[string]func() answer{
		"native":  func() answer { return rlSend(t, "POST", e.URL+"/v1/oauth/token", formHdr, form) },
		"yeastar": func() answer { return rlSend(t, "POST", e.URL+"/dm/open_api/oauth/token", formHdr, form) },
		"dashi": func() answer {
			return rlSend(t, "GET", e.URL+"/api/justauth/generate/v1/visitor/token?appid="+e.Client.ClientID+"&sign_method=md5&timestamp=1&sign=x", nil, nil)
		},
		"tanma": func() answer {
			return rlSend(t, "POST", e.URL+"/api/v3/echo", map[string]string{"appId": "x", "timestamp": "1", "sign": "x"}, []byte("{}"))
		},
	}
	for name, call := range calls {
		time.Sleep(1100 * time.Millisecond)
		limited := 0
		for range 6 {
			if an := call(); an.status == 429 {
				limited++
				if an.hdr.Get("Retry-After") == "" || len(an.body) == 0 {
					t.Errorf("%s: 429 without Retry-After or envelope: %v %v", name, an.hdr, an.body)
				}
			}
		}
		if limited < 2 {
			t.Errorf("%s: %d of 6 requests limited at 3/s per address", name, limited)
		}
	}
}
