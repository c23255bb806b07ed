package yeastar

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/jsonw"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/phone"
	"github.com/kehu/kehu/internal/query"
)

// Customer_Info, Yeastar's customer object, is written member by member
// from infoMembers into a pooled buffer, not by reflection: a page of 100
// is ~40 KB of JSON. Empty fields are left out of the JSON, as in Yeastar's
// own responses; customerId is always there. The output is byte for byte
// what encoding/json wrote for the tagged struct it replaced (info_test.go).

// appendInfo appends c as Customer_Info.
func appendInfo(b []byte, c *model.Customer) []byte {
	b = append(b, '{')
	b = append(b, idKey...)
	b = jsonw.Int(b, c.ID)
	for i := range infoMembers {
		m := &infoMembers[i]
		if v := m.get(c); v != "" {
			b = append(b, m.key...)
			b = jsonw.String(b, v)
		}
	}
	return append(b, '}')
}

// appendList appends the page object of GET /customers.
func appendList(b []byte, size, page int, total int64, cs []*model.Customer) []byte {
	b = append(b, `{"pageSize":`...)
	b = jsonw.Int(b, int64(size))
	b = append(b, `,"pageNumber":`...)
	b = jsonw.Int(b, int64(page))
	b = append(b, `,"total":`...)
	b = jsonw.Int(b, total)
	b = append(b, `,"list":[`...)
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendInfo(b, c)
	}
	return append(b, "]}"...)
}

// infoMember is one text member of Customer_Info: `,"name":` and its value.
type infoMember struct {
	key string
	get func(c *model.Customer) string
}

// idKey opens Customer_Info with the id, named by its descriptor.
var idKey = `"` + model.SystemFieldDesc(model.FieldID).Wire.Yeastar + `":`

// infoMembers are Customer_Info's text members in Yeastar's order. A system
// field is listed by its descriptor, which names it on the wire
// (Wire.Yeastar), with the form its value takes here; the rest are numbers
// kehu keeps only for Yeastar. Adding a system field to Customer_Info is its
// Wire.Yeastar name and one line here (TestEverySystemFieldOnTheWire).
var infoMembers = []infoMember{
	sys(model.FieldFirstName, nil),
	sys(model.FieldLastName, nil),
	sys(model.FieldCompany, nil),
	sys(model.FieldEmail, nil),
	own("businessNumber", func(c *model.Customer) string { return c.BusinessPhone }),
	sys(model.FieldPhone, renderMobile),
	own("homeNumber", func(c *model.Customer) string { return c.HomePhone }),
	own("faxNumber", func(c *model.Customer) string { return c.Fax }),
	sys(model.FieldPostalCode, nil),
	sys(model.FieldStreet, nil),
	sys(model.FieldCity, nil),
	sys(model.FieldState, nil),
	sys(model.FieldCountry, nil),
	sys(model.FieldRemark, nil),
}

// sys is the member of a text system field, named by its descriptor and
// shown through format (nil: as stored).
func sys(id int64, format func(string) string) infoMember {
	d := model.SystemFieldDesc(id)
	if d == nil || d.Wire.Yeastar == "" || d.Ref == nil {
		panic("yeastar: system field " + strconv.FormatInt(id, 10) + " has no Yeastar wire name")
	}
	if _, ok := d.Ref(&model.Customer{}).(*string); !ok {
		panic("yeastar: system field " + d.Key + " is not text")
	}
	get := func(c *model.Customer) string { return *d.Ref(c).(*string) }
	if format != nil {
		return own(d.Wire.Yeastar, func(c *model.Customer) string { return format(get(c)) })
	}
	return own(d.Wire.Yeastar, get)
}

func own(name string, get func(c *model.Customer) string) infoMember {
	return infoMember{key: `,"` + name + `":`, get: get}
}

// renderMobile shows a stored E.164 number the way Yeastar users type it:
// Chinese numbers (+86) in national form without separators (13912345678,
// 01012345678, 4001234567), every other number in E.164.
func renderMobile(e164 string) string {
	nsn, ok := strings.CutPrefix(e164, "+86")
	if !ok {
		return e164
	}
	if len(nsn) == 11 && nsn[0] == '1' { // mobile: national form is the NSN itself
		return nsn
	}
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	if d := phone.Digits(phonenumbers.Format(num, phonenumbers.NATIONAL)); d != "" {
		return d
	}
	return e164
}

