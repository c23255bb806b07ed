// Package fault is the one classification of errors for kehu's native
// faces — the native API's problem documents and the web console's error
// page: an error's HTTP status, its stable code, the field at fault and a
// detail safe to show (English; the console translates by code). Unknown
// errors are internal, with a generic detail; their cause is only logged by
// the caller. The platform dialects keep their own envelopes on
// httpx.Classify's kinds.
package fault

import (
	"context"
	"errors"
	"strings"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// Face is an error as a client or a user may see it.
type Face struct {
	Status     int
	Code       string // stable, for clients ("not_found", "pool_cap_reached", …)
	Field      string // the field or parameter at fault, if one is
	Detail     string // safe to show: never a cause
	ExistingID int64  // a conflict: the customer holding the value, 0 if unknown
}

// Internal reports whether f is kehu's fault (to be logged with its cause).
func (f Face) Internal() bool { return f.Status >= 500 }

// Of classifies err. An error that would be internal but holds a database
// fault (store.Faulted) is the database being unavailable (503), not
// kehu's bug.
func Of(err error) Face {
	return of(Faulted(err))
}

// Faulted is err as store.Faulted makes it (a model.Unavailable) when it
// would otherwise be internal, else err: for callers that also need the
// error itself (the API's Retry-After headers).
func Faulted(err error) error {
	if of(err).Internal() {
		return store.Faulted(err)
	}
	return err
}

func of(err error) Face {
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
	case errors.As(err, &ov):
		code := "overloaded" // the node's share of heavy work is taken
		switch {
		case ov.Code != "": // a fault: the disk is full, the database down, …
			code = ov.Code
		case ov.Limit > 0:
			code = "rate_limited"
		case ov.Status == 429:
			code = "too_busy"
		}
		return Face{Status: ov.Status, Code: code, Detail: ov.Msg}
	case errors.Is(err, httpx.ErrBodyTooLarge):
		return Face{Status: 413, Code: "body_too_large", Detail: "the request body is larger than the limit"}
	case errors.As(err, &br):
		return Face{Status: 400, Code: br.Code, Field: br.Field, Detail: br.Error()}
	case errors.As(err, &fe):
		return Face{Status: 400, Code: fe.Code, Field: fe.Field, Detail: fe.Error()}
	case errors.As(err, &pool):
		return Face{Status: 409, Code: pool.Code, Detail: pool.Msg}
	case errors.As(err, &ce):
		return Face{Status: 409, Code: "conflict", Field: ce.Field, Detail: ce.Error(), ExistingID: ce.ExistingID}
	case errors.As(err, &pe):
		return Face{Status: 403, Code: "project_forbidden", Field: "projectId", Detail: pe.Error()}
	case errors.As(err, &perm):
		code := "permission_denied"
		if perm.Scope != "" {
			code = "insufficient_scope"
		}
		return Face{Status: 403, Code: code, Detail: perm.Error()}
	case errors.As(err, &qe):
		field := qe.Field
		if strings.HasPrefix(qe.Pos, "sort") { // the sort parameter is at fault, not the field it names
			field = "sort"
		}
		return Face{Status: 400, Code: "invalid_query", Field: field, Detail: qe.Error()}
	case errors.As(err, &se):
		return Face{Status: 400, Code: "invalid_filter", Field: "filter", Detail: se.Error()}
	case errors.Is(err, query.ErrBadCursor):
		return Face{Status: 400, Code: "invalid_query", Field: "cursor", Detail: "the cursor is not valid for this search"}
	case errors.Is(err, model.ErrNotFound):
		return Face{Status: 404, Code: "not_found", Detail: "no such resource"}
	case errors.Is(err, model.ErrForbidden):
		return Face{Status: 403, Code: "forbidden", Detail: "forbidden"}
	case errors.Is(err, model.ErrConflict):
		return Face{Status: 409, Code: "conflict", Detail: "the write conflicts with existing data"}
	case errors.Is(err, auth.ErrTokenExpired):
		return Face{Status: 401, Code: "token_expired", Detail: "the access token has expired; request a new one"}
	case errors.Is(err, auth.ErrTokenRevoked):
		return Face{Status: 401, Code: "token_revoked", Detail: "the access token was revoked (client secret rotated or client revoked)"}
	case errors.Is(err, auth.ErrTokenInvalid):
		return Face{Status: 401, Code: "token_invalid", Detail: "the access token is not valid"}
	case errors.Is(err, people.ErrNoSession):
		return Face{Status: 401, Code: "session_invalid", Detail: "the session has expired or was ended: sign in again"}
	case errors.Is(err, people.ErrBadLogin):
		return Face{Status: 401, Code: "invalid_login", Detail: "wrong login name or password"}
	case errors.Is(err, people.ErrTOTPRequired):
		return Face{Status: 401, Code: "totp_required", Field: "totp", Detail: "this login has a second factor: send the current code from the authenticator app as totp"}
	case errors.Is(err, people.ErrTenantRequired):
		return Face{Status: 400, Code: "tenant_required", Field: "tenantId", Detail: "this server holds several tenants: send tenantId"}
	case errors.Is(err, auth.ErrLocked):
		return Face{Status: 429, Code: "too_many_attempts", Detail: err.Error()}
	case errors.Is(err, context.Canceled):
		return Face{Status: 499, Code: "canceled", Detail: "the request was canceled"}
	}
	return Face{Status: 500, Code: "internal", Detail: "internal error; it has been logged"}
}
