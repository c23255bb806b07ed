package tanma

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/phone"
	"github.com/kehu/kehu/internal/query"
)

// Search limits (README.md, "Limits").
const (
	defaultPageSize = 10
	maxPageSize     = 1000
	maxPageNo       = 1_000_000
	maxListLen      = 1000 // salesIdList, departmentIdList
	maxItems        = 200  // conditionItems
	maxSearchKey    = 100  // characters
)

// searchBody is the body of POST /api/v3/customer/search.
type searchBody struct {
	CustomerID        json.RawMessage `json:"customerId"`
	SearchKey         json.RawMessage `json:"searchKey"`
	Role              json.RawMessage `json:"role"`
	SalesIDList       json.RawMessage `json:"salesIdList"`
	DepartmentIDList  json.RawMessage `json:"departmentIdList"`
	CreateTime        json.RawMessage `json:"createTime"`
	QwCustomerTime    json.RawMessage `json:"qwCustomerTime"`
	QwLastFollowTypes json.RawMessage `json:"qwLastFollowTypes"`
	CreditCode        json.RawMessage `json:"creditCode"`
	PageNo            json.RawMessage `json:"pageNo"`
	PageSize          json.RawMessage `json:"pageSize"`
	Conditions        json.RawMessage `json:"conditions"`
}

type timeRangeBody struct {
	Start json.RawMessage `json:"start"`
	End   json.RawMessage `json:"end"`
}

type conditionsBody struct {
	ConditionOp    json.RawMessage `json:"conditionOp"`
	ConditionItems json.RawMessage `json:"conditionItems"`
}

type itemBody struct {
	Name   json.RawMessage `json:"name"`
	Op     json.RawMessage `json:"op"`
	Values json.RawMessage `json:"values"`
}

// pageOut is the data of a search answer.
type pageOut struct {
	TotalCount int64            `json:"totalCount"`
	TotalPage  int64            `json:"totalPage"`
	PageNo     int              `json:"pageNo"`
	PageSize   int              `json:"pageSize"`
	Limit      any              `json:"limit"`
	LimitType  any              `json:"limitType"`
	Data       []map[string]any `json:"data"`
	SignID     any              `json:"signId"`
}

// search answers POST /api/v3/customer/search.
func (h *Handler) search(rq *request) (any, error) {
	var b searchBody
	if err := decodeBody(rq.ctx, rq.body, &b); err != nil {
		return nil, err
	}
	env, err := h.svc.Env(rq.ctx, rq.who)
	if err != nil {
		return nil, err
	}
	t := &translator{ctx: rq.ctx, env: env}
	filter, role, err := t.searchFilter(&b, rq.client)
	if err != nil {
		return nil, err
	}
	pageNo, pageSize, err := paging(&b)
	if err != nil {
		return nil, err
	}
	req := &query.Request{Filter: filter, PageSize: pageSize, Page: pageNo,
		Sort: []query.SortSpec{{Field: "createdAt", Desc: true}}, Total: query.TotalExact}
	res, err := h.svc.Search(rq.ctx, rq.who, req, env)
	if err != nil {
		return nil, err
	}
	rd, err := h.renderer(rq, env)
	if err != nil {
		return nil, err
	}
	out := &pageOut{TotalCount: res.Total, PageNo: pageNo, PageSize: pageSize, Data: []map[string]any{}}
	out.TotalPage = (res.Total + int64(pageSize) - 1) / int64(pageSize)
	for _, c := range res.Customers {
		out.Data = append(out.Data, rd.customer(c, role))
	}
	return out, nil
}

func paging(b *searchBody) (pageNo, pageSize int, err error) {
	pageNo, pageSize = 1, defaultPageSize
	if n, ok, err := parseInt(b.PageNo, "pageNo"); err != nil {
		return 0, 0, err
	} else if ok {
		if n < 1 || n > maxPageNo {
			return 0, 0, invalid(CodeOutOfRange, "pageNo", "应在 1 到 %d 之间,收到 %d", maxPageNo, n)
		}
		pageNo = int(n)
	}
	if n, ok, err := parseInt(b.PageSize, "pageSize"); err != nil {
		return 0, 0, err
	} else if ok {
		if n < 1 || n > maxPageSize {
			return 0, 0, invalid(CodeOutOfRange, "pageSize", "应在 1 到 %d 之间,收到 %d", maxPageSize, n)
		}
		pageSize = int(n)
	}
	return pageNo, pageSize, nil
}

// translator turns a search body into kehu's condition tree.
type translator struct {
	ctx context.Context
	env *query.Env
}

