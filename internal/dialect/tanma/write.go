package tanma

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// clueBody is the body of POST /api/v3/add-clue.
type clueBody struct {
	CustomerName json.RawMessage `json:"customerName"`
	Mobiles      json.RawMessage `json:"mobiles"`
	Fields       json.RawMessage `json:"fields"`
}

// updateBody is the body of POST /api/v3/customer/update-by-id.
type updateBody struct {
	CustomerID json.RawMessage `json:"customerId"`
	Fields     json.RawMessage `json:"fields"`
}

// fieldItemBody is one element of fields: alias names the field (key, id
// or 探马 alias); fieldValue is one value (an array for multi-valued
// fields), values always an array. Either may be used on both endpoints.
type fieldItemBody struct {
	Alias      json.RawMessage `json:"alias"`
	FieldValue json.RawMessage `json:"fieldValue"`
	Values     json.RawMessage `json:"values"`
}

// addClue answers POST /api/v3/add-clue: creates a customer, returns its id.
func (h *Handler) addClue(rq *request) (any, error) {
	var b clueBody
	if err := decodeBody(rq.ctx, rq.body, &b); err != nil {
		return nil, err
	}
	w, err := h.newWriter(rq)
	if err != nil {
		return nil, err
	}
	w.names["name"] = "customerName"
	if name, ok, err := parseString(b.CustomerName, "customerName"); err != nil {
		return nil, err
	} else if ok {
		w.in.Name = &name
		w.seen[model.FieldName] = "customerName"
	}
	if !isNull(b.Mobiles) {
		v := decodeAny(b.Mobiles)
		list, isList := v.([]any)
		if !isList {
			list = []any{v} // one number as a plain string
		}
		if len(list) > maxListLen {
			return nil, invalid(CodeOutOfRange, "mobiles", "最多 %d 个号码", maxListLen)
		}
		paths := make([]string, len(list))
		for i := range list {
			paths[i] = index("mobiles", i)
			if !isList {
				paths[i] = "mobiles"
			}
		}
		if err := w.setPhones(list, paths); err != nil {
			return nil, err
		}
		w.seen[model.FieldPhone] = "mobiles"
	}
	if err := w.items(b.Fields, "fields"); err != nil {
		return nil, err
	}
	c, err := h.svc.CreateCustomer(rq.ctx, rq.who, &w.in)
	if err != nil {
		return nil, w.explain(err)
	}
	return c.ID, nil
}

// updateByID answers POST /api/v3/customer/update-by-id: sets the given
// fields, leaves the others, returns the customer id.
func (h *Handler) updateByID(rq *request) (any, error) {
	var b updateBody
	if err := decodeBody(rq.ctx, rq.body, &b); err != nil {
		return nil, err
	}
	id, ok, err := parseInt(b.CustomerID, "customerId")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, invalid(CodeRequired, "customerId", "不能为空")
	}
	if isNull(b.Fields) || strings.TrimSpace(string(b.Fields)) == "[]" {
		return nil, invalid(CodeRequired, "fields", "不能为空")
	}
	w, err := h.newWriter(rq)
	if err != nil {
		return nil, err
	}
	if err := w.items(b.Fields, "fields"); err != nil {
		return nil, err
	}
	notFound := invalid(CodeNotFound, "customerId", "客户 %d 不存在", id)
	if _, err := h.svc.UpdateCustomer(rq.ctx, rq.who, id, &w.in); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return nil, notFound
		}
		return nil, w.explain(err)
	}
	return id, nil
}

// writer builds a crm.CustomerInput from 探马 field items.
type writer struct {
	ctx    context.Context
	st     *store.Store
	tenant int64
	env    *query.Env
	in     crm.CustomerInput
	names  map[string]string // crm field name → the name the client used
	seen   map[int64]string  // field id → where it was set (duplicates are refused)
}

