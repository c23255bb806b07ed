// Package seed fills a tenant with realistic demo data from
// internal/fakedata: a catalogue (custom fields of several types, tags,
// departments with staff, sales stages) and any number of customers. It
// backs `kehu demo` and the loading phase of `kehu bench`.
package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kehu/kehu/internal/fakedata"
	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Setup is a tenant's seeded catalogue.
type Setup struct {
	TenantID  int64
	ProjectID int64
	// Projects, when set, spread the customers over several projects:
	// 40 % in Projects[0], then 25, 20 and 10 % in the next three, and 5 %
	// in none (see ProjectOf). Otherwise every customer is in ProjectID.
	Projects  []int64
	Level     *model.Field // select
	Interests *model.Field // multiselect
	Score     *model.Field // number
	Birthday  *model.Field // date
	Area      *model.Field // area
	TagIDs    []int64      // by fakedata.TagNames index
	StaffIDs  []int64      // by owner index
	StageIDs  []int64
	DeptIDs   []int64 // by fakedata.Departments index
}

// Owners is the number of staff created.
const Owners = 20

// Catalog creates the demo catalogue in a tenant.
func Catalog(ctx context.Context, st *store.Store, tenantID, projectID int64) (*Setup, error) {
	s := &Setup{TenantID: tenantID, ProjectID: projectID}
	opts := func(labels []string) []model.Option {
		var o []model.Option
		for _, l := range labels {
			o = append(o, model.Option{Label: l})
		}
		return o
	}
	fields := []*model.Field{
		{Key: "level", Label: "会员等级", Type: model.TypeSelect, Options: opts(fakedata.Levels)},
		{Key: "interests", Label: "兴趣", Type: model.TypeMultiSelect, Options: opts(fakedata.InterestOptions)},
		{Key: "score", Label: "积分", Type: model.TypeNumber},
		{Key: "birthday", Label: "生日", Type: model.TypeDate},
		{Key: "area", Label: "所在地区", Type: model.TypeArea},
	}
	for _, f := range fields {
		if err := st.CreateField(ctx, tenantID, f); err != nil {
			return nil, fmt.Errorf("seed: field %s: %w", f.Key, err)
		}
	}
	s.Level, s.Interests, s.Score, s.Birthday, s.Area = fields[0], fields[1], fields[2], fields[3], fields[4]
	g, err := st.CreateTagGroup(ctx, tenantID, "客户标签")
	if err != nil {
		return nil, err
	}
	for _, name := range fakedata.TagNames {
		t, err := st.CreateTag(ctx, tenantID, g.ID, name)
		if err != nil {
			return nil, err
		}
		s.TagIDs = append(s.TagIDs, t.ID)
	}
	for _, d := range fakedata.Departments {
		parent := int64(0)
		if d.Parent >= 0 {
			parent = s.DeptIDs[d.Parent]
		}
		dep, err := st.CreateDepartment(ctx, tenantID, parent, d.Name)
		if err != nil {
			return nil, err
		}
		s.DeptIDs = append(s.DeptIDs, dep.ID)
	}
	for i, name := range fakedata.OwnerNames(Owners) {
		m := &model.Staff{Name: name, DepartmentID: s.DeptIDs[fakedata.OwnerDepartment(i)]}
		if err := st.CreateStaff(ctx, tenantID, m); err != nil {
			return nil, err
		}
		s.StaffIDs = append(s.StaffIDs, m.ID)
	}
	for _, name := range []string{"新线索", "初步沟通", "需求确认", "方案报价", "成交", "流失"} {
		stg, err := st.CreateStage(ctx, tenantID, name)
		if err != nil {
			return nil, err
		}
		s.StageIDs = append(s.StageIDs, stg.ID)
	}
	return s, nil
}

// projectShares are the cumulative shares (in %) of Projects[0..3].
var projectShares = []int{40, 65, 85, 95}

// ProjectOf is the project of the i-th generated customer (0: none).
func (s *Setup) ProjectOf(i int) int64 {
	if len(s.Projects) == 0 {
		return s.ProjectID
	}
	k := int(uint64(i) * 2654435761 % 100) // spread, not in runs
	for j, share := range projectShares {
		if k < share && j < len(s.Projects) {
			return s.Projects[j]
		}
	}
	return 0
}

