// Package api is kehu's native REST API under /v1: OAuth2 client
// credentials, customers (CRUD, list with filters and sorting, the condition
// language search), the catalogue (fields, tags, staff, departments,
// stages), projects and the change feed. JSON is camelCase; errors are RFC
// 9457 problem+json with a stable code and the field at fault.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/admission"
	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/background"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/webhook"
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
	// Webhooks serves /v1/webhooks (set by the server).
	Webhooks *webhook.Service
	// Background runs imports after their upload; shutdown cancels and
	// waits for it (the server sets the node's group).
	Background *background.Group
	handler    http.Handler
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
	{"GET /v1/customers/{id}/history", model.ScopeRead, func(h *Handler) handlerFunc { return h.customerHistory }},
	{"GET /v1/customers/{id}/follow-ups", model.ScopeRead, func(h *Handler) handlerFunc { return h.customerFollowUps }},
	{"POST /v1/customers/{id}/follow-ups", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createFollowUp }},
	{"GET /v1/follow-ups", model.ScopeRead, func(h *Handler) handlerFunc { return h.staffFollowUps }},
	{"GET /v1/follow-ups/{id}", model.ScopeRead, func(h *Handler) handlerFunc { return h.getFollowUp }},
	{"PATCH /v1/follow-ups/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.updateFollowUp }},
	{"DELETE /v1/follow-ups/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.deleteFollowUp }},
	{"GET /v1/views", model.ScopeRead, func(h *Handler) handlerFunc { return h.listViews }},
	{"POST /v1/views", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createView }},
	{"GET /v1/views/{id}", model.ScopeRead, func(h *Handler) handlerFunc { return h.getView }},
	{"PATCH /v1/views/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.updateView }},
	{"DELETE /v1/views/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.deleteView }},
	{"GET /v1/follow-up-kinds", model.ScopeRead, func(h *Handler) handlerFunc { return h.listFollowUpKinds }},
	{"POST /v1/follow-up-kinds", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.createFollowUpKind) }},
	{"PATCH /v1/follow-up-kinds/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.updateFollowUpKind) }},
	{"DELETE /v1/follow-up-kinds/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.deleteFollowUpKind) }},
	{"GET /v1/webhooks", model.ScopeRead, func(h *Handler) handlerFunc { return h.listWebhooks }},
	{"POST /v1/webhooks", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createWebhook }},
	{"GET /v1/webhooks/{id}", model.ScopeRead, func(h *Handler) handlerFunc { return h.getWebhook }},
	{"PATCH /v1/webhooks/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.updateWebhook }},
	{"DELETE /v1/webhooks/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.deleteWebhook }},
	{"POST /v1/webhooks/{id}/rotate-secret", model.ScopeWrite, func(h *Handler) handlerFunc { return h.rotateWebhookSecret }},
	{"POST /v1/webhooks/{id}/replay", model.ScopeWrite, func(h *Handler) handlerFunc { return h.replayWebhook }},
	{"GET /v1/webhooks/{id}/deliveries", model.ScopeRead, func(h *Handler) handlerFunc { return h.webhookDeliveries }},
	{"GET /v1/webhooks/{id}/deliveries/{delivery}", model.ScopeRead, func(h *Handler) handlerFunc { return h.webhookDelivery }},
	{"POST /v1/webhooks/{id}/deliveries/{delivery}/redeliver", model.ScopeWrite, func(h *Handler) handlerFunc { return h.redeliverWebhook }},
	{"GET /v1/pools", model.ScopeRead, func(h *Handler) handlerFunc { return h.listPools }},
	{"POST /v1/pools", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createPool }},
	{"GET /v1/pools/{id}", model.ScopeRead, func(h *Handler) handlerFunc { return h.getPool }},
	{"PATCH /v1/pools/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.updatePool }},
	{"DELETE /v1/pools/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.deletePool }},
	{"GET /v1/pools/{id}/actions", model.ScopeRead, func(h *Handler) handlerFunc { return h.poolActions }},
	{"GET /v1/pools/{id}/customers", model.ScopeRead, func(h *Handler) handlerFunc { return h.poolCustomers }},
	{"POST /v1/pools/{id}/claim", model.ScopeWrite, func(h *Handler) handlerFunc { return h.poolAction(h.Svc.Claim) }},
	{"POST /v1/pools/{id}/release", model.ScopeWrite, func(h *Handler) handlerFunc { return h.poolAction(h.Svc.Release) }},
	{"POST /v1/pools/{id}/assign", model.ScopeWrite, func(h *Handler) handlerFunc { return h.poolAction(h.Svc.Assign) }},
	{"POST /v1/pools/{id}/transfer", model.ScopeWrite, func(h *Handler) handlerFunc { return h.poolAction(h.Svc.Transfer) }},
	{"POST /v1/pools/{id}/move", model.ScopeWrite, func(h *Handler) handlerFunc { return h.poolAction(h.Svc.Move) }},
	{"GET /v1/projects", model.ScopeRead, func(h *Handler) handlerFunc { return h.listProjects }},
	{"POST /v1/projects", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.createProject) }},
	{"GET /v1/fields", model.ScopeRead, func(h *Handler) handlerFunc { return h.listFields }},
	{"POST /v1/fields", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.createField) }},
	{"PATCH /v1/fields/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.updateField) }},
	{"DELETE /v1/fields/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.deleteField) }},
	{"GET /v1/tags", model.ScopeRead, func(h *Handler) handlerFunc { return h.listTags }},
	{"POST /v1/tags", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.createTag) }},
	{"POST /v1/tag-groups", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.createTagGroup) }},
	{"DELETE /v1/tags/{id}", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.deleteTag) }},
	{"GET /v1/staff", model.ScopeRead, func(h *Handler) handlerFunc { return h.listStaff }},
	{"POST /v1/staff", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.createStaff) }},
	{"GET /v1/departments", model.ScopeRead, func(h *Handler) handlerFunc { return h.listDepartments }},
	{"POST /v1/departments", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.createDepartment) }},
	{"GET /v1/stages", model.ScopeRead, func(h *Handler) handlerFunc { return h.listStages }},
	{"POST /v1/stages", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.createStage) }},
	{"GET /v1/events", model.ScopeRead, func(h *Handler) handlerFunc { return h.listEvents }},
	{"POST /v1/customers/batch", model.ScopeWrite, func(h *Handler) handlerFunc { return h.batchCustomers }},
	{"GET /v1/customers/export", model.ScopeRead, func(h *Handler) handlerFunc { return h.exportCustomers }},
	{"POST /v1/imports", model.ScopeWrite, func(h *Handler) handlerFunc { return h.createImport }},
	{"GET /v1/imports/{id}", model.ScopeRead, func(h *Handler) handlerFunc { return h.getImport }},
	{"GET /v1/imports/{id}/report", model.ScopeRead, func(h *Handler) handlerFunc { return h.importReport }},
	{"PUT /v1/fields/{id}/unique", model.ScopeWrite, func(h *Handler) handlerFunc { return h.catalog(h.setFieldUnique) }},
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
	h := &Handler{Svc: svc, Auth: au, Store: svc.Store, Log: log, Limits: &admission.Limits{}, StreamIdle: httpx.StreamIdle,
		Background: background.New(context.Background())}
	// The one transport skeleton (httpx.Mount): routing, 404/405 as
	// problem+json, authentication, panics, route labels.
	rts := make([]httpx.Route, len(routes))
	for i, rt := range routes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		fn := rt.fn(h)
		rts[i] = httpx.Route{Method: method, Path: path, Scope: rt.scope, Public: rt.scope == "",
			Handle: func(w http.ResponseWriter, r *http.Request, _ *httpx.Principal) error { return fn(w, r) }}
	}
	h.handler = httpx.Mount(&httpx.API{Name: string(model.ViaNative), Prefixes: []string{"/v1/"}, Routes: rts,
		Authenticate: h.authenticateRoute, WriteError: h.writeProblem, Classify: classify, RateLimitHeaders: true, Log: log})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }

