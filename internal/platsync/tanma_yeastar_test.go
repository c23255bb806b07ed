package platsync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/platsync"
	"github.com/kehu/kehu/internal/store"
)

func yeastarCustomer(i int) *crm.CustomerInput {
	in := &crm.CustomerInput{FirstName: crm.Ptr(given[i%len(given)] + fmt.Sprint(i)), Company: crm.Ptr("Example 公司"),
		Email: crm.Ptr(fmt.Sprintf("y%d@example.com", i))}
	if i%2 == 0 {
		in.LastName = crm.Ptr(surnames[i%len(surnames)])
	}
	if i%3 == 0 {
		in.Phone, in.BusinessPhone, in.HomePhone, in.Fax = crm.Ptr(fmt.Sprintf("138%08d", i)), crm.Ptr("0592-5551234"), crm.Ptr("+1 (415) 555-0100"), crm.Ptr("001-111-1111")
		in.PostalCode, in.Street, in.City, in.State, in.Country = crm.Ptr("361000"), crm.Ptr("软件园二期 观日路"), crm.Ptr("厦门"), crm.Ptr("福建"), crm.Ptr("中国")
		in.Remark = crm.Ptr("多行\n备注")
	}
	return in
}

// TestYeastarSync: 50 a page, every field, a full walk that finds the
// unchanged ones by content, and a token that expires mid-walk.
func TestYeastarSync(t *testing.T) {
	forEachDB(t, func(t *testing.T, w *world) {
		const n = 130
		var plat []*model.Customer
		for i := range n {
			plat = append(plat, w.create(t, yeastarCustomer(i)))
		}
		expired := 0
		w.proxy.setHook(func(r *http.Request, body []byte, k int) (int, string, time.Duration) {
			// The access token "expires" at the second page of the first run.
			if isPage(r) && pageOf(r, body) == 2 && expired == 0 {
				expired++
				return 401, `{"status":"Failed","errcode":10004,"errmsg":"TOKEN INVALID OR EXPIRED: expired","requestId":"x","time":1}`, 0
			}
			return 0, "", 0
		})
		cfg := w.config(platsync.PlatformYeastar)
		sum := w.sync(t, cfg)
		if sum.Created != n || sum.Pages != 3 || sum.Failed != 0 {
			t.Fatalf("summary %+v", sum)
		}
		if got := w.proxy.count("/dm/open_api/oauth/token"); got != 2 {
			t.Errorf("token calls: %d, want 2 (the grant and the refresh after 10004)", got)
		}
		w.sameCustomers(t, plat, "createdAt")

		w.edit(t, plat[7].ID, &crm.CustomerInput{City: crm.Ptr("福州"), Remark: crm.Ptr("")})
		c, _ := w.plat.Store.Customer(context.Background(), w.plat.Tenant.ID, plat[7].ID)
		plat[7] = c
		sum = w.sync(t, cfg)
		if sum.Created != 0 || sum.Updated != 1 || sum.Unchanged != n-1 {
			t.Fatalf("second run %+v", sum)
		}
		w.sameCustomers(t, plat, "createdAt")
	})
}

// tanmaCatalog gives the platform a catalogue: custom fields of every
// type, tags, stages, departments and staff.
type tanmaFixture struct {
	fields map[string]*model.Field
	tags   []int64
	stages []int64
	staff  []int64
}

func newTanmaFixture(t *testing.T, w *world) *tanmaFixture {
	ctx := context.Background()
	st, tid := w.plat.Store, w.plat.Tenant.ID
	fx := &tanmaFixture{fields: map[string]*model.Field{}}
	for _, f := range []*model.Field{
		{Key: "level", Label: "会员等级", Type: model.TypeSelect, Options: []model.Option{{Label: "VIP"}, {Label: "普通"}}},
		{Key: "hobbies", Label: "爱好", Type: model.TypeMultiSelect, Options: []model.Option{{Label: "篮球"}, {Label: "读书"}, {Label: "旅行"}}},
		{Key: "visitDate", Label: "到访日期", Type: model.TypeDate},
		{Key: "lastVisit", Label: "最近到访", Type: model.TypeDateTime},
		{Key: "score", Label: "积分", Type: model.TypeNumber},
		{Key: "backupPhone", Label: "备用电话", Type: model.TypePhone},
		{Key: "vip", Label: "是否大客户", Type: model.TypeBool},
		{Key: "note", Label: "说明", Type: model.TypeText},
		{Key: "memo", Label: "长备注", Type: model.TypeTextarea},
	} {
		if err := st.CreateField(ctx, tid, f); err != nil {
			t.Fatal(err)
		}
		fx.fields[f.Key] = f
	}
	g, _ := st.CreateTagGroup(ctx, tid, "客户标签")
	for _, name := range []string{"重要", "老客户", "待跟进"} {
		tg, err := st.CreateTag(ctx, tid, g.ID, name)
		if err != nil {
			t.Fatal(err)
		}
		fx.tags = append(fx.tags, tg.ID)
	}
	for _, name := range []string{"新入库", "意向", "成交"} {
		s, _ := st.CreateStage(ctx, tid, name)
		fx.stages = append(fx.stages, s.ID)
	}
	hq, _ := st.CreateDepartment(ctx, tid, 0, "总部")
	sales, _ := st.CreateDepartment(ctx, tid, hq.ID, "销售部")
	east, _ := st.CreateDepartment(ctx, tid, sales.ID, "华东组")
	for _, m := range []*model.Staff{{Name: "张磊", DepartmentID: east.ID}, {Name: "李娜", DepartmentID: sales.ID}, {Name: "王五"}} {
		if err := st.CreateStaff(ctx, tid, m); err != nil {
			t.Fatal(err)
		}
		fx.staff = append(fx.staff, m.ID)
	}
	return fx
}

