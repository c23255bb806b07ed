package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/textindex"
)

// column maps one customers column to the model: how to write it and where
// to scan it. One table of these keeps INSERT, UPDATE and SELECT in step.
// System fields come from their descriptors (model.SystemFieldDescs, see
// sys in customer_sysfields.go); a descriptor this table does not list is
// appended, so a new system field needs only its entry and its migration.
type column struct {
	name string
	arg  func(c *model.Customer) any
	// dest returns a scan destination; fin (optional) moves it into c
	// after Scan.
	dest func(c *model.Customer, tmp *scanTmp) any
	fin  func(c *model.Customer, tmp *scanTmp)
}

// scanTmp holds values that need conversion after Scan. System fields take
// numbered slots (sys assigns them).
type scanTmp struct {
	phones, companyIDs, spaceIDs, spaceNames, path sql.NullString
	lastFollow, nextFollow                         int64
	lastFollowUser                                 sql.NullInt64
	homePool                                       sql.NullInt64
	poolEntered, stageChanged                      int64
	custom                                         string
	strs                                           [maxSlots]sql.NullString
	ints                                           [maxSlots]sql.NullInt64
	millis                                         [maxSlots]int64
}

var customerCols = []column{
	sys(model.FieldID),
	sys(model.FieldProject),
	sys(model.FieldExternalID),
	sys(model.FieldName),
	{"name_norm", func(c *model.Customer) any { return textindex.Normalize(c.Name) }, nil, nil},
	sys(model.FieldFirstName),
	sys(model.FieldLastName),
	sys(model.FieldPhone),
	{"phone_rev", func(c *model.Customer) any { return nullStr(ReversedDigits(c.Phone)) }, nil, nil},
	{"phones", func(c *model.Customer) any { return jsonList(c.Phones) }, func(_ *model.Customer, t *scanTmp) any { return &t.phones }, nil},
	sys(model.FieldEmail),
	sys(model.FieldCompany),
	{"company_norm", func(c *model.Customer) any { return textindex.Normalize(c.Company) }, nil, nil},
	{"company_ids", func(c *model.Customer) any { return jsonList(c.CompanyIDs) }, func(_ *model.Customer, t *scanTmp) any { return &t.companyIDs }, nil},
	sys(model.FieldAddress),
	sys(model.FieldStreet),
	sys(model.FieldCity),
	sys(model.FieldState),
	sys(model.FieldCountry),
	sys(model.FieldPostalCode),
	{"business_phone", func(c *model.Customer) any { return c.BusinessPhone }, func(c *model.Customer, _ *scanTmp) any { return &c.BusinessPhone }, nil},
	{"home_phone", func(c *model.Customer) any { return c.HomePhone }, func(c *model.Customer, _ *scanTmp) any { return &c.HomePhone }, nil},
	{"fax", func(c *model.Customer) any { return c.Fax }, func(c *model.Customer, _ *scanTmp) any { return &c.Fax }, nil},
	sys(model.FieldRemark),
	sys(model.FieldStatus),
	sys(model.FieldOwner),
	sys(model.FieldStage),
	sys(model.FieldCollaborators),
	sys(model.FieldTags),
	sys(model.FieldIDType),
	sys(model.FieldIDNumber),
	sys(model.FieldSex),
	sys(model.FieldAge),
	sys(model.FieldBornDate),
	{"space_ids", func(c *model.Customer) any { return jsonList(c.SpaceIDs) }, func(_ *model.Customer, t *scanTmp) any { return &t.spaceIDs }, nil},
	{"space_names", func(c *model.Customer) any { return jsonList(c.SpaceNames) }, func(_ *model.Customer, t *scanTmp) any { return &t.spaceNames }, nil},
	{"paths", func(c *model.Customer) any { return jsonList(c.Paths) }, func(_ *model.Customer, t *scanTmp) any { return &t.path }, nil},
	{"grade_id", func(c *model.Customer) any { return c.GradeID }, func(c *model.Customer, _ *scanTmp) any { return &c.GradeID }, nil},
	{"grade_name", func(c *model.Customer) any { return c.GradeName }, func(c *model.Customer, _ *scanTmp) any { return &c.GradeName }, nil},
	{"type_id", func(c *model.Customer) any { return c.TypeID }, func(c *model.Customer, _ *scanTmp) any { return &c.TypeID }, nil},
	{"type_name", func(c *model.Customer) any { return c.TypeName }, func(c *model.Customer, _ *scanTmp) any { return &c.TypeName }, nil},
	{"contact_name", func(c *model.Customer) any { return c.ContactName }, func(c *model.Customer, _ *scanTmp) any { return &c.ContactName }, nil},
	{"contact_phone", func(c *model.Customer) any { return c.ContactPhone }, func(c *model.Customer, _ *scanTmp) any { return &c.ContactPhone }, nil},
	{"native_place", func(c *model.Customer) any { return c.NativePlace }, func(c *model.Customer, _ *scanTmp) any { return &c.NativePlace }, nil},
	{"nation", func(c *model.Customer) any { return c.Nation }, func(c *model.Customer, _ *scanTmp) any { return &c.Nation }, nil},
	sys(model.FieldMarriage),
	sys(model.FieldEducation),
	{"profession", func(c *model.Customer) any { return c.Profession }, func(c *model.Customer, _ *scanTmp) any { return &c.Profession }, nil},
	{"speciality", func(c *model.Customer) any { return c.Speciality }, func(c *model.Customer, _ *scanTmp) any { return &c.Speciality }, nil},
	{"interest", func(c *model.Customer) any { return c.Interest }, func(c *model.Customer, _ *scanTmp) any { return &c.Interest }, nil},
	{"personality", func(c *model.Customer) any { return c.Character }, func(c *model.Customer, _ *scanTmp) any { return &c.Character }, nil},
	{"job_num", func(c *model.Customer) any { return c.JobNum }, func(c *model.Customer, _ *scanTmp) any { return &c.JobNum }, nil},
	{"face_photo", func(c *model.Customer) any { return c.FacePhoto }, func(c *model.Customer, _ *scanTmp) any { return &c.FacePhoto }, nil},
	{"open_id", func(c *model.Customer) any { return c.OpenID }, func(c *model.Customer, _ *scanTmp) any { return &c.OpenID }, nil},
	{"union_id", func(c *model.Customer) any { return c.UnionID }, func(c *model.Customer, _ *scanTmp) any { return &c.UnionID }, nil},
	{"management_forms", func(c *model.Customer) any { return c.ManagementForms }, func(c *model.Customer, _ *scanTmp) any { return &c.ManagementForms }, nil},
	{"management_forms_id", func(c *model.Customer) any { return c.ManagementFormsID }, func(c *model.Customer, _ *scanTmp) any { return &c.ManagementFormsID }, nil},
	{"custom", func(c *model.Customer) any { return customJSON(c.Custom) }, func(_ *model.Customer, t *scanTmp) any { return &t.custom }, nil},
	{"last_follow_at", func(c *model.Customer) any { return model.Millis(c.LastFollowAt) }, func(_ *model.Customer, t *scanTmp) any { return &t.lastFollow }, nil},
	{"last_follow_user", func(c *model.Customer) any { return nullInt(c.LastFollowUserID) }, func(_ *model.Customer, t *scanTmp) any { return &t.lastFollowUser }, nil},
	{"next_follow_at", func(c *model.Customer) any { return model.Millis(c.NextFollowAt) }, func(_ *model.Customer, t *scanTmp) any { return &t.nextFollow }, nil},
	// 公海 state (0015): pool, claimedAt and protectedUntil are system
	// fields; the rest only pool actions and recycling read.
	sys(model.FieldPool),
	{"home_pool_id", func(c *model.Customer) any { return nullInt(c.HomePoolID) }, func(_ *model.Customer, t *scanTmp) any { return &t.homePool }, nil},
	sys(model.FieldClaimedAt),
	sys(model.FieldProtectedUntil),
	{"pool_entered_at", func(c *model.Customer) any { return model.Millis(c.PoolEnteredAt) }, func(_ *model.Customer, t *scanTmp) any { return &t.poolEntered }, nil},
	{"pool_entry", func(c *model.Customer) any { return c.PoolEntry }, func(c *model.Customer, _ *scanTmp) any { return &c.PoolEntry }, nil},
	{"pool_reason", func(c *model.Customer) any { return c.PoolReason }, func(c *model.Customer, _ *scanTmp) any { return &c.PoolReason }, nil},
	{"stage_changed_at", func(c *model.Customer) any { return model.Millis(c.StageChangedAt) }, func(_ *model.Customer, t *scanTmp) any { return &t.stageChanged }, nil},
	sys(model.FieldCreatedAt),
	sys(model.FieldUpdatedAt),
	{"created_by", func(c *model.Customer) any { return c.CreatedBy }, func(c *model.Customer, _ *scanTmp) any { return &c.CreatedBy }, nil},
	{"created_by_name", func(c *model.Customer) any { return c.CreatedByName }, func(c *model.Customer, _ *scanTmp) any { return &c.CreatedByName }, nil},
	{"updated_by", func(c *model.Customer) any { return c.UpdatedBy }, func(c *model.Customer, _ *scanTmp) any { return &c.UpdatedBy }, nil},
	{"updated_by_name", func(c *model.Customer) any { return c.UpdatedByName }, func(c *model.Customer, _ *scanTmp) any { return &c.UpdatedByName }, nil},
}

