package query_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/textindex"
)

// The property test: a tenant with every kind of field and ~300 random
// customers written through crm.Service, then thousands of random condition
// trees run through the engine (SQL on SQLite and PostgreSQL) and through
// query.Eval over every customer; both must return the same ids and the
// engine's total must match. Random sorts are walked page by page through
// the keyset cursor and compared with query.SortCustomers.
//
//	go test ./internal/query -run Property -seed 7 -prop.cases 10000

var (
	propSeed      = flag.Uint64("seed", 20250102, "seed of the random property tests")
	propCases     = flag.Int("prop.cases", 2500, "random conditions per database in the property test")
	propSorts     = flag.Int("prop.sorts", 60, "random sorts walked per database in the property test")
	propCustomers = flag.Int("prop.customers", 300, "random customers per database in the property test")
)

func TestPropertySearchMatchesEval(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		start := time.Now()
		p := newPropWorld(t, st, *propSeed)
		t.Logf("seed %d: %d customers created in %v", *propSeed, len(p.customers), time.Since(start).Round(time.Millisecond))

		start = time.Now()
		r := rand.New(rand.NewPCG(*propSeed, 1))
		var hits, empty, full, leaves int
		failures := 0
		// The planner decides by the sizes of candidate sets (PlanCap): the
		// cases alternate caps so that, on a few hundred customers, every
		// path runs — small driving sets, sort-order walks, large sets.
		defer func(c int) { query.PlanCap = c }(query.PlanCap)
		rs := rand.New(rand.NewPCG(*propSeed, 3))
		for i := 0; i < *propCases && failures < 5; i++ {
			query.PlanCap = []int{4000, 25, 3}[i%3]
			if i%4 == 3 { // and a scoped search, from a source of its own
				if p.check(t, fmt.Sprintf("scoped case %d", i), p.genScoped(rs)) < 0 {
					failures++
				}
			}
			n := p.genNode(r, 0)
			p.noteLeaves(n)
			leaves += countLeaves(n)
			got := p.check(t, fmt.Sprintf("case %d", i), n)
			switch {
			case got < 0:
				failures++
			case got == 0:
				empty++
			case got == len(p.customers):
				full++
			default:
				hits++
			}
		}
		t.Logf("%d conditions (%d leaves) in %v: %d partial matches, %d matched nothing, %d matched everyone",
			*propCases, leaves, time.Since(start).Round(time.Millisecond), hits, empty, full)
		if failures == 0 {
			p.checkCoverage(t)
		}
		if failures == 0 && hits < *propCases/3 {
			t.Errorf("only %d of %d conditions matched some but not all customers: the generator misses the data", hits, *propCases)
		}

		start = time.Now()
		r = rand.New(rand.NewPCG(*propSeed, 2))
		for i := 0; i < *propSorts && !t.Failed(); i++ {
			query.PlanCap = []int{4000, 25, 3}[i%3]
			p.checkSort(t, r, i)
		}
		t.Logf("%d sorts walked in %v", *propSorts, time.Since(start).Round(time.Millisecond))
	})
}

func countLeaves(n *cond.Node) int {
	switch {
	case n.Leaf != nil:
		return 1
	case n.Not != nil:
		return countLeaves(n.Not)
	}
	c := 0
	for _, k := range append(slices.Clone(n.And), n.Or...) {
		c += countLeaves(k)
	}
	return c
}

// gkind groups fields by the operators and values the generator uses.
type gkind int

const (
	gText gkind = iota
	gName
	gPinyin
	gPhone
	gArea
	gNumber
	gDate
	gDateTime
	gChoice
	gSet
	gBool
	gDept
)

var relOps = []cond.Op{cond.OpToday, cond.OpYesterday, cond.OpThisWeek, cond.OpThisMonth, cond.OpLastMonth,
	cond.OpThisYear, cond.OpLastYear, cond.OpLastDays, cond.OpNextDays}

var kindOps = map[gkind][]cond.Op{
	gText:     {"eq", "neq", "in", "notIn", "contains", "notContains", "startsWith", "endsWith", "isEmpty", "isNotEmpty"},
	gName:     {"eq", "neq", "in", "notIn", "contains", "notContains", "startsWith", "endsWith", "isEmpty", "isNotEmpty"},
	gPhone:    {"eq", "neq", "in", "notIn", "contains", "notContains", "startsWith", "endsWith", "isEmpty", "isNotEmpty"},
	gPinyin:   {"eq", "contains", "startsWith"},
	gArea:     {"eq", "neq", "in", "notIn", "contains", "notContains", "isEmpty", "isNotEmpty"},
	gNumber:   {"eq", "neq", "in", "notIn", "gt", "gte", "lt", "lte", "between", "isEmpty", "isNotEmpty"},
	gDate:     append([]cond.Op{"eq", "neq", "in", "notIn", "gt", "gte", "lt", "lte", "between", "isEmpty", "isNotEmpty"}, relOps...),
	gDateTime: append([]cond.Op{"eq", "neq", "gt", "gte", "lt", "lte", "between", "isEmpty", "isNotEmpty"}, relOps...),
	gChoice:   {"eq", "neq", "in", "notIn", "hasAny", "hasNone", "isEmpty", "isNotEmpty"},
	gSet:      {"eq", "neq", "in", "notIn", "hasAny", "hasAll", "hasNone", "isEmpty", "isNotEmpty"},
	gBool:     {"eq", "neq", "isEmpty", "isNotEmpty"},
	gDept:     {"eq", "neq", "in", "notIn"},
}

type gfield struct {
	key  string
	id   int64
	kind gkind
	// values returns the canonical present values of c (string, float64,
	// int64, bool), from which conditions that hit are drawn.
	values func(c *model.Customer) []any
	// choices are further valid operands (option ids and labels, tag and
	// stage names) for choice and set fields.
	choices []any
}

