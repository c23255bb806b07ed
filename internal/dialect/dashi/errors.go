package dashi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

// The status strings of the error envelope. The platform publishes only
// USER_NOT_EXIST; the rest are kehu's (README.md, "Errors").
const (
	StatusParamError       = "PARAM_ERROR"        // 400
	StatusUserNotExist     = "USER_NOT_EXIST"     // published by the platform; kehu answers an unknown appid with SIGN_ERROR, as a bad signature
	StatusTokenInvalid     = "TOKEN_INVALID"      // 401: missing, malformed, forged or revoked token
	StatusTokenExpired     = "TOKEN_EXPIRED"      // 401
	StatusSignError        = "SIGN_ERROR"         // 403
	StatusTimestampExpired = "TIMESTAMP_EXPIRED"  // 403
	StatusNoPermission     = "NO_PERMISSION"      // 403
	StatusProjectNotExist  = "PROJECT_NOT_EXIST"  // 404
	StatusCustomerNotExist = "CUSTOMER_NOT_EXIST" // 404
	StatusNotFound         = "NOT_FOUND"          // 404: no such endpoint
	StatusMethodNotAllowed = "METHOD_NOT_ALLOWED" // 405
	StatusPhoneDuplicate   = "PHONE_DUPLICATE"    // 409
	StatusDataDuplicate    = "DATA_DUPLICATE"     // 409: another unique field
	StatusBodyTooLarge     = "BODY_TOO_LARGE"     // 413
	StatusTooManyRequests  = "TOO_MANY_REQUESTS"  // 429: too many failed signatures, the appid or address is locked
	StatusBusy             = "SERVER_BUSY"        // 429/503: too much heavy work at once (tenant / server)
	StatusCanceled         = "REQUEST_CANCELED"   // 499
	StatusInternalError    = "INTERNAL_ERROR"     // 500
)

// envelope is the platform's error body; Code repeats the HTTP status.
type envelope struct {
	Msg    string `json:"msg"`
	Code   int    `json:"code"`
	Status string `json:"status"`
}

// apiError is an error with its client face.
type apiError struct {
	code   int
	status string
	msg    string
}

func (e *apiError) Error() string { return e.status + ": " + e.msg }

func fail(code int, status, format string, args ...any) *apiError {
	return &apiError{code: code, status: status, msg: fmt.Sprintf(format, args...)}
}

func paramError(format string, args ...any) *apiError {
	return fail(400, StatusParamError, format, args...)
}

// kehuToDashi names kehu's input fields (as crm and the query engine report
// them) by the platform's names, where they differ.
var kehuToDashi = map[string]string{
	"company":      "companyNames",
	"contactName":  "contractName",
	"contactPhone": "contractPhone",
	"gradeId":      "customerGradeId",
	"gradeName":    "customerGradeName",
	"typeId":       "customerTypeId",
	"typeName":     "customerTypeName",
	"status":       "customerStatus",
	"projectId":    "project",
	"createdAt":    "creationTime",
}

func dashiField(kehu string) string {
	if d, ok := kehuToDashi[kehu]; ok {
		return d
	}
	return kehu
}

// toEnvelope maps any error to its client face. Unknown errors are 500
// with a generic message; the cause goes to the log only.
func toEnvelope(err error) envelope {
	var ae *apiError
	var br *httpx.BadRequest
	var fe *model.FieldError
	var ce *model.ConflictError
	var qe *query.Error
	var se *query.SyntaxError
	var ov *httpx.Overloaded
	e := func(code int, status, msg string) envelope { return envelope{Msg: msg, Code: code, Status: status} }
	switch {
	case errors.As(err, &ov):
		if ov.Limit > 0 {
			return e(ov.Status, StatusTooManyRequests, ov.Msg)
		}
		return e(ov.Status, StatusBusy, ov.Msg)
	case errors.As(err, &ae):
		return e(ae.code, ae.status, ae.msg)
	case errors.Is(err, httpx.ErrBodyTooLarge):
		return e(413, StatusBodyTooLarge, "the request body is larger than the limit")
	case errors.As(err, &br):
		return e(400, StatusParamError, br.Error())
	case errors.As(err, &fe):
		return e(400, StatusParamError, dashiField(fe.Field)+": "+fe.Msg)
	case errors.As(err, &ce):
		status, value := StatusDataDuplicate, ce.Value
		if ce.Field == "phone" {
			status, value = StatusPhoneDuplicate, DisplayPhone(ce.Value)
		}
		msg := fmt.Sprintf("%s %q is already taken", dashiField(ce.Field), value)
		if ce.ExistingID != 0 {
			msg = fmt.Sprintf("%s %q already belongs to customer %s", dashiField(ce.Field), value, strconv.FormatInt(ce.ExistingID, 10))
		}
		return e(409, status, msg)
	case errors.As(err, &qe):
		field := qe.Pos
		if field == "" {
			field = dashiField(qe.Field)
		}
		return e(400, StatusParamError, field+": "+qe.Msg)
	case errors.As(err, &se):
		return e(400, StatusParamError, se.Error())
	case errors.Is(err, model.ErrNotFound):
		return e(404, StatusCustomerNotExist, "no such customer")
	case errors.Is(err, model.ErrConflict):
		return e(409, StatusDataDuplicate, "the write conflicts with existing data")
	case errors.Is(err, auth.ErrTokenExpired):
		return e(401, StatusTokenExpired, "the token has expired; request a new one")
	case errors.Is(err, auth.ErrTokenRevoked):
		return e(401, StatusTokenInvalid, "the token was revoked (client secret rotated or client revoked); request a new one")
	case errors.Is(err, auth.ErrTokenInvalid):
		return e(401, StatusTokenInvalid, "the token is not valid")
	case errors.Is(err, auth.ErrLocked):
		return e(429, StatusTooManyRequests, err.Error())
	case errors.Is(err, context.Canceled):
		return e(499, StatusCanceled, "the request was canceled")
	}
	return e(500, StatusInternalError, "internal error")
}

// writeError renders err in the platform's envelope and logs server faults.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	env := toEnvelope(err)
	_, overloaded := httpx.OverloadHeaders(w, err)
	if env.Code >= 500 && !overloaded {
		h.log.ErrorContext(r.Context(), "dashi api error", slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	if env.Code == 401 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kehu"`)
	}
	if ra, ok := auth.RetryAfter(err); ok {
		w.Header().Set("Retry-After", ra)
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, env.Code, env)
}
