package api

import (
	"context"
	"errors"
	"github.com/kehu/kehu/internal/cond"
	"net/http"
	"strings"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// Problem is an RFC 9457 problem document with kehu's stable code and the
// field at fault.
type Problem struct {
	Type       string `json:"type"`
	Title      string `json:"title"`
	Status     int    `json:"status"`
	Detail     string `json:"detail,omitempty"`
	Code       string `json:"code"`
	Field      string `json:"field,omitempty"`
	ExistingID int64  `json:"existingId,omitempty"`
}

// apiError is an error with a status and a safe face.
type apiError struct {
	status int
	p      Problem
	cause  error
}

func (e *apiError) Error() string { return e.p.Code + ": " + e.p.Detail }
func (e *apiError) Unwrap() error { return e.cause }

func problem(status int, code, field, detail string) *apiError {
	return &apiError{status: status, p: Problem{Code: code, Field: field, Detail: detail}}
}

// toProblem maps any error to its client face. Unknown errors are 500 with a
// generic message; their cause goes to the log only.
func toProblem(err error) (int, Problem) {
	var ae *apiError
	var br *httpx.BadRequest
	var fe *model.FieldError
	var ce *model.ConflictError
	var qe *query.Error
	var se *cond.SyntaxError
	var ov *httpx.Overloaded
	var pe *crm.ProjectError
	var perm *model.PermissionError
	var pool *model.PoolError
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.p
	case errors.As(err, &ov):
		code := "overloaded"
		switch {
		case ov.Limit > 0:
			code = "rate_limited"
		case ov.Status == 429:
			code = "too_busy"
		}
		return ov.Status, Problem{Code: code, Detail: ov.Msg}
	case errors.Is(err, httpx.ErrBodyTooLarge):
		return 413, Problem{Code: "body_too_large", Detail: "the request body is larger than the limit"}
	case errors.As(err, &br):
		return 400, Problem{Code: br.Code, Field: br.Field, Detail: br.Error()}
	case errors.As(err, &fe):
		return 400, Problem{Code: fe.Code, Field: fe.Field, Detail: fe.Error()}
	case errors.As(err, &pool):
		return 409, Problem{Code: pool.Code, Detail: pool.Msg}
	case errors.As(err, &ce):
		return 409, Problem{Code: "conflict", Field: ce.Field, Detail: ce.Error(), ExistingID: ce.ExistingID}
	case errors.As(err, &pe):
		return 403, Problem{Code: "project_forbidden", Field: "projectId", Detail: pe.Error()}
	case errors.As(err, &perm):
		code := "permission_denied"
		if perm.Scope != "" {
			code = "insufficient_scope"
		}
		return 403, Problem{Code: code, Detail: perm.Error()}
	case errors.Is(err, model.ErrForbidden):
		return 403, Problem{Code: "forbidden", Detail: "forbidden"}
	case errors.As(err, &qe):
		field := qe.Field
		if strings.HasPrefix(qe.Pos, "sort") { // the sort parameter is at fault, not the field it names
			field = "sort"
		}
		return 400, Problem{Code: "invalid_query", Field: field, Detail: qe.Error()}
	case errors.As(err, &se):
		return 400, Problem{Code: "invalid_filter", Field: "filter", Detail: se.Error()}
	case errors.Is(err, model.ErrNotFound):
		return 404, Problem{Code: "not_found", Detail: "no such resource"}
	case errors.Is(err, model.ErrForbidden):
		return 403, Problem{Code: "forbidden", Detail: err.Error()}
	case errors.Is(err, model.ErrConflict):
		return 409, Problem{Code: "conflict", Detail: "the write conflicts with existing data"}
	case errors.Is(err, auth.ErrTokenExpired):
		return 401, Problem{Code: "token_expired", Detail: "the access token has expired; request a new one"}
	case errors.Is(err, auth.ErrTokenRevoked):
		return 401, Problem{Code: "token_revoked", Detail: "the access token was revoked (client secret rotated or client revoked)"}
	case errors.Is(err, auth.ErrTokenInvalid):
		return 401, Problem{Code: "token_invalid", Detail: "the access token is not valid"}
	case errors.Is(err, people.ErrBadLogin):
		return 401, Problem{Code: "invalid_login", Detail: "wrong login name or password"}
	case errors.Is(err, people.ErrTOTPRequired):
		return 401, Problem{Code: "totp_required", Field: "totp", Detail: "this login has a second factor: send the current code from the authenticator app as totp"}
	case errors.Is(err, people.ErrTenantRequired):
		return 400, Problem{Code: "tenant_required", Field: "tenantId", Detail: "this server holds several tenants: send tenantId"}
	case errors.Is(err, auth.ErrLocked):
		return 429, Problem{Code: "too_many_attempts", Detail: err.Error()}
	case errors.Is(err, context.Canceled):
		return 499, Problem{Code: "canceled", Detail: "the request was canceled"}
	}
	return 500, Problem{Code: "internal", Detail: "internal error; it has been logged"}
}

// faulted is err as a 503 when it would be a 500 but holds a database
// fault (store.Faulted): a database that is down is not kehu's bug.
func faulted(err error) error {
	if status, _ := toProblem(err); status == 500 {
		return store.Faulted(err)
	}
	return err
}

// writeProblemCause renders err as problem+json (the skeleton has logged
// kehu's faults).
func (h *Handler) writeProblemCause(w http.ResponseWriter, r *http.Request, err error) {
	err = faulted(err)
	status, p := toProblem(err)
	httpx.OverloadHeaders(w, err)
	p.Status = status
	p.Title = http.StatusText(status)
	if p.Title == "" {
		p.Title = "Error"
	}
	p.Type = "urn:kehu:problem:" + p.Code
	switch {
	case status == 401 && p.Code == "missing_token":
		// RFC 6750 §3.1: a request without credentials gets the challenge
		// without an error code.
		w.Header().Set("WWW-Authenticate", `Bearer realm="kehu"`)
	case status == 401:
		w.Header().Set("WWW-Authenticate", `Bearer realm="kehu", error="invalid_token"`)
	case status == 403 && p.Code == "insufficient_scope":
		w.Header().Set("WWW-Authenticate", `Bearer realm="kehu", error="insufficient_scope"`)
	}
	if ra, ok := auth.RetryAfter(err); ok {
		w.Header().Set("Retry-After", ra)
	}
	httpx.WriteJSONType(w, status, "application/problem+json", p)
}
