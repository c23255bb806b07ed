package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/jsonw"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// customerOut is a customer as the native API shows it: the model's fields
// plus custom values keyed by field key. It is written member by member from
// customerMembers (MarshalJSON), byte for byte what encoding/json writes for
// the Customer struct by its tags with Fields beside them (present_test.go),
// without reflection or an allocation per time.
type customerOut struct {
	*model.Customer
	Fields map[string]any `json:"fields"`
}

func present(c *model.Customer, cat *store.Catalog) customerOut {
	return customerOut{Customer: c, Fields: cat.FieldsByKey(c.Custom)}
}

func (o customerOut) MarshalJSON() ([]byte, error) { return o.append(make([]byte, 0, 1024)), nil }

func (o customerOut) append(b []byte) []byte {
	b = append(b, '{')
	first := true
	for i := range customerMembers {
		m := &customerMembers[i]
		n := len(b)
		if !first {
			b = append(b, ',')
		}
		b = append(b, m.key...)
		var ok bool
		if b, ok = m.put(b, o.Customer); ok {
			first = false
		} else {
			b = b[:n] // empty: omitted
		}
	}
	if !first {
		b = append(b, ',')
	}
	b = append(b, `"fields":`...)
	b = appendValue(b, o.Fields)
	return append(b, '}')
}

// writeCustomer answers with one customer object, appended into a pooled
// buffer: the bytes httpx.WriteJSON would write.
func writeCustomer(w http.ResponseWriter, status int, o customerOut) {
	writeAppended(w, status, o.append)
}

// writeAppended answers with the JSON that add appends.
func writeAppended(w http.ResponseWriter, status int, add func(b []byte) []byte) {
	buf := jsonw.GetBuf()
	defer jsonw.PutBuf(buf)
	b := add(*buf)
	b = append(b, '\n') // as json.Encoder ends a value
	*buf = b
	httpx.WriteJSONBytes(w, status, b)
}

// append appends the page object of a search, as encoding/json writes
// listOut.
func (l *listOut) append(b []byte) []byte {
	b = append(b, `{"data":[`...)
	for i := range l.Data {
		if i > 0 {
			b = append(b, ',')
		}
		b = l.Data[i].append(b)
	}
	return l.appendTail(b)
}

// appendTail appends what follows the data array (a streamed page writes
// its rows itself, then this).
func (l *listOut) appendTail(b []byte) []byte {
	b = append(b, ']')
	if l.Page != 0 {
		b = append(b, `,"page":`...)
		b = jsonw.Int(b, int64(l.Page))
	}
	b = append(b, `,"pageSize":`...)
	b = jsonw.Int(b, int64(l.PageSize))
	if l.Total != nil {
		b = append(b, `,"total":`...)
		b = jsonw.Int(b, *l.Total)
	}
	if l.Estimated {
		b = append(b, `,"totalEstimated":true`...)
	}
	if l.NextCursor != "" {
		b = append(b, `,"nextCursor":`...)
		b = jsonw.String(b, l.NextCursor)
	}
	return append(b, '}')
}

// nativeMember is one member of the customer object: its quoted name and
// colon, and put, which appends the value or reports it empty (omitted).
type nativeMember struct {
	key string
	put func(b []byte, c *model.Customer) ([]byte, bool)
}

// customerMembers are the customer object's members in the order of
// model.Customer. A system field is listed by its descriptor, which names
// it (Wire.Native, its json tag); the rest are the Customer attributes
// that are no system field. Adding a system field to the native API is its
// descriptor and one line here (TestEverySystemFieldOnTheWire,
// TestPresentMatchesEncodingJSON).
var customerMembers = []nativeMember{
	always(sys(model.FieldID)),
	sys(model.FieldProject),
	sys(model.FieldExternalID),
	always(sys(model.FieldName)),
	sys(model.FieldFirstName),
	sys(model.FieldLastName),
	sys(model.FieldPhone),
	ownList("phones", func(c *model.Customer) []string { return c.Phones }),
	sys(model.FieldEmail),
	sys(model.FieldCompany),
	ownList("companyIds", func(c *model.Customer) []string { return c.CompanyIDs }),
	sys(model.FieldAddress),
	sys(model.FieldStreet),
	sys(model.FieldCity),
	sys(model.FieldState),
	sys(model.FieldCountry),
	sys(model.FieldPostalCode),
	ownText("businessPhone", func(c *model.Customer) *string { return &c.BusinessPhone }),
	ownText("homePhone", func(c *model.Customer) *string { return &c.HomePhone }),
	ownText("fax", func(c *model.Customer) *string { return &c.Fax }),
	sys(model.FieldRemark),
	always(sys(model.FieldStatus)),
	sys(model.FieldOwner),
	sys(model.FieldCollaborators),
	sys(model.FieldStage),
	sys(model.FieldTags),
	sys(model.FieldIDType),
	sys(model.FieldIDNumber),
	sys(model.FieldSex),
	sys(model.FieldAge),
	sys(model.FieldBornDate),
	ownList("spaceIds", func(c *model.Customer) []string { return c.SpaceIDs }),
	ownList("spaceNames", func(c *model.Customer) []string { return c.SpaceNames }),
	ownList("paths", func(c *model.Customer) []string { return c.Paths }),
	ownInt("gradeId", func(c *model.Customer) *int64 { return &c.GradeID }),
	ownText("gradeName", func(c *model.Customer) *string { return &c.GradeName }),
	ownInt("typeId", func(c *model.Customer) *int64 { return &c.TypeID }),
	ownText("typeName", func(c *model.Customer) *string { return &c.TypeName }),
	ownText("contactName", func(c *model.Customer) *string { return &c.ContactName }),
	ownText("contactPhone", func(c *model.Customer) *string { return &c.ContactPhone }),
	ownText("nativePlace", func(c *model.Customer) *string { return &c.NativePlace }),
	ownText("nation", func(c *model.Customer) *string { return &c.Nation }),
	sys(model.FieldMarriage),
	sys(model.FieldEducation),
	ownText("profession", func(c *model.Customer) *string { return &c.Profession }),
	ownText("speciality", func(c *model.Customer) *string { return &c.Speciality }),
	ownText("interest", func(c *model.Customer) *string { return &c.Interest }),
	ownText("character", func(c *model.Customer) *string { return &c.Character }),
	ownText("jobNum", func(c *model.Customer) *string { return &c.JobNum }),
	ownText("facePhoto", func(c *model.Customer) *string { return &c.FacePhoto }),
	ownText("openId", func(c *model.Customer) *string { return &c.OpenID }),
	ownText("unionId", func(c *model.Customer) *string { return &c.UnionID }),
	ownText("managementForms", func(c *model.Customer) *string { return &c.ManagementForms }),
	ownInt("managementFormsId", func(c *model.Customer) *int64 { return &c.ManagementFormsID }),
	sys(model.FieldLastFollowAt),
	sys(model.FieldLastFollowUser),
	sys(model.FieldNextFollowAt),
	sys(model.FieldPool),
	ownInt("homePoolId", func(c *model.Customer) *int64 { return &c.HomePoolID }),
	sys(model.FieldClaimedAt),
	sys(model.FieldProtectedUntil),
	own("poolEnteredAt", func(c *model.Customer) any { return &c.PoolEnteredAt }),
	ownText("poolEntry", func(c *model.Customer) *string { return &c.PoolEntry }),
	ownText("poolReason", func(c *model.Customer) *string { return &c.PoolReason }),
	always(sys(model.FieldCreatedAt)),
	always(sys(model.FieldUpdatedAt)),
	ownText("createdBy", func(c *model.Customer) *string { return &c.CreatedBy }),
	ownText("createdByName", func(c *model.Customer) *string { return &c.CreatedByName }),
	ownText("updatedBy", func(c *model.Customer) *string { return &c.UpdatedBy }),
	ownText("updatedByName", func(c *model.Customer) *string { return &c.UpdatedByName }),
}

