package exporter_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/exporter"
	"github.com/kehu/kehu/internal/fakedata"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// catalogue creates the same fields, tags, staff, stages and projects in a
// tenant (by name, so another tenant gets other ids) and returns the ids
// by name.
func catalogue(t *testing.T, st *store.Store, tenant int64) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	ids := map[string]int64{}
	for _, f := range []*model.Field{
		{Key: "score", Label: "积分", Type: model.TypeNumber},
		{Key: "level", Label: "会员等级", Type: model.TypeSelect, Options: []model.Option{{Label: "VIP"}, {Label: "普通"}}},
		{Key: "hobby", Label: "爱好", Type: model.TypeMultiSelect, Options: []model.Option{{Label: "足球"}, {Label: "读书"}, {Label: "音乐"}}},
		{Key: "joined", Label: "入会日期", Type: model.TypeDate},
		{Key: "lastVisit", Label: "最近到访", Type: model.TypeDateTime},
		{Key: "vip", Label: "城市", Type: model.TypeBool}, // collides with a system header
		{Key: "region", Label: "区域", Type: model.TypeArea},
		{Key: "wechat", Label: "微信", Type: model.TypeText},
		{Key: "note", Label: "长备注", Type: model.TypeTextarea},
		{Key: "mobile2", Label: "备用电话", Type: model.TypePhone},
		{Key: "workEmail", Label: "工作邮箱", Type: model.TypeEmail},
	} {
		if err := st.CreateField(ctx, tenant, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []string{"来源", "兴趣"} {
		tg, err := st.CreateTagGroup(ctx, tenant, g)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{"线上", "其他"} { // 其他 exists in both groups
			tag, err := st.CreateTag(ctx, tenant, tg.ID, n)
			if err != nil {
				t.Fatal(err)
			}
			ids["tag:"+g+"/"+n] = tag.ID
		}
	}
	for _, n := range []string{"王销售", "李经理"} {
		m := &model.Staff{Name: n}
		if err := st.CreateStaff(ctx, tenant, m); err != nil {
			t.Fatal(err)
		}
		ids["staff:"+n] = m.ID
	}
	for _, n := range []string{"初访", "成交"} {
		s, err := st.CreateStage(ctx, tenant, n)
		if err != nil {
			t.Fatal(err)
		}
		ids["stage:"+n] = s.ID
	}
	p, err := st.CreateProject(ctx, tenant, "华东项目")
	if err != nil {
		t.Fatal(err)
	}
	ids["project"] = p.ID
	return ids
}

func raw(v any) json.RawMessage { b, _ := json.Marshal(v); return b }

// populate creates n customers using every exported column.
func populate(t *testing.T, svc *crm.Service, tenant int64, ids map[string]int64, n int) {
	t.Helper()
	ctx := context.Background()
	b, err := svc.NewBulk(ctx, crm.SystemCaller(tenant, model.Actor{ID: "test"}))
	if err != nil {
		t.Fatal(err)
	}
	g := fakedata.New(fakedata.Config{Seed: 3})
	var p fakedata.Person
	var cs []*model.Customer
	for i := 0; i < n; i++ {
		g.Next(&p)
		in := &crm.CustomerInput{Name: crm.Ptr(p.Name), Phone: crm.Ptr(p.Phone), Email: crm.Ptr(p.Email), Company: crm.Ptr(p.Company),
			Address: crm.Ptr(p.Address), City: crm.Ptr(p.City), State: crm.Ptr(p.State), Country: crm.Ptr(p.Country),
			PostalCode: crm.Ptr(p.ZipCode), Street: crm.Ptr(p.Street), Remark: crm.Ptr(p.Remark), Status: crm.Ptr(p.Status),
			Sex: crm.Ptr(p.Sex), IDNumber: crm.Ptr(p.IDNumber), BornDate: crm.Ptr(p.BornDate.UnixMilli())}
		if p.FirstName != "" && strings.Contains(p.Name, " ") {
			in.FirstName, in.LastName = crm.Ptr(p.FirstName), crm.Ptr(p.LastName)
		}
		in.Fields = map[string]json.RawMessage{"score": raw(p.Score)}
		switch i % 7 {
		case 0:
			in.ProjectID = crm.Ptr(ids["project"])
			in.OwnerID = crm.Ptr(ids["staff:王销售"])
			in.CollaboratorIDs = &[]int64{ids["staff:李经理"], ids["staff:王销售"]}
			in.TagIDs = &[]int64{ids["tag:来源/线上"], ids["tag:兴趣/其他"]}
			in.StageID = crm.Ptr(ids["stage:成交"])
			in.Fields["level"] = raw("VIP")
			in.Fields["hobby"] = raw([]string{"读书", "足球"})
			in.Fields["joined"] = raw("2023-05-06")
			in.Fields["lastVisit"] = raw(time.Date(2025, 3, 4, 5, 6, 7, 89e6, crm.China).UnixMilli())
			in.Fields["vip"] = raw(true)
			in.Fields["region"] = raw(map[string]string{"code": "310115", "label": "上海市/上海市/浦东新区"})
		case 1:
			in.Remark = crm.Ptr("多行\n备注, 带 \"引号\"")
			in.Phones = &[]string{"13900000000", "13900000001"}
			in.BusinessPhone, in.HomePhone, in.Fax = crm.Ptr("021-12345678 x9"), crm.Ptr("010-87654321"), crm.Ptr("021-11112222")
			in.ContactName, in.ContactPhone = crm.Ptr("联系人"), crm.Ptr("13700000000")
			in.NativePlace, in.Nation, in.Profession, in.JobNum = crm.Ptr("湖南长沙"), crm.Ptr("汉族"), crm.Ptr("工程师"), crm.Ptr("E-007")
			in.Age, in.IDType, in.Marriage, in.Education = crm.Ptr(35), crm.Ptr(1), crm.Ptr(2), crm.Ptr(5)
			in.ExternalID = crm.Ptr(fmt.Sprintf("EXT-%d", i))
			in.Fields["vip"] = raw(false)
			in.Fields["region"] = raw("北京市/北京市/东城区")
			in.Fields["wechat"] = raw("wx_" + p.Phone)
			in.Fields["note"] = raw("第一行\n第二行")
			in.Fields["mobile2"] = raw("+1 415 555 2671")
			in.Fields["workEmail"] = raw("Work@Example.com")
			in.TagIDs = &[]int64{ids["tag:来源/其他"]}
		}
		c, err := b.Prepare(ctx, in)
		if err != nil {
			t.Fatalf("customer %d: %v", i, err)
		}
		cs = append(cs, c)
		if len(cs) == 500 || i == n-1 {
			if err := svc.Store.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomers(ctx, cs, b.Catalog) }); err != nil {
				t.Fatal(err)
			}
			cs = nil
		}
	}
}

