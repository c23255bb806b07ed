package httpx

import (
	"context"
	"errors"
	"fmt"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// Kind is the one classification of every error an API answers with. Each
// API maps kinds to its envelope (status, code, wording) with a small table;
// what a kind means is decided here, once.
type Kind uint8

const (
	KindInternal        Kind = iota // kehu's fault: logged with its cause, shown generically
	KindMalformed                   // the body is not JSON (or empty where one is needed)
	KindInvalid                     // a value of the wrong type or format
	KindRange                       // a number, length or count out of range
	KindRequired                    // a required parameter is missing or empty
	KindUnknownField                // a field (or, in the strict native API, a member) that does not exist
	KindTooLarge                    // the body is over the limit
	KindNotFound                    // no such record, or one the caller may not see
	KindConflict                    // a value that must be unique is taken
	KindUnauthenticated             // no, a malformed, forged or revoked credential
	KindTokenExpired                // an expired token
	KindForbidden                   // authenticated, but not allowed (scope, project, permission)
	KindNoRoute                     // no such endpoint
	KindMethod                      // the endpoint exists with other methods
	KindCanceled                    // the client went away
	KindRateLimited                 // too many requests
	KindUnavailable                 // the database or a dependency is down; retry later
)

var kindNames = [...]string{"internal", "malformed", "invalid", "range", "required", "unknown_field", "too_large",
	"not_found", "conflict", "unauthenticated", "token_expired", "forbidden", "no_route", "method", "canceled",
	"rate_limited", "unavailable"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Problem is an error in its classified form: the kind, the field at fault
// (in kehu's or the client's naming), a message safe to show (English), and
// for conflicts the value and the customer holding it. Cause is only logged.
type Problem struct {
	Kind       Kind
	Field      string
	Msg        string
	Value      string // KindConflict: the value that is taken
	ExistingID int64  // KindConflict: the customer holding it, 0 if unknown
	Allow      string // KindMethod: the methods the path takes
	Cause      error
}

func (p *Problem) Error() string {
	if p.Field == "" {
		return p.Kind.String() + ": " + p.Msg
	}
	return p.Kind.String() + ": " + p.Field + ": " + p.Msg
}

func (p *Problem) Unwrap() error { return p.Cause }

// Kinded is an error that carries its API's own face for a case the kinds
// do not spell out (达实's TIMESTAMP_EXPIRED, 探马's 1003) and says which
// kind it is, so Mount logs and counts it right; the API's error writer
// finds it as the Problem's Cause and renders it as it is.
type Kinded interface {
	error
	Kind() Kind
}

// Fail is a Problem with a formatted message.
func Fail(kind Kind, field, format string, args ...any) *Problem {
	return &Problem{Kind: kind, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// fieldErrorKinds maps crm's FieldError codes to kinds.
var fieldErrorKinds = map[string]Kind{
	"unknown_field": KindUnknownField,
	"required":      KindRequired,
	"too_long":      KindRange,
	"out_of_range":  KindRange,
}

// Classify turns any error into a Problem. Errors it does not know are
// KindInternal with a generic message and the error as the cause.
func Classify(err error) *Problem {
	var p *Problem
	var fe *FieldError
	var br *BadRequest
	var mfe *model.FieldError
	var ce *model.ConflictError
	var qe *query.Error
	var se *cond.SyntaxError
	var ov *model.Overloaded
	var kd Kinded
	switch {
	case err == nil:
		return nil
	case errors.As(err, &p):
		return p
	case errors.As(err, &ov):
		// The API sets Retry-After (and RateLimit-*) with OverloadHeaders.
		if ov.Status == 503 {
			return &Problem{Kind: KindUnavailable, Msg: ov.Msg, Cause: err}
		}
		return &Problem{Kind: KindRateLimited, Msg: ov.Msg, Cause: err}
	case errors.As(err, &kd):
		return &Problem{Kind: kd.Kind(), Msg: kd.Error(), Cause: err}
	case errors.As(err, &fe):
		return &Problem{Kind: fe.Kind, Field: fe.Field, Msg: fe.Msg, Cause: err}
	case errors.Is(err, ErrBodyTooLarge):
		return &Problem{Kind: KindTooLarge, Msg: "the request body is larger than the limit", Cause: err}
	case errors.As(err, &br):
		k := KindInvalid
		switch br.Code {
		case "empty_body", "malformed_json", "bad_body":
			k = KindMalformed
		case "unknown_field":
			k = KindUnknownField
		}
		return &Problem{Kind: k, Field: br.Field, Msg: br.Msg, Cause: err}
	case errors.As(err, &mfe):
		k, ok := fieldErrorKinds[mfe.Code]
		if !ok {
			k = KindInvalid
		}
		return &Problem{Kind: k, Field: mfe.Field, Msg: mfe.Msg, Cause: err}
	case errors.As(err, &ce):
		msg := fmt.Sprintf("%q is already in use", ce.Value)
		if ce.ExistingID != 0 {
			msg = fmt.Sprintf("%q already belongs to customer %d", ce.Value, ce.ExistingID)
		}
		return &Problem{Kind: KindConflict, Field: ce.Field, Msg: msg, Value: ce.Value, ExistingID: ce.ExistingID, Cause: err}
	case errors.As(err, &qe):
		field := qe.Pos
		if field == "" {
			field = qe.Field
		}
		return &Problem{Kind: KindInvalid, Field: field, Msg: qe.Msg, Cause: err}
	case errors.As(err, &se):
		return &Problem{Kind: KindInvalid, Field: se.Pos, Msg: se.Msg, Cause: err}
	case errors.Is(err, query.ErrBadCursor):
		return &Problem{Kind: KindInvalid, Field: "cursor", Msg: "the cursor is not valid for this search", Cause: err}
	case errors.Is(err, model.ErrForbidden):
		// A missing permission or scope, or another project than the
		// caller's binding (crm): the message says which.
		return &Problem{Kind: KindForbidden, Msg: err.Error(), Cause: err}
	case errors.Is(err, model.ErrNotFound):
		return &Problem{Kind: KindNotFound, Msg: "no such customer", Cause: err}
	case errors.Is(err, model.ErrConflict):
		return &Problem{Kind: KindConflict, Msg: "the write conflicts with existing data", Cause: err}
	case errors.Is(err, auth.ErrTokenExpired):
		return &Problem{Kind: KindTokenExpired, Msg: "the token has expired; request a new one", Cause: err}
	case errors.Is(err, auth.ErrTokenRevoked):
		return &Problem{Kind: KindUnauthenticated, Msg: "the token was revoked (client secret rotated or client revoked); request a new one", Cause: err}
	case errors.Is(err, auth.ErrTokenInvalid):
		return &Problem{Kind: KindUnauthenticated, Msg: "the token is not valid", Cause: err}
	case errors.Is(err, auth.ErrLocked):
		return &Problem{Kind: KindRateLimited, Msg: err.Error(), Cause: err}
	case errors.Is(err, auth.ErrBadCredentials):
		return &Problem{Kind: KindUnauthenticated, Msg: "unknown or revoked client, or wrong secret", Cause: err}
	case errors.Is(err, context.Canceled):
		return &Problem{Kind: KindCanceled, Msg: "the request was canceled", Cause: err}
	}
	// A database fault wrapped on its way up is the database's, not ours.
	if f := store.Faulted(err); f != err {
		return Classify(f)
	}
	return &Problem{Kind: KindInternal, Msg: "internal error", Cause: err}
}
