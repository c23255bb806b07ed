// Package dashi speaks 达实AIoT's customer open API on kehu's store: the
// signed visitor-token call, the customer page and customer add endpoints,
// the platform's {msg, code, status} errors and its add/edit/delete domain
// events. It only translates; rules live in internal/crm. See README.md.
package dashi

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Paths of the emulated endpoints.
const (
	TokenPath = "/api/justauth/generate/v1/visitor/token"
	PagePath  = "/api/open/customer/customer-manage/v1/customer/page"
	AddPath   = "/api/open/customer/customer-manage/v1/customer"
)

// TokenTTL is the lifetime of a visitor token (the platform's 7 hours).
const TokenTTL = 7 * time.Hour

// Patterns are the ServeMux patterns this dialect answers.
var Patterns = []string{"/api/justauth/", "/api/open/"}

// Handler serves the dialect.
type Handler struct {
	svc  *crm.Service
	auth *auth.Service
	st   *store.Store
	log  *slog.Logger
	mux  *http.ServeMux
}

// handlerFunc is one endpoint. cl is the authenticated client, nil on
// public routes.
type handlerFunc func(h *Handler, w http.ResponseWriter, r *http.Request, cl *model.Client) error

// route is one row of the route table.
type route struct {
	method, path string
	scope        string // required scope; "" for the public token call
	fn           handlerFunc
}

// routes is the dialect's one route table.
var routes = []route{
	{"GET", TokenPath, "", (*Handler).token},
	{"POST", PagePath, model.ScopeRead, (*Handler).page},
	{"POST", AddPath, model.ScopeWrite, (*Handler).add},
}

// NewHandler returns the dialect's handler.
func NewHandler(svc *crm.Service, au *auth.Service, log *slog.Logger) http.Handler {
	h := &Handler{svc: svc, auth: au, st: svc.Store, log: log, mux: http.NewServeMux()}
	for _, rt := range routes {
		h.mux.Handle(rt.method+" "+rt.path, h.wrap(rt.scope, rt.fn))
	}
	// Anything else under the dialect's prefixes answers in its envelope.
	for _, p := range Patterns {
		h.mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			httpx.SetRoute(r)
			if allow := allowed(r.URL.Path); allow != "" {
				w.Header().Set("Allow", allow)
				h.writeError(w, r, fail(405, StatusMethodNotAllowed, "%s is not allowed on %s; use %s", r.Method, r.URL.Path, allow))
				return
			}
			h.writeError(w, r, fail(404, StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
		})
	}
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, httpx.TrimSlash(patterns(), r))
}

func patterns() []string {
	out := make([]string, len(routes))
	for i, rt := range routes {
		out[i] = rt.method + " " + rt.path
	}
	return out
}

// allowed lists the methods routed for path ("" if none).
func allowed(path string) string {
	var m []string
	for _, rt := range routes {
		if rt.path == path {
			m = append(m, rt.method)
		}
	}
	return strings.Join(m, ", ")
}

// wrap adds authentication (for scoped routes) and error rendering.
func (h *Handler) wrap(scope string, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		var cl *model.Client
		if scope != "" {
			c, err := h.authenticate(r)
			if err != nil {
				h.writeError(w, r, err)
				return
			}
			httpx.SetCaller(r, c.TenantID, c.ClientID)
			if !c.HasScope(scope) {
				h.writeError(w, r, fail(403, StatusNoPermission, "this client lacks the %s scope", scope))
				return
			}
			cl = c
		}
		if err := fn(h, w, r, cl); err != nil {
			h.writeError(w, r, err)
		}
	})
}

// authenticate checks the Bearer visitor token and returns its client with
// the client's current grant.
func (h *Handler) authenticate(r *http.Request) (*model.Client, error) {
	hdr := strings.TrimSpace(r.Header.Get("Authorization"))
	if hdr == "" {
		return nil, fail(401, StatusTokenInvalid, "send Authorization: Bearer <token> (get one from GET %s)", TokenPath)
	}
	scheme, tok, ok := strings.Cut(hdr, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, fail(401, StatusTokenInvalid, `the Authorization header must be "Bearer <token>"`)
	}
	_, c, err := h.auth.Verify(r.Context(), tok, auth.AudDashi, auth.KindAccess)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// now is the server time the signed token call is checked against; it
// follows the auth service's clock so tests move both together.
func (h *Handler) now() time.Time {
	if h.auth.Now != nil {
		return h.auth.Now()
	}
	return time.Now()
}

func actorOf(cl *model.Client) model.Actor {
	return model.Actor{ID: cl.ClientID, Name: cl.Name}
}
