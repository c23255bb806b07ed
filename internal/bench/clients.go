package bench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/seed"
	"github.com/kehu/kehu/internal/store"
)

// clients holds one API client's credentials signed in to all four APIs,
// the way each platform's own client would do it: a 达实 visitor token from
// the signed token call, 探马's per-request sha256 signature, a Yeastar
// OAuth token, and a native OAuth2 client-credentials token.
type clients struct {
	base         string
	http         *http.Client
	id, secret   string
	dashiToken   string
	yeastarToken string
	nativeToken  string
	userAgent    string
	// bound is a second API client bound to the bench project (nil in
	// runs that have none).
	bound *clients
	// sales and manager are API clients acting as staff members: a 销售
	// (their own customers and those they collaborate on) and a 主管 of
	// 销售部 (the department and below), so crm adds their data scopes.
	sales, manager *clients
	// sales5k and regionManager are the sizes issue #11 names: a 销售 who
	// owns 5,000 customers (N/200 below 1M) and a 主管 of one region
	// (华东区, ~12 % of the tenant: ~120k at 1M).
	sales5k, regionManager *clients
}

func newClients(ctx context.Context, base string, c *model.Client, conns int) (*clients, error) {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute,
		DisableCompression: true}
	cl := &clients{base: base, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute},
		id: c.ClientID, secret: c.Secret, userAgent: "kehu-bench/1"}

	// 达实: GET the visitor token with an hmac-sha256 signature of
	// "appid=…&sign_method=…&timestamp=…".
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	m := hmac.New(sha256.New, []byte(cl.secret))
	m.Write([]byte("appid=" + cl.id + "&sign_method=hmac-sha256&timestamp=" + ts))
	q := url.Values{"appid": {cl.id}, "sign_method": {"hmac-sha256"}, "timestamp": {ts}, "sign": {hex.EncodeToString(m.Sum(nil))}}
	var dashi struct {
		Token string `json:"token"`
	}
	if err := cl.getJSON(ctx, "GET", "/api/justauth/generate/v1/visitor/token?"+q.Encode(), nil, nil, &dashi); err != nil {
		return nil, fmt.Errorf("达实 token: %w", err)
	}
	cl.dashiToken = dashi.Token

	// Yeastar: client credentials, form encoded, User-Agent required.
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cl.id}, "client_secret": {cl.secret}}
	if err := cl.getJSON(ctx, "POST", "/dm/open_api/oauth/token", []byte(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, &tok); err != nil {
		return nil, fmt.Errorf("yeastar token: %w", err)
	}
	cl.yeastarToken = tok.AccessToken

	// Native: RFC 6749 client credentials with HTTP Basic.
	tok.AccessToken = ""
	basic := "Basic " + basicAuth(cl.id, cl.secret)
	if err := cl.getJSON(ctx, "POST", "/v1/oauth/token", []byte("grant_type=client_credentials"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic}, &tok); err != nil {
		return nil, fmt.Errorf("native token: %w", err)
	}
	cl.nativeToken = tok.AccessToken
	if cl.dashiToken == "" || cl.yeastarToken == "" || cl.nativeToken == "" {
		return nil, fmt.Errorf("a token call returned no token")
	}
	return cl, nil
}

func basicAuth(id, secret string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(id, secret)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

func (c *clients) getJSON(ctx context.Context, method, path string, body []byte, hdr map[string]string, out any) error {
	req, err := c.req(method, path, body)
	if err != nil {
		return err
	}
	req = req.WithContext(ctx)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, clip(b))
	}
	return json.Unmarshal(b, out)
}

func (c *clients) req(method, path string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.userAgent)
	return req, nil
}