// Customer turns a generated person into a customer of the setup.
func (s *Setup) Customer(p *fakedata.Person, i int, c *model.Customer) {
	*c = model.Customer{
		TenantID: s.TenantID, ProjectID: s.ProjectOf(i),
		Name: p.Name, FirstName: p.FirstName, LastName: p.LastName,
		Phone: "+86" + p.Phone, Email: p.Email, Company: p.Company,
		Address: p.Address, Street: p.Street, City: p.City, State: p.State, Country: p.Country, PostalCode: p.ZipCode,
		Remark: p.Remark, Status: p.Status, Sex: p.Sex, IDNumber: p.IDNumber,
		BornDate: p.BornDate.UnixMilli(), OwnerID: s.StaffIDs[p.Owner%len(s.StaffIDs)],
		StageID:   s.StageIDs[i%len(s.StageIDs)],
		CreatedAt: p.CreatedAt.UTC().Truncate(time.Millisecond), CreatedBy: "seed", CreatedByName: "kehu seed",
	}
	if p.IDNumber != "" {
		c.IDType = 1
	}
	c.UpdatedAt, c.UpdatedBy, c.UpdatedByName = c.CreatedAt, c.CreatedBy, c.CreatedByName
	for _, t := range p.Tags {
		c.TagIDs = append(c.TagIDs, s.TagIDs[t])
	}
	// The custom values as json.Marshal of a map would write them (keys
	// sorted), built by hand: this runs a million times in `kehu bench`.
	kv := make([]customKV, 0, 5)
	kv = append(kv,
		customKV{id(s.Level), strconv.AppendInt(nil, s.Level.Options[p.Level].ID, 10)},
		customKV{id(s.Score), strconv.AppendFloat(nil, p.Score, 'f', -1, 64)},
		customKV{id(s.Birthday), appendJSONString(nil, p.BornDate.Format("2006-01-02"))})
	if len(p.Interests) > 0 {
		b := []byte{'['}
		for i, x := range p.Interests {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, s.Interests.Options[x].ID, 10)
		}
		kv = append(kv, customKV{id(s.Interests), append(b, ']')})
	}
	if p.AreaCode != "" {
		b := append([]byte(`{"code":`), appendJSONString(nil, p.AreaCode)...)
		b = append(b, `,"label":`...)
		b = appendJSONString(b, p.State+"/"+p.City+"/"+p.District)
		kv = append(kv, customKV{id(s.Area), append(b, '}')})
	}
	slices.SortFunc(kv, func(a, b customKV) int { return strings.Compare(a.key, b.key) })
	b := make([]byte, 0, 160)
	b = append(b, '{')
	for i, e := range kv {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, e.key)
		b = append(b, ':')
		b = append(b, e.val...)
	}
	c.Custom = append(b, '}')
}

type customKV struct {
	key string
	val []byte
}

// appendJSONString appends s as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	for _, r := range s {
		if r < 0x20 || r == '"' || r == '\\' || r == '<' || r == '>' || r == '&' || r == 0x2028 || r == 0x2029 || r == utf8.RuneError {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func id(f *model.Field) string { return strconv.FormatInt(f.ID, 10) }

// Customers generates and inserts n customers in transactions of batch
// rows; progress (may be nil) is told the running count.
func Customers(ctx context.Context, st *store.Store, s *Setup, n int, seedVal int64, progress func(done int)) error {
	cat, err := st.LoadCatalog(ctx, s.TenantID)
	if err != nil {
		return err
	}
	gen := Generator(seedVal)
	const batch = 5000
	var p fakedata.Person
	for done := 0; done < n; {
		k := min(batch, n-done)
		rows := make([]*model.Customer, k)
		for i := range rows {
			gen.Next(&p)
			c := &model.Customer{}
			s.Customer(&p, done+i, c)
			c.ID = idgen.Next()
			rows[i] = c
		}
		err := st.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.InsertCustomers(ctx, rows, cat); err != nil {
				return fmt.Errorf("seed: customers %d–%d: %w", done, done+k, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += k
		if progress != nil {
			progress(done)
		}
	}
	return nil
}

// Generator returns the person generator Customers and Load use.
func Generator(seedVal int64) *fakedata.Generator {
	return fakedata.New(fakedata.Config{Seed: seedVal, Owners: Owners,
		From: time.Date(2021, 1, 1, 0, 0, 0, 0, fakedata.China), To: time.Date(2026, 1, 1, 0, 0, 0, 0, fakedata.China)})
}

// Load generates n customers like Customers does, through the store's bulk
// loader (store.BulkLoad): the tenant must have no customers yet, and
// nothing else may use it during the load.
func Load(ctx context.Context, st *store.Store, s *Setup, n int, seedVal int64, opt store.LoadOptions) (*store.LoadStats, error) {
	cat, err := st.LoadCatalog(ctx, s.TenantID)
	if err != nil {
		return nil, err
	}
	gen := Generator(seedVal)
	var p fakedata.Person
	return st.BulkLoad(ctx, s.TenantID, cat, n, func(i int, c *model.Customer) {
		gen.Next(&p)
		s.Customer(&p, i, c)
	}, opt)
}
