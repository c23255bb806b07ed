// Package yeastar speaks Yeastar YCM's customer open API on kehu's store: the
// OAuth token call (client credentials and refresh), the customers list, get,
// create, full-replace update and bulk delete, in the {data, requestId,
// status, time} envelope. It only translates; rules live in internal/crm.
// README.md documents the wire contract and every decision for integrators.
//
// Layout mirrors the native API (internal/api): one route table (routes),
// handlers that return errors, and one function (toFailure) that turns any
// error into the platform's Failed envelope.
package yeastar

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
)

// Patterns are the ServeMux patterns this dialect answers.
var Patterns = []string{"/dm/open_api/"}

// Token lifetimes (Yeastar's published values).
const (
	AccessTTL  = 30 * time.Minute
	RefreshTTL = 15 * 24 * time.Hour
)

// Paging limits of GET /customers (Yeastar's published values).
const (
	DefaultPageSize = 10
	MaxPageSize     = 50
	maxPageNumber   = 1_000_000
)

// MaxDeleteIDs bounds one bulk delete.
const MaxDeleteIDs = 1000

// Handler serves /dm/open_api/.
type Handler struct {
	Svc  *crm.Service
	Auth *auth.Service
	Log  *slog.Logger
	mux  *http.ServeMux
}

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one row of the route table.
type route struct {
	pattern string // "METHOD /path"
	scope   string // required scope; "" for the public token call
	fn      func(h *Handler) handlerFunc
}

// routes is the dialect's one route table.
var routes = []route{
	{"POST /dm/open_api/oauth/token", "", func(h *Handler) handlerFunc { return h.token }},
	{"GET /dm/open_api/v1/customers", model.ScopeRead, func(h *Handler) handlerFunc { return h.listCustomers }},
	{"POST /dm/open_api/v1/customers", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createCustomer }},
	{"DELETE /dm/open_api/v1/customers", model.ScopeWrite, func(h *Handler) handlerFunc { return h.deleteCustomers }},
	{"GET /dm/open_api/v1/customers/{customerId}", model.ScopeRead, func(h *Handler) handlerFunc { return h.getCustomer }},
	{"PUT /dm/open_api/v1/customers/{customerId}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.updateCustomer }},
}

// NewHandler returns the dialect's handler.
func NewHandler(svc *crm.Service, au *auth.Service, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	h := &Handler{Svc: svc, Auth: au, Log: log, mux: http.NewServeMux()}
	for _, rt := range routes {
		h.mux.Handle(rt.pattern, h.wrap(rt.scope, rt.fn(h)))
	}
	// Anything else under /dm/open_api/ answers in the Failed envelope.
	h.mux.HandleFunc("/dm/open_api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		if allow := allowed(r.URL.Path); allow != "" {
			w.Header().Set("Allow", allow)
			h.writeError(w, r, &failure{status: 405, code: CodeParam, msg: "METHOD NOT ALLOWED: " + r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + allow})
			return
		}
		h.writeError(w, r, &failure{status: 404, code: CodeNotFound, msg: "NOT FOUND: no such endpoint: " + r.Method + " " + r.URL.Path})
	})
	return h
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
	clientKey
)

// ServeHTTP gives every request its requestId, then insists on a
// User-Agent header (Yeastar requires one on every call, the token call
// included) before routing.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := httpx.RequestID(r.Context()) // Observe's, also in X-Request-Id
	if rid == "" {
		rid = newRequestID()
		w.Header().Set(httpx.RequestIDHeader, rid)
	}
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey, rid))
	if strings.TrimSpace(r.Header.Get("User-Agent")) == "" {
		h.writeError(w, r, paramError("User-Agent", "the User-Agent header is required on every request"))
		return
	}
	h.mux.ServeHTTP(w, httpx.TrimSlash(patterns(), r))
}

func patterns() []string {
	out := make([]string, len(routes))
	for i, rt := range routes {
		out[i] = rt.pattern
	}
	return out
}

func allowed(path string) string { return httpx.Allowed(patterns(), path) }

