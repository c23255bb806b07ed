package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// The one transport skeleton of kehu's APIs: an API is a route table, an
// authenticator and an error writer; Mount does the rest, the same way for
// every API — routing (trailing slashes served), 404 and 405 in the API's
// own envelope, authentication, the scope rule, panic recovery, and the API
// and route labels of logs and metrics. A new endpoint is one Route row.

// Route is one row of an API's route table.
type Route struct {
	Method, Path string // ServeMux pattern parts: "GET", "/dm/open_api/v1/customers/{customerId}"
	// Scope is what the caller must hold (model.ScopeRead, …); "" for
	// none (the caller is still authenticated, unless Public).
	Scope string
	// Public routes (the token calls) are served without authentication.
	Public bool
	// Handle serves the request; p is nil on public routes. An error is
	// classified (Classify) and rendered by the API's WriteError.
	Handle func(w http.ResponseWriter, r *http.Request, p *Principal) error
	// Middleware wraps this route only, outermost first, after routing and
	// before authentication: the hook for per-route rate limits and
	// admission control.
	Middleware []func(http.Handler) http.Handler
	// Summary (English) and SummaryZH (Chinese) describe the route in one
	// line for /docs, which is generated from the route tables.
	Summary, SummaryZH string
}

// Pattern is the route's ServeMux pattern.
func (rt *Route) Pattern() string { return rt.Method + " " + rt.Path }

// Principal is who the API's authenticator found behind a request: the
// client (its current row: scopes, project binding, the staff member it
// acts as) and what the credential itself grants. The handler builds the
// *model.Caller for crm from it (crm.Service.ClientCaller(ctx,
// p.Effective(), p.Via, r.RemoteAddr)).
type Principal struct {
	Client *model.Client
	// Caller is who crm decides with (crm.Service.ClientCaller of the
	// effective client); the API's authenticator sets it.
	Caller *model.Caller
	// TokenScopes are the scopes the credential was issued with (a token's
	// claims); nil for a credential checked against the client's current
	// secret on every request (a signature), which grants the client's own.
	TokenScopes []string
	Via         model.Via
	// Body is the request body when the authenticator had to read it (a
	// signature over the body); the handler reads it from here.
	Body []byte
	// Extra is the API's own record of the authentication (the native
	// API's staff session), for its handlers.
	Extra any
}

// Scopes is the one scope rule of all four APIs: the scopes of the
// credential intersected with the client's current scopes (a scope removed
// from the client stops working at once, even for tokens issued before).
func (p *Principal) Scopes() []string {
	var out []string
	for _, s := range p.Client.Scopes {
		if p.TokenScopes == nil || slices.Contains(p.TokenScopes, s) {
			out = append(out, s)
		}
	}
	return out
}

// Allows reports whether the principal holds scope.
func (p *Principal) Allows(scope string) bool { return slices.Contains(p.Scopes(), scope) }

// Effective is the client with its scopes narrowed to Scopes(), for
// building the crm caller.
func (p *Principal) Effective() *model.Client {
	c := *p.Client
	c.Scopes = p.Scopes()
	return &c
}

// API is everything Mount needs to serve one API.
type API struct {
	Name     string   // "native", "dashi", "tanma", "yeastar": the api label of logs and metrics
	Prefixes []string // ServeMux patterns the API owns ("/api/open/"); unknown paths under them get its 404
	Routes   []Route
	// Authenticate checks the request's credential for rt (every route but
	// the public ones) and returns the principal.
	Authenticate func(r *http.Request, rt *Route) (*Principal, error)
	// WriteError renders a classified error in the API's envelope; Mount
	// logs KindInternal problems with their cause before calling it.
	WriteError func(w http.ResponseWriter, r *http.Request, p *Problem)
	// Before, if set, runs before routing on every request of the API (the
	// Yeastar request id and User-Agent rule); it may return a derived
	// request; an error is rendered (with that request) and ends it.
	Before func(w http.ResponseWriter, r *http.Request) (*http.Request, error)
	// Classify, if set, replaces httpx.Classify for this API's errors (the
	// native API keeps its own problem codes).
	Classify func(error) *Problem
	// RateLimitHeaders sends the client's budget as RateLimit-* headers on
	// every authenticated answer (the native API).
	RateLimitHeaders bool
	Log              *slog.Logger
}

func (a *API) classify(err error) *Problem {
	if a.Classify != nil {
		return a.Classify(err)
	}
	return Classify(err)
}