func export(t *testing.T, svc *crm.Service, req exporter.Request) []byte {
	t.Helper()
	w, err := (&exporter.Exporter{Svc: svc}).Start(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readTable(t *testing.T, b []byte, format string) [][]string {
	t.Helper()
	if format == "xlsx" {
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	if !bytes.HasPrefix(b, []byte("\uFEFF")) {
		t.Fatal("CSV export without a UTF-8 BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// roundTripIgnored are the columns a round trip cannot keep: the new
// tenant gives new ids and new creation and update times.
var roundTripIgnored = map[string]bool{"客户ID": true, "创建时间": true, "更新时间": true}

// comparable drops the ignored columns (and trailing empty cells, which
// XLSX does not keep).
func comparable(rows [][]string) [][]string {
	var keep []int
	for i, h := range rows[0] {
		if !roundTripIgnored[h] {
			keep = append(keep, i)
		}
	}
	out := make([][]string, len(rows))
	for r, row := range rows {
		for _, i := range keep {
			v := ""
			if i < len(row) {
				v = row[i]
			}
			out[r] = append(out[r], v)
		}
	}
	return out
}

// TestRoundTrip: export → import into an empty tenant with the same
// catalogue (create mode: a copy keeps customers that share an email) →
// export again gives the same file, except the id and time columns; for
// CSV and XLSX, on both databases.
func TestRoundTrip(t *testing.T) {
	for _, db := range testenv.Databases {
		for _, format := range []string{"csv", "xlsx"} {
			t.Run(db+"/"+format, func(t *testing.T) {
				n := 2500
				if db == store.Postgres || format == "xlsx" {
					n = 400
				}
				st := testenv.OpenStore(t, db)
				svc := crm.New(st, "CN", crm.China)
				ctx := context.Background()
				a, _ := st.CreateTenant(ctx, "source")
				populate(t, svc, a.ID, catalogue(t, st, a.ID), n)
				first := export(t, svc, exporter.Request{TenantID: a.ID, Format: format})
				rowsA := readTable(t, first, format)
				if len(rowsA) != n+1 {
					t.Fatalf("exported %d rows, want %d", len(rowsA)-1, n)
				}

				b, _ := st.CreateTenant(ctx, "target")
				catalogue(t, st, b.ID)
				path := filepath.Join(t.TempDir(), "export."+format)
				if err := os.WriteFile(path, first, 0o644); err != nil {
					t.Fatal(err)
				}
				src, err := importer.Open(path, path)
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				rep := &memReport{}
				sum, err := (&importer.Importer{Svc: svc, Report: rep}).Run(ctx, src, importer.Options{TenantID: b.ID, OnDuplicate: importer.Create})
				if err != nil {
					t.Fatal(err)
				}
				if sum.Created != int64(n) || sum.Failed != 0 || sum.Skipped != 0 {
					t.Fatalf("import of the export: %+v\n%+v", sum, rep.issues[:min(5, len(rep.issues))])
				}
				if len(sum.Ignored) != 2 { // 创建时间, 更新时间 are read-only
					t.Fatalf("ignored %v", sum.Ignored)
				}
				second := export(t, svc, exporter.Request{TenantID: b.ID, Format: format})
				x, y := comparable(rowsA), comparable(readTable(t, second, format))
				if len(x) != len(y) {
					t.Fatalf("%d rows then %d", len(x), len(y))
				}
				for i := range x {
					if fmt.Sprint(x[i]) != fmt.Sprint(y[i]) {
						for j := range x[i] {
							if x[i][j] != y[i][j] {
								t.Fatalf("row %d column %s: %q then %q", i+1, x[0][j], x[i][j], y[i][j])
							}
						}
					}
				}
				// Headers are readable, select values are labels.
				head := strings.Join(rowsA[0], ",")
				for _, h := range []string{"姓名", "手机号", "邮箱", "会员等级", "城市 (vip)", "标签"} {
					if !strings.Contains(head, h) {
						t.Fatalf("header %q missing: %s", h, head)
					}
				}
				if !strings.Contains(string(first), "足球, 读书") && format == "csv" {
					t.Fatalf("multi-select not exported as labels")
				}
			})
		}
	}
}

// TestExportFilterAndPaging: a filtered, sorted export walks several pages
// and writes exactly the matching customers.
func TestExportFilterAndPaging(t *testing.T) {
	st := testenv.OpenStore(t, store.SQLite)
	svc := crm.New(st, "CN", crm.China)
	ctx := context.Background()
	a, _ := st.CreateTenant(ctx, "t")
	populate(t, svc, a.ID, catalogue(t, st, a.ID), 3200)
	n, err := cond.ParseString("status = 1", cond.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Search(ctx, crm.SystemCaller(a.ID, model.Actor{}), &query.Request{Filter: n, PageSize: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := readTable(t, export(t, svc, exporter.Request{TenantID: a.ID, Filter: n, Sort: []query.SortSpec{{Field: "name", Desc: true}}}), "csv")
	if int64(len(rows)-1) != res.Total || res.Total < 1500 {
		t.Fatalf("%d rows, want %d", len(rows)-1, res.Total)
	}
	for i := 2; i < len(rows); i++ {
		if rows[i][7] != "正常" || rows[i-1][1] < rows[i][1] && rows[i-1][0] != "" {
			t.Fatalf("row %d: %v after %v", i, rows[i][:8], rows[i-1][:8])
		}
	}
	if _, err := (&exporter.Exporter{Svc: svc}).Start(ctx, exporter.Request{TenantID: a.ID, Sort: []query.SortSpec{{Field: "nope"}}}); err == nil {
		t.Fatal("a bad sort was accepted")
	}
	// Picked columns come in the order asked, each once.
	rows = readTable(t, export(t, svc, exporter.Request{TenantID: a.ID, Filter: n, Columns: []string{"phone", "name", "status", "name"}}), "csv")
	if got := strings.Join(rows[0], ","); got != "手机号,姓名,客户状态" || len(rows[1]) != 3 || rows[1][2] != "正常" {
		t.Fatalf("picked columns: header %q, first row %q", got, rows[1])
	}
	if _, err := (&exporter.Exporter{Svc: svc}).Start(ctx, exporter.Request{TenantID: a.ID, Columns: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), "unknown column") {
		t.Fatalf("an unknown column: %v", err)
	}
}

type memReport struct{ issues []importer.Issue }

func (m *memReport) Begin([]string) error        { return nil }
func (m *memReport) Add(is importer.Issue) error { m.issues = append(m.issues, is); return nil }
