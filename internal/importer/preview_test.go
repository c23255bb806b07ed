package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
)

// TestPreview: a GBK file with a title row above its header previews as the
// import reads it — the header found, columns mapped or ignored with the
// reason, a mapping applied, the first rows sampled, the total counted.
func TestPreview(t *testing.T) {
	f := newFixture(t, "sqlite")
	ctx := context.Background()
	if err := f.st.CreateField(ctx, f.tenant.ID, &model.Field{Key: "level", Label: "会员等级", Type: model.TypeText}); err != nil {
		t.Fatal(err)
	}
	csvText := "客户名单 2026\n姓名,手机,会员等级,内部编号,创建时间\n张三,13800138000,金卡,A1,2026-01-01\n李四,13900139000,银卡,A2,\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(csvText)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "gbk.csv")
	if err := os.WriteFile(path, []byte(gbk), 0o600); err != nil {
		t.Fatal(err)
	}
	im := &importer.Importer{Svc: f.svc}
	caller := crm.TenantCaller(f.tenant.ID, 0, model.ViaNative)
	for _, tc := range []struct {
		name    string
		mapping map[string]string
		want    map[string]string // header → key ("" ignored)
		why     map[string]string
	}{
		{"recognised", nil,
			map[string]string{"姓名": "name", "手机": "phone", "会员等级": "level", "内部编号": "", "创建时间": ""},
			map[string]string{"内部编号": "not recognised", "创建时间": "read-only: createdAt"}},
		{"mapped", map[string]string{"内部编号": "externalId", "会员等级": "-"},
			map[string]string{"姓名": "name", "手机": "phone", "会员等级": "", "内部编号": "externalId"},
			map[string]string{"会员等级": "skipped by the mapping"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := importer.Open(path, "gbk.csv")
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			pv, err := im.Preview(ctx, caller, src, tc.mapping)
			if err != nil {
				t.Fatal(err)
			}
			if pv.Format != "csv gb18030" || pv.HeaderRow != 2 || pv.TotalRows != 2 {
				t.Errorf("format %q header row %d total %d", pv.Format, pv.HeaderRow, pv.TotalRows)
			}
			for _, c := range pv.Columns {
				if want, ok := tc.want[c.Header]; ok && c.Key != want {
					t.Errorf("%s → %q, want %q", c.Header, c.Key, want)
				}
				if want, ok := tc.why[c.Header]; ok && c.Why != want {
					t.Errorf("%s ignored because %q, want %q", c.Header, c.Why, want)
				}
			}
			if len(pv.Sample) != 2 || pv.Sample[0][0] != "张三" || pv.Sample[1][2] != "银卡" {
				t.Errorf("sample %q", pv.Sample)
			}
		})
	}
	ro := &model.Caller{TenantID: f.tenant.ID, StaffID: 1, Via: model.ViaConsole, Role: &model.Role{Name: "只读", Scope: model.DataAll}}
	src, _ := importer.Open(path, "gbk.csv")
	defer src.Close()
	if _, err := im.Preview(ctx, ro, src, nil); err == nil {
		t.Error("a caller without the import permission previewed")
	}
	cat, err := f.st.LoadCatalog(ctx, f.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, tg := range importer.Targets(cat) {
		keys = append(keys, tg.Key)
	}
	if len(keys) == 0 || keys[0] != "id" || keys[len(keys)-1] != "level" {
		t.Errorf("targets %v", keys)
	}
}

// TestRecentImports: the console's import page lists a tenant's jobs newest
// first, and no other tenant's.
func TestRecentImports(t *testing.T) {
	f := newFixture(t, "sqlite")
	ctx := context.Background()
	path := genCSV(t, t.TempDir(), 30)
	var ids []int64
	for i := 0; i < 3; i++ {
		ids = append(ids, f.run(t, path, importer.Options{Persist: true, DryRun: true}, nil).ImportID)
	}
	other, err := f.st.CreateTenant(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := f.st.RecentImports(ctx, f.tenant.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].ID != ids[2] || jobs[1].ID != ids[1] || jobs[0].Status != importer.StatusDone || jobs[0].Processed != 30 {
		t.Fatalf("recent %+v, ids %v", jobs, ids)
	}
	if jobs, _ := f.st.RecentImports(ctx, other.ID, 10); len(jobs) != 0 {
		t.Fatalf("another tenant sees %d jobs", len(jobs))
	}
}

// TestImportRequiredField: a row without a value for a required custom
// field fails (and goes to the report) instead of creating a customer.
func TestImportRequiredField(t *testing.T) {
	f := newFixture(t, "sqlite")
	ctx := context.Background()
	if err := f.st.CreateField(ctx, f.tenant.ID, &model.Field{Key: "source", Label: "来源", Type: model.TypeText, Required: true}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "req.csv")
	if err := os.WriteFile(path, []byte("姓名,手机号,来源\n张三,13800138000,展会\n李四,13900139000,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep := &memReport{}
	sum := f.run(t, path, importer.Options{}, rep)
	if sum.Created != 1 || sum.Failed != 1 || len(rep.issues) != 1 || rep.issues[0].Row != 3 || rep.issues[0].Column != "来源" {
		t.Fatalf("created %d failed %d issues %+v", sum.Created, sum.Failed, rep.issues)
	}
}
