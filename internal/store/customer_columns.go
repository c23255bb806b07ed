package store

import (
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/textindex"
)

// column maps one customers column to the model: how to write it and where
// to scan it. One table of these keeps INSERT, UPDATE and SELECT in step.
type column struct {
	name string
	arg  func(c *model.Customer) any
	// dest returns a scan destination; fin (optional) moves it into c.
	dest func(c *model.Customer, tmp *scanTmp) any
}

// scanTmp holds values that need conversion after Scan.
type scanTmp struct {
	project, owner, stage                          sql.NullInt64
	externalID, phone, email, idNumber             sql.NullString
	phones, companyIDs, spaceIDs, spaceNames, path sql.NullString
	collab, tags                                   sql.NullString
	created, updated                               int64
	lastFollow, nextFollow                         int64
	lastFollowUser                                 sql.NullInt64
	custom                                         string
}

var customerCols = []column{
	{"id", func(c *model.Customer) any { return c.ID }, func(c *model.Customer, _ *scanTmp) any { return &c.ID }},
	{"project_id", func(c *model.Customer) any { return nullInt(c.ProjectID) }, func(_ *model.Customer, t *scanTmp) any { return &t.project }},
	{"external_id", func(c *model.Customer) any { return nullStr(c.ExternalID) }, func(_ *model.Customer, t *scanTmp) any { return &t.externalID }},
	{"name", func(c *model.Customer) any { return c.Name }, func(c *model.Customer, _ *scanTmp) any { return &c.Name }},
	{"name_norm", func(c *model.Customer) any { return textindex.Normalize(c.Name) }, nil},
	{"first_name", func(c *model.Customer) any { return c.FirstName }, func(c *model.Customer, _ *scanTmp) any { return &c.FirstName }},
	{"last_name", func(c *model.Customer) any { return c.LastName }, func(c *model.Customer, _ *scanTmp) any { return &c.LastName }},
	{"phone", func(c *model.Customer) any { return nullStr(c.Phone) }, func(_ *model.Customer, t *scanTmp) any { return &t.phone }},
	{"phone_rev", func(c *model.Customer) any { return nullStr(ReversedDigits(c.Phone)) }, nil},
	{"phones", func(c *model.Customer) any { return jsonList(c.Phones) }, func(_ *model.Customer, t *scanTmp) any { return &t.phones }},
	{"email", func(c *model.Customer) any { return nullStr(c.Email) }, func(_ *model.Customer, t *scanTmp) any { return &t.email }},
	{"company", func(c *model.Customer) any { return c.Company }, func(c *model.Customer, _ *scanTmp) any { return &c.Company }},
	{"company_norm", func(c *model.Customer) any { return textindex.Normalize(c.Company) }, nil},
	{"company_ids", func(c *model.Customer) any { return jsonList(c.CompanyIDs) }, func(_ *model.Customer, t *scanTmp) any { return &t.companyIDs }},
	{"address", func(c *model.Customer) any { return c.Address }, func(c *model.Customer, _ *scanTmp) any { return &c.Address }},
	{"street", func(c *model.Customer) any { return c.Street }, func(c *model.Customer, _ *scanTmp) any { return &c.Street }},
	{"city", func(c *model.Customer) any { return c.City }, func(c *model.Customer, _ *scanTmp) any { return &c.City }},
	{"state", func(c *model.Customer) any { return c.State }, func(c *model.Customer, _ *scanTmp) any { return &c.State }},
	{"country", func(c *model.Customer) any { return c.Country }, func(c *model.Customer, _ *scanTmp) any { return &c.Country }},
	{"postal_code", func(c *model.Customer) any { return c.PostalCode }, func(c *model.Customer, _ *scanTmp) any { return &c.PostalCode }},
	{"business_phone", func(c *model.Customer) any { return c.BusinessPhone }, func(c *model.Customer, _ *scanTmp) any { return &c.BusinessPhone }},
	{"home_phone", func(c *model.Customer) any { return c.HomePhone }, func(c *model.Customer, _ *scanTmp) any { return &c.HomePhone }},
	{"fax", func(c *model.Customer) any { return c.Fax }, func(c *model.Customer, _ *scanTmp) any { return &c.Fax }},
	{"remark", func(c *model.Customer) any { return c.Remark }, func(c *model.Customer, _ *scanTmp) any { return &c.Remark }},
	{"status", func(c *model.Customer) any { return c.Status }, func(c *model.Customer, _ *scanTmp) any { return &c.Status }},
	{"owner_id", func(c *model.Customer) any { return nullInt(c.OwnerID) }, func(_ *model.Customer, t *scanTmp) any { return &t.owner }},
	{"stage_id", func(c *model.Customer) any { return nullInt(c.StageID) }, func(_ *model.Customer, t *scanTmp) any { return &t.stage }},
	{"collaborator_ids", func(c *model.Customer) any { return jsonList(c.CollaboratorIDs) }, func(_ *model.Customer, t *scanTmp) any { return &t.collab }},
	{"tag_ids", func(c *model.Customer) any { return jsonList(c.TagIDs) }, func(_ *model.Customer, t *scanTmp) any { return &t.tags }},
	{"id_type", func(c *model.Customer) any { return c.IDType }, func(c *model.Customer, _ *scanTmp) any { return &c.IDType }},
	{"id_number", func(c *model.Customer) any { return nullStr(c.IDNumber) }, func(_ *model.Customer, t *scanTmp) any { return &t.idNumber }},
	{"sex", func(c *model.Customer) any { return c.Sex }, func(c *model.Customer, _ *scanTmp) any { return &c.Sex }},
	{"age", func(c *model.Customer) any { return c.Age }, func(c *model.Customer, _ *scanTmp) any { return &c.Age }},
	{"born_date", func(c *model.Customer) any { return c.BornDate }, func(c *model.Customer, _ *scanTmp) any { return &c.BornDate }},
	{"space_ids", func(c *model.Customer) any { return jsonList(c.SpaceIDs) }, func(_ *model.Customer, t *scanTmp) any { return &t.spaceIDs }},
	{"space_names", func(c *model.Customer) any { return jsonList(c.SpaceNames) }, func(_ *model.Customer, t *scanTmp) any { return &t.spaceNames }},
	{"paths", func(c *model.Customer) any { return jsonList(c.Paths) }, func(_ *model.Customer, t *scanTmp) any { return &t.path }},
	{"grade_id", func(c *model.Customer) any { return c.GradeID }, func(c *model.Customer, _ *scanTmp) any { return &c.GradeID }},
	{"grade_name", func(c *model.Customer) any { return c.GradeName }, func(c *model.Customer, _ *scanTmp) any { return &c.GradeName }},
	{"type_id", func(c *model.Customer) any { return c.TypeID }, func(c *model.Customer, _ *scanTmp) any { return &c.TypeID }},
	{"type_name", func(c *model.Customer) any { return c.TypeName }, func(c *model.Customer, _ *scanTmp) any { return &c.TypeName }},
	{"contact_name", func(c *model.Customer) any { return c.ContactName }, func(c *model.Customer, _ *scanTmp) any { return &c.ContactName }},
	{"contact_phone", func(c *model.Customer) any { return c.ContactPhone }, func(c *model.Customer, _ *scanTmp) any { return &c.ContactPhone }},
	{"native_place", func(c *model.Customer) any { return c.NativePlace }, func(c *model.Customer, _ *scanTmp) any { return &c.NativePlace }},
	{"nation", func(c *model.Customer) any { return c.Nation }, func(c *model.Customer, _ *scanTmp) any { return &c.Nation }},
	{"marriage", func(c *model.Customer) any { return c.Marriage }, func(c *model.Customer, _ *scanTmp) any { return &c.Marriage }},
	{"education", func(c *model.Customer) any { return c.Education }, func(c *model.Customer, _ *scanTmp) any { return &c.Education }},
	{"profession", func(c *model.Customer) any { return c.Profession }, func(c *model.Customer, _ *scanTmp) any { return &c.Profession }},
	{"speciality", func(c *model.Customer) any { return c.Speciality }, func(c *model.Customer, _ *scanTmp) any { return &c.Speciality }},
	{"interest", func(c *model.Customer) any { return c.Interest }, func(c *model.Customer, _ *scanTmp) any { return &c.Interest }},
	{"personality", func(c *model.Customer) any { return c.Character }, func(c *model.Customer, _ *scanTmp) any { return &c.Character }},
	{"job_num", func(c *model.Customer) any { return c.JobNum }, func(c *model.Customer, _ *scanTmp) any { return &c.JobNum }},
	{"face_photo", func(c *model.Customer) any { return c.FacePhoto }, func(c *model.Customer, _ *scanTmp) any { return &c.FacePhoto }},
	{"open_id", func(c *model.Customer) any { return c.OpenID }, func(c *model.Customer, _ *scanTmp) any { return &c.OpenID }},
	{"union_id", func(c *model.Customer) any { return c.UnionID }, func(c *model.Customer, _ *scanTmp) any { return &c.UnionID }},
	{"management_forms", func(c *model.Customer) any { return c.ManagementForms }, func(c *model.Customer, _ *scanTmp) any { return &c.ManagementForms }},
	{"management_forms_id", func(c *model.Customer) any { return c.ManagementFormsID }, func(c *model.Customer, _ *scanTmp) any { return &c.ManagementFormsID }},
	{"custom", func(c *model.Customer) any { return customJSON(c.Custom) }, func(_ *model.Customer, t *scanTmp) any { return &t.custom }},
	{"last_follow_at", func(c *model.Customer) any { return model.Millis(c.LastFollowAt) }, func(_ *model.Customer, t *scanTmp) any { return &t.lastFollow }},
	{"last_follow_user", func(c *model.Customer) any { return nullInt(c.LastFollowUserID) }, func(_ *model.Customer, t *scanTmp) any { return &t.lastFollowUser }},
	{"next_follow_at", func(c *model.Customer) any { return model.Millis(c.NextFollowAt) }, func(_ *model.Customer, t *scanTmp) any { return &t.nextFollow }},
	{"created_at", func(c *model.Customer) any { return model.Millis(c.CreatedAt) }, func(_ *model.Customer, t *scanTmp) any { return &t.created }},
	{"updated_at", func(c *model.Customer) any { return model.Millis(c.UpdatedAt) }, func(_ *model.Customer, t *scanTmp) any { return &t.updated }},
	{"created_by", func(c *model.Customer) any { return c.CreatedBy }, func(c *model.Customer, _ *scanTmp) any { return &c.CreatedBy }},
	{"created_by_name", func(c *model.Customer) any { return c.CreatedByName }, func(c *model.Customer, _ *scanTmp) any { return &c.CreatedByName }},
	{"updated_by", func(c *model.Customer) any { return c.UpdatedBy }, func(c *model.Customer, _ *scanTmp) any { return &c.UpdatedBy }},
	{"updated_by_name", func(c *model.Customer) any { return c.UpdatedByName }, func(c *model.Customer, _ *scanTmp) any { return &c.UpdatedByName }},
}

