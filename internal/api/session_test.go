package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/testenv"
)

// browser is a cookie-carrying client of the native API.
type browser struct {
	t      *testing.T
	e      *testenv.Env
	cookie string
	csrf   string
}

func (b *browser) do(method, path string, body any, hdr map[string]string) (int, http.Header, map[string]any) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.e.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if b.cookie != "" {
		req.Header.Set("Cookie", people.CookieName+"="+b.cookie)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if resp.StatusCode >= 500 {
		b.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, resp.Header, out
}

func (b *browser) login(login, password, code string) (int, map[string]any) {
	b.t.Helper()
	in := map[string]any{"login": login, "password": password}
	if code != "" {
		in["totp"] = code
	}
	st, hdr, out := b.do("POST", "/v1/auth/login", in, nil)
	if st == 200 {
		for _, c := range (&http.Response{Header: hdr}).Cookies() {
			if c.Name == people.CookieName {
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
					b.t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP, Path=/", c)
				}
				b.cookie = c.Value
			}
		}
		b.csrf, _ = out["csrfToken"].(string)
		if b.cookie == "" || b.csrf == "" {
			b.t.Fatalf("login answered no cookie or CSRF token: %v %v", hdr, out)
		}
	}
	return st, out
}

func (b *browser) write(method, path string, body any) (int, map[string]any) {
	b.t.Helper()
	st, _, out := b.do(method, path, body, map[string]string{people.CSRFHeader: b.csrf})
	return st, out
}

