package tanma

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// aliases are 探马's names for system fields, beside kehu's own keys and
// every field's numeric id.
var aliases = map[string]string{
	"tagIds":        "tags",
	"contentTagIds": "tags", // kehu has one tag set: content tags are tags
	"sales_stage":   "stage",
	"salesStage":    "stage",
	"salesId":       "owner",
	"createTime":    "createdAt",
	"updateTime":    "updatedAt",
	"customerName":  "name",
	"mobiles":       "phone",
	"corpName":      "company",
	"birthday":      "bornDate",
}

// resolveField finds the field a client names by numeric id (JSON number
// or digits), by its kehu key, or by a 探马 alias (a key wins: a tenant's
// custom field "birthday" is that field, not bornDate).
func resolveField(cat *store.Catalog, raw json.RawMessage, path string) (*model.Field, error) {
	if isNull(raw) {
		return nil, invalid(CodeRequired, path, "不能为空")
	}
	v := decodeAny(raw)
	var name string
	switch x := v.(type) {
	case json.Number:
		name = x.String()
	case string:
		name = strings.TrimSpace(x)
	default:
		return nil, invalid(CodeBadValue, path, "应为字段id(数字)或字段名(字符串),收到 %s", kindOf(v))
	}
	return lookupField(cat, name, path)
}

func lookupField(cat *store.Catalog, name, path string) (*model.Field, error) {
	if name == "" {
		return nil, invalid(CodeRequired, path, "不能为空")
	}
	if id, err := strconv.ParseInt(name, 10, 64); err == nil {
		if f := cat.Fields[id]; f != nil {
			return f, nil
		}
		return nil, invalid(CodeUnknownField, path, "字段 %d 不存在", id)
	}
	if f := cat.ByKey[name]; f != nil { // the tenant's own keys win over 探马's aliases
		return f, nil
	}
	if f := cat.ByKey[aliases[name]]; f != nil {
		return f, nil
	}
	if platformOnly[name] {
		return nil, &Error{Code: CodeUnknownField, Msg: validationPrefix + path + " 字段 " + name + " 不存在:请先创建 key 为 " + name + " 的数值型自定义字段", cause: errPlatformOnly}
	}
	return nil, invalid(CodeUnknownField, path, "字段 %s 不存在", clip(strconv.Quote(name), 40))
}

// platformOnly are built-in fields of 探马 that kehu keeps no data for
// unless the tenant creates a custom field with the key: a search
// condition on one matches nothing (as on the platform for a customer
// without the value); a write names the field as unknown.
var platformOnly = map[string]bool{"point_credit": true}

var errPlatformOnly = errors.New("a 探马 built-in field without data here")

// catalogType maps a field type to 探马's catalogue type number (0: none).
func catalogType(t model.FieldType) int {
	switch t {
	case model.TypeText, model.TypeEmail, model.TypeArea:
		return 1
	case model.TypeSelect, model.TypeBool, model.TypeStage:
		return 2
	case model.TypeDate:
		return 3
	case model.TypeNumber:
		return 4
	case model.TypeTextarea:
		return 5
	case model.TypeMultiSelect, model.TypeTags:
		return 6
	case model.TypeDateTime:
		return 7
	case model.TypePhone:
		return 8
	}
	return 0
}

// listed says whether list-fields shows f: every field with a 探马 type
// except the search-only pinyin field and the 公海 state, which 探马's rows
// carry under their own names (toOpenSeaName, protectedTime …; render.go).
func listed(f *model.Field) bool {
	switch f.ID {
	case model.FieldPinyin, model.FieldPool, model.FieldInPool, model.FieldClaimedAt, model.FieldProtectedUntil:
		return false
	}
	return catalogType(f.Type) != 0
}

// typeName is a field type as 探马's UI names it.
func typeName(f *model.Field) string {
	switch catalogType(f.Type) {
	case 1:
		if f.Type == model.TypeArea {
			return "地区"
		}
		return "单行文本"
	case 2:
		return "单选"
	case 3:
		return "日期"
	case 4:
		return "数值"
	case 5:
		return "多行文本"
	case 6:
		return "多选"
	case 7:
		return "日期时间"
	case 8:
		return "电话号码"
	}
	return string(f.Type)
}

// fieldOut is one catalogue entry of list-fields.
type fieldOut struct {
	ID     int64     `json:"id"`
	Name   string    `json:"name"`
	Alias  string    `json:"alias"`
	Type   int       `json:"type"`
	Items  []itemOut `json:"items"`
	System bool      `json:"system"`
	Unique bool      `json:"unique"`
}

type itemOut struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// boolItems are the choices of a bool field.
var boolItems = []itemOut{{1, "是"}, {0, "否"}}

// listFields answers POST /api/v2/customer/list-fields. The body is
// ignored (it must be JSON if present).
func (h *Handler) listFields(rq *request) (any, error) {
	if err := checkSyntax(nonEmpty(rq.body)); err != nil {
		return nil, err
	}
	cat, err := h.svc.Store.LoadCatalog(rq.ctx, rq.client.TenantID)
	if err != nil {
		return nil, err
	}
	stages, err := h.svc.Store.Stages(rq.ctx, rq.client.TenantID)
	if err != nil {
		return nil, err
	}
	groups, err := h.svc.Store.TagGroups(rq.ctx, rq.client.TenantID)
	if err != nil {
		return nil, err
	}
	out := []fieldOut{}
	for _, f := range cat.List() {
		if !listed(&f) {
			continue
		}
		fo := fieldOut{ID: f.ID, Name: f.Label, Alias: f.Key, Type: catalogType(f.Type), Items: []itemOut{}, System: f.System, Unique: f.Unique}
		switch f.Type {
		case model.TypeSelect, model.TypeMultiSelect:
			for _, o := range f.Options {
				if !o.Deleted {
					fo.Items = append(fo.Items, itemOut{o.ID, o.Label})
				}
			}
		case model.TypeBool:
			fo.Items = append(fo.Items, boolItems...)
		case model.TypeStage:
			for _, s := range stages {
				fo.Items = append(fo.Items, itemOut{s.ID, s.Name})
			}
		case model.TypeTags:
			for _, g := range groups {
				for _, t := range g.Tags {
					fo.Items = append(fo.Items, itemOut{t.ID, t.Name})
				}
			}
		}
		out = append(out, fo)
	}
	return out, nil
}

func nonEmpty(b []byte) []byte {
	if len(strings.TrimSpace(string(b))) == 0 {
		return []byte("{}")
	}
	return b
}

// sysField is the Cond.Field spelling of a system field: its id, never
// ambiguous.
func sysField(id int64) string { return strconv.FormatInt(id, 10) }