// Column lists derived once from customerCols.
var (
	// CustomerSelectColumns is the SELECT list (prefixed with "c.") matching ScanCustomer.
	CustomerSelectColumns string
	insertColumns         string
	insertPlaceholders    string
	updateAssignments     string
	readCols              []column
)

func init() {
	var sel, ins, ph, upd []string
	for _, col := range customerCols {
		ins = append(ins, col.name)
		ph = append(ph, "?")
		if col.name != "id" {
			upd = append(upd, col.name+" = ?")
		}
		if col.dest != nil {
			sel = append(sel, "c."+col.name)
			readCols = append(readCols, col)
		}
	}
	CustomerSelectColumns = strings.Join(sel, ", ")
	insertColumns = "tenant_id, " + strings.Join(ins, ", ")
	insertPlaceholders = "?, " + strings.Join(ph, ", ")
	updateAssignments = strings.Join(upd, ", ")
}

// Scanner is *sql.Row or *sql.Rows.
type Scanner interface{ Scan(dest ...any) error }

// ScanCustomer scans one row selected with CustomerSelectColumns.
func ScanCustomer(sc Scanner, tenantID int64, c *model.Customer) error {
	return ScanCustomerWith(sc, tenantID, c)
}

// ScanCustomerWith scans a row selected with CustomerSelectColumns followed
// by extra columns into extra.
func ScanCustomerWith(sc Scanner, tenantID int64, c *model.Customer, extra ...any) error {
	var t scanTmp
	dest := make([]any, len(readCols), len(readCols)+len(extra))
	for i, col := range readCols {
		dest[i] = col.dest(c, &t)
	}
	dest = append(dest, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	c.TenantID = tenantID
	c.ProjectID = t.project.Int64
	c.OwnerID = t.owner.Int64
	c.StageID = t.stage.Int64
	c.ExternalID = t.externalID.String
	c.Phone = t.phone.String
	c.Email = t.email.String
	c.IDNumber = t.idNumber.String
	c.Phones = fromJSONList[string](t.phones)
	c.CompanyIDs = fromJSONList[string](t.companyIDs)
	c.SpaceIDs = fromJSONList[string](t.spaceIDs)
	c.SpaceNames = fromJSONList[string](t.spaceNames)
	c.Paths = fromJSONList[string](t.path)
	c.CollaboratorIDs = fromJSONList[int64](t.collab)
	c.TagIDs = fromJSONList[int64](t.tags)
	c.CreatedAt = model.FromMillis(t.created)
	c.UpdatedAt = model.FromMillis(t.updated)
	c.LastFollowAt = model.FromMillis(t.lastFollow)
	c.LastFollowUserID = t.lastFollowUser.Int64
	c.NextFollowAt = model.FromMillis(t.nextFollow)
	if t.custom != "" && t.custom != "{}" {
		c.Custom = json.RawMessage(t.custom)
	} else {
		c.Custom = nil
	}
	return nil
}

func customerArgs(c *model.Customer) []any {
	args := make([]any, 0, len(customerCols)+1)
	args = append(args, c.TenantID)
	for _, col := range customerCols {
		args = append(args, col.arg(c))
	}
	return args
}

func jsonList[T any](v []T) any {
	if len(v) == 0 {
		return nil
	}
	if ids, ok := any(v).([]int64); ok { // tags and collaborators: the common case, without reflection
		b := make([]byte, 0, 2+len(ids)*16)
		b = append(b, '[')
		for i, id := range ids {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, id, 10)
		}
		return string(append(b, ']'))
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func fromJSONList[T any](s sql.NullString) []T {
	if !s.Valid || s.String == "" {
		return nil
	}
	var zero T
	if _, ok := any(zero).(int64); ok {
		if ids, ok := parseIntList(s.String); ok {
			return any(ids).([]T)
		}
	}
	var out []T
	if json.Unmarshal([]byte(s.String), &out) != nil {
		return nil
	}
	return out
}

func customJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "{}"
	}
	return string(raw)
}

// ReversedDigits returns the digits of an E.164 number in reverse order, so
// a last-digits search is a prefix range on an index.
func ReversedDigits(phone string) string {
	if phone == "" {
		return ""
	}
	b := make([]byte, 0, len(phone))
	for i := len(phone) - 1; i >= 0; i-- {
		if c := phone[i]; c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b)
}

// parseIntList parses a JSON array of integers as jsonList writes it
// ("[1,2,3]", no spaces); anything else reports false.
func parseIntList(s string) ([]int64, bool) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	if body == "" {
		return []int64{}, true
	}
	out := make([]int64, 0, strings.Count(body, ",")+1)
	for body != "" {
		part := body
		if i := strings.IndexByte(body, ','); i >= 0 {
			part, body = body[:i], body[i+1:]
			if body == "" {
				return nil, false
			}
		} else {
			body = ""
		}
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}
