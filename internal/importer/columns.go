package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Column is a system column of import and export files: a catalogue system
// field or one of the customer's further attributes (extra phones, fax, …).
type Column struct {
	Key      string   // system field key, or the CustomerInput JSON name
	Label    string   // the header export writes
	Aliases  []string // further headers import recognises
	ReadOnly bool     // exported, recognised on import, but never written (times)
	// Field is the descriptor of a system field (nil for further attributes).
	Field *model.SystemField
}

// Columns are the system columns in export order: the system fields, from
// their descriptors (model.SystemFieldDescs; derived ones, NotInFiles, are
// neither exported nor imported), then the customer's further attributes.
var Columns = append(systemColumns(), attributeColumns...)

func systemColumns() []Column {
	var out []Column
	for i := range model.SystemFieldDescs {
		d := &model.SystemFieldDescs[i]
		if d.NotInFiles {
			continue
		}
		out = append(out, Column{Key: d.Key, Label: d.FileHeader(), Aliases: d.ImportHeaders, ReadOnly: d.ReadOnly, Field: d})
	}
	return out
}

// attributeColumns are the further attributes of a customer (no catalogue
// field).
var attributeColumns = []Column{
	{Key: "phones", Label: "其他手机号", Aliases: []string{"其他手机", "备用手机", "备用手机号", "phones", "other phones"}},
	{Key: "businessPhone", Label: "办公电话", Aliases: []string{"公司电话", "工作电话", "座机", "business phone", "work phone", "office phone"}},
	{Key: "homePhone", Label: "家庭电话", Aliases: []string{"住宅电话", "home phone"}},
	{Key: "fax", Label: "传真", Aliases: []string{"fax"}},
	{Key: "contactName", Label: "紧急联系人", Aliases: []string{"contactname"}},
	{Key: "contactPhone", Label: "紧急联系人电话", Aliases: []string{"contactphone"}},
	{Key: "nativePlace", Label: "籍贯", Aliases: []string{"nativeplace"}},
	{Key: "nation", Label: "民族", Aliases: []string{"nation", "ethnicity"}},
	{Key: "profession", Label: "职业", Aliases: []string{"profession", "occupation", "job title", "title"}},
	{Key: "jobNum", Label: "工号", Aliases: []string{"jobnum", "employee number"}},
}

var columnByKey = map[string]*Column{}

// headerIndex maps normalised headers to columns: exact keys and labels
// (strong) and aliases (weak, consulted after the tenant's custom fields).
var strongHeaders, aliasHeaders = map[string]*Column{}, map[string]*Column{}

func init() {
	for i := range Columns {
		c := &Columns[i]
		columnByKey[c.Key] = c
		strongHeaders[NormHeader(c.Key)] = c
		strongHeaders[NormHeader(c.Label)] = c
	}
	for i := range Columns {
		c := &Columns[i]
		for _, a := range c.Aliases {
			if n := NormHeader(a); strongHeaders[n] == nil {
				aliasHeaders[n] = c
			}
		}
	}
}

var headerNoise = regexp.MustCompile(`\((必填|选填|可选|必须|required|optional)\)`)

// NormHeader folds a header for recognition: full-width to half-width,
// lower case, without spaces, underscores, hyphens, colons, asterisks
// (required markers) and "(必填)"-style notes.
func NormHeader(s string) string {
	s = strings.ToLower(width.Fold.String(strings.TrimSpace(s)))
	s = headerNoise.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '_', '-', ':', '*', '\u00a0', '\u3000', '\ufeff':
			return -1
		}
		return r
	}, s)
}

// Refs names the tenant's projects, staff, tags and stages both ways, so
// files carry names (张三, VIP) and kehu stores ids. A name shared by two
// entries is written as the id and must be given as the id.
type Refs struct {
	kinds map[string]*refKind
}

type refKind struct {
	what   string
	names  map[int64]string   // id → name as written
	byName map[string][]int64 // name (and group/name for tags) → ids
}