func (h *Handler) newWriter(rq *request) (*writer, error) {
	env, err := h.svc.Env(rq.ctx, rq.who)
	if err != nil {
		return nil, err
	}
	return &writer{ctx: rq.ctx, st: h.svc.Store, tenant: rq.client.TenantID, env: env, in: crm.CustomerInput{Fields: map[string]json.RawMessage{}}, names: map[string]string{}, seen: map[int64]string{}}, nil
}

// explain names the parameter at fault in crm's errors: a FieldError gets
// the client's path; a uniqueness conflict becomes 40417 for phone fields
// (the main phone or a unique custom phone field), 40418 otherwise, with
// the customer holding the value in data.
func (w *writer) explain(err error) error {
	var ce *model.ConflictError
	if !errors.As(err, &ce) {
		return renamed(err, w.names)
	}
	f := w.env.Catalog.Field(ce.Field)
	where, code, value, holder := ce.Field, CodeDuplicate, ce.Value, ce.ExistingID
	if f != nil {
		if p, ok := w.seen[f.ID]; ok {
			where = p
		}
		if p, ok := w.names["phone"]; ok && f.ID == model.FieldPhone {
			where = p // the main number: mobiles[0] or fields[i].values[0]
		} else if p, ok := w.names["fields."+f.Key]; ok && !f.System {
			where = p
		}
		if s, ok := w.inputText(f); ok {
			value = s // as the client wrote it, not its normalised unique form
		}
	}
	msg := where + " 的值 " + value + " 已存在"
	if f != nil && f.Type == model.TypePhone {
		code, msg = CodeDuplicatePhone, where+" 手机号 "+displayPhone(ce.Value)+" 已存在"
	}
	var data any
	if holder != 0 {
		data = map[string]int64{"customerId": holder}
	}
	return &Error{Code: code, Msg: validationPrefix + msg, Data: data, cause: err}
}

// inputText is the text the client gave for a unique text field.
func (w *writer) inputText(f *model.Field) (string, bool) {
	if sf, ok := stringFields[f.ID]; ok {
		if p := *sf.ptr(&w.in); p != nil {
			return *p, true
		}
		return "", false
	}
	if raw, ok := w.in.Fields[f.Key]; ok {
		if s, ok := decodeAny(raw).(string); ok {
			return strings.TrimSpace(s), true
		}
	}
	return "", false
}

// items applies a fields array.
func (w *writer) items(raw json.RawMessage, path string) error {
	list, err := parseArray(raw, path)
	if err != nil {
		return err
	}
	if len(list) > maxItems {
		return invalid(CodeOutOfRange, path, "最多 %d 项,收到 %d 项", maxItems, len(list))
	}
	var items []json.RawMessage
	_ = json.Unmarshal(raw, &items)
	for i, item := range items {
		ipath := index(path, i)
		var fb fieldItemBody
		if err := decodeObject(w.ctx, item, ipath, &fb); err != nil {
			return err
		}
		f, err := resolveField(w.env.Catalog, fb.Alias, ipath+".alias")
		if err != nil {
			return err
		}
		if prev, dup := w.seen[f.ID]; dup {
			return invalid(CodeBadValue, ipath+".alias", "字段 %s 已由 %s 设置,不能重复", f.Key, prev)
		}
		w.seen[f.ID] = ipath
		// null is "not given" (Jackson), so a shared DTO's "fieldValue":null
		// beside values uses values; a fieldValue of null alone clears.
		hasList := !isNull(fb.Values)
		hasOne := !isNull(fb.FieldValue) || len(fb.FieldValue) > 0 && !hasList
		var vals []any
		var paths []string
		vpath := ipath + ".fieldValue"
		switch {
		case hasOne && hasList:
			return invalid(CodeBadValue, ipath, "fieldValue 与 values 只能用其中一个")
		case hasOne:
			v := decodeAny(fb.FieldValue)
			if list, ok := v.([]any); ok {
				vals = list
				for j := range list {
					paths = append(paths, index(vpath, j))
				}
			} else if v != nil {
				vals, paths = []any{v}, []string{vpath}
			}
		case hasList:
			vpath = ipath + ".values"
			v := decodeAny(fb.Values)
			if list, ok := v.([]any); ok {
				vals = list
				for j := range list {
					paths = append(paths, index(vpath, j))
				}
			} else if v != nil {
				vals, paths = []any{v}, []string{vpath}
			}
		default:
			return invalid(CodeRequired, ipath+".fieldValue", "不能为空(清空字段请传 null)")
		}
		if err := w.set(f, vals, paths, vpath); err != nil {
			return err
		}
	}
	return nil
}

