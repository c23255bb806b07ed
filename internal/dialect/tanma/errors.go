package tanma

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
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

// Kind says which kind of error an Error is (httpx.Kinded).
func (e *Error) Kind() httpx.Kind {
	if e.Code == CodeFailure {
		return httpx.KindInternal
	}
	return httpx.KindInvalid
}

// codes maps every kind of error to its business code.
var codes = map[httpx.Kind]int{
	httpx.KindMalformed:       CodeBadJSON,
	httpx.KindInvalid:         CodeBadValue,
	httpx.KindRange:           CodeOutOfRange,
	httpx.KindRequired:        CodeRequired,
	httpx.KindUnknownField:    CodeUnknownField,
	httpx.KindTooLarge:        CodeOutOfRange,
	httpx.KindNotFound:        CodeNotFound,
	httpx.KindNoRoute:         CodeNoRoute,
	httpx.KindMethod:          CodeMethod,
	httpx.KindConflict:        CodeDuplicate,
	httpx.KindUnauthenticated: CodeBadSign,
	httpx.KindTokenExpired:    CodeBadSign,
	httpx.KindForbidden:       CodeForbidden,
	httpx.KindCanceled:        CodeFailure,
	httpx.KindRateLimited:     CodeTooMany,
	httpx.KindUnavailable:     CodeFailure,
	httpx.KindInternal:        CodeFailure,
}

// toEnvelope maps any error to its code, message and data: an Error as it
// is, anything else through the one classification and the codes table;
// internal says the error is a server fault to be logged.
func toEnvelope(err error) (code int, msg string, data any, internal bool) {
	return problemEnvelope(httpx.Classify(err), "", "")
}

// problemEnvelope renders a classified error; method and path name the
// request in 404 and 405 answers.
func problemEnvelope(p *httpx.Problem, method, path string) (code int, msg string, data any, internal bool) {
	var te *Error
	if errors.As(p.Cause, &te) {
		return te.Code, te.Msg, te.Data, te.Code == CodeFailure
	}
	var ov *httpx.Overloaded
	if errors.As(p.Cause, &ov) {
		if ov.Limit > 0 {
			return CodeTooMany, "请求过于频繁,请稍后重试: " + ov.Msg, nil, false
		}
		return CodeBusy, "系统繁忙,请稍后重试: " + ov.Msg, nil, false
	}
	code, ok := codes[p.Kind]
	if !ok {
		code = CodeFailure
	}
	field := p.Field
	switch p.Kind {
	case httpx.KindInternal:
		return errInternal.Code, errInternal.Msg, nil, true
	case httpx.KindCanceled:
		return code, "请求已取消", nil, false
	case httpx.KindUnavailable:
		return code, "服务暂不可用,请稍后重试", nil, false
	case httpx.KindNoRoute:
		return code, "接口不存在:" + method + " " + path, nil, false
	case httpx.KindMethod:
		return code, "请求方法不支持:" + path + " 只接受 " + p.Allow, nil, false
	case httpx.KindForbidden:
		return code, "无权限:" + crm.ZhMessage(p.Msg), nil, false
	case httpx.KindRateLimited:
		return code, "签名验证失败次数过多,请在 " + retryAfter(p.Cause) + " 秒后重试", nil, false
	case httpx.KindUnauthenticated, httpx.KindTokenExpired:
		return errBadSign.Code, errBadSign.Msg, nil, false
	case httpx.KindTooLarge:
		return code, validationPrefix + fmt.Sprintf("请求体超过 %d MB", maxBody>>20), nil, false
	case httpx.KindNotFound:
		return code, validationPrefix + "客户不存在", nil, false
	case httpx.KindConflict:
		var d any
		if p.ExistingID != 0 {
			d = map[string]int64{"customerId": p.ExistingID}
		}
		if field == "phone" { // writes explain conflicts themselves (writer.explain); this is the fallback
			return CodeDuplicatePhone, validationPrefix + "手机号 " + displayPhone(p.Value) + " 已存在", d, false
		}
		return code, validationPrefix + field + " 的值 " + p.Value + " 已存在", d, false
	case httpx.KindRequired:
		return code, validationPrefix + field + " 不能为空", nil, false
	case httpx.KindMalformed:
		return code, validationPrefix + "请求体不是合法的JSON:" + crm.ZhMessage(p.Msg), nil, false
	}
	// crm's and the query engine's messages are English; 探马's envelope is Chinese.
	return code, validationPrefix + strings.TrimSpace(field+" "+crm.ZhMessage(p.Msg)), nil, false
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

func retryAfter(err error) string {
	s, _ := auth.RetryAfter(err)
	return s
}
