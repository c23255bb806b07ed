package dashi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
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

// Kind says which kind of error an apiError is (httpx.Kinded).
func (e *apiError) Kind() httpx.Kind {
	if e.code >= 500 {
		return httpx.KindInternal
	}
	return httpx.KindInvalid
}

// faces maps every kind of error to its HTTP status and status string.
var faces = map[httpx.Kind]struct {
	code   int
	status string
}{
	httpx.KindMalformed:       {400, StatusParamError},
	httpx.KindInvalid:         {400, StatusParamError},
	httpx.KindRange:           {400, StatusParamError},
	httpx.KindRequired:        {400, StatusParamError},
	httpx.KindUnknownField:    {400, StatusParamError},
	httpx.KindTooLarge:        {413, StatusBodyTooLarge},
	httpx.KindNotFound:        {404, StatusCustomerNotExist},
	httpx.KindNoRoute:         {404, StatusNotFound},
	httpx.KindMethod:          {405, StatusMethodNotAllowed},
	httpx.KindConflict:        {409, StatusDataDuplicate},
	httpx.KindUnauthenticated: {401, StatusTokenInvalid},
	httpx.KindTokenExpired:    {401, StatusTokenExpired},
	httpx.KindForbidden:       {403, StatusNoPermission},
	httpx.KindCanceled:        {499, StatusCanceled},
	httpx.KindRateLimited:     {429, StatusTooManyRequests},
	httpx.KindUnavailable:     {503, StatusInternalError},
	httpx.KindInternal:        {500, StatusInternalError},
}

func problemEnvelope(p *httpx.Problem) envelope {
	var ae *apiError
	if errors.As(p.Cause, &ae) {
		return envelope{Msg: ae.msg, Code: ae.code, Status: ae.status}
	}
	var ov *httpx.Overloaded
	if errors.As(p.Cause, &ov) {
		if ov.Limit > 0 {
			return envelope{Msg: ov.Msg, Code: ov.Status, Status: StatusTooManyRequests}
		}
		return envelope{Msg: ov.Msg, Code: ov.Status, Status: StatusBusy}
	}
	face, ok := faces[p.Kind]
	if !ok {
		face = faces[httpx.KindInternal]
	}
	// 达实 is a Chinese platform: its clients read Chinese. kehu's own
	// messages (crm, the query engine, the transport) are English and are
	// translated clause by clause (crm.ZhMessage); field names stay as the
	// client sent them.
	msg := crm.ZhMessage(p.Msg)
	switch {
	case p.Kind == httpx.KindInternal:
		msg = "服务器内部错误"
	case p.Kind == httpx.KindTooLarge:
		msg = "请求体超过大小限制"
	case p.Kind == httpx.KindNoRoute:
		msg = "接口不存在"
	case p.Kind == httpx.KindMethod:
		msg = "不支持此请求方法"
		if p.Allow != "" {
			msg += "（可用：" + p.Allow + "）"
		}
	case p.Kind == httpx.KindForbidden:
		msg = "无权限：" + msg
	case p.Kind == httpx.KindConflict && p.Field != "":
		value := p.Value
		if p.Field == "phone" {
			face.status, value = StatusPhoneDuplicate, DisplayPhone(p.Value)
		}
		msg = fmt.Sprintf("%s %q 已被使用", dashiField(p.Field), value)
		if p.ExistingID != 0 {
			msg = fmt.Sprintf("%s %q 已属于客户 %s", dashiField(p.Field), value, strconv.FormatInt(p.ExistingID, 10))
		}
	case face.code == 400 && p.Field != "":
		msg = dashiField(p.Field) + "：" + msg
	}
	return envelope{Msg: msg, Code: face.code, Status: face.status}
}

// writeProblem is the skeleton's error writer (it has logged faults).
func (h *Handler) writeProblem(w http.ResponseWriter, r *http.Request, p *httpx.Problem) {
	env := problemEnvelope(p)
	httpx.OverloadHeaders(w, p.Cause)
	if env.Code == 401 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kehu"`)
	}
	if ra, ok := auth.RetryAfter(p.Cause); ok {
		w.Header().Set("Retry-After", ra)
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, env.Code, env)
}