// searchFilter is the AND of every top-level parameter and the
// conditions; role is the "role" each result carries ("1" or "2").
func (t *translator) searchFilter(b *searchBody, cl *model.Client) (*cond.Node, string, error) {
	var and []*cond.Node
	add := func(n *cond.Node) {
		if n != nil {
			and = append(and, n)
		}
	}
	if id, ok, err := parseInt(b.CustomerID, "customerId"); err != nil {
		return nil, "", err
	} else if ok {
		add(&cond.Node{Leaf: &cond.Cond{Field: sysField(model.FieldID), Op: cond.OpEq, Values: []any{id}, Pos: "customerId"}})
	}
	key, _, err := parseString(b.SearchKey, "searchKey")
	if err != nil {
		return nil, "", err
	}
	if key = strings.TrimSpace(key); key != "" {
		if n := utf8.RuneCountInString(key); n > maxSearchKey {
			return nil, "", invalid(CodeOutOfRange, "searchKey", "最多 %d 个字符,收到 %d 个", maxSearchKey, n)
		}
		add(searchKeyNode(key))
	}
	role, err := parseRole(b.Role)
	if err != nil {
		return nil, "", err
	}
	staff, err := parseIDList(b.SalesIDList, "salesIdList")
	if err != nil {
		return nil, "", err
	}
	depts, err := parseIDList(b.DepartmentIDList, "departmentIdList")
	if err != nil {
		return nil, "", err
	}
	add(ownershipNode(role, staff, depts))
	if n, err := createTimeNode(t.ctx, b.CreateTime); err != nil {
		return nil, "", err
	} else {
		add(n)
	}
	for _, q := range []struct {
		name string
		raw  json.RawMessage
	}{{"qwCustomerTime", b.QwCustomerTime}, {"qwLastFollowTypes", b.QwLastFollowTypes}} {
		lo, hi, err := parseTimeRange(t.ctx, q.raw, q.name)
		if err != nil {
			return nil, "", err
		}
		if lo != nil || hi != nil {
			// kehu keeps no 企业微信 data: no customer has such a time.
			add(matchNothing(q.name))
		}
	}
	code, _, err := parseString(b.CreditCode, "creditCode")
	if err != nil {
		return nil, "", err
	}
	if code = strings.TrimSpace(code); code != "" {
		if f := t.env.Catalog.ByKey["creditCode"]; f != nil && !f.System {
			add(leaf(f, cond.OpIn, "creditCode", code))
		} else {
			add(matchNothing("creditCode"))
		}
	}
	cond, err := t.conditions(b.Conditions)
	if err != nil {
		return nil, "", err
	}
	add(cond)
	if len(and) == 0 {
		return nil, role, nil
	}
	return allOf(and), role, nil
}

// searchKeyNode: name contains the key (or starts with it in pinyin when it
// is Latin letters), or company or remark contains it, or — when the key
// has 3 or more digits and nothing but digits and phone punctuation — the
// phone number ends with those digits.
func searchKeyNode(key string) *cond.Node {
	c := func(id int64, op cond.Op, v string) *cond.Node {
		return &cond.Node{Leaf: &cond.Cond{Field: sysField(id), Op: op, Values: []any{v}, Pos: "searchKey"}}
	}
	or := []*cond.Node{c(model.FieldName, cond.OpContains, key), c(model.FieldCompany, cond.OpContains, key), c(model.FieldRemark, cond.OpContains, key)}
	latin := true
	for _, r := range key {
		latin = latin && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}
	if latin {
		or = append(or, c(model.FieldPinyin, cond.OpStartsWith, key))
	}
	if d := phone.Digits(key); len(d) >= 3 && strings.Trim(key, "0123456789+-() ") == "" {
		or = append(or, c(model.FieldPhone, cond.OpEndsWith, d))
	}
	return &cond.Node{Or: or}
}

// parseRole reads role: "1"/1 owner (the default), "2"/2 collaborator.
func parseRole(raw json.RawMessage) (string, error) {
	n, ok, err := parseInt(raw, "role")
	if err != nil {
		return "", err
	}
	if !ok {
		return "1", nil
	}
	if n != 1 && n != 2 {
		return "", invalid(CodeOutOfRange, "role", "应为 \"1\"(负责人) 或 \"2\"(协作人),收到 %d", n)
	}
	return strconv.FormatInt(n, 10), nil
}

// ownershipNode: customers whose owner (role 1) or one of whose
// collaborators (role 2) is in staff, or belongs to one of depts (with its
// sub-departments). Both lists select the union, as 探马's 员工/部门 picker.
func ownershipNode(role string, staff, depts []int64) *cond.Node {
	staffField, staffOp, deptField := model.FieldOwner, cond.OpIn, model.FieldDepartment
	if role == "2" {
		staffField, staffOp, deptField = model.FieldCollaborators, cond.OpHasAny, model.FieldCollaboratorDepartment
	}
	var or []*cond.Node
	if len(staff) > 0 {
		or = append(or, &cond.Node{Leaf: &cond.Cond{Field: sysField(int64(staffField)), Op: staffOp, Values: idValues(staff), Pos: "salesIdList"}})
	}
	if len(depts) > 0 {
		or = append(or, &cond.Node{Leaf: &cond.Cond{Field: sysField(int64(deptField)), Op: cond.OpIn, Values: idValues(depts), Pos: "departmentIdList"}})
	}
	if len(or) == 0 {
		return nil
	}
	return anyOf(or)
}

