package tanma

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/kehu/kehu/internal/query"
)

// maxInfoIDs bounds the ids customer/info returns.
const maxInfoIDs = 100

// infoBody is the body of POST /api/v3/common/customer/info: the field by
// alias (key, id or 探马 alias) or fieldId, and the value to look for (an
// array means any of them).
type infoBody struct {
	Alias   json.RawMessage `json:"alias"`
	FieldID json.RawMessage `json:"fieldId"`
	Value   json.RawMessage `json:"value"`
}

// infoOut is the data of customer/info.
type infoOut struct {
	CustomerID  any     `json:"customerId"` // the oldest match, null when none
	CustomerIDs []int64 `json:"customerIds"`
}

// customerInfo answers POST /api/v3/common/customer/info: the ids of the
// customers whose field equals the value (op 0 of the search), oldest first.
func (h *Handler) customerInfo(rq *request) (any, error) {
	var b infoBody
	if err := decodeBody(rq.ctx, rq.body, &b); err != nil {
		return nil, err
	}
	env, err := h.svc.Env(rq.ctx, rq.who)
	if err != nil {
		return nil, err
	}
	name, path := b.Alias, "alias"
	switch {
	case !isNull(b.Alias) && !isNull(b.FieldID):
		return nil, invalid(CodeBadValue, "alias", "与 fieldId 只能用其中一个")
	case isNull(b.Alias):
		name, path = b.FieldID, "fieldId"
		if isNull(b.FieldID) {
			return nil, invalid(CodeRequired, "alias", "不能为空(或传 fieldId)")
		}
	}
	f, err := resolveField(env.Catalog, name, path)
	if err != nil {
		return nil, err
	}
	if isNull(b.Value) {
		return nil, invalid(CodeRequired, "value", "不能为空")
	}
	v := decodeAny(b.Value)
	vals, isList := v.([]any)
	if !isList {
		vals = []any{v}
	}
	n, err := translateItem(env, f, opEqAny, vals, path, "value")
	if err != nil {
		if !isList {
			err = scalarPath(err)
		}
		return nil, err
	}
	res, err := h.svc.Search(rq.ctx, rq.who, &query.Request{Filter: n,
		Sort: []query.SortSpec{{Field: "id"}}, PageSize: maxInfoIDs, Page: 1, Total: query.TotalNone}, env)
	if err != nil {
		return nil, err
	}
	out := &infoOut{CustomerIDs: []int64{}}
	for _, c := range res.Customers {
		out.CustomerIDs = append(out.CustomerIDs, c.ID)
	}
	if len(out.CustomerIDs) > 0 {
		out.CustomerID = out.CustomerIDs[0]
	}
	return out, nil
}

// scalarPath renames "value[0]" to "value" when the client sent one value.
func scalarPath(err error) error {
	var te *Error
	if errors.As(err, &te) {
		c := *te
		c.Msg = strings.Replace(c.Msg, "value[0]", "value", 1)
		return &c
	}
	return err
}

// echo answers POST /api/v3/echo: the body back as data ("ok" when empty),
// so a client can test its signature.
func (h *Handler) echo(rq *request) (any, error) {
	if strings.TrimSpace(string(rq.body)) == "" {
		return "ok", nil
	}
	if err := checkSyntax(rq.body); err != nil {
		return nil, err
	}
	return decodeAny(rq.body), nil
}