// sortFields maps Yeastar's sort fields (the response field names) to
// kehu's sort keys.
var sortFields = map[string]string{
	"customerId":     "id",
	"firstName":      "firstName",
	"lastName":       "lastName",
	"company":        "company",
	"email":          "email",
	"businessNumber": "businessPhone",
	"mobileNumber":   "phone",
	"homeNumber":     "homePhone",
	"faxNumber":      "fax",
	"zipCode":        "postalCode",
	"street":         "street",
	"city":           "city",
	"state":          "state",
	"country":        "country",
	"remark":         "remark",
}

// SortFields lists the accepted sort fields (for documentation and tests).
func SortFields() []string {
	return []string{"customerId", "firstName", "lastName", "company", "email", "businessNumber", "mobileNumber",
		"homeNumber", "faxNumber", "zipCode", "street", "city", "state", "country", "remark"}
}

// intParam reads an optional integer query parameter within [min, max].
func intParam(r *http.Request, name string, def, min, max int) (int, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, paramError(name, "must be an integer, got %q", v)
	}
	if n < min || n > max {
		return 0, paramError(name, "must be between %d and %d, got %d", min, max, n)
	}
	return n, nil
}

// parseSort reads "customerId" or "-customerId". One field; ties are broken
// by customerId in the same direction, so "-x" is exactly the reverse of "x".
// No sort means customerId ascending (creation order).
func parseSort(r *http.Request) ([]query.SortSpec, error) {
	s := strings.TrimSpace(r.URL.Query().Get("sort"))
	if s == "" {
		return []query.SortSpec{{Field: "id"}}, nil
	}
	name, desc := strings.CutPrefix(s, "-")
	if !desc {
		name = strings.TrimPrefix(name, "+")
	}
	key, ok := sortFields[name]
	if !ok {
		return nil, paramError("sort", "unknown sort field %q; use one of %s, optionally prefixed with - for descending", s, strings.Join(SortFields(), ", "))
	}
	return []query.SortSpec{{Field: key, Desc: desc}}, nil
}

// listCustomers is GET /customers?pageSize&pageNumber&sort. Other query
// parameters are ignored.
func (h *Handler) listCustomers(w http.ResponseWriter, r *http.Request) error {
	size, err := intParam(r, "pageSize", DefaultPageSize, 1, MaxPageSize)
	if err != nil {
		return err
	}
	page, err := intParam(r, "pageNumber", 1, 1, maxPageNumber)
	if err != nil {
		return err
	}
	sort, err := parseSort(r)
	if err != nil {
		return err
	}
	res, err := h.Svc.Search(r.Context(), whoOf(r), &query.Request{Sort: sort,
		PageSize: size, Page: page, Total: query.TotalExact}, nil)
	if err != nil {
		return err
	}
	h.writeOKWith(w, r, func(b []byte) []byte { return appendList(b, size, page, res.Total, res.Customers) })
	return nil
}

// pathID reads {customerId}.
func pathID(r *http.Request) (int64, error) {
	v := r.PathValue("customerId")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, paramError("customerId", "must be a positive integer, got %q", v)
	}
	return id, nil
}

// customerOf loads a customer the caller may see: another tenant's id, or
// one the caller may not see, is not found like a missing id.
func (h *Handler) customerOf(r *http.Request, id int64) (*model.Customer, error) {
	c, err := h.Svc.CustomerPage(r.Context(), whoOf(r), id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, notFound(id)
	}
	return c, err
}

func (h *Handler) getCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := h.customerOf(r, id)
	if err != nil {
		return err
	}
	h.writeOKWith(w, r, func(b []byte) []byte { return appendInfo(b, c) })
	return nil
}

// customerIn is the body of POST and PUT /customers: the 14 writable
// Yeastar fields, read as YCM's Jackson reads them (httpx.DecodeLenient).
// customerId is the server's: ignored when null, 0 or "", refused on POST
// with a real value and on PUT when it differs from the path's id.
type customerIn struct {
	CustomerID     *int64  `json:"customerId" kehu:"server"`
	FirstName      *string `json:"firstName"`
	LastName       *string `json:"lastName"`
	Company        *string `json:"company"`
	Email          *string `json:"email"`
	BusinessNumber *string `json:"businessNumber"`
	MobileNumber   *string `json:"mobileNumber"`
	HomeNumber     *string `json:"homeNumber"`
	FaxNumber      *string `json:"faxNumber"`
	ZipCode        *string `json:"zipCode"`
	Street         *string `json:"street"`
	City           *string `json:"city"`
	State          *string `json:"state"`
	Country        *string `json:"country"`
	Remark         *string `json:"remark"`
}