// Column lists derived once from customerCols.
var (
	insertColumns      string
	insertPlaceholders string
	updateAssignments  string
	finCols            []column // read columns with a fin
	// layouts is how each dialect reads a customer (see readLayout).
	layouts = map[string]*readLayout{}
)

// readLayout is one dialect's SELECT list for a customer and how a row of
// it is scanned: plain columns one by one, then (SQLite) the packed ones
// from the values of packedGroups.
//
// Why pack: through modernc's driver every column read takes the
// connection's mutex twice (its type, then its value) and converts it for
// database/sql, about 0.25 µs a column; a customer has ~70 columns, and a
// 4,000-row page spent more time reading columns than finding its rows.
// The NOT NULL text columns (36 of them, most of them empty) come back
// instead as a few values of the form "len:bytes len:bytes …" that SQLite
// builds with concat, one read each; the strings are cut from that value
// without copying. PostgreSQL's driver reads columns cheaply and keeps
// them one by one.
type readLayout struct {
	selectList string
	plain      []column
	packed     []column
	groups     int // values the packed columns come in
}

// packGroup is the most columns one concat packs (3 arguments each: SQLite
// caps a function's arguments, at 127 in older builds).
const packGroup = 40

// maxPackGroups bounds the groups (a fixed array: no allocation a row).
const maxPackGroups = 3