// wrap adds authentication (for scoped routes) and error rendering.
func (h *Handler) wrap(scope string, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		if scope != "" {
			c, err := h.authenticate(r, scope)
			if err != nil {
				h.writeError(w, r, err)
				return
			}
			httpx.SetCaller(r, c.TenantID, c.ClientID)
			r = r.WithContext(context.WithValue(r.Context(), clientKey, c))
		}
		if err := fn(w, r); err != nil {
			h.writeError(w, r, err)
		}
	})
}

// authenticate checks "Authorization: Bearer <access_token>" for a Yeastar
// access token (a refresh token, or another API's token, is invalid) and
// that the client still holds scope.
func (h *Handler) authenticate(r *http.Request, scope string) (*model.Client, error) {
	hdr := strings.TrimSpace(r.Header.Get("Authorization"))
	if hdr == "" {
		return nil, tokenFailure("TOKEN INVALID OR EXPIRED: send the header Authorization: Bearer {access_token} (get one from POST /dm/open_api/oauth/token)")
	}
	scheme, tok, ok := strings.Cut(hdr, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, tokenFailure("TOKEN INVALID OR EXPIRED: the Authorization header must be \"Bearer {access_token}\"")
	}
	claims, c, err := h.Auth.Verify(r.Context(), tok, auth.AudYeastar, auth.KindAccess)
	if err != nil {
		return nil, err
	}
	if !c.HasScope(scope) || !claims.HasScope(scope) {
		return nil, &failure{status: 403, code: CodePermission, msg: "PERMISSION DENIED: this client lacks the " + scope + " scope"}
	}
	return c, nil
}

func clientOf(r *http.Request) *model.Client {
	c, _ := r.Context().Value(clientKey).(*model.Client)
	return c
}

func actorOf(r *http.Request) model.Actor {
	if c := clientOf(r); c != nil {
		return model.Actor{ID: c.ClientID, Name: c.Name}
	}
	return model.Actor{}
}

func requestIDOf(r *http.Request) string {
	if s, ok := r.Context().Value(requestIDKey).(string); ok {
		return s
	}
	return newRequestID()
}

// newRequestID is a random 32-hex-digit id, the shape of Yeastar's.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// success is the Success envelope; Data is left out for writes.
type success struct {
	Data      any    `json:"data,omitempty"`
	RequestID string `json:"requestId"`
	Status    string `json:"status"`
	Time      int64  `json:"time"`
}

// writeOK answers HTTP 200 with the Success envelope (data nil: no data key).
func (h *Handler) writeOK(w http.ResponseWriter, r *http.Request, data any) {
	httpx.WriteJSON(w, http.StatusOK, success{Data: data, RequestID: requestIDOf(r), Status: "Success", Time: time.Now().Unix()})
}

// DemoHints returns titled, ready-to-paste commands for `kehu demo`.
func DemoHints(base, clientID, secret string, projectID int64, now time.Time) [][2]string {
	const ua = `-A 'kehu-demo/1.0'`
	creds := "-d grant_type=client_credentials -d client_id=" + clientID + " -d client_secret=" + secret
	return [][2]string{
		{"Yeastar YCM: get an access token (client credentials) into $YCM_TOKEN",
			`YCM_TOKEN=$(curl -s ` + ua + ` ` + creds + ` ` + base + `/dm/open_api/oauth/token | sed -E 's/.*"access_token":"([^"]+)".*/\1/')`},
		{"Yeastar YCM: customers, newest first, 3 per page (the User-Agent header is required)",
			`curl -s ` + ua + ` -H "Authorization: Bearer $YCM_TOKEN" '` + base + `/dm/open_api/v1/customers?pageSize=3&pageNumber=1&sort=-customerId'`},
		{"Yeastar YCM: refresh a token pair (grant_type=refresh_token)",
			`YCM_REFRESH=$(curl -s ` + ua + ` ` + creds + ` ` + base + `/dm/open_api/oauth/token | sed -E 's/.*"refresh_token":"([^"]+)".*/\1/') && curl -s ` + ua + ` -d grant_type=refresh_token -d "refresh_token=$YCM_REFRESH" ` + base + `/dm/open_api/oauth/token`},
	}
}