// LoadRefs reads the tenant's reference lists.
func LoadRefs(ctx context.Context, st *store.Store, tenantID int64) (*Refs, error) {
	r := &Refs{kinds: map[string]*refKind{}}
	add := func(kind, what string) *refKind {
		k := &refKind{what: what, names: map[int64]string{}, byName: map[string][]int64{}}
		r.kinds[kind] = k
		return k
	}
	projects, err := st.Projects(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	pk := add("projectId", "project")
	for _, p := range projects {
		pk.byName[p.Name] = append(pk.byName[p.Name], p.ID)
		pk.names[p.ID] = p.Name
	}
	staff, err := st.StaffList(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	sk := add("staff", "staff member")
	for _, m := range staff {
		sk.byName[m.Name] = append(sk.byName[m.Name], m.ID)
		sk.names[m.ID] = m.Name
	}
	stages, err := st.Stages(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	stk := add("stage", "stage")
	for _, s := range stages {
		stk.byName[s.Name] = append(stk.byName[s.Name], s.ID)
		stk.names[s.ID] = s.Name
	}
	groups, err := st.TagGroups(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	tk := add("tags", "tag")
	for _, g := range groups {
		for _, t := range g.Tags {
			tk.byName[t.Name] = append(tk.byName[t.Name], t.ID)
			tk.byName[g.Name+"/"+t.Name] = append(tk.byName[g.Name+"/"+t.Name], t.ID)
			tk.names[t.ID] = t.Name
		}
	}
	for _, g := range groups {
		for _, t := range g.Tags {
			if len(tk.byName[t.Name]) > 1 {
				tk.names[t.ID] = g.Name + "/" + t.Name
			}
		}
	}
	// Names shared by several entries are written as ids.
	for _, k := range r.kinds {
		for id, n := range k.names {
			if len(k.byName[n]) > 1 {
				k.names[id] = strconv.FormatInt(id, 10)
			}
		}
	}
	return r, nil
}

// name renders an id for a file.
func (r *Refs) name(kind string, id int64) string {
	if id == 0 {
		return ""
	}
	if n, ok := r.kinds[kind].names[id]; ok {
		return n
	}
	return strconv.FormatInt(id, 10)
}

// id resolves a name (or an id written as digits) from a file.
func (r *Refs) id(kind, s string) (int64, error) {
	k := r.kinds[kind]
	ids := k.byName[s]
	if len(ids) == 1 {
		return ids[0], nil
	}
	if len(ids) > 1 {
		return 0, fmt.Errorf("several %ss are named %q: write the id instead", k.what, s)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if _, ok := k.names[n]; ok {
			return n, nil
		}
	}
	return 0, fmt.Errorf("no %s named %q", k.what, s)
}

// splitList splits a multi-value cell: "a, b", "a，b", "a、b", "a;b", "a|b".
func splitList(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ',', '，', '、', ';', '；', '|', '\n':
			return true
		}
		return false
	})
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// listSep joins multi-value cells on export.
const listSep = ", "

var sexWords = map[string]string{"male": "男", "m": "男", "man": "男", "先生": "男", "男性": "男",
	"female": "女", "f": "女", "woman": "女", "女士": "女", "女性": "女", "unknown": "未填", "未知": "未填"}

var statusWords = map[string]string{"normal": "正常", "active": "正常", "启用": "正常", "disabled": "禁用", "停用": "禁用"}

// setSystem puts one non-empty cell of a system column into in. Values are
// only translated from file form (names, labels) here; crm validates them.
func setSystem(col *Column, cell string, in *crm.CustomerInput, cat *store.Catalog, refs *Refs, region string) error {
	str := func(p **string) error { *p = &cell; return nil }
	choice := func(p **int, words map[string]string) error {
		v := cell
		if w, ok := words[strings.ToLower(v)]; ok {
			v = w
		}
		x, err := crm.Coerce(cat.ByKey[col.Key], v, region)
		if err != nil {
			return model.Invalid(col.Key, "%s", err.Error())
		}
		n, _ := strconv.Atoi(fmt.Sprint(x))
		*p = &n
		return nil
	}
	switch col.Key {
	case "businessPhone":
		return str(&in.BusinessPhone)
	case "homePhone":
		return str(&in.HomePhone)
	case "fax":
		return str(&in.Fax)
	case "contactName":
		return str(&in.ContactName)
	case "contactPhone":
		return str(&in.ContactPhone)
	case "nativePlace":
		return str(&in.NativePlace)
	case "nation":
		return str(&in.Nation)
	case "profession":
		return str(&in.Profession)
	case "jobNum":
		return str(&in.JobNum)
	case "phones":
		list := splitList(cell)
		if in.Phones != nil {
			list = append(*in.Phones, list...)
		}
		in.Phones = &list
	case "status":
		return choice(&in.Status, statusWords)
	case "sex":
		return choice(&in.Sex, sexWords)
	case "age":
		x, err := crm.Coerce(cat.ByKey["age"], cell, region)
		if err != nil {
			return model.Invalid("age", "%s", err.Error())
		}
		n, err := strconv.Atoi(fmt.Sprint(x))
		if err != nil {
			return model.Invalid("age", "want a whole number, got %q", cell)
		}
		in.Age = &n
	case "bornDate":
		v := cell
		// A birthday is usually a bare date, in any of the spellings date
		// fields accept (1990/1/2, 1990年1月2日): midnight in Asia/Shanghai.
		if d, err := crm.Coerce(&model.Field{Type: model.TypeDate}, cell, region); err == nil && d != nil {
			v = d.(string)
		}
		x, err := crm.Coerce(cat.ByKey["bornDate"], v, region)
		if err != nil {
			return model.Invalid("bornDate", "%s", err.Error())
		}
		ms, _ := strconv.ParseInt(fmt.Sprint(x), 10, 64)
		in.BornDate = &ms
	case "projectId", "stage":
		id, err := refs.id(col.Key, cell)
		if err != nil {
			return model.Invalid(col.Key, "%s", err.Error())
		}
		if col.Key == "stage" {
			in.StageID = &id
		} else {
			in.ProjectID = &id
		}
	case "owner":
		id, err := refs.id("staff", cell)
		if err != nil {
			return model.Invalid("owner", "%s", err.Error())
		}
		in.OwnerID = &id
	case "lastFollowUser":
		id, err := refs.id("staff", cell)
		if err != nil {
			return model.Invalid("lastFollowUser", "%s", err.Error())
		}
		in.LastFollowUserID = &id
	case "lastFollowAt", "nextFollowAt":
		v := cell // a bare date (2024/5/7) is midnight in Asia/Shanghai, as for bornDate
		if d, err := crm.Coerce(&model.Field{Type: model.TypeDate}, cell, region); err == nil && d != nil {
			v = d.(string)
		}
		x, err := crm.Coerce(cat.ByKey[col.Key], v, region)
		if err != nil {
			return model.Invalid(col.Key, "%s", err.Error())
		}
		ms, _ := strconv.ParseInt(fmt.Sprint(x), 10, 64)
		t := model.FromMillis(ms)
		if col.Key == "lastFollowAt" {
			in.LastFollowAt = &t
		} else {
			in.NextFollowAt = &t
		}
	case "collaborators", "tags":
		kind := "staff"
		if col.Key == "tags" {
			kind = "tags"
		}
		var ids []int64
		for _, name := range splitList(cell) {
			id, err := refs.id(kind, name)
			if err != nil {
				return model.Invalid(col.Key, "%s", err.Error())
			}
			ids = append(ids, id)
		}
		if col.Key == "tags" {
			in.TagIDs = &ids
		} else {
			in.CollaboratorIDs = &ids
		}
	default:
		// A system field by its descriptor: text as written, a select's
		// option by label or id.
		if col.Field == nil {
			break
		}
		switch p := in.SystemRef(col.Field.ID).(type) {
		case **string:
			return str(p)
		case **int:
			if col.Field.Type == model.TypeSelect {
				return choice(p, nil)
			}
		}
	}
	return nil
}

var areaCode = regexp.MustCompile(`^(.*?)\s*\[(\d{1,20})\]$`)

// customValue turns a cell into the JSON value crm.CoerceValue reads for a
// custom field: lists for multi-selects, {code,label} for areas written as
// "label [code]", strings otherwise.
func customValue(f *model.Field, cell string) json.RawMessage {
	var v any = cell
	switch f.Type {
	case model.TypeMultiSelect:
		v = splitList(cell)
	case model.TypeArea:
		if m := areaCode.FindStringSubmatch(cell); m != nil {
			v = map[string]string{"code": m[2], "label": m[1]}
		} else if strings.Trim(cell, "0123456789") == "" {
			v = map[string]string{"code": cell}
		}
	}
	b, _ := json.Marshal(v)
	return b
}

// Time formats of files: Asia/Shanghai wall time.
const (
	timeLayout   = "2006-01-02 15:04:05"
	timeLayoutMs = "2006-01-02 15:04:05.000"
)

func formatMillis(ms int64, dateOnly bool) string {
	if ms == 0 {
		return ""
	}
	t := time.UnixMilli(ms).In(crm.China)
	switch {
	case dateOnly && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0:
		return t.Format("2006-01-02")
	case t.Nanosecond() != 0:
		return t.Format(timeLayoutMs)
	}
	return t.Format(timeLayout)
}

func optionLabel(f *model.Field, id int64) string {
	if o, ok := f.OptionByID(id); ok {
		return o.Label
	}
	return strconv.FormatInt(id, 10)
}

// FormatSystem renders a system column of c as export writes it.
func FormatSystem(col *Column, c *model.Customer, cat *store.Catalog, refs *Refs) string {
	choice := func(n int) string {
		if n == 0 {
			return ""
		}
		return optionLabel(cat.ByKey[col.Key], int64(n))
	}
	switch col.Key {
	case "projectId":
		return refs.name("projectId", c.ProjectID)
	case "owner":
		return refs.name("staff", c.OwnerID)
	case "lastFollowAt":
		return formatMillis(model.Millis(c.LastFollowAt), false)
	case "lastFollowUser":
		return refs.name("staff", c.LastFollowUserID)
	case "nextFollowAt":
		return formatMillis(model.Millis(c.NextFollowAt), false)
	case "collaborators":
		names := make([]string, len(c.CollaboratorIDs))
		for i, id := range c.CollaboratorIDs {
			names[i] = refs.name("staff", id)
		}
		return strings.Join(names, listSep)
	case "tags":
		names := make([]string, len(c.TagIDs))
		for i, id := range c.TagIDs {
			names[i] = refs.name("tags", id)
		}
		return strings.Join(names, listSep)
	case "stage":
		return refs.name("stage", c.StageID)
	case "bornDate":
		return formatMillis(c.BornDate, true)
	case "phones":
		return strings.Join(c.Phones, listSep)
	case "businessPhone":
		return c.BusinessPhone
	case "homePhone":
		return c.HomePhone
	case "fax":
		return c.Fax
	case "contactName":
		return c.ContactName
	case "contactPhone":
		return c.ContactPhone
	case "nativePlace":
		return c.NativePlace
	case "nation":
		return c.Nation
	case "profession":
		return c.Profession
	case "jobNum":
		return c.JobNum
	}
	if col.Field == nil {
		return ""
	}
	// A system field by its descriptor: text as stored, a select's option
	// label, a time in Asia/Shanghai, a number or id in digits (0: empty
	// where 0 is how the column stores empty).
	switch v := col.Field.Get(c).(type) {
	case string:
		return v
	case int64:
		switch col.Field.Type {
		case model.TypeSelect:
			return choice(int(v))
		case model.TypeDateTime:
			return formatMillis(v, false)
		}
		if v == 0 && col.Field.Empty != model.EmptyBlank {
			return ""
		}
		return strconv.FormatInt(v, 10)
	}
	return ""
}

// FormatCustom renders a custom value (canonical form) as export writes it:
// option labels, multi-selects joined with ", ", 是/否, Asia/Shanghai times,
// areas as "label [code]".
func FormatCustom(f *model.Field, v any) string {
	switch f.Type {
	case model.TypeSelect:
		if n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64); err == nil {
			return optionLabel(f, n)
		}
	case model.TypeMultiSelect:
		if list, ok := v.([]any); ok {
			labels := make([]string, 0, len(list))
			for _, e := range list {
				if n, err := strconv.ParseInt(fmt.Sprint(e), 10, 64); err == nil {
					labels = append(labels, optionLabel(f, n))
				}
			}
			return strings.Join(labels, listSep)
		}
	case model.TypeDateTime:
		if n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64); err == nil {
			return formatMillis(n, false)
		}
	case model.TypeBool:
		if b, ok := v.(bool); ok {
			if b {
				return "是"
			}
			return "否"
		}
	case model.TypeArea:
		if m, ok := v.(map[string]any); ok {
			code, _ := m["code"].(string)
			label, _ := m["label"].(string)
			if code == "" {
				return label
			}
			if label == "" {
				return code
			}
			return label + " [" + code + "]"
		}
	}
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// ExportHeader is one column of an export: a system column or a custom field.
type ExportHeader struct {
	Label  string
	Column *Column      // system column, or
	Field  *model.Field // custom field
}

// ExportHeaders lists the columns an export writes for a catalogue: every
// system column, then the custom fields in catalogue order. A custom label
// that would read as another column is written "label (key)".
func ExportHeaders(cat *store.Catalog) []ExportHeader {
	var out []ExportHeader
	taken := map[string]bool{}
	for i := range Columns {
		out = append(out, ExportHeader{Label: Columns[i].Label, Column: &Columns[i]})
		taken[NormHeader(Columns[i].Label)] = true
	}
	for _, f := range cat.List() {
		if f.System {
			continue
		}
		fc := cat.Fields[f.ID]
		label := f.Label
		n := NormHeader(label)
		if taken[n] || strongHeaders[n] != nil || aliasHeaders[n] != nil {
			label = f.Label + " (" + f.Key + ")"
		}
		taken[NormHeader(label)] = true
		out = append(out, ExportHeader{Label: label, Field: fc})
	}
	return out
}

// ExportRow renders one customer under headers.
func ExportRow(headers []ExportHeader, c *model.Customer, cat *store.Catalog, refs *Refs, row []string) []string {
	row = row[:0]
	var vals map[string]any
	if len(c.Custom) > 0 {
		vals, _ = c.CustomValues()
	}
	for _, h := range headers {
		if h.Column != nil {
			row = append(row, FormatSystem(h.Column, c, cat, refs))
			continue
		}
		v, ok := vals[strconv.FormatInt(h.Field.ID, 10)]
		if !ok {
			row = append(row, "")
			continue
		}
		row = append(row, FormatCustom(h.Field, v))
	}
	return row
}