func init() {
	var ins, ph, upd []string
	listed := map[string]bool{}
	for _, col := range customerCols {
		listed[col.name] = true
	}
	for i := range model.SystemFieldDescs {
		if d := &model.SystemFieldDescs[i]; d.Column != "" && !listed[d.Column] {
			customerCols = append(customerCols, sys(d.ID))
		}
	}
	plain, packed := &readLayout{}, &readLayout{}
	var plainSel, packedSel, groups []string
	for _, col := range customerCols {
		ins = append(ins, col.name)
		ph = append(ph, "?")
		if col.name != "id" {
			upd = append(upd, col.name+" = ?")
		}
		if col.dest == nil {
			continue
		}
		plainSel = append(plainSel, "c."+col.name)
		plain.plain = append(plain.plain, col)
		if col.fin != nil {
			finCols = append(finCols, col)
		}
		if packable(col) {
			packed.packed = append(packed.packed, col)
		} else {
			packedSel = append(packedSel, "c."+col.name)
			packed.plain = append(packed.plain, col)
		}
	}
	for start := 0; start < len(packed.packed); start += packGroup {
		var args []string
		for _, col := range packed.packed[start:min(start+packGroup, len(packed.packed))] {
			args = append(args, "octet_length(c."+col.name+"), ':', c."+col.name)
		}
		groups = append(groups, "concat("+strings.Join(args, ", ")+")")
	}
	packed.groups = len(groups)
	if packed.groups > len([maxPackGroups]string{}) {
		panic("store: too many packed customer columns")
	}
	plain.selectList = strings.Join(plainSel, ", ")
	packed.selectList = strings.Join(append(packedSel, groups...), ", ")
	layouts[Postgres], layouts[SQLite] = plain, packed
	insertColumns = "tenant_id, " + strings.Join(ins, ", ")
	insertPlaceholders = "?, " + strings.Join(ph, ", ")
	updateAssignments = strings.Join(upd, ", ")
}

