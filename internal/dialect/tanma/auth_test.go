package tanma_test

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/testenv"
)

func TestSignWorkedExample(t *testing.T) {
	// README.md's worked example must stay true.
	got := tanma.Sign("kh1_abcdefghijklmnopqrst", "1700000000000", []byte(`{"pageNo":1}`), "SECRET")
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), got) {
		t.Errorf("README.md does not show the worked example's signature %s", got)
	}
}

func TestAuth(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		e.Auth.Guard = nil // one bad signature after another: the answers, not the lockout (internal/server/lockout_test.go)
		c := e.Client
		echo := func(s signedReq) resp {
			if s.path == "" {
				s.path = "/api/v3/echo"
			}
			if s.appID == "" {
				s.appID = c.ClientID
			}
			if s.key == "" {
				s.key = c.Secret
			}
			return s.do(t, e.URL)
		}
		ms := func(d time.Duration) string { return strconv.FormatInt(time.Now().Add(d).UnixMilli(), 10) }

		t.Run("valid, appKey header ignored", func(t *testing.T) {
			echo(signedReq{body: `{"a":1}`}).ok(t, nil)
			echo(signedReq{body: `{"a":1}`, headers: map[string]string{"appKey": c.Secret}}).ok(t, nil)
			echo(signedReq{body: `{"a":1}`, headers: map[string]string{"appKey": "wrong"}}).ok(t, nil)
			r := echo(signedReq{body: `{"a":2}`})
			r.ok(t, nil)
			// An upper-case hex signature is the same signature.
			ts := nowTS()
			sign := strings.ToUpper(tanma.Sign(c.ClientID, ts, []byte(`{}`), c.Secret))
			echo(signedReq{body: `{}`, ts: ts, sign: sign}).ok(t, nil)
		})
		t.Run("wrong signature", func(t *testing.T) {
			echo(signedReq{body: `{}`, sign: strings.Repeat("ab", 32)}).fails(t, 1002, "签名验证失败")
			echo(signedReq{body: `{}`, key: "not-the-secret"}).fails(t, 1002)
			echo(signedReq{body: `{}`, sign: "xyz"}).fails(t, 1002, "64位")
			echo(signedReq{body: `{}`, omitHeaders: []string{"sign"}}).fails(t, 1002, "sign")
		})
		t.Run("body altered after signing", func(t *testing.T) {
			echo(signedReq{body: `{"pageSize":20}`, signBody: `{"pageSize":2}`}).fails(t, 1002)
			echo(signedReq{path: "/api/v3/customer/search", body: `{"pageSize": 2}`, signBody: `{"pageSize":2}`}).fails(t, 1002)
		})
		t.Run("timestamp window", func(t *testing.T) {
			echo(signedReq{body: `{}`, ts: ms(-6 * time.Minute)}).fails(t, 1003, "时间戳")
			echo(signedReq{body: `{}`, ts: ms(6 * time.Minute)}).fails(t, 1003)
			echo(signedReq{body: `{}`, ts: ms(-4 * time.Minute)}).ok(t, nil)
			echo(signedReq{body: `{}`, ts: ms(4 * time.Minute)}).ok(t, nil)
			echo(signedReq{body: `{}`, ts: strconv.FormatInt(time.Now().Unix(), 10)}).fails(t, 1003, "13位", "10 位")
			echo(signedReq{body: `{}`, ts: "soon"}).fails(t, 1003)
			echo(signedReq{body: `{}`, omitHeaders: []string{"timestamp"}}).fails(t, 1003, "timestamp")
		})
		t.Run("replay after the window", func(t *testing.T) {
			ts := nowTS()
			req := signedReq{body: `{"pageSize":1}`, path: "/api/v3/customer/search", ts: ts}
			echo(req).ok(t, nil)
			echo(req).ok(t, nil) // reads may repeat within the window
			e.Auth.Now = func() time.Time { return time.Now().Add(6 * time.Minute) }
			defer func() { e.Auth.Now = nil }()
			echo(req).fails(t, 1003)
		})
		t.Run("replay of a write within the window", func(t *testing.T) {
			req := signedReq{path: "/api/v3/add-clue", body: `{"customerName":"重放测试"}`, ts: nowTS()}
			echo(req).ok(t, nil)
			echo(req).fails(t, 1002, "已使用")
			names, _ := searchNames(t, e, `{"searchKey":"重放测试"}`)
			if len(names) != 1 {
				t.Errorf("replayed add-clue created %d customers", len(names))
			}
		})
		t.Run("signature moved to another path", func(t *testing.T) {
			// The scheme does not sign the path: a signature is bound to the
			// first path it was used on, reads included.
			ts := nowTS()
			body := `{"customerName":"移动攻击","pageSize":1}`
			echo(signedReq{path: "/api/v3/echo", body: body, ts: ts}).ok(t, nil)
			echo(signedReq{path: "/api/v3/echo?x=1", body: body, ts: ts}).ok(t, nil) // an unsigned extra parameter changes nothing
			echo(signedReq{path: "/api/v3/add-clue", body: body, ts: ts}).fails(t, 1002, "已使用")
			echo(signedReq{path: "/api/v3/customer/search", body: body, ts: ts}).fails(t, 1002)
			if names, _ := searchNames(t, e, `{"searchKey":"移动攻击"}`); len(names) != 0 {
				t.Errorf("moved signature created %v", names)
			}
			// A write's signature first: it cannot be read elsewhere either.
			ts = nowTS()
			body = `{"customerName":"先写后移"}`
			echo(signedReq{path: "/api/v3/add-clue/", body: body, ts: ts}).ok(t, nil)
			echo(signedReq{path: "/api/v3/add-clue", body: body, ts: ts}).fails(t, 1002)
			echo(signedReq{path: "/api/v3/echo", body: body, ts: ts}).fails(t, 1002)
			// A retry the client never saw answered: a new timestamp, a new signature.
			echo(signedReq{path: "/api/v3/add-clue", body: body, ts: nowTS()}).ok(t, nil)
		})
		t.Run("unknown appId", func(t *testing.T) {
			bogus := "kh" + strconv.FormatInt(e.Tenant.ID, 36) + "_" + strings.Repeat("a", 20)
			echo(signedReq{body: `{}`, appID: bogus}).fails(t, 1002)
			echo(signedReq{body: `{}`, appID: "nonsense"}).fails(t, 1002)
			echo(signedReq{body: `{}`, omitHeaders: []string{"appId"}}).fails(t, 1002, "appId")
			// Same answer as a wrong signature: existence does not leak.
			a := echo(signedReq{body: `{}`, appID: bogus})
			b := echo(signedReq{body: `{}`, key: "wrong"})
			if a.Message != b.Message {
				t.Errorf("unknown appId %q vs bad sign %q", a.Message, b.Message)
			}
		})
		t.Run("revoked client", func(t *testing.T) {
			c2 := e.NewClient(t, e.Tenant.ID, 0)
			echo(signedReq{body: `{}`, appID: c2.ClientID, key: c2.Secret}).ok(t, nil)
			if err := e.Auth.Revoke(context.Background(), c2.ClientID); err != nil {
				t.Fatal(err)
			}
			echo(signedReq{body: `{}`, appID: c2.ClientID, key: c2.Secret}).fails(t, 1002)
		})
		t.Run("rotated secret", func(t *testing.T) {
			c3 := e.NewClient(t, e.Tenant.ID, 0)
			old := c3.Secret
			rot, err := e.Auth.Rotate(context.Background(), c3.ClientID)
			if err != nil {
				t.Fatal(err)
			}
			echo(signedReq{body: `{}`, appID: c3.ClientID, key: old}).fails(t, 1002)
			echo(signedReq{body: `{}`, appID: c3.ClientID, key: rot.Secret}).ok(t, nil)
		})
		t.Run("read-only client cannot write", func(t *testing.T) {
			ro := e.NewClient(t, e.Tenant.ID, 0, model.ScopeRead)
			echo(signedReq{path: "/api/v3/add-clue", body: `{"customerName":"x"}`, appID: ro.ClientID, key: ro.Secret}).fails(t, 1004, "customers:write")
			echo(signedReq{path: "/api/v3/customer/search", body: `{}`, appID: ro.ClientID, key: ro.Secret}).ok(t, nil)
		})
		t.Run("another tenant's customer looks absent", func(t *testing.T) {
			a, err := e.Svc.CreateCustomer(context.Background(), crm.SystemCaller(e.Tenant.ID, model.Actor{}), &crm.CustomerInput{Name: crm.Ptr("甲租户客户"), Phone: crm.Ptr("13511112222")})
			if err != nil {
				t.Fatal(err)
			}
			_, cb := e.NewTenant(t, "tenant B", 0)
			as := func(path, body string) resp {
				return signedReq{path: path, body: body, appID: cb.ClientID, key: cb.Secret}.do(t, e.URL)
			}
			as("/api/v3/customer/update-by-id", `{"customerId":`+id(a.ID)+`,"fields":[{"alias":"name","values":["偷改"]}]}`).fails(t, 40404, "customerId", "不存在")
			missing := as("/api/v3/customer/update-by-id", `{"customerId":1234567890123,"fields":[{"alias":"name","values":["x"]}]}`)
			missing.fails(t, 40404)
			var page struct {
				TotalCount int64 `json:"totalCount"`
			}
			as("/api/v3/customer/search", `{"customerId":`+id(a.ID)+`}`).ok(t, &page)
			if page.TotalCount != 0 {
				t.Errorf("tenant B found tenant A's customer")
			}
			var info struct {
				CustomerIDs []int64 `json:"customerIds"`
			}
			as("/api/v3/common/customer/info", `{"alias":"phone","value":"13511112222"}`).ok(t, &info)
			if len(info.CustomerIDs) != 0 {
				t.Errorf("tenant B's info found %v", info.CustomerIDs)
			}
			if c, _ := e.Svc.Customer(context.Background(), crm.SystemCaller(e.Tenant.ID, model.Actor{}), a.ID); c.Name != "甲租户客户" {
				t.Errorf("tenant B renamed tenant A's customer to %q", c.Name)
			}
		})
		t.Run("project-bound client", func(t *testing.T) {
			_, pc := e.NewTenant(t, "tenant P", -1)
			as := func(path, body string) resp {
				return signedReq{path: path, body: body, appID: pc.ClientID, key: pc.Secret}.do(t, e.URL)
			}
			var newID int64
			as("/api/v3/add-clue", `{"customerName":"项目客户"}`).ok(t, &newID)
			c, err := e.Svc.Customer(context.Background(), crm.SystemCaller(pc.TenantID, model.Actor{}), newID)
			if err != nil || c.ProjectID != pc.ProjectID {
				t.Fatalf("add-clue by a project-bound client: %v, project %d", err, c.ProjectID)
			}
			other, err := e.Svc.CreateCustomer(context.Background(), crm.SystemCaller(pc.TenantID, model.Actor{}), &crm.CustomerInput{Name: crm.Ptr("项目外客户")})
			if err != nil {
				t.Fatal(err)
			}
			as("/api/v3/customer/update-by-id", `{"customerId":`+id(other.ID)+`,"fields":[{"alias":"name","values":["x"]}]}`).fails(t, 40404)
			var page struct {
				TotalCount int64 `json:"totalCount"`
			}
			as("/api/v3/customer/search", `{}`).ok(t, &page)
			if page.TotalCount != 1 {
				t.Errorf("project-bound search sees %d customers, want 1", page.TotalCount)
			}
		})
	})
}

func TestRoutes(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		signedReq{path: "/api/v3/nope", body: `{}`, appID: e.Client.ClientID, key: e.Client.Secret}.do(t, e.URL).fails(t, 404, "/api/v3/nope")
		signedReq{path: "/api/v2/customer/list-fields", method: http.MethodGet, appID: e.Client.ClientID, key: e.Client.Secret}.do(t, e.URL).fails(t, 405, "POST")
		signedReq{path: "/api/v3/echo", body: strings.Repeat(" ", 5<<20), appID: e.Client.ClientID, key: e.Client.Secret}.do(t, e.URL).fails(t, 40403, "请求体")
	})
}

func TestInternalFailure(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := e.Client
		e.Store.Close() // the database goes away under a running server
		r := signedReq{path: "/api/v3/customer/search", body: `{}`, appID: c.ClientID, key: c.Secret}.do(t, e.URL)
		r.fails(t, -1, "系统异常")
		if strings.Contains(r.Message, "sql") || strings.Contains(r.Message, "closed") {
			t.Errorf("internal detail leaked: %q", r.Message)
		}
	})
}