// authenticateRoute is the skeleton's authenticator: a staff session or a
// Bearer token, checked against the route's scope with the native API's
// own messages (insufficient_scope, session_required, …).
func (h *Handler) authenticateRoute(r *http.Request, rt *httpx.Route) (*httpx.Principal, error) {
	cl, err := h.authenticateAny(r, rt.Scope)
	if err != nil {
		return nil, err
	}
	return &httpx.Principal{Client: cl.client, Via: model.ViaNative, Extra: cl.session, Caller: cl.who}, nil
}

// classify is this API's classification: toProblem decides the status and
// code (its table), the skeleton only needs to know kehu's own faults.
func classify(err error) *httpx.Problem {
	err = faulted(err)
	status, _ := toProblem(err)
	kind := httpx.KindInvalid
	if status >= 500 {
		var ov *httpx.Overloaded
		if !errors.As(err, &ov) {
			kind = httpx.KindInternal
		}
	}
	return &httpx.Problem{Kind: kind, Msg: err.Error(), Cause: err}
}

// writeProblem renders the skeleton's errors: an error of this API (or any
// other, through toProblem) as it always was, a missing route as no_route
// and a wrong method as method_not_allowed.
func (h *Handler) writeProblem(w http.ResponseWriter, r *http.Request, p *httpx.Problem) {
	switch {
	case p.Kind == httpx.KindNoRoute:
		h.writeProblemCause(w, r, problem(404, "no_route", "", p.Msg))
	case p.Kind == httpx.KindMethod:
		h.writeProblemCause(w, r, problem(405, "method_not_allowed", "", p.Msg))
	case p.Kind == httpx.KindForbidden && p.Cause == nil:
		h.writeProblemCause(w, r, problem(403, "insufficient_scope", "", p.Msg))
	case p.Cause != nil:
		h.writeProblemCause(w, r, p.Cause)
	default:
		h.writeProblemCause(w, r, p)
	}
}

type ctxKey int

const clientKey ctxKey = 0

// caller is the authenticated client of a request. A request signed in
// with a staff session (cookie) carries the session, and client is a
// stand-in with the tenant and the scopes the staff member's role allows.
// who is the caller crm decides with.
type caller struct {
	client  *model.Client
	session *people.Authenticated // nil for API clients
	who     *model.Caller
}

func callerOf(ctx context.Context) *caller {
	if c, ok := ctx.Value(clientKey).(*caller); ok {
		return c
	}
	p := httpx.PrincipalOf(ctx)
	if p == nil {
		return nil
	}
	c := &caller{client: p.Client, who: p.Caller}
	c.session, _ = p.Extra.(*people.Authenticated)
	return c
}

// whoOf is the request's caller for crm: every customer read and write
// passes it, and crm decides what it may see and do.
func whoOf(r *http.Request) *model.Caller {
	if c := callerOf(r.Context()); c != nil {
		return c.who
	}
	return nil
}

// catalog gates a change of the tenant-wide catalogue (fields, tags,
// staff, departments, stages, projects): an API client needs the
// catalog:write scope, a staff member a role with catalog.manage.
func (h *Handler) catalog(fn handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := crm.Need(whoOf(r), model.PermCatalog); err != nil {
			return err
		}
		return fn(w, r)
	}
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