// Mount returns the API's handler; register it under each of a.Prefixes.
func Mount(a *API) http.Handler {
	if a.Log == nil {
		a.Log = slog.Default()
	}
	mux := http.NewServeMux()
	patterns := make([]string, len(a.Routes))
	for i := range a.Routes {
		rt := &a.Routes[i]
		patterns[i] = rt.Pattern()
		var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, rt) })
		for j := len(rt.Middleware) - 1; j >= 0; j-- {
			h = rt.Middleware[j](h)
		}
		mux.Handle(rt.Pattern(), labelled(h))
	}
	for _, p := range a.Prefixes {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			SetRoute(r)
			if allow := Allowed(patterns, r.URL.Path); allow != "" {
				w.Header().Set("Allow", allow)
				a.fail(w, r, &Problem{Kind: KindMethod, Allow: allow, Msg: r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + allow})
				return
			}
			a.fail(w, r, &Problem{Kind: KindNoRoute, Msg: "no such endpoint: " + r.Method + " " + r.URL.Path})
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetAPI(r, a.Name)
		defer func() {
			if v := recover(); v != nil {
				if IsAbort(v) {
					panic(v) // an answer cut off on purpose: Observe logs it
				}
				a.Log.ErrorContext(r.Context(), "panic", slog.String("api", a.Name), slog.String("path", r.URL.Path), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				a.WriteError(w, r, &Problem{Kind: KindInternal, Msg: "internal error"})
			}
		}()
		// The address's request budget comes first: before any body is
		// read or credential checked (token calls and logins count too).
		if err := Arrived(r); err != nil {
			a.fail(w, r, a.classify(err))
			return
		}
		if a.Before != nil {
			r2, err := a.Before(w, r)
			if r2 != nil {
				r = r2
			}
			if err != nil {
				a.fail(w, r, a.classify(err))
				return
			}
		}
		mux.ServeHTTP(w, TrimSlash(patterns, r))
	})
}

// labelled records the matched pattern for logs and metrics.
func labelled(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetRoute(r)
		h.ServeHTTP(w, r)
	})
}

func (a *API) serve(w http.ResponseWriter, r *http.Request, rt *Route) {
	var p *Principal
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// A read checks the client's and the catalogue's cache versions
		// with one query, not two (store.WithRequestVersions).
		r = r.WithContext(store.WithRequestVersions(r.Context()))
	}
	if !rt.Public {
		var err error
		p, err = a.Authenticate(r, rt)
		if err != nil {
			a.fail(w, r, a.classify(err))
			return
		}
		d, err := Authenticated(r, p.Client.TenantID, p.Client.ClientID)
		if a.RateLimitHeaders {
			SetRateLimitHeaders(w, d)
		}
		if err != nil {
			a.fail(w, r, a.classify(err)) // the client's request budget is spent
			return
		}
		if rt.Scope != "" && !p.Allows(rt.Scope) {
			a.fail(w, r, &Problem{Kind: KindForbidden, Field: "scope", Msg: "this client lacks the " + rt.Scope + " scope"})
			return
		}
		ctx := context.WithValue(r.Context(), principalKey, p)
		if p.Caller != nil { // read-your-writes across nodes and replicas
			ctx = store.WithSession(ctx, p.Caller.TenantID, p.Caller.Session())
		}
		r = r.WithContext(ctx)
	}
	if err := rt.Handle(w, r, p); err != nil {
		a.fail(w, r, a.classify(err))
	}
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, p *Problem) {
	switch p.Kind {
	case KindInternal:
		a.Log.ErrorContext(r.Context(), a.Name+" api error", slog.String("path", r.URL.Path), slog.Any("error", p.Cause))
	case KindUnavailable:
		// Not kehu's bug, but an operator wants the cause (which database
		// error) next to the 503s.
		a.Log.WarnContext(r.Context(), a.Name+" api unavailable", slog.String("path", r.URL.Path), slog.Any("error", p.Cause))
	}
	a.WriteError(w, r, p)
}

const principalKey ctxKey = 1

// CallerOf is the crm caller of the request's principal, nil on public
// routes.
func CallerOf(ctx context.Context) *model.Caller {
	if p := PrincipalOf(ctx); p != nil {
		return p.Caller
	}
	return nil
}

// PrincipalOf is the principal Mount authenticated for the request, nil on
// public routes.
func PrincipalOf(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey).(*Principal)
	return p
}

// BearerToken returns the token of an "Authorization: Bearer …" header:
// ok is false when the header is missing (present false) or malformed.
func BearerToken(r *http.Request) (tok string, present, ok bool) {
	hdr := strings.TrimSpace(r.Header.Get("Authorization"))
	if hdr == "" {
		return "", false, false
	}
	scheme, tok, found := strings.Cut(hdr, " ")
	tok = strings.TrimSpace(tok)
	if !found || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", true, false
	}
	return tok, true, true
}