// sys is the member of a system field, named by its descriptor and read
// through its Ref; empty values are omitted.
func sys(id int64) nativeMember {
	d := model.SystemFieldDesc(id)
	if d == nil || d.Wire.Native == "" || d.Ref == nil {
		panic("api: system field " + strconv.FormatInt(id, 10) + " has no native wire name")
	}
	return own(d.Wire.Native, d.Ref)
}

// own is the member name holding the attribute ref points at: *string,
// *int64, *int, *time.Time, *[]int64 or *[]string, omitted when empty
// (omitempty, and omitzero for times).
func own(name string, ref func(c *model.Customer) any) nativeMember {
	return nativeMember{key: `"` + name + `":`, put: func(b []byte, c *model.Customer) ([]byte, bool) { return appendRef(b, ref(c)) }}
}

func ownText(name string, ref func(c *model.Customer) *string) nativeMember {
	return nativeMember{key: `"` + name + `":`, put: func(b []byte, c *model.Customer) ([]byte, bool) {
		s := *ref(c)
		return jsonw.String(b, s), s != ""
	}}
}

func ownInt(name string, ref func(c *model.Customer) *int64) nativeMember {
	return nativeMember{key: `"` + name + `":`, put: func(b []byte, c *model.Customer) ([]byte, bool) {
		n := *ref(c)
		return jsonw.Int(b, n), n != 0
	}}
}

func ownList(name string, get func(c *model.Customer) []string) nativeMember {
	return nativeMember{key: `"` + name + `":`, put: func(b []byte, c *model.Customer) ([]byte, bool) {
		v := get(c)
		return jsonw.Strings(b, v), len(v) > 0
	}}
}

// always writes m's value even when it is empty (no omitempty).
func always(m nativeMember) nativeMember {
	put := m.put
	m.put = func(b []byte, c *model.Customer) ([]byte, bool) {
		b, _ = put(b, c)
		return b, true
	}
	return m
}

// appendRef appends the attribute ref points at; ok is false when it is
// empty.
func appendRef(b []byte, ref any) ([]byte, bool) {
	switch p := ref.(type) {
	case *string:
		return jsonw.String(b, *p), *p != ""
	case *int64:
		return jsonw.Int(b, *p), *p != 0
	case *int:
		return jsonw.Int(b, int64(*p)), *p != 0
	case *time.Time:
		return jsonw.Time(b, *p), !p.IsZero()
	case *[]int64:
		return jsonw.Ints(b, *p), len(*p) > 0
	case *[]string:
		return jsonw.Strings(b, *p), len(*p) > 0
	}
	panic(fmt.Sprintf("api: no JSON form for %T", ref))
}

// appendValue appends a custom value as FieldsByKey decodes it (strings,
// json.Number, bools, nil, lists and objects of them) the way
// encoding/json writes it: object keys sorted.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return jsonw.String(b, x)
	case json.Number:
		if x == "" {
			return append(b, '0') // as encoding/json writes an empty Number
		}
		return append(b, x...)
	case bool:
		return strconv.AppendBool(b, x)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, ']')
	case map[string]any:
		if x == nil {
			return append(b, "null"...)
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonw.String(b, k)
			b = append(b, ':')
			b = appendValue(b, x[k])
		}
		return append(b, '}')
	}
	// Anything else (not produced by FieldsByKey): as encoding/json does.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return append(b, "null"...) // no JSON form; FieldsByKey never yields one
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