func (fx *tanmaFixture) customer(i int) *crm.CustomerInput {
	name := surnames[i%len(surnames)] + given[(i/3)%len(given)] + fmt.Sprint(i)
	in := &crm.CustomerInput{Name: &name}
	if i%4 != 0 {
		in.Phone = crm.Ptr(fmt.Sprintf("137%08d", i))
		if i%8 == 1 {
			in.Phones = &[]string{fmt.Sprintf("136%08d", i), "021-62345678"}
		}
	}
	if i%2 == 0 {
		in.Email, in.Company, in.Address, in.Remark = crm.Ptr(fmt.Sprintf("t%d@example.cn", i)), crm.Ptr("江鑫祥科技"), crm.Ptr("上海市徐汇区"), crm.Ptr("来自官网\n第二行")
		in.Sex, in.IDNumber, in.Age, in.IDType, in.Marriage, in.Education = crm.Ptr(2), crm.Ptr("11010519491231002X"), crm.Ptr(33), crm.Ptr(1), crm.Ptr(1), crm.Ptr(6)
		in.BornDate = crm.Ptr(time.Date(1991, 9, 2, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)).UnixMilli())
		in.City, in.State, in.Country, in.PostalCode, in.Street = crm.Ptr("上海"), crm.Ptr("上海"), crm.Ptr("中国"), crm.Ptr("200030"), crm.Ptr("漕溪北路")
		in.UnionID = crm.Ptr("wx_union_" + fmt.Sprint(i))
		in.OwnerID = &fx.staff[i%3]
		in.CollaboratorIDs = &[]int64{fx.staff[(i+1)%3]}
		in.StageID = &fx.stages[i%3]
		in.TagIDs = &[]int64{fx.tags[i%3], fx.tags[(i+1)%3]}
		f := fx.fields
		in.Fields = map[string]json.RawMessage{
			"level":       json.RawMessage(fmt.Sprint(f["level"].Options[i%2].ID)),
			"hobbies":     json.RawMessage(fmt.Sprintf("[%d,%d]", f["hobbies"].Options[0].ID, f["hobbies"].Options[2].ID)),
			"visitDate":   json.RawMessage(`"2024-03-0` + fmt.Sprint(1+i%9) + `"`),
			"lastVisit":   json.RawMessage(fmt.Sprint(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC).UnixMilli())),
			"score":       json.RawMessage(`2.5`),
			"backupPhone": json.RawMessage(`"13900001111"`),
			"vip":         json.RawMessage(`true`),
			"note":        json.RawMessage(`"单行文本"`),
			"memo":        json.RawMessage(`"多行\n文本"`),
		}
	}
	if i%6 == 5 {
		in.Status = crm.Ptr(model.StatusDisabled)
		in.Fields = map[string]json.RawMessage{"vip": json.RawMessage(`false`), "score": json.RawMessage(`-3`)}
	}
	return in
}