func idValues(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// parseTimeRange reads {start, end} as "yyyy-MM-dd HH:mm:ss" (or
// "yyyy-MM-dd": a start is the day's first instant, an end its last); an
// end in seconds includes that whole second. Null bounds are open.
func parseTimeRange(ctx context.Context, raw json.RawMessage, path string) (lo, hi *int64, err error) {
	if isNull(raw) {
		return nil, nil, nil
	}
	var tr timeRangeBody
	if err := decodeObject(ctx, raw, path, &tr); err != nil {
		return nil, nil, err
	}
	for i, p := range []struct {
		raw json.RawMessage
		out **int64
	}{{tr.Start, &lo}, {tr.End, &hi}} {
		name := join(path, [2]string{"start", "end"}[i])
		s, ok, err := parseString(p.raw, name)
		if err != nil {
			return nil, nil, err
		}
		if !ok || strings.TrimSpace(s) == "" {
			continue
		}
		a, b, ok := timeBounds(s)
		if !ok {
			return nil, nil, invalid(CodeBadValue, name, "时间格式应为 yyyy-MM-dd HH:mm:ss,收到 %s", clip(strconv.Quote(s), 40))
		}
		v := a
		if i == 1 {
			v = b
		}
		*p.out = &v
	}
	if lo != nil && hi != nil && *hi < *lo {
		return nil, nil, invalid(CodeOutOfRange, path, "start 晚于 end")
	}
	return lo, hi, nil
}

func createTimeNode(ctx context.Context, raw json.RawMessage) (*cond.Node, error) {
	lo, hi, err := parseTimeRange(ctx, raw, "createTime")
	if err != nil {
		return nil, err
	}
	f := sysField(model.FieldCreatedAt)
	switch {
	case lo != nil && hi != nil:
		return &cond.Node{Leaf: &cond.Cond{Field: f, Op: cond.OpBetween, Values: []any{*lo, *hi}, Pos: "createTime"}}, nil
	case lo != nil:
		return &cond.Node{Leaf: &cond.Cond{Field: f, Op: cond.OpGte, Values: []any{*lo}, Pos: "createTime"}}, nil
	case hi != nil:
		return &cond.Node{Leaf: &cond.Cond{Field: f, Op: cond.OpLte, Values: []any{*hi}, Pos: "createTime"}}, nil
	}
	return nil, nil
}

// conditions translates the advanced conditions: conditionOp 1 (or 0,
// null, absent) ANDs the items, 2 ORs them.
func (t *translator) conditions(raw json.RawMessage) (*cond.Node, error) {
	if isNull(raw) {
		return nil, nil
	}
	var cb conditionsBody
	if err := decodeObject(t.ctx, raw, "conditions", &cb); err != nil {
		return nil, err
	}
	or := false
	if n, ok, err := parseInt(cb.ConditionOp, "conditions.conditionOp"); err != nil {
		return nil, err
	} else if ok {
		switch n {
		case 0, 1:
		case 2:
			or = true
		default:
			return nil, invalid(CodeOutOfRange, "conditions.conditionOp", "应为 1(且) 或 2(或),收到 %d", n)
		}
	}
	const itemsPath = "conditions.conditionItems"
	if !isNull(cb.ConditionItems) && !strings.HasPrefix(strings.TrimSpace(string(cb.ConditionItems)), "[") {
		return nil, invalid(CodeBadValue, itemsPath, "应为数组,收到 %s", jsonKind(cb.ConditionItems))
	}
	var items []json.RawMessage
	if !isNull(cb.ConditionItems) {
		_ = json.Unmarshal(cb.ConditionItems, &items)
	}
	if len(items) > maxItems {
		return nil, invalid(CodeOutOfRange, itemsPath, "最多 %d 个条件,收到 %d 个", maxItems, len(items))
	}
	var nodes []*cond.Node
	open := false // an item that constrains nothing (a range with two open bounds)
	for i, raw := range items {
		path := index(itemsPath, i)
		var ib itemBody
		if err := decodeObject(t.ctx, raw, path, &ib); err != nil {
			return nil, err
		}
		f, err := resolveField(t.env.Catalog, ib.Name, path+".name")
		if errors.Is(err, errPlatformOnly) {
			nodes = append(nodes, matchNothing(path+".name"))
			continue
		}
		if err != nil {
			return nil, err
		}
		op, err := parseOp(ib.Op, path+".op")
		if err != nil {
			return nil, err
		}
		vals, err := parseArray(ib.Values, path+".values")
		if err != nil {
			return nil, err
		}
		n, err := translateItem(t.env, f, op, vals, path+".op", path+".values")
		if err != nil {
			return nil, err
		}
		if n == nil {
			open = true
			continue
		}
		nodes = append(nodes, n)
	}
	switch {
	case len(nodes) == 0, or && open: // OR with an item that is always true
		return nil, nil
	case or:
		return anyOf(nodes), nil
	}
	return allOf(nodes), nil
}