// propWorld is the populated tenant plus everything the generator needs.
type propWorld struct {
	*tenantFixture
	env       *query.Env
	world     *query.World
	customers []*model.Customer
	gfields   []*gfield
	samples   map[string][]any // field key → values across customers
	sortable  []string
	// coverage counts, per field key and operator, the generated leaves
	// that matched some but not all customers.
	coverage map[string]map[cond.Op]int
}

var (
	surnames   = []string{"张", "李", "王", "欧阳", "单", "曾", "尉迟", "司马", "陈", "长孙", "翟"}
	givenNames = []string{"三", "三丰", "伟", "娜娜", "小明", "明", "丽", "田芳", "国强", "明明", "三明", "丰"}
	otherNames = []string{"Tom Hanks", "Tommy Lee", "tom o'brien", "Anna-Lena Müller", "ÉMILE Zola", "émile zola",
		"Tony张", "ＡＢＣ Trading", "50%_off\\sale", "Zoë Ångström", "小明😀", "Li Ming", "LI MING", "李 明",
		"张三 (VIP)", "𠀀先生", "O'Neil; DROP TABLE customers; --"}
	companies = []string{"", "", "北京星辰科技有限公司", "上海星辰贸易有限公司", "星辰", "深圳腾飞科技", "Acme Inc.",
		"ACME Widgets Ltd", "acme-labs", "100% Pure_Co", "Ünïcode GmbH", "重庆长安汽车", "长沙 星辰 (分公司)"}
	plainTexts = []string{"", "", "Beijing", "BEIJING", "beijing", "北京", "北京市", "上海", "São Paulo", "SÃO PAULO",
		"Åsa", "åsa", "x%y", "x_y", "a\\b", "It's", "Quote \"q\"", "semi;colon -- dash", "😀 smile", "𠀀𠀁"}
	emailLocal  = []string{"Tom.Hanks", "anna", "ZOE", "li.ming", "o'brien", "x_y", "a+b"}
	emailDomain = []string{"example.com", "Example.ORG", "qq.com", "163.com"}
	phoneTails  = []string{"1234", "5678", "0000", "8888", "2468", "1357", "4321"}
	customTexts = []string{"金牌客户", "银牌", "VIP Gold", "vip gold", "VIP", "x%_y", "It's 'quoted'", "多行\n文本",
		"emoji 😀", "𠀀 rare", "ÉCOLE", "école", "-- comment", "a;b"}
	areas = []map[string]string{{"code": "110101", "label": "北京市/北京市/东城区"}, {"code": "110102", "label": "北京市/北京市/西城区"},
		{"code": "310101", "label": "上海市/上海市/黄浦区"}, {"code": "", "label": "海外/Overseas"}, {"code": "440305", "label": ""}}
	numberPool = []float64{-5, 0, 0.5, 1, 2.25, 3, 10, 99.99, 1e6, -0.001, 42, 42, 7}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func newPropWorld(t *testing.T, st *store.Store, seed uint64) *propWorld {
	fx := newTenant(t, st, "property")
	p := &propWorld{tenantFixture: fx, samples: map[string][]any{}}
	ctx := fx.ctx

	for _, name := range []string{"一期", "二期"} {
		pr, err := st.CreateProject(ctx, fx.tenant, name)
		fx.must(err)
		fx.projects = append(fx.projects, pr.ID)
	}
	// Department tree: 总部 > 销售部 > 华北组, 总部 > 市场部; 分公司 (a second root).
	mk := func(parent int64, name string) *model.Department {
		d, err := st.CreateDepartment(ctx, fx.tenant, parent, name)
		fx.must(err)
		fx.depts = append(fx.depts, d)
		return d
	}
	hq := mk(0, "总部")
	sales := mk(hq.ID, "销售部")
	north := mk(sales.ID, "华北组")
	mkt := mk(hq.ID, "市场部")
	branch := mk(0, "分公司")
	for i, d := range []int64{hq.ID, sales.ID, sales.ID, north.ID, north.ID, mkt.ID, branch.ID, 0, 0} {
		s := &model.Staff{Name: fmt.Sprintf("员工%d", i), DepartmentID: d}
		fx.must(st.CreateStaff(ctx, fx.tenant, s))
		fx.staff = append(fx.staff, *s)
	}
	for _, name := range []string{"初次接触", "需求确认", "报价", "成交"} {
		s, err := st.CreateStage(ctx, fx.tenant, name)
		fx.must(err)
		fx.stages = append(fx.stages, s)
	}
	for _, g := range []struct {
		name string
		tags []string
	}{{"客户等级", []string{"VIP", "普通", "潜在"}}, {"来源", []string{"官网", "展会", "VIP"}}, {"Interests", []string{"golf", "Golf", "读书"}}} {
		grp, err := st.CreateTagGroup(ctx, fx.tenant, g.name)
		fx.must(err)
		for _, name := range g.tags {
			tag, err := st.CreateTag(ctx, fx.tenant, grp.ID, name)
			fx.must(err)
			fx.tags = append(fx.tags, tag)
		}
	}
	fx.field("f_text", "文本", model.TypeText)
	fx.field("f_textarea", "多行文本", model.TypeTextarea)
	fx.field("f_select", "等级", model.TypeSelect, "金牌", "银牌", "铜牌", "It's")
	fx.field("f_multi", "兴趣", model.TypeMultiSelect, "red", "green", "blue", "黄")
	fx.field("f_date", "签约日期", model.TypeDate)
	fx.field("f_datetime", "回访时间", model.TypeDateTime)
	fx.field("f_number", "金额", model.TypeNumber)
	fx.field("f_phone", "备用电话", model.TypePhone)
	fx.field("f_bool", "已婚", model.TypeBool)
	fx.field("f_email", "工作邮箱", model.TypeEmail)
	fx.field("f_area", "地区", model.TypeArea)

	r := rand.New(rand.NewPCG(seed, 0))
	var ids []int64
	for i := 0; i < *propCustomers; i++ {
		fx.clock = randomTime(r)
		c := fx.create(p.randomInput(r, i, true))
		if chance(r, 0.3) { // rewrite part of it later: exercises the index rebuild
			fx.clock = c.CreatedAt.Add(time.Duration(r.IntN(90*24)) * time.Hour)
			_, err := fx.svc.UpdateCustomer(ctx, crm.SystemCaller(fx.tenant, model.Actor{ID: "test"}), c.ID, p.randomInput(r, i, false))
			fx.must(err)
		}
		ids = append(ids, c.ID)
	}
	cs, err := st.CustomersByIDs(ctx, fx.tenant, ids)
	fx.must(err)
	p.customers = cs
	p.env = fx.env()
	p.world = fx.world()
	p.buildFields()
	return p
}

// randomTime is mostly near fixedNow, so relative dates hit.
func randomTime(r *rand.Rand) time.Time {
	var d time.Duration
	switch r.IntN(4) {
	case 0:
		d = time.Duration(r.Int64N(int64(800 * 24 * time.Hour)))
	case 1:
		d = time.Duration(r.Int64N(int64(70 * 24 * time.Hour)))
	default:
		d = time.Duration(r.Int64N(int64(10 * 24 * time.Hour)))
	}
	t := fixedNow.Add(-d + 3*24*time.Hour)
	if chance(r, 0.5) {
		t = t.Truncate(time.Second)
	} else {
		t = t.Truncate(time.Millisecond)
	}
	return t.UTC()
}

func randomPhone(r *rand.Rand) string {
	return pick(r, []string{"138", "139", "150", "186", "177", "199"}) + fmt.Sprintf("%04d", r.IntN(10000)) + pick(r, phoneTails)
}

// randomInput builds a create (full) or a partial update.
func (p *propWorld) randomInput(r *rand.Rand, i int, full bool) *crm.CustomerInput {
	fx := p.tenantFixture
	in := &crm.CustomerInput{}
	set := func() bool { return full || chance(r, 0.3) }
	str := func(pool []string) *string { return crm.Ptr(pick(r, pool)) }
	if set() {
		switch x := r.IntN(10); {
		case x < 6:
			in.Name = crm.Ptr(pick(r, surnames) + pick(r, givenNames))
		case x < 9:
			in.Name = str(otherNames)
		default:
			if chance(r, 0.5) {
				in.FirstName, in.LastName = str(givenNames), str(surnames)
			} else {
				in.FirstName, in.LastName = crm.Ptr(pick(r, []string{"Anna", "Tom", "Zoë"})), crm.Ptr(pick(r, []string{"Smith", "Hanks", "O'Neil"}))
			}
		}
	}
	if set() {
		if chance(r, 0.8) {
			in.Phone = crm.Ptr(randomPhone(r))
		} else {
			in.Phone = crm.Ptr("")
		}
	}
	if set() {
		if chance(r, 0.6) {
			in.Email = crm.Ptr(pick(r, emailLocal) + strconv.Itoa(r.IntN(5)) + "@" + pick(r, emailDomain))
		} else {
			in.Email = crm.Ptr("")
		}
	}
	if set() {
		in.Company = str(companies)
	}
	for _, s := range []**string{&in.Address, &in.Remark, &in.City, &in.State, &in.Country, &in.Street} {
		if set() {
			*s = str(plainTexts)
		}
	}
	if set() {
		in.PostalCode = str([]string{"", "100000", "200000", "100010", "518000"})
	}
	if set() {
		in.IDNumber = str([]string{"", "", "11010519491231002X", "11010519491231002x", "G12345678"})
	}
	if full && chance(r, 0.4) {
		in.ExternalID = crm.Ptr(fmt.Sprintf("EXT-%03d", i))
	}
	if set() {
		in.Status = crm.Ptr(1 + r.IntN(2))
	}
	if set() {
		in.Sex = crm.Ptr(r.IntN(3))
	}
	if set() {
		in.IDType = crm.Ptr(r.IntN(5))
		in.Marriage = crm.Ptr(r.IntN(5))
		in.Education = crm.Ptr(r.IntN(8))
	}
	if set() {
		if chance(r, 0.3) {
			in.Age = crm.Ptr(0)
		} else {
			in.Age = crm.Ptr(pick(r, []int{1, 18, 25, 30, 30, 42, 60, 99, 150}))
		}
	}
	if set() {
		if chance(r, 0.35) {
			in.BornDate = crm.Ptr(int64(0))
		} else if chance(r, 0.15) { // a baby: relative dates hit
			in.BornDate = crm.Ptr(randomTime(r).UnixMilli())
		} else {
			d := time.Date(1950+r.IntN(60), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, shanghai)
			if chance(r, 0.5) {
				d = d.Add(time.Duration(r.IntN(86400)) * time.Second)
			}
			in.BornDate = crm.Ptr(d.UnixMilli())
		}
	}
	if set() {
		if chance(r, 0.25) {
			in.OwnerID = crm.Ptr(int64(0))
		} else {
			in.OwnerID = crm.Ptr(pick(r, fx.staff).ID)
		}
	}
	if set() {
		var ids []int64
		for range r.IntN(4) {
			ids = append(ids, pick(r, fx.staff).ID)
		}
		in.CollaboratorIDs = &ids
	}
	if set() {
		if chance(r, 0.3) {
			in.StageID = crm.Ptr(int64(0))
		} else {
			in.StageID = crm.Ptr(pick(r, fx.stages).ID)
		}
	}
	if set() {
		var ids []int64
		for range r.IntN(5) {
			ids = append(ids, pick(r, fx.tags).ID)
		}
		in.TagIDs = &ids
	}
	if set() {
		if chance(r, 0.3) {
			in.ProjectID = crm.Ptr(int64(0))
		} else {
			in.ProjectID = crm.Ptr(pick(r, fx.projects))
		}
	}
	in.Fields = map[string]json.RawMessage{}
	custom := func(key string, absent float64, v func() any) {
		if !set() {
			return
		}
		if chance(r, absent) {
			if !full {
				in.Fields[key] = json.RawMessage("null")
			}
			return
		}
		in.Fields[key] = rawJSON(v())
	}
	custom("f_text", 0.25, func() any { return pick(r, customTexts) })
	custom("f_textarea", 0.3, func() any { return pick(r, customTexts) + "\n" + pick(r, plainTexts) })
	custom("f_select", 0.3, func() any {
		o := pick(r, fx.fields["f_select"].Options)
		if chance(r, 0.5) {
			return o.Label
		}
		return o.ID
	})
	custom("f_multi", 0.3, func() any {
		var out []any
		for range 1 + r.IntN(3) {
			o := pick(r, fx.fields["f_multi"].Options)
			if chance(r, 0.5) {
				out = append(out, o.Label)
			} else {
				out = append(out, o.ID)
			}
		}
		return out
	})
	custom("f_date", 0.3, func() any {
		d := fixedNow.AddDate(0, 0, r.IntN(500)-400)
		if chance(r, 0.3) {
			d = fixedNow.AddDate(0, 0, r.IntN(9)-4)
		}
		if chance(r, 0.2) {
			return d.Format("2006/1/2")
		}
		return d.Format("2006-01-02")
	})
	custom("f_datetime", 0.3, func() any {
		t := randomTime(r)
		if chance(r, 0.5) {
			return t.In(shanghai).Format("2006-01-02 15:04:05")
		}
		return t.UnixMilli()
	})
	custom("f_number", 0.25, func() any { return json.Number(strconv.FormatFloat(pick(r, numberPool), 'g', -1, 64)) })
	custom("f_phone", 0.4, func() any { return randomPhone(r) })
	custom("f_bool", 0.3, func() any { return chance(r, 0.5) })
	custom("f_email", 0.4, func() any { return pick(r, emailLocal) + "@" + pick(r, emailDomain) })
	custom("f_area", 0.3, func() any { return pick(r, areas) })
	return in
}

// buildFields describes every searchable field to the generator and
// collects the values present in the data.
func (p *propWorld) buildFields() {
	cat := p.env.Catalog
	str := func(get func(c *model.Customer) string) func(c *model.Customer) []any {
		return func(c *model.Customer) []any {
			if s := get(c); s != "" {
				return []any{s}
			}
			return nil
		}
	}
	ms := func(get func(c *model.Customer) int64) func(c *model.Customer) []any {
		return func(c *model.Customer) []any {
			if v := get(c); v != 0 {
				return []any{v}
			}
			return nil
		}
	}
	id := func(get func(c *model.Customer) int64) func(c *model.Customer) []any {
		return func(c *model.Customer) []any { return []any{get(c)} }
	}
	ids := func(get func(c *model.Customer) []int64) func(c *model.Customer) []any {
		return func(c *model.Customer) []any {
			var out []any
			for _, x := range get(c) {
				out = append(out, x)
			}
			return out
		}
	}
	optionChoices := func(f *model.Field) []any {
		var out []any
		for _, o := range f.Options {
			out = append(out, num(o.ID))
			if !f.System {
				out = append(out, o.Label)
			}
		}
		return out
	}
	add := func(key string, kind gkind, values func(c *model.Customer) []any, choices ...any) {
		f := cat.Field(key)
		if f == nil {
			p.t.Fatalf("no field %s", key)
			return
		}
		p.gfields = append(p.gfields, &gfield{key: key, id: f.ID, kind: kind, values: values, choices: choices})
	}
	add("id", gChoice, id(func(c *model.Customer) int64 { return c.ID }))
	add("name", gName, str(func(c *model.Customer) string { return c.Name }))
	add("company", gName, str(func(c *model.Customer) string { return c.Company }))
	add("pinyin", gPinyin, str(func(c *model.Customer) string { return c.Name }))
	add("phone", gPhone, str(func(c *model.Customer) string { return c.Phone }))
	add("email", gText, str(func(c *model.Customer) string { return c.Email }))
	add("idNumber", gText, str(func(c *model.Customer) string { return c.IDNumber }))
	add("externalId", gText, str(func(c *model.Customer) string { return c.ExternalID }))
	for key, get := range map[string]func(c *model.Customer) string{
		"address": func(c *model.Customer) string { return c.Address }, "remark": func(c *model.Customer) string { return c.Remark },
		"firstName": func(c *model.Customer) string { return c.FirstName }, "lastName": func(c *model.Customer) string { return c.LastName },
		"city": func(c *model.Customer) string { return c.City }, "state": func(c *model.Customer) string { return c.State },
		"country": func(c *model.Customer) string { return c.Country }, "postalCode": func(c *model.Customer) string { return c.PostalCode },
		"street": func(c *model.Customer) string { return c.Street },
	} {
		add(key, gText, str(get))
	}
	add("status", gChoice, id(func(c *model.Customer) int64 { return int64(c.Status) }), optionChoices(cat.Field("status"))...)
	add("sex", gChoice, id(func(c *model.Customer) int64 { return int64(c.Sex) }), optionChoices(cat.Field("sex"))...)
	add("idType", gChoice, id(func(c *model.Customer) int64 { return int64(c.IDType) }), optionChoices(cat.Field("idType"))...)
	add("marriage", gChoice, id(func(c *model.Customer) int64 { return int64(c.Marriage) }), optionChoices(cat.Field("marriage"))...)
	add("education", gChoice, id(func(c *model.Customer) int64 { return int64(c.Education) }), optionChoices(cat.Field("education"))...)
	add("projectId", gChoice, ms(func(c *model.Customer) int64 { return c.ProjectID }), num(p.projects[0]), num(p.projects[1]), num(999))
	add("owner", gChoice, ms(func(c *model.Customer) int64 { return c.OwnerID }), num(p.staff[0].ID), num(p.staff[7].ID), num(424242))
	var stageChoices []any
	for _, s := range p.stages {
		stageChoices = append(stageChoices, s.Name, num(s.ID))
	}
	add("stage", gChoice, ms(func(c *model.Customer) int64 { return c.StageID }), stageChoices...)
	add("createdAt", gDateTime, ms(func(c *model.Customer) int64 { return model.Millis(c.CreatedAt) }))
	add("updatedAt", gDateTime, ms(func(c *model.Customer) int64 { return model.Millis(c.UpdatedAt) }))
	add("bornDate", gDateTime, ms(func(c *model.Customer) int64 { return c.BornDate }))
	add("age", gNumber, func(c *model.Customer) []any {
		if c.Age != 0 {
			return []any{float64(c.Age)}
		}
		return nil
	})
	var tagChoices []any
	for _, tg := range p.tags {
		tagChoices = append(tagChoices, tg.Name, num(tg.ID))
	}
	add("tags", gSet, ids(func(c *model.Customer) []int64 { return c.TagIDs }), tagChoices...)
	var staffChoices []any
	for _, s := range p.staff {
		staffChoices = append(staffChoices, num(s.ID))
	}
	add("collaborators", gSet, ids(func(c *model.Customer) []int64 { return c.CollaboratorIDs }), staffChoices...)
	var deptChoices []any
	for _, d := range p.depts {
		deptChoices = append(deptChoices, num(d.ID))
	}
	deptChoices = append(deptChoices, num(31337)) // no such department
	add("department", gDept, nil, deptChoices...)
	add("collaboratorDepartment", gDept, nil, deptChoices...)

	custom := func(key string) func(c *model.Customer) []any {
		fid := strconv.FormatInt(p.fields[key].ID, 10)
		typ := p.fields[key].Type
		return func(c *model.Customer) []any {
			vals, _ := c.CustomValues()
			v, ok := vals[fid]
			if !ok {
				return nil
			}
			switch typ {
			case model.TypeNumber, model.TypeDateTime:
				f, _ := v.(json.Number).Float64()
				if typ == model.TypeDateTime {
					return []any{int64(f)}
				}
				return []any{f}
			case model.TypeSelect:
				n, _ := v.(json.Number).Int64()
				return []any{n}
			case model.TypeMultiSelect:
				var out []any
				for _, e := range v.([]any) {
					n, _ := e.(json.Number).Int64()
					out = append(out, n)
				}
				return out
			case model.TypeArea:
				var out []any
				for _, k := range []string{"code", "label"} {
					if s, _ := v.(map[string]any)[k].(string); s != "" {
						out = append(out, s)
					}
				}
				return out
			}
			return []any{v}
		}
	}
	add("f_text", gText, custom("f_text"))
	add("f_textarea", gText, custom("f_textarea"))
	add("f_email", gText, custom("f_email"))
	add("f_phone", gPhone, custom("f_phone"))
	add("f_area", gArea, custom("f_area"))
	add("f_number", gNumber, custom("f_number"))
	add("f_date", gDate, custom("f_date"))
	add("f_datetime", gDateTime, custom("f_datetime"))
	add("f_select", gChoice, custom("f_select"), optionChoices(p.fields["f_select"])...)
	add("f_multi", gSet, custom("f_multi"), optionChoices(p.fields["f_multi"])...)
	add("f_bool", gBool, custom("f_bool"))

	for _, f := range p.gfields {
		if f.values == nil {
			continue
		}
		for _, c := range p.customers {
			p.samples[f.key] = append(p.samples[f.key], f.values(c)...)
		}
	}
	for _, f := range cat.List() {
		if f.Sortable {
			p.sortable = append(p.sortable, f.Key)
		}
	}
}

// genNode builds a random tree of depth at most 4.
func (p *propWorld) genNode(r *rand.Rand, depth int) *cond.Node {
	x := r.IntN(10)
	if depth >= 3 || x < 4 {
		return p.genLeaf(r)
	}
	switch {
	case x < 7:
		var kids []*cond.Node
		for range 2 + r.IntN(2) {
			kids = append(kids, p.genNode(r, depth+1))
		}
		return &cond.Node{And: kids}
	case x < 9:
		var kids []*cond.Node
		for range 2 + r.IntN(2) {
			kids = append(kids, p.genNode(r, depth+1))
		}
		return &cond.Node{Or: kids}
	}
	return &cond.Node{Not: p.genNode(r, depth+1)}
}

// genScoped is a search as scoped callers make it: a name fragment (or
// none) and conditions on project, owner, department, collaborators,
// status and creation time — what crm's data scopes and the project
// binding add to a filter, pushed into the token index by the planner.
func (p *propWorld) genScoped(r *rand.Rand) *cond.Node {
	var and []*cond.Node
	if chance(r, 0.8) {
		f := p.gfield("name")
		if v, ok := p.sample(r, f).(string); ok && v != "" {
			rs := []rune(v)
			k := 1 + r.IntN(min(2, len(rs)))
			at := r.IntN(len(rs) - k + 1)
			and = append(and, leaf("name", cond.OpContains, string(rs[at:at+k])))
		} else {
			and = append(and, leaf("name", cond.OpContains, "张"))
		}
	}
	scopes := []string{"projectId", "owner", "department", "collaborators", "status", "createdAt"}
	for range 1 + r.IntN(3) {
		key := pick(r, scopes)
		f := p.gfield(key)
		op := pick(r, kindOps[f.kind])
		if chance(r, 0.6) {
			op = pick(r, []cond.Op{cond.OpEq, cond.OpIn})
			if f.kind == gDateTime {
				op = pick(r, []cond.Op{cond.OpGte, cond.OpBetween, cond.OpLastYear})
			}
			if f.kind == gSet {
				op = cond.OpHasAny
			}
		}
		and = append(and, leaf(key, op, p.genValues(r, f, op)...))
	}
	if chance(r, 0.3) { // 销售 with collaborations: own OR collaborating
		o, c := p.gfield("owner"), p.gfield("collaborators")
		and = append(and, &cond.Node{Or: []*cond.Node{leaf("owner", cond.OpEq, p.genValues(r, o, cond.OpEq)...),
			leaf("collaborators", cond.OpHasAny, p.genValues(r, c, cond.OpHasAny)...)}})
	}
	return &cond.Node{And: and}
}

// gfield is the generator field of a key.
func (p *propWorld) gfield(key string) *gfield {
	for _, f := range p.gfields {
		if f.key == key {
			return f
		}
	}
	panic("no generator field " + key)
}

func (p *propWorld) genLeaf(r *rand.Rand) *cond.Node {
	f := pick(r, p.gfields)
	op := pick(r, kindOps[f.kind])
	name := f.key
	if chance(r, 0.15) {
		name = strconv.FormatInt(f.id, 10)
	}
	return leaf(name, op, p.genValues(r, f, op)...)
}

// sample returns a value of f present in the data, or nil when there is none.
func (p *propWorld) sample(r *rand.Rand, f *gfield) any {
	s := p.samples[f.key]
	if len(s) == 0 {
		return nil
	}
	return pick(r, s)
}

func (p *propWorld) genValues(r *rand.Rand, f *gfield, op cond.Op) []any {
	switch op {
	case cond.OpIsEmpty, cond.OpIsNotEmpty, cond.OpToday, cond.OpYesterday, cond.OpThisWeek,
		cond.OpThisMonth, cond.OpLastMonth, cond.OpThisYear, cond.OpLastYear:
		return nil
	case cond.OpLastDays, cond.OpNextDays:
		return []any{num(pick(r, []int{1, 2, 7, 30, 365}))}
	case cond.OpIn, cond.OpNotIn, cond.OpHasAny, cond.OpHasNone, cond.OpHasAll:
		var out []any
		for range 1 + r.IntN(3) {
			out = append(out, p.genValue(r, f, op))
		}
		return out
	case cond.OpBetween:
		return p.genRange(r, f)
	}
	return []any{p.genValue(r, f, op)}
}

func (p *propWorld) genValue(r *rand.Rand, f *gfield, op cond.Op) any {
	s := p.sample(r, f)
	switch f.kind {
	case gText, gName, gArea:
		str, _ := s.(string)
		if str == "" || chance(r, 0.1) {
			str = pick(r, append(plainTexts, customTexts...))
		}
		switch op {
		case cond.OpContains, cond.OpNotContains, cond.OpStartsWith, cond.OpEndsWith:
			if chance(r, 0.05) { // a blank fragment: whitespace, literally
				return pick(r, []string{" ", "\t", "\u3000", " \u200b", "  "})
			}
			return fragment(r, str, op, f.kind == gName)
		}
		if chance(r, 0.1) {
			return flipCase(r, str)
		}
		return str
	case gPinyin:
		name, _ := s.(string)
		full, initials := textindex.Pinyin(name)
		q := full
		if chance(r, 0.4) {
			q = initials
		}
		if q == "" || chance(r, 0.1) {
			q = pick(r, []string{"zh", "zhang", "zs", "li", "ouyang", "oy", "shan", "dan", "x", "tom"})
		}
		q = q[:1+r.IntN(len(q))]
		if chance(r, 0.2) {
			q = strings.ToUpper(q)
		}
		if chance(r, 0.1) && len(q) > 1 {
			q = q[:1] + " " + q[1:]
		}
		return q
	case gPhone:
		e164, _ := s.(string)
		if e164 == "" {
			e164 = "+86" + randomPhone(r)
		}
		digits := strings.TrimPrefix(e164, "+")
		switch op {
		case cond.OpContains, cond.OpNotContains:
			i := r.IntN(len(digits) - 1)
			return digits[i : i+1+r.IntN(min(6, len(digits)-i))]
		case cond.OpStartsWith:
			if national, ok := strings.CutPrefix(digits, "86"); ok && chance(r, 0.4) { // typed without +86
				q := national[:1+r.IntN(6)]
				if chance(r, 0.3) {
					q = "0" + q // the trunk prefix of landlines
				}
				return q
			}
			q := digits[:1+r.IntN(6)]
			if chance(r, 0.5) {
				q = "+" + q
			}
			return q
		case cond.OpEndsWith:
			q := digits[len(digits)-1-r.IntN(6):]
			if chance(r, 0.3) && len(q) > 2 {
				q = q[:2] + "-" + q[2:]
			}
			return q
		}
		if chance(r, 0.3) && strings.HasPrefix(e164, "+86") { // national format
			n := e164[3:]
			return n[:3] + " " + n[3:7] + " " + n[7:]
		}
		return e164
	case gNumber:
		x, ok := s.(float64)
		if !ok || chance(r, 0.15) {
			x = pick(r, []float64{0, 1e300, -1e300, 30.5, 0.5, -7, 1e-9})
		}
		if chance(r, 0.25) {
			x += pick(r, []float64{0.5, -0.5, 1, -1})
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case gDate:
		d, _ := s.(string)
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			t = fixedNow
		}
		if chance(r, 0.3) {
			t = t.AddDate(0, 0, r.IntN(7)-3)
		}
		return t.Format("2006-01-02")
	case gDateTime:
		ms, ok := s.(int64)
		if !ok {
			ms = randomTime(r).UnixMilli()
		}
		return datetimeValue(r, ms)
	case gChoice, gSet, gDept:
		if len(f.choices) > 0 && (s == nil || chance(r, 0.4)) {
			return pick(r, f.choices)
		}
		if s == nil {
			return num(0)
		}
		return num(s)
	case gBool:
		b := chance(r, 0.5)
		if chance(r, 0.2) {
			return strconv.FormatBool(b)
		}
		return b
	}
	panic("unreachable")
}

// datetimeValue writes epoch ms in one of the accepted spellings.
func datetimeValue(r *rand.Rand, ms int64) any {
	t := time.UnixMilli(ms).In(shanghai)
	switch r.IntN(6) {
	case 0, 1, 2:
		return num(ms)
	case 3:
		return t.Format("2006-01-02") // a whole day
	case 4:
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format(time.RFC3339Nano)
}

func (p *propWorld) genRange(r *rand.Rand, f *gfield) []any {
	switch f.kind {
	case gNumber:
		a, _ := strconv.ParseFloat(string(p.genValue(r, f, cond.OpGt).(json.Number)), 64)
		b, _ := strconv.ParseFloat(string(p.genValue(r, f, cond.OpGt).(json.Number)), 64)
		a, b = min(a, b), max(a, b)
		return []any{json.Number(strconv.FormatFloat(a, 'g', -1, 64)), json.Number(strconv.FormatFloat(b, 'g', -1, 64))}
	case gDate:
		a, b := p.genValue(r, f, cond.OpGt).(string), p.genValue(r, f, cond.OpGt).(string)
		if b < a {
			a, b = b, a
		}
		return []any{a, b}
	case gDateTime:
		a, b := randomTime(r).UnixMilli(), randomTime(r).UnixMilli()
		if x, ok := p.sample(r, f).(int64); ok {
			a = x
		}
		if x, ok := p.sample(r, f).(int64); ok && chance(r, 0.5) {
			b = x
		}
		if b < a {
			a, b = b, a
		}
		return []any{datetimeValue(r, a), datetimeValue(r, b)}
	}
	panic("no range for this kind")
}

// fragment cuts a piece of s for contains/startsWith/endsWith, sometimes
// changing letter case (and, for normalised fields, width).
func fragment(r *rand.Rand, s string, op cond.Op, normalised bool) string {
	rs := []rune(s)
	n := min(len(rs), pick(r, []int{1, 1, 2, 2, 3, 4, 6}))
	var q []rune
	switch op {
	case cond.OpStartsWith:
		q = rs[:n]
	case cond.OpEndsWith:
		q = rs[len(rs)-n:]
	default:
		i := r.IntN(len(rs) - n + 1)
		q = rs[i : i+n]
	}
	out := string(q)
	if chance(r, 0.3) {
		out = flipCase(r, out)
	}
	if normalised && chance(r, 0.15) {
		out = fullWidth(out)
	}
	return out
}

func flipCase(r *rand.Rand, s string) string {
	if chance(r, 0.5) {
		return strings.ToUpper(s)
	}
	var b strings.Builder
	for _, c := range s {
		if chance(r, 0.5) {
			c = unicode.SimpleFold(c)
		}
		b.WriteRune(c)
	}
	return b.String()
}

func fullWidth(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c > ' ' && c < 0x7f {
			c += 0xfee0
		}
		b.WriteRune(c)
	}
	return b.String()
}

// evalIDs runs query.Eval over every customer.
func (p *propWorld) evalIDs(n *cond.Node) ([]int64, error) {
	rn, err := query.Resolve(n, p.env)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, c := range p.customers {
		if query.Eval(rn, c, p.world) {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// check compares engine and Eval for one condition; it returns the number
// of matches, or -1 after reporting a disagreement.
func (p *propWorld) check(t *testing.T, label string, n *cond.Node) int {
	t.Helper()
	want, err := p.evalIDs(n)
	if err != nil {
		t.Errorf("seed %d %s: resolve %s: %v", *propSeed, label, render(n), err)
		return -1
	}
	got, total, err := searchAll(p.ctx, p.eng, p.env, p.tenant, n)
	if err != nil {
		t.Errorf("seed %d %s: search %s: %v", *propSeed, label, render(n), err)
		return -1
	}
	onlySQL, onlyEval := idDiff(got, want)
	if len(onlySQL) == 0 && len(onlyEval) == 0 && len(got) == len(want) && total == int64(len(want)) {
		return len(want)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d %s: engine and Eval disagree on\n\t%s\n\tplain: %s\n", *propSeed, label, render(n), renderPlain(n))
	fmt.Fprintf(&b, "\tengine: %d rows (total %d), Eval: %d; only engine: %v; only Eval: %v\n", len(got), total, len(want), onlySQL, onlyEval)
	if hasDup(got) {
		fmt.Fprintf(&b, "\tengine returned duplicate rows\n")
	}
	if small := p.shrink(n); small != nil && small != n {
		fmt.Fprintf(&b, "\tsmallest disagreeing part: %s\n", renderPlain(small))
		got, _, _ := searchAll(p.ctx, p.eng, p.env, p.tenant, small)
		want, _ := p.evalIDs(small)
		onlySQL, onlyEval = idDiff(got, want)
		fmt.Fprintf(&b, "\t  only engine: %v; only Eval: %v\n", onlySQL, onlyEval)
	}
	for _, id := range append(onlySQL[:min(2, len(onlySQL))], onlyEval[:min(2, len(onlyEval))]...) {
		fmt.Fprintf(&b, "\tcustomer %d: %s\n", id, p.describe(id))
	}
	if sqlText, args := p.plan(n); sqlText != "" {
		fmt.Fprintf(&b, "\tSQL: %s\n\targs: %#v\n", sqlText, args)
	}
	t.Error(b.String())
	return -1
}

func hasDup(ids []int64) bool {
	seen := map[int64]bool{}
	for _, x := range ids {
		if seen[x] {
			return true
		}
		seen[x] = true
	}
	return false
}

// shrink returns the smallest subtree of n on which engine and Eval still
// disagree (there always is a leaf: and/or/not of agreeing parts agree).
func (p *propWorld) shrink(n *cond.Node) *cond.Node {
	var kids []*cond.Node
	switch {
	case n.Not != nil:
		kids = []*cond.Node{n.Not}
	default:
		kids = append(slices.Clone(n.And), n.Or...)
	}
	for _, k := range kids {
		got, _, err := searchAll(p.ctx, p.eng, p.env, p.tenant, k)
		want, err2 := p.evalIDs(k)
		if err != nil || err2 != nil {
			continue
		}
		if a, b := idDiff(got, want); len(a)+len(b) > 0 {
			return p.shrink(k)
		}
	}
	return n
}

func (p *propWorld) plan(n *cond.Node) (string, []any) {
	pl, err := p.eng.Build(&query.Request{TenantID: p.tenant, Filter: n, PageSize: 10}, p.env)
	if err != nil {
		return "", nil
	}
	return pl.SQL, pl.Args
}

func (p *propWorld) describe(id int64) string {
	for _, c := range p.customers {
		if c.ID == id {
			b, _ := json.Marshal(c)
			return string(b) + " custom=" + string(c.Custom)
		}
	}
	return "?"
}

// checkSort walks one random sort (with a random filter now and then)
// through the cursor, or through page numbers, with a small page size.
func (p *propWorld) checkSort(t *testing.T, r *rand.Rand, i int) {
	var specs []query.SortSpec
	for range r.IntN(4) {
		key := pick(r, p.sortable)
		if f := p.env.Catalog.Field(key); !f.System && chance(r, 0.3) {
			key = strconv.FormatInt(f.ID, 10)
		}
		specs = append(specs, query.SortSpec{Field: key, Desc: chance(r, 0.5)})
	}
	var filter *cond.Node
	want := slices.Clone(p.customers)
	if chance(r, 0.3) {
		filter = p.genNode(r, 2)
		rn, err := query.Resolve(filter, p.env)
		if err != nil {
			t.Fatalf("resolve %s: %v", render(filter), err)
		}
		want = want[:0]
		for _, c := range p.customers {
			if query.Eval(rn, c, p.world) {
				want = append(want, c)
			}
		}
	}
	if err := query.SortCustomers(want, specs, p.env.Catalog, p.world); err != nil {
		t.Fatal(err)
	}
	byPage := chance(r, 0.25)
	size := 1 + r.IntN(40)
	req := &query.Request{TenantID: p.tenant, Filter: filter, Sort: specs, PageSize: size, Page: 1}
	var got []*model.Customer
	for page := 1; ; page++ {
		req.Total = query.TotalNone
		if page == 1 || chance(r, 0.1) {
			req.Total = query.TotalExact
		}
		res, err := p.eng.SearchWith(p.ctx, req, p.env)
		if err != nil {
			t.Fatalf("sort %d %v page %d: %v", i, specs, page, err)
		}
		if req.Total == query.TotalExact && res.Total != int64(len(want)) {
			t.Errorf("sort %d %v filter %s page %d: total %d, want %d", i, specs, render(filter), page, res.Total, len(want))
		}
		got = append(got, res.Customers...)
		if len(res.Customers) > size || len(got) > len(want)+size {
			t.Fatalf("sort %d %v: runaway paging (%d rows so far, want %d)", i, specs, len(got), len(want))
		}
		if byPage {
			if len(res.Customers) < size {
				break
			}
			req.Page++
			continue
		}
		if res.NextCursor == "" {
			break
		}
		req.Cursor = res.NextCursor
	}
	if len(got) != len(want) {
		t.Errorf("sort %d %v (page size %d, by page %v, filter %s): %d rows, want %d", i, specs, size, byPage, render(filter), len(got), len(want))
	}
	for k := 0; k < min(len(got), len(want)); k++ {
		if got[k].ID != want[k].ID {
			t.Errorf("sort %d %v (page size %d, by page %v, filter %s): row %d is %d, want %d\n\tgot  %s\n\twant %s",
				i, specs, size, byPage, render(filter), k, got[k].ID, want[k].ID, p.describe(got[k].ID), p.describe(want[k].ID))
			break
		}
	}
}

// noteLeaves records which field/operator pairs the generated leaves cover
// with a selective condition (judged by Eval alone).
func (p *propWorld) noteLeaves(n *cond.Node) {
	switch {
	case n.Leaf != nil:
		f := p.env.Catalog.Field(n.Leaf.Field)
		if p.coverage == nil {
			p.coverage = map[string]map[cond.Op]int{}
		}
		if p.coverage[f.Key] == nil {
			p.coverage[f.Key] = map[cond.Op]int{}
		}
		ids, err := p.evalIDs(n)
		if err == nil && len(ids) > 0 && len(ids) < len(p.customers) {
			p.coverage[f.Key][n.Leaf.Op]++
		} else {
			p.coverage[f.Key][n.Leaf.Op] += 0
		}
	case n.Not != nil:
		p.noteLeaves(n.Not)
	default:
		for _, k := range append(slices.Clone(n.And), n.Or...) {
			p.noteLeaves(k)
		}
	}
}

// checkCoverage fails when a field/operator pair was never generated and
// logs the pairs that never selected a proper subset of the customers.
func (p *propWorld) checkCoverage(t *testing.T) {
	var never []string
	for _, f := range p.gfields {
		for _, op := range kindOps[f.kind] {
			n, seen := p.coverage[f.key][op]
			switch {
			case !seen && *propCases >= 2000:
				t.Errorf("the generator never produced %s %s", f.key, op)
			case !seen:
			case n == 0:
				never = append(never, f.key+" "+string(op))
			}
		}
	}
	if len(never) > 0 {
		t.Logf("pairs that never split the customers (all or nothing every time): %s", strings.Join(never, ", "))
	}
}
