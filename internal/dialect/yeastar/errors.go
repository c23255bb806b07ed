package yeastar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

// Error codes (errcode) of the Failed envelope. Yeastar does not publish
// the customer API's codes; kehu uses the P-Series numbers (see README.md).
const (
	CodeInternal     = 10001 // HTTP 500: kehu's fault, logged under the requestId
	CodeTokenInvalid = 10004 // HTTP 401: token missing, invalid, expired or revoked; bad client credentials
	CodePermission   = 10005 // HTTP 403: the client lacks the read or write scope
	CodeParam        = 40002 // HTTP 400 (405, 413): parameter error; errmsg names the parameter
	CodeDuplicate    = 40003 // HTTP 409: a value that must be unique is taken
	CodeNotFound     = 60001 // HTTP 404: no such customer (in this tenant) or endpoint
	CodeTooMany      = 10008 // HTTP 429 + Retry-After: the client id or address is locked (failed token requests), its request budget is spent, or too much heavy work at once (503: for the server)
)

// failure is an error with its face in the Failed envelope.
type failure struct {
	status int
	code   int
	msg    string
	cause  error
}

func (f *failure) Error() string { return fmt.Sprintf("%d %s", f.code, f.msg) }
func (f *failure) Unwrap() error { return f.cause }

// paramError is a 40002 naming the parameter at fault.
func paramError(param, format string, args ...any) *failure {
	return &failure{status: http.StatusBadRequest, code: CodeParam, msg: "PARAMETER ERROR: " + param + ": " + fmt.Sprintf(format, args...)}
}

func tokenFailure(msg string) *failure {
	return &failure{status: http.StatusUnauthorized, code: CodeTokenInvalid, msg: msg}
}

func notFound(id int64) *failure {
	return &failure{status: http.StatusNotFound, code: CodeNotFound, msg: fmt.Sprintf("NOT FOUND: customer %d does not exist", id)}
}

// yeastarField renames kehu's field names (in crm errors) to Yeastar's.
var yeastarField = map[string]string{
	"name":          "firstName",
	"phone":         "mobileNumber",
	"postalCode":    "zipCode",
	"businessPhone": "businessNumber",
	"homePhone":     "homeNumber",
	"fax":           "faxNumber",
}

func fieldName(kehu string) string {
	if y, ok := yeastarField[kehu]; ok {
		return y
	}
	return kehu
}

// toFailure maps any error to its face. Unknown errors are 500 with a
// generic message; their cause goes to the log only.
func toFailure(err error) *failure {
	var f *failure
	var br *httpx.BadRequest
	var lfe *httpx.FieldError
	var fe *model.FieldError
	var ce *model.ConflictError
	var qe *query.Error
	var ov *httpx.Overloaded
	switch {
	case errors.As(err, &f):
		return f
	case errors.As(err, &ov):
		return &failure{status: ov.Status, code: CodeTooMany, msg: "TOO MANY REQUESTS: " + ov.Msg}
	case errors.Is(err, httpx.ErrBodyTooLarge):
		return &failure{status: http.StatusRequestEntityTooLarge, code: CodeParam, msg: fmt.Sprintf("PARAMETER ERROR: body: the request body is larger than %d bytes", httpx.MaxBody)}
	case errors.As(err, &lfe):
		if lfe.Field == "" {
			return paramError("body", "%s", lfe.Msg)
		}
		return paramError(lfe.Field, "%s", lfe.Msg)
	case errors.As(err, &br):
		if br.Field == "" {
			return paramError("body", "%s", br.Msg)
		}
		return paramError(br.Field, "%s", br.Msg)
	case errors.As(err, &fe):
		return paramError(fieldName(fe.Field), "%s", fe.Msg)
	case errors.As(err, &ce):
		msg := fmt.Sprintf("DUPLICATE: %s %q is already taken", fieldName(ce.Field), ce.Value)
		if ce.ExistingID != 0 {
			msg = fmt.Sprintf("DUPLICATE: %s %q already belongs to customer %d", fieldName(ce.Field), ce.Value, ce.ExistingID)
		}
		return &failure{status: http.StatusConflict, code: CodeDuplicate, msg: msg}
	case errors.As(err, &qe):
		return &failure{status: http.StatusBadRequest, code: CodeParam, msg: "PARAMETER ERROR: " + qe.Error()}
	case errors.Is(err, model.ErrNotFound):
		return &failure{status: http.StatusNotFound, code: CodeNotFound, msg: "NOT FOUND: no such customer"}
	case errors.Is(err, model.ErrConflict):
		return &failure{status: http.StatusConflict, code: CodeDuplicate, msg: "DUPLICATE: the write conflicts with existing data"}
	case errors.Is(err, auth.ErrTokenExpired):
		return tokenFailure("TOKEN INVALID OR EXPIRED: the access token has expired; request a new one")
	case errors.Is(err, auth.ErrTokenRevoked):
		return tokenFailure("TOKEN INVALID OR EXPIRED: the access token was revoked (client secret rotated or client revoked)")
	case errors.Is(err, auth.ErrTokenInvalid):
		return tokenFailure("TOKEN INVALID OR EXPIRED: the access token is not valid")
	case errors.Is(err, auth.ErrLocked):
		return &failure{status: http.StatusTooManyRequests, code: CodeTooMany, msg: "TOO MANY REQUESTS: " + err.Error()}
	case errors.Is(err, context.Canceled):
		return &failure{status: 499, code: CodeInternal, msg: "CANCELED: the request was canceled"}
	}
	return &failure{status: http.StatusInternalServerError, code: CodeInternal, msg: "INTERNAL ERROR: it has been logged under this requestId", cause: err}
}

// failed is the Failed envelope.
type failed struct {
	Status    string `json:"status"`
	ErrCode   int    `json:"errcode"`
	ErrMsg    string `json:"errmsg"`
	RequestID string `json:"requestId"`
	Time      int64  `json:"time"`
}

// writeError renders err in the Failed envelope and logs server faults.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	f := toFailure(err)
	rid := requestIDOf(r)
	_, overloaded := httpx.OverloadHeaders(w, err)
	if f.status >= 500 && !overloaded {
		h.Log.ErrorContext(r.Context(), "yeastar api error", slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	if f.status == http.StatusUnauthorized {
		if r.Header.Get("Authorization") == "" { // RFC 6750 §3.1: no credentials, no error code
			w.Header().Set("WWW-Authenticate", `Bearer realm="kehu"`)
		} else {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kehu", error="invalid_token"`)
		}
	}
	if ra, ok := auth.RetryAfter(err); ok {
		w.Header().Set("Retry-After", ra)
	}
	httpx.WriteJSON(w, f.status, failed{Status: "Failed", ErrCode: f.code, ErrMsg: f.msg, RequestID: rid, Time: time.Now().Unix()})
}