func (c *clients) dashi(method, path string, body []byte) (*http.Request, error) {
	req, err := c.req(method, path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.dashiToken)
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// tanma signs each request: lower_hex(sha256(appId + timestamp + body + appKey)).
func (c *clients) tanma(path string, body []byte) (*http.Request, error) {
	req, err := c.req("POST", path, body)
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	h := sha256.New()
	h.Write([]byte(c.id))
	h.Write([]byte(ts))
	h.Write(body)
	h.Write([]byte(c.secret))
	req.Header.Set("appId", c.id)
	req.Header.Set("timestamp", ts)
	req.Header.Set("sign", hex.EncodeToString(h.Sum(nil)))
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

func (c *clients) yeastar(method, path string, body []byte) (*http.Request, error) {
	req, err := c.req(method, path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.yeastarToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

func (c *clients) native(method, path string, body []byte) (*http.Request, error) {
	req, err := c.req(method, path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.nativeToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// signInStaff creates (or finds) the bench's staff callers and signs them
// in: the 销售 is s.staff[3] (the owner the sales-* workloads name), the
// 主管 a staff member of 销售部 with the built-in 主管 role.
func signInStaff(ctx context.Context, st *store.Store, au *auth.Service, base string, s *setup, conns int, cl *clients) error {
	tid := s.tenantID
	mgrRole, err := st.RoleByKey(ctx, tid, model.RoleManager)
	if err != nil {
		return err
	}
	var mgr int64
	staff, err := st.StaffList(ctx, tid)
	if err != nil {
		return err
	}
	for _, m := range staff {
		if m.Name == "bench 主管" {
			mgr = m.ID
		}
	}
	if mgr == 0 {
		m := &model.Staff{Name: "bench 主管", DepartmentID: s.salesDept, RoleID: mgrRole.ID}
		if err := st.CreateStaff(ctx, tid, m); err != nil {
			return err
		}
		mgr = m.ID
	}
	sales5k, regionMgr, err := sizedStaff(ctx, st, s)
	if err != nil {
		return err
	}
	for _, x := range []struct {
		staff int64
		name  string
		dst   **clients
	}{{s.staff[3], "kehu bench (销售)", &cl.sales}, {mgr, "kehu bench (主管)", &cl.manager},
		{sales5k, "kehu bench (销售 5000)", &cl.sales5k}, {regionMgr, "kehu bench (主管 华东区)", &cl.regionManager}} {
		c, err := au.Create(ctx, model.Client{TenantID: tid, StaffID: x.staff, Name: x.name, Scopes: []string{model.ScopeRead}})
		if err != nil {
			return err
		}
		if *x.dst, err = newClients(ctx, base, c, conns); err != nil {
			return fmt.Errorf("bench: sign in (%s): %w", x.name, err)
		}
	}
	return nil
}

// sizedStaff creates (or finds) the staff behind sales5k and regionManager.
// The 销售 of 华东区 gets the first N/200 (at most 5,000) customers of the
// seeded owner with the fewest, reassigned through crm like any transfer
// (owner columns of the token rows follow), once per bench tenant.
func sizedStaff(ctx context.Context, st *store.Store, s *setup) (sales, mgr int64, err error) {
	tid := s.tenantID
	var region int64
	if err := st.QueryRow(ctx, st.Rebind(`SELECT id FROM departments WHERE tenant_id = ? AND name = ?`), tid, "华东区").Scan(&region); err != nil {
		return 0, 0, fmt.Errorf("bench: tenant %d has no department 华东区: %w", tid, err)
	}
	staff, err := st.StaffList(ctx, tid)
	if err != nil {
		return 0, 0, err
	}
	for _, m := range staff {
		switch m.Name {
		case "bench 销售 5000":
			sales = m.ID
		case "bench 主管 华东区":
			mgr = m.ID
		}
	}
	for _, x := range []struct {
		id   *int64
		name string
		role string
	}{{&mgr, "bench 主管 华东区", model.RoleManager}, {&sales, "bench 销售 5000", model.RoleSales}} {
		if *x.id != 0 {
			continue
		}
		r, err := st.RoleByKey(ctx, tid, x.role)
		if err != nil {
			return 0, 0, err
		}
		m := &model.Staff{Name: x.name, DepartmentID: region, RoleID: r.ID}
		if err := st.CreateStaff(ctx, tid, m); err != nil {
			return 0, 0, err
		}
		*x.id = m.ID
		if x.role != model.RoleSales {
			continue
		}
		n := min(5000, max(1, s.customers/200))
		from := s.staff[seed.Owners-1] // the smallest share of the Zipf-skewed owners
		rows, err := st.Query(ctx, st.Rebind(`SELECT id FROM customers WHERE tenant_id = ? AND owner_id = ? ORDER BY id LIMIT ?`), tid, from, n)
		if err != nil {
			return 0, 0, err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, 0, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		svc := crm.New(st, "CN", crm.China)
		sys := crm.SystemCaller(tid, model.Actor{ID: "kehu-bench", Name: "kehu bench"})
		for _, id := range ids {
			if _, err := svc.UpdateCustomer(ctx, sys, id, &crm.CustomerInput{OwnerID: crm.Ptr(m.ID)}); err != nil {
				return 0, 0, fmt.Errorf("bench: give customer %d to %s: %w", id, x.name, err)
			}
		}
	}
	return sales, mgr, nil
}
