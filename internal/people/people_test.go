package people_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestSessionLifetime: a session ends after IdleTimeout without use, is
// extended by use, ends at MaxAge whatever happens, and ends when its login
// is disabled or its staff member loses the login.
func TestSessionLifetime(t *testing.T) {
	for _, db := range storetest.Databases {
		t.Run(db, func(t *testing.T) {
			st := storetest.Open(t, db)
			ctx := context.Background()
			keys, _ := secret.New(make([]byte, secret.KeySize))
			now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			ps := &people.Service{Store: st, Keys: keys, CRM: crm.New(st, "CN", crm.China), Now: func() time.Time { return now }}
			tn, _ := st.CreateTenant(ctx, "t")
			m := &model.Staff{Name: "张三"}
			st.CreateStaff(ctx, tn.ID, m)
			if _, err := ps.CreateLogin(ctx, nil, tn.ID, people.NewLogin{StaffID: m.ID, Username: "zs", Password: "long enough!"}); err != nil {
				t.Fatal(err)
			}
			login := func() string {
				s, err := ps.Login(ctx, people.LoginRequest{Login: "zs", Password: "long enough!"})
				if err != nil {
					t.Fatal(err)
				}
				return s.Token
			}
			alive := func(tok string) bool {
				_, err := ps.Authenticate(ctx, tok)
				if err != nil && !errors.Is(err, people.ErrNoSession) {
					t.Fatal(err)
				}
				return err == nil
			}
			a := login()
			now = now.Add(people.IdleTimeout - time.Minute)
			if !alive(a) {
				t.Fatal("session died before its idle timeout")
			}
			now = now.Add(people.IdleTimeout - time.Minute) // used a minute ago: extended
			if !alive(a) {
				t.Fatal("use did not extend the session")
			}
			now = now.Add(people.IdleTimeout + time.Second)
			if alive(a) {
				t.Fatal("idle session still alive")
			}
			b := login()
			for i := 0; i < 20; i++ { // used every 10 hours: still ends at MaxAge
				now = now.Add(10 * time.Hour)
				if alive(b) != (i < 16) {
					t.Fatalf("after %d h: alive %v", (i+1)*10, !(i < 16))
				}
			}
			c := login()
			if err := ps.SetDisabled(ctx, nil, tn.ID, m.ID, true); err != nil {
				t.Fatal(err)
			}
			if alive(c) {
				t.Fatal("session of a disabled login")
			}
			if _, err := ps.Login(ctx, people.LoginRequest{Login: "zs", Password: "long enough!"}); !errors.Is(err, people.ErrBadLogin) {
				t.Fatalf("login while disabled: %v", err)
			}
			for _, bad := range []string{"", "garbage", "kss1_AAAAAAAAAAAAAAAAAAAAAAAAAA", c + "x"} {
				if alive(bad) {
					t.Errorf("token %q authenticated", bad)
				}
			}
		})
	}
}

// TestRequireCSRF: the console's form middleware lets safe requests and
// requests without a session cookie through, and refuses a state-changing
// request with the cookie unless it carries the session's token (header or
// form field).
func TestRequireCSRF(t *testing.T) {
	keys, _ := secret.New(make([]byte, secret.KeySize))
	ps := &people.Service{Keys: keys}
	h := ps.RequireCSRF(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }),
		func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) })
	const tok = "kss1_ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	good := ps.CSRFToken(tok)
	if good == ps.CSRFToken(tok+"x") || good == "" {
		t.Fatal("CSRF tokens do not depend on the session")
	}
	for _, tc := range []struct {
		method, cookie, header, form string
		want                         int
	}{
		{"GET", tok, "", "", 204},
		{"POST", "", "", "", 204},
		{"POST", tok, "", "", 403},
		{"POST", tok, "wrong", "", 403},
		{"POST", tok, good, "", 204},
		{"POST", tok, "", good, 204},
		{"DELETE", tok, "", "", 403},
	} {
		body := ""
		if tc.form != "" {
			body = url.Values{people.CSRFField: {tc.form}}.Encode()
		}
		r := httptest.NewRequest(tc.method, "/x", strings.NewReader(body))
		if body != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if tc.cookie != "" {
			r.AddCookie(&http.Cookie{Name: people.CookieName, Value: tc.cookie})
		}
		if tc.header != "" {
			r.Header.Set(people.CSRFHeader, tc.header)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.want {
			t.Errorf("%+v: %d", tc, w.Code)
		}
	}
}
