package dashi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/jsonw"
	"github.com/kehu/kehu/internal/model"
)

// Customers are rendered by hand-written appenders rather than
// encoding/json: a 4000-row page is ~4 MB of JSON, which the appenders
// write in about 2 ms into a pooled buffer, 3-4 times faster than
// reflection and without allocating (BenchmarkPage4000). The output is
// byte-identical to encoding/json on the equivalent tagged struct
// (render_test.go checks it).

// appendPage appends the page object of the customer page call.
func appendPage(b []byte, pageIndex, pageSize int, total int64, cs []*model.Customer, projectName string) []byte {
	b = appendPageHead(b, pageIndex, pageSize, total, len(cs))
	for i, c := range cs {
		b = appendPageRow(b, i, c, projectName)
	}
	return append(b, "]}"...)
}

// appendPageHead appends the page object up to its data array's first
// row: n is the page's row count, the total when it was not counted.
func appendPageHead(b []byte, pageIndex, pageSize int, total int64, n int) []byte {
	if total < 0 {
		total = int64(n)
	}
	b = append(b, `{"pageIndex":`...)
	b = strconv.AppendInt(b, int64(pageIndex), 10)
	b = append(b, `,"pageSize":`...)
	b = strconv.AppendInt(b, int64(pageSize), 10)
	b = append(b, `,"totalCount":`...)
	b = strconv.AppendInt(b, total, 10)
	b = append(b, `,"totalPage":`...)
	b = strconv.AppendInt(b, pagesOf(total, pageSize), 10)
	return append(b, `,"data":[`...)
}

// appendPageRow appends the page's i-th customer (0-based).
func appendPageRow(b []byte, i int, c *model.Customer, projectName string) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	if c.ProjectID == 0 {
		projectName = "" // a tenant-wide customer belongs to no project
	}
	return appendCustomer(b, c, projectName)
}