// TestTanmaSync: list-fields becomes kehu's catalogue (custom fields of
// every type, their options, tags, stages), owners and collaborators
// arrive by name with their departments, every value comes over.
func TestTanmaSync(t *testing.T) {
	forEachDB(t, func(t *testing.T, w *world) {
		fx := newTanmaFixture(t, w)
		const n = 75
		var plat []*model.Customer
		for i := range n {
			plat = append(plat, w.create(t, fx.customer(i)))
		}
		// kehu already has one of the tags and one stage: they are reused.
		g, _ := w.dst.Store.CreateTagGroup(context.Background(), w.dst.Tenant.ID, "已有")
		_, _ = w.dst.Store.CreateTag(context.Background(), w.dst.Tenant.ID, g.ID, "重要")
		_, _ = w.dst.Store.CreateStage(context.Background(), w.dst.Tenant.ID, "成交")

		cfg := w.config(platsync.PlatformTanma)
		cfg.PageSize = 20
		sum := w.sync(t, cfg)
		if sum.Created != n || sum.Pages != 4 || sum.Failed != 0 {
			t.Fatalf("summary %+v", sum)
		}
		// The platform renders times to the second: compare those apart.
		w.sameCustomers(t, plat, "createdAt")
		created := map[string]time.Time{}
		for _, c := range all(t, w.dst, w.dst.Tenant.ID) {
			created[c.ExternalID] = c.CreatedAt
		}
		for _, p := range plat {
			if got := created[fmt.Sprint(p.ID)]; !got.Equal(p.CreatedAt.Truncate(time.Second)) {
				t.Fatalf("customer %d created at %v, on the platform %v", p.ID, got, p.CreatedAt)
			}
		}
		tags, _ := w.dst.Store.TagGroups(context.Background(), w.dst.Tenant.ID)
		count := 0
		for _, g := range tags {
			count += len(g.Tags)
		}
		if count != 3 {
			t.Errorf("kehu has %d tags, want 3 (重要 reused)", count)
		}
		if stages, _ := w.dst.Store.Stages(context.Background(), w.dst.Tenant.ID); len(stages) != 3 {
			t.Errorf("stages %+v", stages)
		}

		// A rerun creates no catalogue entry twice and writes nothing.
		sum = w.sync(t, cfg)
		if sum.Created != 0 || sum.Updated != 0 || len(sum.Catalog) != 0 {
			t.Fatalf("second run %+v", sum)
		}
		cat, _ := w.dst.Store.LoadCatalog(context.Background(), w.dst.Tenant.ID)
		if custom := len(cat.Fields) - len(model.SystemFields); custom != 9 {
			t.Errorf("kehu has %d custom fields, want 9", custom)
		}

		// A new option on the platform and an edit that uses it.
		lv := fx.fields["level"]
		lv.Options = append(lv.Options, model.Option{Label: "钻石"})
		if err := w.plat.Store.UpdateField(context.Background(), w.plat.Tenant.ID, lv); err != nil {
			t.Fatal(err)
		}
		pc, _ := w.plat.Store.LoadCatalog(context.Background(), w.plat.Tenant.ID)
		diamond := pc.ByKey["level"].Options[2].ID
		w.edit(t, plat[2].ID, &crm.CustomerInput{Fields: map[string]json.RawMessage{"level": json.RawMessage(fmt.Sprint(diamond))},
			TagIDs: &[]int64{}, OwnerID: crm.Ptr(int64(0))})
		c, _ := w.plat.Store.Customer(context.Background(), w.plat.Tenant.ID, plat[2].ID)
		plat[2] = c
		sum = w.sync(t, cfg)
		if sum.Updated != 1 || sum.Created != 0 {
			t.Fatalf("incremental %+v", sum)
		}
		w.sameCustomers(t, plat, "createdAt")
	})
}

// TestTanmaUnmapped: values kehu refuses are reported, the rest of the
// record is written.
func TestTanmaUnmapped(t *testing.T) {
	w := newWorld(t, "sqlite")
	fx := newTanmaFixture(t, w)
	c := w.create(t, fx.customer(2))
	w.proxy.setHook(func(r *http.Request, body []byte, n int) (int, string, time.Duration) {
		if !isPage(r) {
			return 0, "", 0
		}
		resp, _ := forward(r, w.plat.URL, body)
		resp = strings.Replace(resp, `"t2@example.cn"`, `"not an email"`, -1)
		resp = strings.Replace(resp, `"qwRemark":null`, `"qwRemark":"企业微信备注"`, 1)
		return 200, resp, 0
	})
	sum := w.sync(t, w.config(platsync.PlatformTanma))
	if sum.Created != 1 || sum.NotMapped != 1 || sum.KeysNotMapped["qwRemark"] != 1 {
		t.Fatalf("%+v", sum)
	}
	got := all(t, w.dst, w.dst.Tenant.ID)[0]
	if got.Email != "" || got.Name != c.Name || got.Company != c.Company {
		t.Errorf("%+v", got)
	}
	var issues []string
	job, _ := w.dst.Store.Import(context.Background(), w.dst.Tenant.ID, sum.ImportID)
	_ = w.dst.Store.ImportIssues(context.Background(), w.dst.Tenant.ID, job.ID, func(is store.ImportIssue) error {
		issues = append(issues, is.Kind+" "+is.Reason)
		return nil
	})
	t.Log(issues)
	if len(issues) != 1 || !strings.Contains(issues[0], "unmapped 邮箱") {
		t.Errorf("issues %q", issues)
	}
}
