// Package api is kehu's native REST API under /v1: OAuth2 client
// credentials, customers (CRUD, list with filters and sorting, the condition
// language search), the catalogue (fields, tags, staff, departments,
// stages), projects and the change feed. JSON is camelCase; errors are RFC
// 9457 problem+json with a stable code and the field at fault.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/admission"
	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/store"
)

// TokenTTL is the lifetime of a native access token.
const TokenTTL = time.Hour

// Handler serves /v1.
type Handler struct {
	Svc   *crm.Service
	Auth  *auth.Service
	Store *store.Store
	Log   *slog.Logger
	// People signs staff in (sessions as /v1 auth, /v1/auth, users in
	// /v1/admin); nil: API clients only.
	People *people.Service
	// Limits bound exports and imports (nil: unbounded).
	Limits *admission.Limits
	// StreamIdle cuts off an export whose client stops reading.
	StreamIdle time.Duration
	mux        *http.ServeMux
}

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one row of the route table; OpenAPI tests compare against it.
type route struct {
	pattern string // "METHOD /path"
	scope   string // required scope; "" for public routes
	fn      func(h *Handler) handlerFunc
}

// routes is the native API's one route table.
var routes = []route{
	{"POST /v1/oauth/token", "", func(h *Handler) handlerFunc { return h.token }},
	{"GET /v1/customers", model.ScopeRead, func(h *Handler) handlerFunc { return h.listCustomers }},
	{"POST /v1/customers", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createCustomer }},
	{"POST /v1/customers/search", model.ScopeRead, func(h *Handler) handlerFunc { return h.searchCustomers }},
	{"GET /v1/customers/{id}", model.ScopeRead, func(h *Handler) handlerFunc { return h.getCustomer }},
	{"PATCH /v1/customers/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.updateCustomer }},
	{"DELETE /v1/customers/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.deleteCustomer }},
	{"GET /v1/projects", model.ScopeRead, func(h *Handler) handlerFunc { return h.listProjects }},
	{"POST /v1/projects", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createProject }},
	{"GET /v1/fields", model.ScopeRead, func(h *Handler) handlerFunc { return h.listFields }},
	{"POST /v1/fields", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createField }},
	{"PATCH /v1/fields/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.updateField }},
	{"DELETE /v1/fields/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.deleteField }},
	{"GET /v1/tags", model.ScopeRead, func(h *Handler) handlerFunc { return h.listTags }},
	{"POST /v1/tags", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createTag }},
	{"POST /v1/tag-groups", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createTagGroup }},
	{"DELETE /v1/tags/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.deleteTag }},
	{"GET /v1/staff", model.ScopeRead, func(h *Handler) handlerFunc { return h.listStaff }},
	{"POST /v1/staff", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createStaff }},
	{"GET /v1/departments", model.ScopeRead, func(h *Handler) handlerFunc { return h.listDepartments }},
	{"POST /v1/departments", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createDepartment }},
	{"GET /v1/stages", model.ScopeRead, func(h *Handler) handlerFunc { return h.listStages }},
	{"POST /v1/stages", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createStage }},
	{"GET /v1/events", model.ScopeRead, func(h *Handler) handlerFunc { return h.listEvents }},
	{"POST /v1/customers/batch", model.ScopeWrite, func(h *Handler) handlerFunc { return h.batchCustomers }},
	{"GET /v1/customers/export", model.ScopeRead, func(h *Handler) handlerFunc { return h.exportCustomers }},
	{"POST /v1/imports", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createImport }},
	{"GET /v1/imports/{id}", model.ScopeRead, func(h *Handler) handlerFunc { return h.getImport }},
	{"GET /v1/imports/{id}/report", model.ScopeRead, func(h *Handler) handlerFunc { return h.importReport }},
	{"PUT /v1/fields/{id}/unique", model.ScopeWrite, func(h *Handler) handlerFunc { return h.setFieldUnique }},
	{"POST /v1/customers/{id}/unmask", model.ScopeRead, func(h *Handler) handlerFunc { return h.unmaskCustomer }},
	{"GET /v1/admin/audit", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.listAudit }},
	{"GET /v1/admin/tenants", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminListTenants }},
	{"POST /v1/admin/tenants", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminCreateTenant }},
	{"GET /v1/admin/projects", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.listProjects }},
	{"POST /v1/admin/projects", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminCreateProject }},
	{"GET /v1/admin/departments", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.listDepartments }},
	{"POST /v1/admin/departments", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.createDepartment }},
	{"GET /v1/admin/clients", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminListClients }},
	{"POST /v1/admin/clients", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminCreateClient }},
	{"PATCH /v1/admin/clients/{clientId}", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminUpdateClient }},
	{"POST /v1/admin/clients/{clientId}/rotate", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminRotateClient }},
	{"DELETE /v1/admin/clients/{clientId}", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminRevokeClient }},
	{"GET /v1/admin/users", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminListUsers }},
	{"POST /v1/admin/users", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminCreateUser }},
	{"POST /v1/admin/users/{id}/password", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminResetPassword }},
	{"POST /v1/admin/users/{id}/disable", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminSetDisabled(true) }},
	{"POST /v1/admin/users/{id}/enable", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminSetDisabled(false) }},
	{"PUT /v1/admin/users/{id}/role", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminSetRole }},
	{"POST /v1/admin/users/{id}/totp/disable", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminDisableTOTP }},
	{"GET /v1/admin/users/{id}/sessions", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminUserSessions }},
	{"DELETE /v1/admin/users/{id}/sessions/{sessionId}", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminRevokeUserSession }},
	{"GET /v1/admin/roles", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminListRoles }},
	{"POST /v1/admin/roles", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminCreateRole }},
	{"PATCH /v1/admin/roles/{id}", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminUpdateRole }},
	{"DELETE /v1/admin/roles/{id}", model.ScopeAdmin, func(h *Handler) handlerFunc { return h.adminDeleteRole }},
	{"POST /v1/auth/login", "", func(h *Handler) handlerFunc { return h.login }},
	{"POST /v1/auth/logout", scopeSession, func(h *Handler) handlerFunc { return h.logout }},
	{"GET /v1/auth/session", scopeSession, func(h *Handler) handlerFunc { return h.currentSession }},
	{"GET /v1/auth/sessions", scopeSession, func(h *Handler) handlerFunc { return h.listSessions }},
	{"DELETE /v1/auth/sessions/{id}", scopeSession, func(h *Handler) handlerFunc { return h.revokeSession }},
	{"POST /v1/auth/totp/enroll", scopeSession, func(h *Handler) handlerFunc { return h.enrollTOTP }},
	{"POST /v1/auth/totp/verify", scopeSession, func(h *Handler) handlerFunc { return h.verifyTOTP }},
	{"POST /v1/auth/totp/disable", scopeSession, func(h *Handler) handlerFunc { return h.disableTOTP }},
}

