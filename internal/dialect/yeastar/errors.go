package yeastar

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/httpx"
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

// Kind says which kind of error a failure is (httpx.Kinded), so the
// skeleton logs only kehu's own faults.
func (f *failure) Kind() httpx.Kind {
	if f.status >= 500 {
		return httpx.KindInternal
	}
	return httpx.KindInvalid
}

// faces maps every kind to its face: HTTP status, errcode, errmsg prefix.
var faces = map[httpx.Kind]struct {
	status, code int
	prefix       string
}{
	httpx.KindMalformed:       {400, CodeParam, "PARAMETER ERROR: "},
	httpx.KindInvalid:         {400, CodeParam, "PARAMETER ERROR: "},
	httpx.KindRange:           {400, CodeParam, "PARAMETER ERROR: "},
	httpx.KindRequired:        {400, CodeParam, "PARAMETER ERROR: "},
	httpx.KindUnknownField:    {400, CodeParam, "PARAMETER ERROR: "},
	httpx.KindTooLarge:        {413, CodeParam, "PARAMETER ERROR: body: "},
	httpx.KindNotFound:        {404, CodeNotFound, "NOT FOUND: "},
	httpx.KindNoRoute:         {404, CodeNotFound, "NOT FOUND: "},
	httpx.KindMethod:          {405, CodeParam, "METHOD NOT ALLOWED: "},
	httpx.KindConflict:        {409, CodeDuplicate, "DUPLICATE: "},
	httpx.KindUnauthenticated: {401, CodeTokenInvalid, "TOKEN INVALID OR EXPIRED: "},
	httpx.KindTokenExpired:    {401, CodeTokenInvalid, "TOKEN INVALID OR EXPIRED: "},
	httpx.KindForbidden:       {403, CodePermission, "PERMISSION DENIED: "},
	httpx.KindCanceled:        {499, CodeInternal, "CANCELED: "},
	httpx.KindRateLimited:     {429, CodeTooMany, "TOO MANY REQUESTS: "},
	httpx.KindUnavailable:     {503, CodeInternal, "SERVICE UNAVAILABLE: "},
	httpx.KindInternal:        {500, CodeInternal, "INTERNAL ERROR: "},
}

func problemFailure(p *httpx.Problem) *failure {
	var f *failure
	if errors.As(p.Cause, &f) {
		return f
	}
	var ov *httpx.Overloaded
	if errors.As(p.Cause, &ov) {
		return &failure{status: ov.Status, code: CodeTooMany, msg: "TOO MANY REQUESTS: " + ov.Msg, cause: p.Cause}
	}
	if p.Kind == httpx.KindTooLarge {
		return &failure{status: http.StatusRequestEntityTooLarge, code: CodeParam, msg: fmt.Sprintf("PARAMETER ERROR: body: the request body is larger than %d bytes", httpx.MaxBody)}
	}
	face, ok := faces[p.Kind]
	if !ok {
		face = faces[httpx.KindInternal]
	}
	msg := p.Msg
	switch {
	case p.Kind == httpx.KindInternal:
		msg = "it has been logged under this requestId"
	case p.Kind == httpx.KindConflict && p.Field != "":
		msg = fieldName(p.Field) + " " + p.Msg
	case face.code == CodeParam && p.Kind != httpx.KindMethod:
		field := fieldName(p.Field)
		if field == "" {
			field = "body"
		}
		msg = field + ": " + p.Msg
	}
	return &failure{status: face.status, code: face.code, msg: face.prefix + msg, cause: p.Cause}
}

// failed is the Failed envelope.
type failed struct {
	Status    string `json:"status"`
	ErrCode   int    `json:"errcode"`
	ErrMsg    string `json:"errmsg"`
	RequestID string `json:"requestId"`
	Time      int64  `json:"time"`
}

// writeProblem is the skeleton's error writer (it has logged faults).
func (h *Handler) writeProblem(w http.ResponseWriter, r *http.Request, p *httpx.Problem) {
	h.writeFailure(w, r, problemFailure(p))
}

func (h *Handler) writeFailure(w http.ResponseWriter, r *http.Request, f *failure) {
	rid := requestIDOf(r)
	httpx.OverloadHeaders(w, f.cause)
	if f.status == http.StatusUnauthorized {
		if r.Header.Get("Authorization") == "" { // RFC 6750 §3.1: no credentials, no error code
			w.Header().Set("WWW-Authenticate", `Bearer realm="kehu"`)
		} else {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kehu", error="invalid_token"`)
		}
	}
	if ra, ok := auth.RetryAfter(f.cause); ok {
		w.Header().Set("Retry-After", ra)
	}
	httpx.WriteJSON(w, f.status, failed{Status: "Failed", ErrCode: f.code, ErrMsg: f.msg, RequestID: rid, Time: time.Now().Unix()})
}