// stringFields are the system text fields and their CustomerInput members.
var stringFields = map[int64]struct {
	name string
	ptr  func(*crm.CustomerInput) **string
}{
	model.FieldName:       {"name", func(in *crm.CustomerInput) **string { return &in.Name }},
	model.FieldEmail:      {"email", func(in *crm.CustomerInput) **string { return &in.Email }},
	model.FieldCompany:    {"company", func(in *crm.CustomerInput) **string { return &in.Company }},
	model.FieldAddress:    {"address", func(in *crm.CustomerInput) **string { return &in.Address }},
	model.FieldRemark:     {"remark", func(in *crm.CustomerInput) **string { return &in.Remark }},
	model.FieldIDNumber:   {"idNumber", func(in *crm.CustomerInput) **string { return &in.IDNumber }},
	model.FieldExternalID: {"externalId", func(in *crm.CustomerInput) **string { return &in.ExternalID }},
	model.FieldFirstName:  {"firstName", func(in *crm.CustomerInput) **string { return &in.FirstName }},
	model.FieldLastName:   {"lastName", func(in *crm.CustomerInput) **string { return &in.LastName }},
	model.FieldCity:       {"city", func(in *crm.CustomerInput) **string { return &in.City }},
	model.FieldState:      {"state", func(in *crm.CustomerInput) **string { return &in.State }},
	model.FieldCountry:    {"country", func(in *crm.CustomerInput) **string { return &in.Country }},
	model.FieldPostalCode: {"postalCode", func(in *crm.CustomerInput) **string { return &in.PostalCode }},
	model.FieldStreet:     {"street", func(in *crm.CustomerInput) **string { return &in.Street }},
}

// intFields are the system select and number fields.
var intFields = map[int64]struct {
	name string
	ptr  func(*crm.CustomerInput) **int
}{
	model.FieldStatus:    {"status", func(in *crm.CustomerInput) **int { return &in.Status }},
	model.FieldSex:       {"sex", func(in *crm.CustomerInput) **int { return &in.Sex }},
	model.FieldIDType:    {"idType", func(in *crm.CustomerInput) **int { return &in.IDType }},
	model.FieldMarriage:  {"marriage", func(in *crm.CustomerInput) **int { return &in.Marriage }},
	model.FieldEducation: {"education", func(in *crm.CustomerInput) **int { return &in.Education }},
	model.FieldAge:       {"age", func(in *crm.CustomerInput) **int { return &in.Age }},
}