// NewHandler builds the /v1 handler.
func NewHandler(svc *crm.Service, au *auth.Service, log *slog.Logger) *Handler {
	h := &Handler{Svc: svc, Auth: au, Store: svc.Store, Log: log, Limits: &admission.Limits{}, StreamIdle: httpx.StreamIdle, mux: http.NewServeMux()}
	for _, rt := range routes {
		h.mux.Handle(rt.pattern, h.wrap(rt.scope, rt.fn(h)))
	}
	// Anything else under /v1 answers in this API's error format: 405 when
	// the path exists with other methods, else 404.
	h.mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		if allow := allowed(r.URL.Path); allow != "" {
			w.Header().Set("Allow", allow)
			h.writeError(w, r, problem(405, "method_not_allowed", "", r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+allow))
			return
		}
		h.writeError(w, r, problem(404, "no_route", "", "no such endpoint: "+r.Method+" "+r.URL.Path))
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func allowed(path string) string {
	pats := make([]string, len(routes))
	for i, rt := range routes {
		pats[i] = rt.pattern
	}
	return httpx.Allowed(pats, path)
}

type ctxKey int

const clientKey ctxKey = 0

// caller is the authenticated client of a request. A request signed in
// with a staff session (cookie) carries the session, and client is a
// stand-in with the tenant and the scopes the staff member's role allows.
type caller struct {
	client  *model.Client
	session *people.Authenticated // nil for API clients
}

func callerOf(ctx context.Context) *caller {
	c, _ := ctx.Value(clientKey).(*caller)
	return c
}

// wrap adds authentication (for scoped routes) and error rendering.
func (h *Handler) wrap(scope string, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		if err := httpx.Arrived(r); err != nil {
			h.writeError(w, r, err)
			return
		}
		if scope != "" {
			cl, err := h.authenticateAny(r, scope)
			if err != nil {
				h.writeError(w, r, err)
				return
			}
			d, err := httpx.Authenticated(r, cl.client.TenantID, cl.client.ClientID)
			httpx.SetRateLimitHeaders(w, d)
			if err != nil {
				h.writeError(w, r, err)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), clientKey, cl))
		}
		if err := fn(w, r); err != nil {
			h.writeError(w, r, err)
		}
	})
}

func (h *Handler) authenticate(r *http.Request) (*model.Client, error) {
	hdr := r.Header.Get("Authorization")
	if hdr == "" {
		return nil, problem(401, "missing_token", "Authorization", "send Authorization: Bearer <token> (get one from POST /v1/oauth/token)")
	}
	scheme, tok, ok := strings.Cut(hdr, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return nil, problem(401, "token_invalid", "Authorization", "the Authorization header must be \"Bearer <token>\"")
	}
	claims, c, err := h.Auth.Verify(r.Context(), strings.TrimSpace(tok), "native", "access")
	if err != nil {
		return nil, err
	}
	// A token may carry fewer scopes than its client (scope= at issue time),
	// and never more than the client holds now.
	cc := *c
	cc.Scopes = nil
	for _, sc := range claims.Scopes {
		if c.HasScope(sc) {
			cc.Scopes = append(cc.Scopes, sc)
		}
	}
	return &cc, nil
}

func actorOf(r *http.Request) model.Actor {
	if c := callerOf(r.Context()); c != nil && c.session != nil {
		return c.session.Caller.Actor()
	}
	if c := callerOf(r.Context()); c != nil {
		return model.Actor{ID: c.client.ClientID, Name: c.client.Name}
	}
	return model.Actor{}
}
