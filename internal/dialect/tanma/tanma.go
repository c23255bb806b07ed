// Package tanma speaks 探马SCRM's customer open API on kehu's store: per-request
// sha256 signatures, the advanced customer search, the field catalogue, lead
// creation, update by id, lookup and echo, all in the {code, message, data}
// envelope. It only translates; rules live in internal/crm. See README.md.
package tanma

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
)

// Patterns are the ServeMux patterns this dialect answers.
var Patterns = []string{"/api/v3/", "/api/v2/"}

// maxBody bounds a request body.
const maxBody = httpx.MaxBody

// Handler serves the 探马 endpoints.
type Handler struct {
	svc  *crm.Service
	auth *auth.Service
	log  *slog.Logger
	mux  *http.ServeMux
}

// request is one authenticated call: the client and the exact body bytes.
type request struct {
	ctx    context.Context
	client *model.Client
	body   []byte
}

func (rq *request) actor() model.Actor {
	return model.Actor{ID: rq.client.ClientID, Name: rq.client.Name}
}

// handlerFunc returns the envelope's data, or an error for toEnvelope.
type handlerFunc func(h *Handler, rq *request) (any, error)

// route is one row of the route table.
type route struct {
	pattern string // "POST /path"
	scope   string // required client scope; "" for any valid client
	once    bool   // writes: a signature is accepted only once (replay protection)
	fn      handlerFunc
}

// routes is this dialect's one route table.
var routes = []route{
	{"POST /api/v3/customer/search", model.ScopeRead, false, (*Handler).search},
	{"POST /api/v2/customer/list-fields", model.ScopeRead, false, (*Handler).listFields},
	{"POST /api/v3/add-clue", model.ScopeWrite, true, (*Handler).addClue},
	{"POST /api/v3/customer/update-by-id", model.ScopeWrite, true, (*Handler).updateByID},
	{"POST /api/v3/common/customer/info", model.ScopeRead, false, (*Handler).customerInfo},
	{"POST /api/v3/echo", "", false, (*Handler).echo},
}

// NewHandler returns the dialect's handler.
func NewHandler(svc *crm.Service, au *auth.Service, log *slog.Logger) http.Handler {
	h := &Handler{svc: svc, auth: au, log: log, mux: http.NewServeMux()}
	for _, rt := range routes {
		h.mux.Handle(rt.pattern, h.wrap(rt))
	}
	for _, p := range Patterns {
		h.mux.HandleFunc(p, h.noRoute)
	}
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, httpx.TrimSlash(patterns(), r))
}

func patterns() []string {
	out := make([]string, len(routes))
	for i, rt := range routes {
		out[i] = rt.pattern
	}
	return out
}

// noRoute answers unknown paths (404) and wrong methods (405) in the envelope.
func (h *Handler) noRoute(w http.ResponseWriter, r *http.Request) {
	httpx.SetRoute(r)
	for _, rt := range routes {
		if _, path, _ := strings.Cut(rt.pattern, " "); path == r.URL.Path {
			h.respond(w, r, nil, &Error{Code: CodeMethod, Msg: "请求方法不支持:" + r.URL.Path + " 只接受 POST"})
			return
		}
	}
	h.respond(w, r, nil, &Error{Code: CodeNoRoute, Msg: "接口不存在:" + r.Method + " " + r.URL.Path})
}

// wrap reads the body, verifies the signature and scope, runs fn and
// renders its result; panics become code -1, never an HTTP 500.
func (h *Handler) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		defer func() {
			if p := recover(); p != nil {
				h.log.ErrorContext(r.Context(), "tanma: panic", slog.String("path", r.URL.Path), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
				h.respond(w, r, nil, errInternal)
			}
		}()
		data, err := h.serve(r, rt)
		h.respond(w, r, data, err)
	})
}

func (h *Handler) serve(r *http.Request, rt route) (any, error) {
	body, err := httpx.ReadBody(r, maxBody)
	if err != nil {
		return nil, err
	}
	s, err := h.verify(r, body)
	if err != nil {
		return nil, err
	}
	httpx.SetCaller(r, s.client.TenantID, s.client.ClientID)
	_, path, _ := strings.Cut(rt.pattern, " ")
	if err := h.bind(r.Context(), s, path, rt.once); err != nil {
		return nil, err
	}
	if rt.scope != "" && !s.client.HasScope(rt.scope) {
		return nil, &Error{Code: CodeForbidden, Msg: "无权限:该应用没有 " + rt.scope + " 权限"}
	}

	return rt.fn(h, &request{ctx: r.Context(), client: s.client, body: body})
}

// envelope is every response body.
type envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

// respond writes the envelope, always with HTTP 200.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, data any, err error) {
	env := envelope{Code: CodeOK, Message: "success", Data: data}
	if err != nil {
		code, msg, d, internal := toEnvelope(err)
		if internal {
			h.log.ErrorContext(r.Context(), "tanma: internal error", slog.String("path", r.URL.Path), slog.Any("error", err))
		}
		env = envelope{Code: code, Message: msg, Data: d}
		if ra, ok := auth.RetryAfter(err); ok {
			// The one answer that is not HTTP 200: clients and proxies that
			// honour 429 + Retry-After back off.
			w.Header().Set("Retry-After", ra)
			httpx.WriteJSON(w, http.StatusTooManyRequests, env)
			return
		}
		// Refused for load: sent with its HTTP status too, so that HTTP
		// clients and proxies back off (Retry-After).
		if ov, ok := httpx.OverloadHeaders(w, err); ok {
			httpx.WriteJSON(w, ov.Status, env)
			return
		}
	}
	httpx.WriteJSON(w, http.StatusOK, env)
}

func (h *Handler) now() time.Time {
	if h.auth != nil && h.auth.Now != nil {
		return h.auth.Now()
	}
	return time.Now()
}
