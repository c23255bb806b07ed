package platsync_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/platsync"
)

var (
	surnames = []string{"张", "李", "王", "欧阳", "司马", "赵", "钱", "孙", "𠮷"}
	given    = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "洋"}
)

// dashiCustomer is the i-th platform customer with every field 达实 shows,
// some left empty.
func dashiCustomer(i int, project int64) *crm.CustomerInput {
	name := surnames[i%len(surnames)] + given[i%len(given)] + fmt.Sprint(i)
	in := &crm.CustomerInput{Name: &name, ProjectID: &project}
	if i%7 != 0 {
		in.Phone = crm.Ptr(fmt.Sprintf("139%08d", 10000000+i))
	}
	if i%11 == 3 {
		in.Phone = crm.Ptr("+14155550" + fmt.Sprintf("%03d", i%1000))
	}
	if i%3 == 0 {
		in.Email = crm.Ptr(fmt.Sprintf("user%d@例子.cn", i))
		in.Company = crm.Ptr("深圳示例科技有限公司")
		in.CompanyIDs = &[]string{"c1", fmt.Sprint(i)}
		in.Address = crm.Ptr("广东省深圳市南山区科技园 " + fmt.Sprint(i) + " 号")
		in.Remark = crm.Ptr("第一行\n第二行：\"引号\" 和 emoji 😀")
		in.IDType, in.IDNumber = crm.Ptr(1), crm.Ptr(fmt.Sprintf("44030519900101%04d", i%10000))
		in.Sex, in.Age = crm.Ptr(1+i%2), crm.Ptr(20+i%50)
		in.BornDate = crm.Ptr(time.Date(1990, 1, 1+i%28, 0, 0, 0, 0, time.UTC).UnixMilli())
		in.SpaceIDs, in.SpaceNames, in.Paths = &[]string{"s1"}, &[]string{"A栋 3层"}, &[]string{"/园区/A栋"}
		in.GradeID, in.GradeName = crm.Ptr(int64(2)), crm.Ptr("金卡")
		in.TypeID, in.TypeName = crm.Ptr(int64(5)), crm.Ptr("业主")
		in.ContactName, in.ContactPhone = crm.Ptr("紧急联系人"), crm.Ptr("0755-8888 1234")
		in.NativePlace, in.Nation = crm.Ptr("湖南长沙"), crm.Ptr("汉族")
		in.Marriage, in.Education = crm.Ptr(2), crm.Ptr(5)
		in.Profession, in.Speciality, in.Interest, in.Character = crm.Ptr("工程师"), crm.Ptr("编程"), crm.Ptr("爬山"), crm.Ptr("开朗")
		in.PostalCode, in.JobNum, in.FacePhoto = crm.Ptr("518000"), crm.Ptr("E"+fmt.Sprint(i)), crm.Ptr("https://img.example.com/"+fmt.Sprint(i)+".jpg")
		in.OpenID, in.UnionID = crm.Ptr("o_"+fmt.Sprint(i)), crm.Ptr("u_"+fmt.Sprint(i))
		in.ManagementForms, in.ManagementFormsID = crm.Ptr("营业"), crm.Ptr(int64(1))
	}
	if i%5 == 0 {
		in.Status = crm.Ptr(model.StatusDisabled)
	}
	return in
}