func staffLogin(t *testing.T, e *testenv.Env, ps *people.Service, name, username, roleKey string) int64 {
	t.Helper()
	ctx := context.Background()
	r, err := e.Store.RoleByKey(ctx, e.Tenant.ID, roleKey)
	if err != nil {
		t.Fatal(err)
	}
	m := &model.Staff{Name: name, RoleID: r.ID}
	if err := e.Store.CreateStaff(ctx, e.Tenant.ID, m); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.CreateLogin(ctx, &model.Caller{TenantID: e.Tenant.ID, Via: model.ViaCLI}, e.Tenant.ID,
		people.NewLogin{StaffID: m.ID, Username: username, Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// TestStaffSessions walks a staff login through the native API: sign in,
// the cookie as /v1 auth with CSRF on writes, the role deciding admin
// routes, sessions listed and revoked, TOTP enrolled and required, a
// password reset ending sessions, lockout after failed logins, and the
// audit trail of it all.
func TestStaffSessions(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		ps := &people.Service{Store: e.Store, Keys: e.Auth.Keys, CRM: e.Svc}
		adminID := staffLogin(t, e, ps, "王管理", "wang", model.RoleAdmin)
		staffLogin(t, e, ps, "李销售", "li", model.RoleSales)

		anon := &browser{t: t, e: e}
		if st, out := anon.login("wang", "wrong password", ""); st != 401 || out["code"] != "invalid_login" {
			t.Fatalf("wrong password: %d %v", st, out)
		}
		if st, out := anon.login("nobody", "wrong password", ""); st != 401 || out["code"] != "invalid_login" {
			t.Fatalf("unknown login: %d %v", st, out)
		}
		admin := &browser{t: t, e: e}
		st, out := admin.login("WANG", "correct horse battery", "")
		if st != 200 || out["staff"].(map[string]any)["name"] != "王管理" || out["role"].(map[string]any)["key"] != "admin" {
			t.Fatalf("login: %d %v", st, out)
		}
		if st, _, out := admin.do("GET", "/v1/customers", nil, nil); st != 200 {
			t.Fatalf("list with the session: %d %v", st, out)
		}
		if st, _, out := admin.do("POST", "/v1/customers", map[string]any{"name": "张三"}, nil); st != 403 || out["code"] != "csrf_failed" {
			t.Fatalf("write without CSRF token: %d %v", st, out)
		}
		if st, _, out := admin.do("POST", "/v1/customers", map[string]any{"name": "张三"}, map[string]string{people.CSRFHeader: "forged"}); st != 403 {
			t.Fatalf("write with a wrong CSRF token: %d %v", st, out)
		}
		st, out = admin.write("POST", "/v1/customers", map[string]any{"name": "张三"})
		if st != 201 || out["createdBy"] == nil {
			t.Fatalf("write with the CSRF token: %d %v", st, out)
		}
		if st, _, out := admin.do("GET", "/v1/admin/audit?action=auth.", nil, nil); st != 200 || len(out["data"].([]any)) != 3 {
			t.Fatalf("admin reads the audit log (login + 2 failures): %d %v", st, out)
		}

		sales := &browser{t: t, e: e}
		if st, _ := sales.login("li", "correct horse battery", ""); st != 200 {
			t.Fatal("sales login")
		}
		if st, _, out := sales.do("GET", "/v1/admin/audit", nil, nil); st != 403 || out["code"] != "insufficient_permission" {
			t.Fatalf("sales reads the audit log: %d %v", st, out)
		}

		// Sessions: a second one, listed, revoked.
		second := &browser{t: t, e: e}
		second.login("wang", "correct horse battery", "")
		_, _, list := admin.do("GET", "/v1/auth/sessions", nil, nil)
		items := list["data"].([]any)
		if len(items) != 2 {
			t.Fatalf("sessions: %v", list)
		}
		var other string
		for _, it := range items {
			m := it.(map[string]any)
			if m["current"] == false {
				other = strconv.FormatInt(int64(m["id"].(float64)), 10)
			}
			if m["addr"] != "127.0.0.1" || m["userAgent"] == "" {
				t.Errorf("session item %v", m)
			}
		}
		if st, _ := admin.write("DELETE", "/v1/auth/sessions/"+other, nil); st != 204 {
			t.Fatalf("revoke the other session: %d", st)
		}
		if st, _, out := second.do("GET", "/v1/customers", nil, nil); st != 401 || out["code"] != "session_invalid" {
			t.Fatalf("revoked session: %d %v", st, out)
		}
		tokenClient := newClient(t, e, e.Client)
		if code, out := tokenClient.do("GET", "/v1/auth/session", nil); code != 401 || out["code"] != "session_required" {
			t.Fatalf("session route with a token: %d %v", code, out)
		}

		// TOTP: enroll, verify, then required at login.
		st, out = admin.write("POST", "/v1/auth/totp/enroll", nil)
		secret, _ := out["secret"].(string)
		if st != 200 || secret == "" || !strings.HasPrefix(out["otpauthUrl"].(string), "otpauth://totp/") {
			t.Fatalf("enroll: %d %v", st, out)
		}
		if st, out := admin.write("POST", "/v1/auth/totp/verify", map[string]any{"code": "000000"}); st != 400 {
			t.Fatalf("verify with a wrong code: %d %v", st, out)
		}
		code, _ := totp.GenerateCode(secret, time.Now())
		if st, out := admin.write("POST", "/v1/auth/totp/verify", map[string]any{"code": code}); st != 204 {
			t.Fatalf("verify: %d %v", st, out)
		}
		if st, _ := admin.write("POST", "/v1/auth/logout", nil); st != 204 {
			t.Fatal("logout")
		}
		if st, _, _ := admin.do("GET", "/v1/auth/session", nil, nil); st != 401 {
			t.Fatal("session after logout")
		}
		fresh := &browser{t: t, e: e}
		if st, out := fresh.login("wang", "correct horse battery", ""); st != 401 || out["code"] != "totp_required" {
			t.Fatalf("login without the code: %d %v", st, out)
		}
		// The code verify used is spent: replaying it within its window fails.
		if st, out := fresh.login("wang", "correct horse battery", code); st != 401 || out["code"] != "invalid_login" {
			t.Fatalf("login with the code verify used: %d %v", st, out)
		}
		next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second)) // the next step: within the skew
		if st, out := fresh.login("wang", "correct horse battery", next); st != 200 {
			t.Fatalf("login with the code: %d %v", st, out)
		}
		// Replayed on another browser (another node: the step is in the database).
		if st, out := (&browser{t: t, e: e}).login("wang", "correct horse battery", next); st != 401 || out["code"] != "invalid_login" {
			t.Fatalf("replayed TOTP code: %d %v", st, out)
		}

		// An administrator's password reset ends every session.
		if err := ps.ResetPassword(context.Background(), &model.Caller{TenantID: e.Tenant.ID, Via: model.ViaCLI}, e.Tenant.ID, adminID, "another long password"); err != nil {
			t.Fatal(err)
		}
		if st, _, _ := fresh.do("GET", "/v1/customers", nil, nil); st != 401 {
			t.Fatal("session survived a password reset")
		}

		// Lockout of a login name: 3 failures, then 429 even for the right password.
		for i := 0; i < 3; i++ {
			anon.login("li", "guess", "")
		}
		st, hdr, out2 := anon.do("POST", "/v1/auth/login", map[string]any{"login": "li", "password": "correct horse battery"}, nil)
		if st != 429 || hdr.Get("Retry-After") == "" || out2["code"] != "too_many_attempts" {
			t.Fatalf("login during the backoff: %d %v %v", st, hdr, out2)
		}
		entries, _ := audit.Query(context.Background(), e.Store, e.Tenant.ID, model.AuditFilter{Limit: 100})
		seen := map[string]int{}
		for _, en := range entries {
			seen[en.Action]++
		}
		if seen[audit.LoginOK] != 4 || seen[audit.LoginFailed] != 7 || seen[audit.Logout] != 1 || seen[audit.SessionRevoked] != 1 ||
			seen[audit.TOTPEnrolled] != 1 || seen[audit.UserPasswordReset] != 1 || seen[audit.UserCreated] != 2 {
			t.Errorf("audit actions %v", seen)
		}
	})
}