// set writes vals (paths[i] names vals[i]; vpath the whole) to field f.
func (w *writer) set(f *model.Field, vals []any, paths []string, vpath string) error {
	one := func() (any, string, error) {
		switch len(vals) {
		case 0:
			return nil, vpath, nil
		case 1:
			return vals[0], paths[0], nil
		}
		return nil, vpath, invalid(CodeOutOfRange, vpath, "字段 %s 只能有 1 个值,收到 %d 个", f.Key, len(vals))
	}
	if !f.System {
		var v any
		if f.Type == model.TypeMultiSelect {
			if len(vals) > 0 {
				v = vals
			}
		} else {
			x, _, err := one()
			if err != nil {
				return err
			}
			v = x
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return invalid(CodeBadValue, vpath, "无法解析")
		}
		w.in.Fields[f.Key] = raw
		w.names["fields."+f.Key] = vpath
		return nil
	}
	if sf, ok := stringFields[f.ID]; ok {
		v, p, err := one()
		if err != nil {
			return err
		}
		s := ""
		if v != nil {
			var ok bool
			if s, ok = model.ScalarText(v); !ok {
				return invalid(CodeBadValue, p, "应为字符串,收到 %s", kindOf(v))
			}
		}
		*sf.ptr(&w.in) = &s
		w.names[sf.name] = p
		return nil
	}
	if inf, ok := intFields[f.ID]; ok {
		v, p, err := one()
		if err != nil {
			return err
		}
		n, err := optionValue(f, v, p)
		if err != nil {
			return err
		}
		*inf.ptr(&w.in) = &n
		w.names[inf.name] = p
		return nil
	}
	switch f.ID {
	case model.FieldPhone:
		return w.setPhones(vals, paths)
	case model.FieldOwner, model.FieldStage:
		v, p, err := one()
		if err != nil {
			return err
		}
		id, err := w.refID(f, v, p)
		if err != nil {
			return err
		}
		if f.ID == model.FieldOwner {
			w.in.OwnerID, w.names["ownerId"] = &id, p
		} else {
			w.in.StageID, w.names["stageId"] = &id, p
		}
		return nil
	case model.FieldCollaborators, model.FieldTags:
		ids := []int64{}
		for i, v := range vals {
			if f.ID == model.FieldTags {
				if s, ok := v.(string); ok {
					if _, err := strconv.ParseInt(s, 10, 64); err != nil {
						found := w.env.TagIDs[strings.TrimSpace(s)]
						if len(found) == 0 {
							return invalid(CodeBadValue, paths[i], "标签 %s 不存在", clip(strconv.Quote(s), 40))
						}
						ids = append(ids, found...)
						continue
					}
				}
			}
			id, ok, err := intValue(v, paths[i])
			if err != nil {
				return err
			}
			if ok {
				ids = append(ids, id)
			}
		}
		if f.ID == model.FieldTags {
			w.in.TagIDs, w.names["tagIds"] = &ids, vpath
		} else {
			w.in.CollaboratorIDs, w.names["collaboratorIds"] = &ids, vpath
		}
		return nil
	case model.FieldBornDate:
		v, p, err := one()
		if err != nil {
			return err
		}
		var msv int64
		if v != nil {
			if msv, _, err = dateTimeValue(v, p); err != nil {
				return err
			}
		}
		w.in.BornDate = &msv
		return nil
	}
	return invalid(CodeBadValue, vpath, "字段 %s(%d)是只读字段", f.Key, f.ID)
}

// setPhones sets the main phone (the first non-empty number) and the
// further ones; no number clears both.
func (w *writer) setPhones(vals []any, paths []string) error {
	var first *string
	rest := []string{}
	for i, v := range vals {
		if v == nil {
			continue
		}
		s, ok := model.ScalarText(v)
		if !ok {
			return invalid(CodeBadValue, paths[i], "应为电话号码字符串,收到 %s", kindOf(v))
		}
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if first == nil {
			first = &s
			w.names["phone"] = paths[i]
			continue
		}
		w.names["phones["+strconv.Itoa(len(rest))+"]"] = paths[i]
		rest = append(rest, s)
	}
	if first == nil {
		first = crm.Ptr("")
	}
	w.in.Phone, w.in.Phones = first, &rest
	return nil
}

// optionValue reads a system select value (option id or label) or a number.
func optionValue(f *model.Field, v any, path string) (int, error) {
	if v == nil {
		return 0, nil
	}
	if s, ok := v.(string); ok && len(f.Options) > 0 {
		for _, o := range f.Options {
			if o.Label == strings.TrimSpace(s) {
				return int(o.ID), nil
			}
		}
	}
	n, ok, err := intValue(v, path)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, nil
	}
	if n < -1<<31 || n > 1<<31-1 {
		return 0, invalid(CodeOutOfRange, path, "超出范围")
	}
	return int(n), nil
}

// refID reads a staff id (owner) or a stage id or name; null clears.
func (w *writer) refID(f *model.Field, v any, path string) (int64, error) {
	if s, ok := v.(string); ok && f.ID == model.FieldStage {
		if id, ok := w.env.StageIDs[strings.TrimSpace(s)]; ok {
			return id, nil
		}
	}
	id, _, err := intValue(v, path)
	return id, err
}