// TestDashiSync brings every 达实 customer over with every field, over
// many pages; a second run changes nothing; an incremental run after edits
// on the platform brings exactly the edits.
func TestDashiSync(t *testing.T) {
	forEachDB(t, func(t *testing.T, w *world) {
		const n = 530
		var plat []*model.Customer
		for i := range n {
			plat = append(plat, w.create(t, dashiCustomer(i, w.project.ID)))
		}
		// A customer of another project is not the page's.
		other, _ := w.plat.Store.CreateProject(context.Background(), w.plat.Tenant.ID, "别的园区")
		w.create(t, dashiCustomer(9999, other.ID))

		cfg := w.config(platsync.PlatformDashi)
		cfg.PageSize = 25 // 22 pages: deep paging
		var progress []int64
		cfg.Progress = func(done, total int64) { progress = append(progress, done) }
		sum := w.sync(t, cfg)
		if sum.Created != n || sum.Seen != n || sum.Failed != 0 || sum.Pages != 22 || sum.Total != n {
			t.Fatalf("summary %+v", sum)
		}
		if len(progress) != 22 || progress[21] != n {
			t.Errorf("progress %v", progress)
		}
		w.sameCustomers(t, plat)
		// The customers went to a kehu project named like the platform's.
		for _, c := range all(t, w.dst, w.dst.Tenant.ID)[:3] {
			p, _ := w.dst.Store.Project(context.Background(), w.dst.Tenant.ID, c.ProjectID)
			if p == nil || p.Name != "滨海园区" {
				t.Fatalf("project %+v", p)
			}
		}
		// The job reads like an import.
		job, err := w.dst.Store.Import(context.Background(), w.dst.Tenant.ID, sum.ImportID)
		if err != nil {
			t.Fatal(err)
		}
		v := importer.ViewOf(job, time.Now())
		if v.Status != importer.StatusDone || v.Created != n || v.Progress != 1 {
			t.Errorf("job %+v", v)
		}

		// Again: nothing changed, nothing is written.
		sum = w.sync(t, cfg)
		if sum.Created != 0 || sum.Updated != 0 || sum.Unchanged != n || sum.Since == nil {
			t.Fatalf("second run %+v", sum)
		}

		// Edits on the platform, and new customers: exactly those come over.
		w.edit(t, plat[10].ID, &crm.CustomerInput{Remark: crm.Ptr("改过的备注"), Email: crm.Ptr("")})
		w.edit(t, plat[200].ID, &crm.CustomerInput{Name: crm.Ptr("新名字"), Phone: crm.Ptr("")})
		plat = append(plat, w.create(t, dashiCustomer(n, w.project.ID)), w.create(t, dashiCustomer(n+1, w.project.ID)))
		for _, i := range []int{10, 200} {
			c, _ := w.plat.Store.Customer(context.Background(), w.plat.Tenant.ID, plat[i].ID)
			plat[i] = c
		}
		sum = w.sync(t, cfg)
		if sum.Created != 2 || sum.Updated != 2 || sum.Unchanged != n-2 || sum.Failed != 0 {
			t.Fatalf("incremental run %+v", sum)
		}
		w.sameCustomers(t, plat)
	})
}

// TestDashiResume: a sync interrupted after some pages continues where it
// stopped, without duplicates, in the same job.
func TestDashiResume(t *testing.T) {
	forEachDB(t, func(t *testing.T, w *world) {
		var plat []*model.Customer
		for i := range 120 {
			plat = append(plat, w.create(t, dashiCustomer(i, w.project.ID)))
		}
		cfg := w.config(platsync.PlatformDashi)
		cfg.PageSize = 20
		ctx, cancel := context.WithCancel(context.Background())
		cfg.Progress = func(done, total int64) {
			if done >= 60 {
				cancel()
			}
		}
		sum, err := platsync.Run(ctx, w.dst.Svc, cfg)
		if err == nil {
			t.Fatalf("interrupted run: no error, %+v", sum)
		}
		if got := len(all(t, w.dst, w.dst.Tenant.ID)); got != 60 {
			t.Fatalf("after the interruption kehu has %d customers, want the 3 committed pages (60)", got)
		}
		job, _ := w.dst.Store.Import(context.Background(), w.dst.Tenant.ID, sum.ImportID)
		if job.Status != importer.StatusFailed || !strings.Contains(job.Error, "continue from page 4") {
			t.Errorf("job after interruption: %s %q", job.Status, job.Error)
		}
		cfg.Progress = nil
		pagesBefore := w.proxy.count("/api/open/customer/customer-manage/v1/customer/page")
		sum2 := w.sync(t, cfg)
		if !sum2.Resumed || sum2.ImportID != sum.ImportID || sum2.Created != 120 || sum2.Seen != 120 {
			t.Fatalf("resumed run %+v", sum2)
		}
		if got := w.proxy.count("/api/open/customer/customer-manage/v1/customer/page") - pagesBefore; got != 3 {
			t.Errorf("the resumed run asked for %d pages, want the 3 left", got)
		}
		w.sameCustomers(t, plat)
	})
}

// TestDashiNulls: a platform that sends null (and numbers as strings, as
// 达实's own example does) for empty values.
func TestDashiNulls(t *testing.T) {
	w := newWorld(t, "sqlite")
	var plat []*model.Customer
	for i := range 30 {
		plat = append(plat, w.create(t, dashiCustomer(i, w.project.ID)))
	}
	w.proxy.setHook(func(r *http.Request, body []byte, n int) (int, string, time.Duration) {
		if !isPage(r) {
			return 0, "", 0
		}
		resp, err := forward(r, w.plat.URL, body)
		if err != nil {
			return 502, "", 0
		}
		s := strings.NewReplacer(`:""`, `:null`, `:[]`, `:null`, `"age":0`, `"age":"0"`, `"sex":1`, `"sex":"1"`).Replace(resp)
		return 200, s, 0
	})
	cfg := w.config(platsync.PlatformDashi)
	sum := w.sync(t, cfg)
	if sum.Created != 30 || sum.Failed != 0 {
		t.Fatalf("%+v\n%q", sum, w.issues(t, sum.ImportID))
	}
	w.sameCustomers(t, plat)
}
