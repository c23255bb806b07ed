package dashi

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
)

// Bodies are read as the platform's Spring Boot service reads them with
// Jackson (httpx's lenient decoding): unknown members ignored and noted,
// null as "not given", numbers and strings coerced where the documented
// type is the other, a BOM skipped. What Jackson refuses is a PARAM_ERROR
// naming the member.

type member = httpx.Member

// readObject splits a JSON object body into its members in document order;
// syntax errors and a non-object body are PARAM_ERRORs.
func readObject(body []byte) ([]member, error) {
	body = httpx.StripBOM(body)
	if err := httpx.CheckSyntax(body); err != nil || len(body) == 0 {
		if len(body) == 0 || isBlank(body) {
			return nil, paramError("请求体为空，应为 JSON 对象")
		}
		return nil, dashiError(err)
	}
	ms, err := httpx.Members(body, "")
	return ms, dashiError(err)
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// dashiError turns a shared decoding error into a PARAM_ERROR.
func dashiError(err error) error {
	var fe *httpx.FieldError
	if errors.As(err, &fe) {
		if fe.Field == "" {
			return paramError("%s", crm.ZhMessage(fe.Msg))
		}
		return paramError("%s：%s", fe.Field, crm.ZhMessage(fe.Msg))
	}
	return err
}

// noteUnknown records the members a body carried that the endpoint does
// not know.
func noteUnknown(ctx context.Context, keys []string) { httpx.NoteUnknown(ctx, keys) }

func isNull(raw json.RawMessage) bool { return httpx.IsNull(raw) }

// intValue reads an integer sent as a JSON number (10.0 and 1e1 too) or a
// numeric string ("10"). ok is false for null and "".
func intValue(field string, raw json.RawMessage, min, max int64) (n int64, ok bool, err error) {
	n, ok, err = httpx.Int(raw, field, min, max)
	return n, ok, dashiError(err)
}

// stringValue reads a JSON string, or a number as its text. ok is false
// for null.
func stringValue(field string, raw json.RawMessage) (s string, ok bool, err error) {
	s, ok, err = httpx.String(raw, field)
	return s, ok, dashiError(err)
}

// arrayValue splits a JSON array into its elements (null elements kept;
// callers skip them). ok is false for null.
func arrayValue(field string, raw json.RawMessage) (elems []json.RawMessage, ok bool, err error) {
	elems, ok, err = httpx.Array(raw, field)
	return elems, ok, dashiError(err)
}

// idListValue reads an array of opaque ids given as strings or numbers;
// null elements are skipped.
func idListValue(field string, raw json.RawMessage) ([]string, bool, error) {
	elems, ok, err := arrayValue(field, raw)
	if !ok || err != nil {
		return nil, ok, err
	}
	out := make([]string, 0, len(elems))
	for i, e := range elems {
		if isNull(e) {
			continue
		}
		f := field + "[" + strconv.Itoa(i) + "]"
		if e[0] != '"' {
			if _, err := strconv.ParseInt(string(e), 10, 64); err != nil {
				return nil, false, paramError("%s：%s", f, crm.ZhMessage("expected a string or an integer id, got "+httpx.JSONKind(e)))
			}
		}
		s, _, err := stringValue(f, e)
		if err != nil {
			return nil, false, err
		}
		out = append(out, s)
	}
	return out, true, nil
}
