// Package dashi speaks 达实AIoT's customer open API on kehu's store: the
// signed visitor-token call, the customer page and customer add endpoints,
// the platform's {msg, code, status} errors and its add/edit/delete domain
// events. It only translates; rules live in internal/crm. See README.md.
package dashi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/kehu/kehu/internal/audit"
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
}

// routes is the dialect's one route table, mounted by httpx.Mount (which
// does routing, 404/405, authentication, the scope rule and panics).
func routes(h *Handler) []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Path: TokenPath, Public: true, Handle: adapt(h.token),
			Summary: "Get a visitor token (signed appid + sign_method + timestamp; each signed URL works once)", SummaryZH: "获取访客令牌"},
		{Method: "POST", Path: PagePath, Scope: model.ScopeRead, Handle: adapt(h.page),
			Summary: "Page through the project's customers", SummaryZH: "客户分页"},
		{Method: "POST", Path: AddPath, Scope: model.ScopeWrite, Handle: adapt(h.add),
			Summary: "Add a customer to the project", SummaryZH: "客户新增"},
	}
}

// adapt gives an endpoint the authenticated client (its scopes narrowed to
// the token's), nil on the public token call.
func adapt(fn func(w http.ResponseWriter, r *http.Request, cl *model.Client) error) func(http.ResponseWriter, *http.Request, *httpx.Principal) error {
	return func(w http.ResponseWriter, r *http.Request, p *httpx.Principal) error {
		var cl *model.Client
		if p != nil {
			cl = p.Effective()
		}
		return fn(w, r, cl)
	}
}

// Routes is the route table, for /docs.
func Routes() []httpx.Route { return routes(&Handler{}) }

// NewHandler returns the dialect's handler.
func NewHandler(svc *crm.Service, au *auth.Service, log *slog.Logger) http.Handler {
	h := &Handler{svc: svc, auth: au, st: svc.Store, log: log}
	return httpx.Mount(&httpx.API{Name: string(model.ViaDashi), Prefixes: Patterns, Routes: routes(h),
		Authenticate: h.authenticate, WriteError: h.writeProblem, Log: log})
}

// authenticate checks the Bearer visitor token.
func (h *Handler) authenticate(r *http.Request, _ *httpx.Route) (*httpx.Principal, error) {
	tok, present, ok := httpx.BearerToken(r)
	if !present {
		return nil, fail(401, StatusTokenInvalid, "缺少令牌：请发送 Authorization: Bearer <token>（令牌由 GET %s 获取）", TokenPath)
	}
	if !ok {
		return nil, fail(401, StatusTokenInvalid, `令牌格式错误：Authorization 请求头须为 "Bearer <token>"`)
	}
	claims, c, err := h.auth.Verify(r.Context(), tok, auth.AudDashi, auth.KindAccess)
	if err != nil {
		return nil, err
	}
	p := &httpx.Principal{Client: c, TokenScopes: claims.Scopes, Via: model.ViaDashi}
	who, err := h.svc.ClientCaller(r.Context(), p.Effective(), model.ViaDashi, audit.AddrOf(r.Context()))
	if err != nil {
		return nil, err
	}
	p.Caller = who
	return p, nil
}

// now is the server time the signed token call is checked against; it
// follows the auth service's clock so tests move both together.
func (h *Handler) now() time.Time {
	if h.auth.Now != nil {
		return h.auth.Now()
	}
	return time.Now()
}

// whoOf is the request's caller: crm decides with it what the request may
// see and do.
func whoOf(r *http.Request) *model.Caller { return httpx.CallerOf(r.Context()) }