// appendCustomer appends c as the platform's 46-field customer object.
// Numbers are JSON numbers (ids stay below 2^53), empty strings "" and
// empty lists [], never null or absent.
func appendCustomer(b []byte, c *model.Customer, projectName string) []byte {
	for i := range customerObject {
		m := &customerObject[i]
		if i == 0 {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = append(b, m.key...)
		b = m.put(b, c, projectName)
	}
	return append(b, '}')
}

// wireMember is one member of the customer object: its quoted name and colon,
// and how its value is written.
type wireMember struct {
	key string
	put func(b []byte, c *model.Customer, projectName string) []byte
}

// customerObject is the customer object in the platform's order. A system
// field is listed by its descriptor, which names it on the wire
// (Wire.Dashi), with the form its value takes here; the rest are what kehu
// keeps only for 达实. Adding a system field to 达实's object is its Wire.Dashi
// name and one line here (TestEverySystemFieldOnTheWire).
var customerObject = []wireMember{
	sys(model.FieldID, number),
	sys(model.FieldProject, number),
	own("projectName", func(b []byte, _ *model.Customer, projectName string) []byte { return jsonw.String(b, projectName) }),
	sys(model.FieldName, text),
	sys(model.FieldPhone, func(b []byte, c *model.Customer, _ any) []byte { return jsonw.String(b, DisplayPhone(c.Phone)) }),
	sys(model.FieldIDType, number),
	sys(model.FieldIDNumber, text),
	sys(model.FieldSex, number),
	sys(model.FieldAge, number),
	ownList("companyIds", func(c *model.Customer) []string { return c.CompanyIDs }),
	sys(model.FieldCompany, text),
	ownList("spaceIds", func(c *model.Customer) []string { return c.SpaceIDs }),
	ownList("spaceNames", func(c *model.Customer) []string { return c.SpaceNames }),
	ownList("paths", func(c *model.Customer) []string { return c.Paths }),
	ownInt("customerGradeId", func(c *model.Customer) int64 { return c.GradeID }),
	ownText("customerGradeName", func(c *model.Customer) string { return c.GradeName }),
	ownInt("customerTypeId", func(c *model.Customer) int64 { return c.TypeID }),
	ownText("customerTypeName", func(c *model.Customer) string { return c.TypeName }),
	ownText("contractName", func(c *model.Customer) string { return c.ContactName }),
	ownText("contractPhone", func(c *model.Customer) string { return c.ContactPhone }),
	sys(model.FieldAddress, func(b []byte, c *model.Customer, _ any) []byte { return jsonw.String(b, DisplayAddress(c)) }),
	sys(model.FieldEmail, text),
	sys(model.FieldRemark, text),
	sys(model.FieldBornDate, number),
	ownText("nativePlace", func(c *model.Customer) string { return c.NativePlace }),
	ownText("nation", func(c *model.Customer) string { return c.Nation }),
	sys(model.FieldMarriage, number),
	sys(model.FieldEducation, number),
	ownText("profession", func(c *model.Customer) string { return c.Profession }),
	ownText("speciality", func(c *model.Customer) string { return c.Speciality }),
	ownText("interest", func(c *model.Customer) string { return c.Interest }),
	ownText("character", func(c *model.Customer) string { return c.Character }),
	sys(model.FieldPostalCode, text),
	ownText("jobNum", func(c *model.Customer) string { return c.JobNum }),
	ownText("facePhoto", func(c *model.Customer) string { return c.FacePhoto }),
	sys(model.FieldCreatedAt, number),
	ownText("creatorUserId", func(c *model.Customer) string { return c.CreatedBy }),
	ownText("creatorUserName", func(c *model.Customer) string { return c.CreatedByName }),
	sys(model.FieldUpdatedAt, number),
	ownText("lastModifierUserId", func(c *model.Customer) string { return c.UpdatedBy }),
	ownText("lastModifierUserName", func(c *model.Customer) string { return c.UpdatedByName }),
	ownText("openId", func(c *model.Customer) string { return c.OpenID }),
	ownText("unionId", func(c *model.Customer) string { return c.UnionID }),
	ownText("managementForms", func(c *model.Customer) string { return c.ManagementForms }),
	ownInt("managementFormsId", func(c *model.Customer) int64 { return c.ManagementFormsID }),
	sys(model.FieldStatus, number),
}

// sys is the member of a system field, named by its descriptor; format
// writes the value from the descriptor's Ref (or from c, for values 达实
// shows differently).
func sys(id int64, format func(b []byte, c *model.Customer, ref any) []byte) wireMember {
	d := model.SystemFieldDesc(id)
	if d == nil || d.Wire.Dashi == "" || d.Ref == nil {
		panic("dashi: system field " + strconv.FormatInt(id, 10) + " has no 达实 wire name")
	}
	return wireMember{key: `"` + d.Wire.Dashi + `":`, put: func(b []byte, c *model.Customer, _ string) []byte { return format(b, c, d.Ref(c)) }}
}

// number writes an integer attribute, a time as epoch milliseconds.
func number(b []byte, _ *model.Customer, ref any) []byte {
	switch p := ref.(type) {
	case *int64:
		return jsonw.Int(b, *p)
	case *int:
		return jsonw.Int(b, int64(*p))
	case *time.Time:
		return jsonw.Int(b, model.Millis(*p))
	}
	panic(fmt.Sprintf("dashi: %T is not a number", ref))
}

// text writes a string attribute.
func text(b []byte, _ *model.Customer, ref any) []byte { return jsonw.String(b, *ref.(*string)) }

func own(name string, put func(b []byte, c *model.Customer, projectName string) []byte) wireMember {
	return wireMember{key: `"` + name + `":`, put: put}
}

func ownText(name string, get func(c *model.Customer) string) wireMember {
	return own(name, func(b []byte, c *model.Customer, _ string) []byte { return jsonw.String(b, get(c)) })
}

func ownInt(name string, get func(c *model.Customer) int64) wireMember {
	return own(name, func(b []byte, c *model.Customer, _ string) []byte { return jsonw.Int(b, get(c)) })
}

func ownList(name string, get func(c *model.Customer) []string) wireMember {
	return own(name, func(b []byte, c *model.Customer, _ string) []byte { return jsonw.Strings(b, get(c)) })
}

// FieldOrder is the seed's 46 customer fields in order (for tests and docs).
var FieldOrder = []string{"id", "projectId", "projectName", "name", "phone", "idType", "idNumber", "sex", "age",
	"companyIds", "companyNames", "spaceIds", "spaceNames", "paths", "customerGradeId", "customerGradeName",
	"customerTypeId", "customerTypeName", "contractName", "contractPhone", "address", "email", "remark", "bornDate",
	"nativePlace", "nation", "marriage", "education", "profession", "speciality", "interest", "character",
	"postalCode", "jobNum", "facePhoto", "creationTime", "creatorUserId", "creatorUserName", "lastModificationTime",
	"lastModifierUserId", "lastModifierUserName", "openId", "unionId", "managementForms", "managementFormsId",
	"customerStatus"}

// DisplayPhone shows a stored E.164 number the way the platform's clients
// expect: the national number for China (+8613812345678 → 13812345678;
// landlines get their trunk 0: +862161234567 → 02161234567), E.164 for
// every other country.
func DisplayPhone(e164 string) string {
	rest, ok := strings.CutPrefix(e164, "+86")
	if !ok || rest == "" {
		return e164
	}
	if len(rest) == 11 && rest[0] == '1' {
		return rest
	}
	return "0" + rest
}

// DisplayAddress is the address field: kehu's address, or when that is
// empty the structured parts (as Yeastar writes them) joined by spaces in
// the order country, state, city, street.
func DisplayAddress(c *model.Customer) string {
	if c.Address != "" {
		return c.Address
	}
	parts := make([]string, 0, 4)
	for _, p := range []string{c.Country, c.State, c.City, c.Street} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// writeRaw writes a JSON body built by the appenders.
func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