// TestUnmask: the "show" action answers full contact data to a role with
// customer.unmask and audits it; a 销售 gets 403 and no entry is written.
func TestUnmask(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		ps := &people.Service{Store: e.Store, Keys: e.Auth.Keys, CRM: e.Svc}
		mgrID := staffLogin(t, e, ps, "王主管", "wang", model.RoleManager)
		staffLogin(t, e, ps, "李销售", "li", model.RoleSales)
		rw := newClient(t, e, e.Client)
		id := rw.mustDo("POST", "/v1/customers", map[string]any{"name": "张三", "phone": "13812345678", "email": "zs@example.com",
			"ownerId": mgrID}, 201)["id"].(json.Number).String()
		mgr, sales := &browser{t: t, e: e}, &browser{t: t, e: e}
		mgr.login("wang", "correct horse battery", "")
		sales.login("li", "correct horse battery", "")
		if st, out := sales.write("POST", "/v1/customers/"+id+"/unmask", nil); st != 403 && st != 404 {
			t.Fatalf("sales unmask: %d %v", st, out)
		}
		st, out := mgr.write("POST", "/v1/customers/"+id+"/unmask", nil)
		if st != 200 || out["phone"] != "+8613812345678" || out["email"] != "zs@example.com" {
			t.Fatalf("manager unmask: %d %v", st, out)
		}
		if st, _ := mgr.write("POST", "/v1/customers/999/unmask", nil); st != 404 {
			t.Errorf("unmask of no customer: %d", st)
		}
		entries, _ := audit.Query(context.Background(), e.Store, e.Tenant.ID, model.AuditFilter{Action: audit.CustomerUnmask})
		if len(entries) != 1 || entries[0].TargetID != id || entries[0].ActorName != "王主管" {
			t.Errorf("unmask audit %+v", entries)
		}
	})
}