func decodeCustomer(r *http.Request) (*customerIn, error) {
	body, err := httpx.ReadBody(r, httpx.MaxBody)
	if err != nil {
		return nil, err
	}
	var in customerIn
	if err := httpx.DecodeLenient(r.Context(), body, &in); err != nil {
		return nil, err
	}
	// firstName, company and email are required on create and on replace.
	for _, f := range []struct {
		name string
		v    *string
	}{{"firstName", in.FirstName}, {"company", in.Company}, {"email", in.Email}} {
		if f.v == nil || strings.TrimSpace(*f.v) == "" {
			return nil, paramError(f.name, "is required")
		}
	}
	return &in, nil
}

// input builds a crm write that sets all 14 Yeastar fields: a field left
// out (or null) becomes empty. kehu's other fields are not touched; name is
// derived from firstName and lastName by crm.
func (in *customerIn) input() *crm.CustomerInput {
	v := func(p *string) *string {
		if p == nil {
			return crm.Ptr("")
		}
		return p
	}
	return &crm.CustomerInput{
		FirstName: v(in.FirstName), LastName: v(in.LastName), Company: v(in.Company), Email: v(in.Email),
		BusinessPhone: v(in.BusinessNumber), Phone: v(in.MobileNumber), HomePhone: v(in.HomeNumber), Fax: v(in.FaxNumber),
		PostalCode: v(in.ZipCode), Street: v(in.Street), City: v(in.City), State: v(in.State), Country: v(in.Country),
		Remark: v(in.Remark),
	}
}

type createdOut struct {
	CustomerID int64 `json:"customerId"`
}

func (h *Handler) createCustomer(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeCustomer(r)
	if err != nil {
		return err
	}
	if in.CustomerID != nil {
		return paramError("customerId", "is assigned by the server; leave it out")
	}
	c, err := h.Svc.CreateCustomer(r.Context(), whoOf(r), in.input())
	if err != nil {
		return err
	}
	h.writeOK(w, r, createdOut{CustomerID: c.ID})
	return nil
}

// updateCustomer is PUT /customers/{customerId}: a full replace of the 14
// Yeastar fields.
func (h *Handler) updateCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decodeCustomer(r)
	if err != nil {
		return err
	}
	if in.CustomerID != nil && *in.CustomerID != id {
		return paramError("customerId", "%d in the body differs from %d in the path", *in.CustomerID, id)
	}
	if _, err := h.Svc.UpdateCustomer(r.Context(), whoOf(r), id, in.input()); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return notFound(id)
		}
		return err
	}
	h.writeOK(w, r, nil)
	return nil
}

type deleteIn struct {
	CustomerIDs *[]int64 `json:"customerIds"`
}

// deleteCustomers is DELETE /customers {"customerIds":[…]}: all or
// nothing. If one id is not a customer the caller may see, nothing is
// deleted and the answer is 60001 naming that id.
func (h *Handler) deleteCustomers(w http.ResponseWriter, r *http.Request) error {
	body, err := httpx.ReadBody(r, httpx.MaxBody)
	if err != nil {
		return err
	}
	var in deleteIn
	if err := httpx.DecodeLenient(r.Context(), body, &in); err != nil {
		return err
	}
	if in.CustomerIDs == nil {
		return paramError("customerIds", "is required")
	}
	if len(*in.CustomerIDs) == 0 {
		return paramError("customerIds", "must list at least one customer id")
	}
	if len(*in.CustomerIDs) > MaxDeleteIDs {
		return paramError("customerIds", "at most %d ids per request, got %d", MaxDeleteIDs, len(*in.CustomerIDs))
	}
	var ids []int64
	seen := map[int64]bool{}
	for i, id := range *in.CustomerIDs {
		if id <= 0 {
			return paramError("customerIds["+strconv.Itoa(i)+"]", "must be a positive integer, got %d", id)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	err = h.Svc.DeleteCustomers(r.Context(), whoOf(r), ids)
	if errors.Is(err, model.ErrNotFound) {
		// Nothing was deleted; name the first id the caller cannot see.
		for _, id := range ids {
			if _, err := h.Svc.Customer(r.Context(), whoOf(r), id); errors.Is(err, model.ErrNotFound) {
				return notFound(id)
			}
		}
		return &failure{status: http.StatusNotFound, code: CodeNotFound, msg: "NOT FOUND: a customer in customerIds does not exist"}
	}
	if err != nil {
		return err
	}
	by := whoOf(r)
	for _, id := range ids {
		if err := audit.Record(r.Context(), h.Svc.Store, by, audit.CustomerDelete, audit.Customer(id), nil); err != nil {
			return err
		}
	}
	h.writeOK(w, r, nil)
	return nil
}
