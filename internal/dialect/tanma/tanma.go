// Package tanma speaks 探马SCRM's customer open API on kehu's store: per-request
// sha256 signatures, the advanced customer search, the field catalogue, lead
// creation, update by id, lookup and echo, all in the {code, message, data}
// envelope. It only translates; rules live in internal/crm. See README.md.
package tanma

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/kehu/kehu/internal/audit"
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
}

// request is one authenticated call: the client (its current row) and the
// exact body bytes.
type request struct {
	ctx    context.Context
	client *model.Client
	who    *model.Caller // the caller crm decides with
	body   []byte
}

// routes is this dialect's one route table, mounted by httpx.Mount (which
// does routing, 404/405, authentication — every route is signed —, the
// scope rule and panics). A write's signature works once.
func routes(h *Handler) []httpx.Route {
	return []httpx.Route{
		{Method: "POST", Path: "/api/v3/customer/search", Scope: model.ScopeRead, Handle: h.adapt((*Handler).search),
			Summary: "Search customers (searchKey, owners, departments, time ranges, conditions)", SummaryZH: "客户高级搜索"},
		{Method: "POST", Path: "/api/v2/customer/list-fields", Scope: model.ScopeRead, Handle: h.adapt((*Handler).listFields),
			Summary: "List the customer fields with their 探马 types and options", SummaryZH: "客户字段列表"},
		{Method: "POST", Path: "/api/v3/add-clue", Scope: model.ScopeWrite, Handle: h.adapt((*Handler).addClue),
			Summary: "Create a customer (customerName, mobiles, fields)", SummaryZH: "新增线索"},
		{Method: "POST", Path: "/api/v3/customer/update-by-id", Scope: model.ScopeWrite, Handle: h.adapt((*Handler).updateByID),
			Summary: "Update the given fields of a customer", SummaryZH: "按ID更新客户"},
		{Method: "POST", Path: "/api/v3/common/customer/info", Scope: model.ScopeRead, Handle: h.adapt((*Handler).customerInfo),
			Summary: "Customer ids whose field equals a value", SummaryZH: "按字段值查客户"},
		{Method: "POST", Path: "/api/v3/echo", Handle: h.adapt((*Handler).echo),
			Summary: "Echo the signed body (check your signature)", SummaryZH: "回显"},
	}
}

// adapt runs an endpoint on the authenticated request and writes its data
// in the envelope.
func (h *Handler) adapt(fn func(h *Handler, rq *request) (any, error)) func(http.ResponseWriter, *http.Request, *httpx.Principal) error {
	return func(w http.ResponseWriter, r *http.Request, p *httpx.Principal) error {
		data, err := fn(h, &request{ctx: r.Context(), client: p.Effective(), who: p.Caller, body: p.Body})
		if err != nil {
			return err
		}
		h.respond(w, r, data, nil)
		return nil
	}
}

// Routes is the route table, for /docs.
func Routes() []httpx.Route { return routes(&Handler{}) }

// NewHandler returns the dialect's handler.
func NewHandler(svc *crm.Service, au *auth.Service, log *slog.Logger) http.Handler {
	h := &Handler{svc: svc, auth: au, log: log}
	return httpx.Mount(&httpx.API{Name: string(model.ViaTanma), Prefixes: Patterns, Routes: routes(h),
		Authenticate: h.authenticate, WriteError: h.writeProblem, Log: log})
}

// authenticate reads the body, verifies its signature and binds the
// signature to the route's path (once for writes).
func (h *Handler) authenticate(r *http.Request, rt *httpx.Route) (*httpx.Principal, error) {
	body, err := httpx.ReadBody(r, maxBody)
	if err != nil {
		return nil, err
	}
	s, err := h.verify(r, body)
	if err != nil {
		return nil, err
	}
	if err := h.bind(r.Context(), s, rt.Path, rt.Scope == model.ScopeWrite); err != nil {
		return nil, err
	}
	p := &httpx.Principal{Client: s.client, Via: model.ViaTanma, Body: body}
	who, err := h.svc.ClientCaller(r.Context(), p.Effective(), model.ViaTanma, audit.AddrOf(r.Context()))
	if err != nil {
		return nil, err
	}
	p.Caller = who
	return p, nil
}

// envelope is every response body.
type envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

// respond writes the envelope, always with HTTP 200.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, data any, err error) {
	if err != nil {
		p := httpx.Classify(err)
		if p.Kind == httpx.KindInternal {
			h.log.ErrorContext(r.Context(), "tanma: internal error", slog.String("path", r.URL.Path), slog.Any("error", err))
		}
		h.writeProblem(w, r, p)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, envelope{Code: CodeOK, Message: "success", Data: data})
}

// writeProblem is the skeleton's error writer (it has logged faults).
func (h *Handler) writeProblem(w http.ResponseWriter, r *http.Request, p *httpx.Problem) {
	code, msg, d, _ := problemEnvelope(p, r.Method, r.URL.Path)
	env := envelope{Code: code, Message: msg, Data: d}
	if ra, ok := auth.RetryAfter(p.Cause); ok {
		// The one answer that is not HTTP 200: clients and proxies that
		// honour 429 + Retry-After back off.
		w.Header().Set("Retry-After", ra)
		httpx.WriteJSON(w, http.StatusTooManyRequests, env)
		return
	}
	// Refused for load: sent with its HTTP status too, so that HTTP
	// clients and proxies back off (Retry-After).
	if ov, ok := httpx.OverloadHeaders(w, p.Cause); ok {
		httpx.WriteJSON(w, ov.Status, env)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, env)
}

func (h *Handler) now() time.Time {
	if h.auth != nil && h.auth.Now != nil {
		return h.auth.Now()
	}
	return time.Now()
}