// packable is a column read into a plain string with no conversion: a NOT
// NULL text column (TestPackedColumnsAreNotNullText checks the schema),
// which SQLite packs.
func packable(col column) bool {
	var t scanTmp
	_, ok := col.dest(&model.Customer{}, &t).(*string)
	return ok && col.fin == nil
}

// CustomerColumns is dialect's SELECT list (over "customers c") that
// ScanCustomer reads.
func CustomerColumns(dialect string) string { return layouts[dialect].selectList }

// Scanner is *sql.Row or *sql.Rows.
type Scanner interface{ Scan(dest ...any) error }

// ScanCustomer scans one row selected with CustomerColumns(dialect).
func ScanCustomer(sc Scanner, dialect string, tenantID int64, c *model.Customer) error {
	return ScanCustomerWith(sc, dialect, tenantID, c)
}

// ScanCustomerWith scans a row selected with CustomerColumns(dialect)
// followed by extra columns into extra.
func ScanCustomerWith(sc Scanner, dialect string, tenantID int64, c *model.Customer, extra ...any) error {
	l := layouts[dialect]
	var t scanTmp
	var packs [maxPackGroups]string
	dest := make([]any, len(l.plain), len(l.plain)+l.groups+len(extra))
	for i, col := range l.plain {
		dest[i] = col.dest(c, &t)
	}
	for g := range l.groups {
		dest = append(dest, &packs[g])
	}
	dest = append(dest, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	if l.groups > 0 {
		if err := unpack(l.packed, packs[:l.groups], c, &t); err != nil {
			return err
		}
	}
	c.TenantID = tenantID
	for _, col := range finCols {
		col.fin(c, &t)
	}
	c.Phones = fromJSONList[string](t.phones)
	c.CompanyIDs = fromJSONList[string](t.companyIDs)
	c.SpaceIDs = fromJSONList[string](t.spaceIDs)
	c.SpaceNames = fromJSONList[string](t.spaceNames)
	c.Paths = fromJSONList[string](t.path)
	c.LastFollowAt = model.FromMillis(t.lastFollow)
	c.LastFollowUserID = t.lastFollowUser.Int64
	c.NextFollowAt = model.FromMillis(t.nextFollow)
	c.HomePoolID = t.homePool.Int64
	c.PoolEnteredAt, c.StageChangedAt = model.FromMillis(t.poolEntered), model.FromMillis(t.stageChanged)
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

// unpack cuts the packed columns' strings from their groups' values.
func unpack(cols []column, packs []string, c *model.Customer, t *scanTmp) error {
	g, v := 0, packs[0]
	for i, col := range cols {
		if i > 0 && i%packGroup == 0 {
			if v != "" {
				return fmt.Errorf("store: packed customer columns: %d bytes left over", len(v))
			}
			g++
			v = packs[g]
		}
		colon := strings.IndexByte(v, ':')
		n, err := strconv.Atoi(v[:max(colon, 0)])
		if colon < 0 || err != nil || n < 0 || n > len(v)-colon-1 {
			return fmt.Errorf("store: packed customer column %s is malformed", col.name)
		}
		*col.dest(c, t).(*string) = v[colon+1 : colon+1+n]
		v = v[colon+1+n:]
	}
	if v != "" {
		return fmt.Errorf("store: packed customer columns: %d bytes left over", len(v))
	}
	return nil
}
