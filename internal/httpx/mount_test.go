package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/model"
)

// TestMount: routing with trailing slashes, 404/405 through the API's
// writer, authentication, the scope rule (token ∩ client), panics, and the
// per-route middleware hook.
func TestMount(t *testing.T) {
	var hooked int
	client := &model.Client{ClientID: "c", Scopes: []string{model.ScopeRead, model.ScopeWrite}}
	a := &API{
		Name: "test", Prefixes: []string{"/t/"},
		Routes: []Route{
			{Method: "GET", Path: "/t/public", Public: true, Handle: func(w http.ResponseWriter, r *http.Request, p *Principal) error {
				if p != nil {
					return errors.New("public route got a principal")
				}
				_, err := w.Write([]byte("ok"))
				return err
			}},
			{Method: "GET", Path: "/t/items/{id}", Scope: model.ScopeRead, Handle: func(w http.ResponseWriter, r *http.Request, p *Principal) error {
				_, err := fmt.Fprint(w, "item ", r.PathValue("id"), " ", strings.Join(p.Scopes(), ","))
				return err
			}},
			{Method: "POST", Path: "/t/items/{id}", Scope: model.ScopeWrite, Handle: func(w http.ResponseWriter, r *http.Request, p *Principal) error {
				return &model.FieldError{Field: "name", Code: "required", Msg: "is required"}
			},
				Middleware: []func(http.Handler) http.Handler{func(next http.Handler) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hooked++; next.ServeHTTP(w, r) })
				}}},
			{Method: "GET", Path: "/t/panic", Public: true, Handle: func(w http.ResponseWriter, r *http.Request, p *Principal) error { panic("boom") }},
		},
		Authenticate: func(r *http.Request, rt *Route) (*Principal, error) {
			switch r.Header.Get("Authorization") {
			case "read-token":
				return &Principal{Client: client, TokenScopes: []string{model.ScopeRead}}, nil
			case "full-token":
				return &Principal{Client: client, TokenScopes: []string{model.ScopeRead, model.ScopeWrite, model.ScopeAdmin}}, nil
			}
			return nil, Fail(KindUnauthenticated, "Authorization", "no")
		},
		WriteError: func(w http.ResponseWriter, r *http.Request, p *Problem) {
			w.WriteHeader(599)
			fmt.Fprintf(w, "%s|%s|%s", p.Kind, p.Field, p.Allow)
		},
		Log: discardLogger(),
	}
	h := Mount(a)
	for _, tc := range []struct{ method, path, auth, want string }{
		{"GET", "/t/public", "", "ok"},
		{"GET", "/t/public/", "", "ok"},
		{"GET", "/t/nothing", "", "no_route||"},
		{"DELETE", "/t/items/1", "", "method||GET, POST"},
		{"GET", "/t/items/1", "", "unauthenticated|Authorization|"},
		{"GET", "/t/items/1", "read-token", "item 1 customers:read"},
		{"GET", "/t/items/7/", "full-token", "item 7 customers:read,customers:write"}, // admin: the token's, not the client's
		{"POST", "/t/items/1", "read-token", "forbidden|scope|"},
		{"POST", "/t/items/1", "full-token", "required|name|"},
		{"GET", "/t/panic", "", "internal||"},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		h.ServeHTTP(rec, req)
		if got := rec.Body.String(); got != tc.want {
			t.Errorf("%s %s (%s): %q, want %q", tc.method, tc.path, tc.auth, got, tc.want)
		}
	}
	if hooked != 2 {
		t.Errorf("per-route middleware ran %d times, want 2", hooked)
	}
}
