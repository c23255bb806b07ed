package tanma

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

// Business codes of the {code, message, data} envelope. The HTTP status is
// always 200; clients read code. 0, -1, 1002, 1003 and 40417 are 探马's;
// the rest are kehu's choices, published in README.md.
const (
	CodeOK             = 0
	CodeFailure        = -1    // internal error; the cause is logged, never shown
	CodeBadSign        = 1002  // missing/unknown appId, bad or reused signature
	CodeTimestamp      = 1003  // timestamp missing, malformed or outside ±5 min
	CodeForbidden      = 1004  // the client lacks the scope the endpoint needs
	CodeBusy           = 1006  // HTTP 429/503: too much heavy work at once, for this tenant or the server (Retry-After)
	CodeNoRoute        = 404   // no such endpoint
	CodeMethod         = 405   // endpoint exists, use POST
	CodeBadJSON        = 40400 // body is not JSON, or not an object
	CodeUnknownField   = 40401 // unknown parameter or field id/alias
	CodeBadValue       = 40402 // wrong JSON type, bad format or invalid value
	CodeOutOfRange     = 40403 // number, length or count out of range
	CodeNotFound       = 40404 // the customer does not exist (for this client)
	CodeBadOp          = 40405 // unknown op code, or op not valid for the field
	CodeRequired       = 40406 // required parameter missing or empty
	CodeDuplicatePhone = 40417 // phone number already taken (phone is unique)
	CodeDuplicate      = 40418 // another unique field's value already taken
	CodeTooMany        = 429   // too many failed signatures: the appId or address is locked (HTTP 429, Retry-After)
)

// validationPrefix starts the message of every 404xx code.
const validationPrefix = "请求参数验证失败:"

// Error is an error with its envelope face. Msg is safe to show; cause, if
// any, is only logged.
type Error struct {
	Code  int
	Msg   string
	Data  any
	cause error
}

func (e *Error) Error() string { return fmt.Sprintf("tanma %d: %s", e.Code, e.Msg) }
func (e *Error) Unwrap() error { return e.cause }

// invalid is a 404xx error naming the parameter at fault.
func invalid(code int, field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + " " + msg
	}
	return &Error{Code: code, Msg: validationPrefix + msg}
}

var errInternal = &Error{Code: CodeFailure, Msg: "系统异常,请稍后重试"}

// toEnvelope maps any error to its code, message and data; internal says
// the error is a server fault to be logged.
func toEnvelope(err error) (code int, msg string, data any, internal bool) {
	var te *Error
	var fe *model.FieldError
	var ce *model.ConflictError
	var qe *query.Error
	var br *httpx.BadRequest
	var ov *httpx.Overloaded
	switch {
	case errors.As(err, &ov):
		if ov.Limit > 0 {
			return CodeTooMany, "请求过于频繁,请稍后重试: " + ov.Msg, nil, false
		}
		return CodeBusy, "系统繁忙,请稍后重试: " + ov.Msg, nil, false
	case errors.As(err, &te):
		return te.Code, te.Msg, te.Data, te.Code == CodeFailure
	case errors.Is(err, httpx.ErrBodyTooLarge):
		return CodeOutOfRange, validationPrefix + fmt.Sprintf("请求体超过 %d MB", maxBody>>20), nil, false
	case errors.As(err, &br):
		return CodeBadJSON, validationPrefix + br.Error(), nil, false
	case errors.As(err, &fe):
		return fieldErrorCode(fe.Code), validationPrefix + fieldErrorText(fe), nil, false
	case errors.As(err, &ce):
		if ce.Field == "phone" { // writes explain conflicts themselves (writer.explain); this is the fallback
			return CodeDuplicatePhone, validationPrefix + "手机号 " + displayPhone(ce.Value) + " 已存在", existing(ce), false
		}
		return CodeDuplicate, validationPrefix + ce.Field + " 的值 " + ce.Value + " 已存在", existing(ce), false
	case errors.As(err, &qe):
		pos := qe.Pos
		if pos == "" {
			pos = qe.Field
		}
		return CodeBadValue, validationPrefix + strings.TrimSpace(pos+" "+crm.ZhMessage(qe.Msg)), nil, false
	case errors.Is(err, model.ErrNotFound):
		return CodeNotFound, validationPrefix + "客户不存在", nil, false
	case errors.Is(err, auth.ErrLocked):
		return CodeTooMany, "签名验证失败次数过多,请在 " + retryAfter(err) + " 秒后重试", nil, false
	case errors.Is(err, context.Canceled):
		return CodeFailure, "请求已取消", nil, false
	}
	return errInternal.Code, errInternal.Msg, nil, true
}

func retryAfter(err error) string {
	s, _ := auth.RetryAfter(err)
	return s
}

func existing(ce *model.ConflictError) any {
	if ce.ExistingID == 0 {
		return nil
	}
	return map[string]int64{"customerId": ce.ExistingID}
}

func fieldErrorCode(code string) int {
	switch code {
	case "unknown_field":
		return CodeUnknownField
	case "required":
		return CodeRequired
	case "too_long", "out_of_range":
		return CodeOutOfRange
	}
	return CodeBadValue
}

func fieldErrorText(fe *model.FieldError) string {
	if fe.Code == "required" {
		return fe.Field + " 不能为空"
	}
	return fe.Field + " " + crm.ZhMessage(fe.Msg) // crm's messages are English; 探马's envelope is Chinese
}

// renamed returns err with a crm field name (phone, fields.score, …)
// replaced by the name the client used (mobiles[0], fields[2].fieldValue).
func renamed(err error, names map[string]string) error {
	var fe *model.FieldError
	if errors.As(err, &fe) {
		if n, ok := names[fe.Field]; ok {
			c := *fe
			c.Field = n
			return &c
		}
	}
	return err
}
