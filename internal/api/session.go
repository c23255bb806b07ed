package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
)

// scopeSession marks routes only a signed-in staff member may call (their
// own sessions, their second factor).
const scopeSession = "session"

// authenticateAny authenticates a request for a route needing scope: with
// an access token (Authorization: Bearer), or with a staff session cookie.
// A session acts as the staff member with their role; its state-changing
// requests must carry the session's CSRF token (X-CSRF-Token).
func (h *Handler) authenticateAny(r *http.Request, scope string) (*caller, error) {
	if tok := people.TokenFrom(r); tok != "" && r.Header.Get("Authorization") == "" && h.People != nil {
		a, err := h.People.Authenticate(r.Context(), tok)
		if errors.Is(err, people.ErrNoSession) {
			return nil, problem(401, "session_invalid", "", "the session has expired or was ended: sign in again (POST /v1/auth/login)")
		}
		if err != nil {
			return nil, err
		}
		if !people.Safe(r.Method) && !h.People.CheckCSRF(tok, r.Header.Get(people.CSRFHeader)) {
			return nil, problem(403, "csrf_failed", people.CSRFHeader, "send the session's CSRF token (csrfToken of POST /v1/auth/login or GET /v1/auth/session) in the X-CSRF-Token header")
		}
		c := a.Caller
		stand := &model.Client{TenantID: c.TenantID, ClientID: "staff:" + strconv.FormatInt(c.StaffID, 10), Name: c.StaffName,
			Scopes: []string{model.ScopeRead, model.ScopeWrite, scopeSession}}
		if c.Can(model.PermCatalog) {
			stand.Scopes = append(stand.Scopes, model.ScopeCatalogWrite)
		}
		if c.Can(model.PermAdmin) {
			stand.Scopes = append(stand.Scopes, model.ScopeAdmin)
		}
		if !stand.HasScope(scope) {
			return nil, problem(403, "insufficient_permission", "", "your role does not allow this ("+permissionOf(scope)+")")
		}
		return &caller{client: stand, session: a, who: a.Caller}, nil
	}
	if scope == scopeSession {
		return nil, problem(401, "session_required", "", "sign in as a staff member first (POST /v1/auth/login); API tokens have no session")
	}
	c, err := h.authenticate(r)
	if err != nil {
		return nil, err
	}
	if !c.HasScope(scope) {
		return nil, problem(403, "insufficient_scope", "", "this client lacks the "+scope+" scope")
	}
	who, err := h.Svc.ClientCaller(r.Context(), c, model.ViaNative, audit.AddrOf(r.Context()))
	if err != nil {
		return nil, err
	}
	return &caller{client: c, who: who}, nil
}

func permissionOf(scope string) string {
	switch scope {
	case model.ScopeAdmin:
		return string(model.PermAdmin)
	case model.ScopeCatalogWrite:
		return string(model.PermCatalog)
	}
	return scope
}
