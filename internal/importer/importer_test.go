package importer_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kehu/kehu/internal/background"
	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

func formatDay(ms int64) string { return model.FromMillis(ms).In(crm.China).Format("2006-01-02") }

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func csvBytes(rows ...[]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	return b.Bytes()
}

func (f *fixture) search(t *testing.T, filter string) []*model.Customer {
	t.Helper()
	req := &query.Request{TenantID: f.tenant.ID, PageSize: 100, Sort: []query.SortSpec{{Field: "id"}}}
	if filter != "" {
		n, err := cond.ParseString(filter, cond.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		req.Filter = n
	}
	res, err := f.svc.Search(context.Background(), crm.SystemCaller(req.TenantID, model.Actor{}), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Customers
}

var sample = [][]string{
	{"客户姓名", "手机号码", "电子邮件", "公司名称", "性别", "生日", "备注"},
	{"张三", "138 1234 5678", "ZhangSan@Example.com", "深圳示例科技有限公司", "男", "1990/1/2", "老客户"},
	{"李四", "+86 139-0000-1111", "", "", "女", "1985年3月4日", ""},
	{"王五", "12345", "", "", "", "", ""},
}

// TestEncodings: the same rows as UTF-8, UTF-8 with a BOM and GBK import
// alike; GBK is detected because the bytes are not valid UTF-8.
func TestEncodings(t *testing.T) {
	utf := csvBytes(sample...)
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(utf)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, format string
		data         []byte
	}{
		{"utf8.csv", "csv utf-8", utf},
		{"bom.csv", "csv utf-8 (BOM)", append([]byte("\uFEFF"), utf...)},
		{"gbk.csv", "csv gb18030", gbk},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, store.SQLite)
			rep := &memReport{}
			sum := f.run(t, writeFile(t, c.name, c.data), importer.Options{}, rep)
			if sum.Format != c.format || sum.Total != 3 || sum.Created != 2 || sum.Failed != 1 {
				t.Fatalf("summary %+v", sum)
			}
			if rep.headers[0] != "客户姓名" || len(rep.issues) != 1 || rep.issues[0].Row != 4 || rep.issues[0].Column != "手机号码" ||
				!strings.Contains(rep.issues[0].Reason, `手机号码："12345" 不是有效的电话号码`) || rep.issues[0].Cells[0] != "王五" {
				t.Fatalf("report %+v", rep.issues)
			}
			cs := f.search(t, `phone = "13812345678"`)
			if len(cs) != 1 {
				t.Fatalf("张三 not found by phone: %v", cs)
			}
			c := cs[0]
			if c.Name != "张三" || c.Email != "zhangsan@example.com" || c.Company != "深圳示例科技有限公司" || c.Sex != 1 || c.Remark != "老客户" ||
				model.FromMillis(c.BornDate).In(crm.China).Format("2006-01-02 15:04") != "1990-01-02 00:00" {
				t.Fatalf("张三 stored as %+v", c)
			}
			if cs := f.search(t, `name ~ "李"`); len(cs) != 1 || cs[0].Phone != "+8613900001111" || cs[0].Sex != 2 {
				t.Fatalf("李四: %+v", cs)
			}
		})
	}
}

// TestXLSXMergedHeaderAndEmptyRows: a title row merged across the sheet,
// a two-row header whose cells are merged vertically (姓名) and
// horizontally (联系方式 over 手机/邮箱), and empty rows between the data.
func TestXLSXMergedHeaderAndEmptyRows(t *testing.T) {
	x := excelize.NewFile()
	sh := "Sheet1"
	set := func(cell string, v any) {
		if err := x.SetCellValue(sh, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	merge := func(a, b string) {
		if err := x.MergeCell(sh, a, b); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "2024 客户名单（导出自旧系统）")
	merge("A1", "E1")
	set("A2", "姓名")
	merge("A2", "A3")
	set("B2", "联系方式")
	merge("B2", "C2")
	set("B3", "手机")
	set("C3", "邮箱")
	set("D2", "公司")
	merge("D2", "D3")
	set("E2", "客户等级")
	merge("E2", "E3")
	set("F2", "生日")
	merge("F2", "F3")
	rows := [][]any{{"赵一", "13800000001", "a@example.com", "甲公司", "VIP", time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC)}, nil,
		{"钱二", 13800000002, "", "乙公司", "", "1985/3/4"}, nil, nil, {"孙三", "13800000003", "c@example.com", "", "普通"}}
	for i, r := range rows {
		if r == nil {
			continue
		}
		if err := x.SetSheetRow(sh, fmt.Sprintf("A%d", 4+i), &r); err != nil {
			t.Fatal(err)
		}
	}
	set("A12", "") // a trailing empty cell
	p := filepath.Join(t.TempDir(), "merged.xlsx")
	if err := x.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, store.SQLite)
	ctx := context.Background()
	level := &model.Field{Key: "level", Label: "客户等级", Type: model.TypeSelect, Options: []model.Option{{Label: "VIP"}, {Label: "普通"}}}
	if err := f.st.CreateField(ctx, f.tenant.ID, level); err != nil {
		t.Fatal(err)
	}
	rep := &memReport{}
	sum := f.run(t, p, importer.Options{}, rep)
	if sum.Format != "xlsx" || sum.Total != 3 || sum.Created != 3 || sum.Failed != 0 {
		t.Fatalf("summary %+v issues %+v", sum, rep.issues)
	}
	want := map[string]string{"姓名": "name", "手机": "phone", "邮箱": "email", "公司": "company", "客户等级": "level", "生日": "bornDate"}
	if fmt.Sprint(sum.Columns) != fmt.Sprint(want) {
		t.Fatalf("columns %v, want %v", sum.Columns, want)
	}
	cs := f.search(t, "")
	if len(cs) != 3 {
		t.Fatalf("%d customers", len(cs))
	}
	byName := map[string]*model.Customer{}
	for _, c := range cs {
		byName[c.Name] = c
	}
	if c := byName["钱二"]; c == nil || c.Phone != "+8613800000002" || c.Company != "乙公司" || formatDay(c.BornDate) != "1985-03-04" {
		t.Fatalf("钱二 (numeric phone cell): %+v", c)
	}
	if c := byName["赵一"]; formatDay(c.BornDate) != "1990-01-02" {
		t.Fatalf("赵一 (a date cell): %+v", c)
	}
	if cs := f.search(t, `level = "VIP"`); len(cs) != 1 || cs[0].Name != "赵一" {
		t.Fatalf("level VIP: %v", cs)
	}
}

// TestGenerated100k: 100,000 rows with 10% duplicate phones and 5% invalid
// rows give exact counts, and the report lists exactly those rows with
// their row numbers, reasons and the existing customer.
func TestGenerated100k(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	digests := map[bool]string{}
	for _, bulk := range []bool{false, true} {
		t.Run(map[bool]string{false: "batches", true: "load"}[bulk], func(t *testing.T) {
			// Several flushes of the load's index rows, the last one partial.
			defer importer.SetLoadFlushEvery(n / 7)()
			digests[bulk] = testGenerated(t, store.SQLite, n, bulk)
		})
	}
	// Both ways write the same rows: every index table agrees once customer
	// ids (which differ) are left out.
	if digests[false] != digests[true] {
		t.Fatalf("a load and batches wrote different rows:\nbatches: %s\nload:    %s", digests[false], digests[true])
	}
}

// TestGeneratedPostgres: PostgreSQL never loads (BulkLoad is ignored).
func TestGeneratedPostgres(t *testing.T) { testGenerated(t, store.Postgres, 3_000, true) }

// testGenerated imports a generated file into an empty database and checks
// the summary, the report, the store and a second run; it returns a digest
// of what the import wrote (indexDigest).
func testGenerated(t *testing.T, dialect string, n int, bulk bool) string {
	f := newFixture(t, dialect)
	path := genCSV(t, t.TempDir(), n)
	rep := &memReport{}
	sum := f.run(t, path, importer.Options{DedupeBy: []string{"phone"}, BulkLoad: bulk, Persist: true}, rep)
	created, skipped, failed := expectCounts(n)
	if sum.Total != int64(n) || sum.Created != created || sum.Skipped != skipped || sum.Failed != failed || sum.Updated != 0 {
		t.Fatalf("summary %+v, want created %d skipped %d failed %d", sum, created, skipped, failed)
	}
	if want := bulk && dialect == store.SQLite; sum.BulkLoad != want {
		t.Fatalf("bulk load %v, want %v", sum.BulkLoad, want)
	}
	digest := indexDigest(t, f, sum.ImportID)
	if got := f.count(t); got != created {
		t.Fatalf("%d customers stored, want %d", got, created)
	}
	if int64(len(rep.issues)) != skipped+failed {
		t.Fatalf("%d report rows, want %d", len(rep.issues), skipped+failed)
	}
	phoneOwner := map[string]int64{}
	for i, is := range rep.issues {
		i0 := int(is.Row) - 2 // data row index: the header is row 1
		if i > 0 && is.Row <= rep.issues[i-1].Row {
			t.Fatalf("report not in row order at %d", i)
		}
		switch rowKind(i0) {
		case "invalid":
			if is.Kind != importer.KindFailed || (is.Column != "手机号" && is.Column != "邮箱") {
				t.Fatalf("row %d: %+v", is.Row, is)
			}
		case "duplicate":
			want := fmt.Sprintf("与第 %d 行重复（手机号 +86%s）", is.Row-3, genPhone(i0-3))
			if is.Kind != importer.KindDuplicate || is.Reason != want || is.ExistingID == 0 || is.Cells[1] != genPhone(i0-3) {
				t.Fatalf("row %d: %+v, want reason %q", is.Row, is, want)
			}
			phoneOwner[genPhone(i0-3)] = is.ExistingID
		default:
			t.Fatalf("row %d (a new customer) is in the report: %+v", is.Row, is)
		}
	}
	// The existing id of a duplicate is the customer its first row created.
	checked := 0
	for p, id := range phoneOwner {
		c, err := f.st.Customer(context.Background(), f.tenant.ID, id)
		if err != nil || c.Phone != "+86"+p {
			t.Fatalf("duplicate of %s names customer %d: %v %+v", p, id, err, c)
		}
		if checked++; checked == 20 {
			break
		}
	}
	// A second run of the same file: everything valid is now a duplicate
	// (and the database has customers: no load).
	sum2 := f.run(t, path, importer.Options{DedupeBy: []string{"phone"}, BulkLoad: bulk}, nil)
	if sum2.Created != 0 || sum2.Skipped != created+skipped || sum2.Failed != failed || sum2.BulkLoad {
		t.Fatalf("second run %+v", sum2)
	}
	if got := f.count(t); got != created {
		t.Fatalf("%d customers after the re-run, want %d", got, created)
	}
	// Found through the query engine at once: the first generated row.
	first := genPhone(0)
	cat, err := f.st.LoadCatalog(context.Background(), f.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	phone, _ := crm.MatchField(cat, "phone")
	bk, err := f.svc.NewBulk(context.Background(), crm.SystemCaller(f.tenant.ID, model.Actor{}))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := bk.FindMany(context.Background(), phone, []string{"+86" + first})
	if err != nil || len(ids["+86"+first]) != 1 {
		t.Fatalf("phone %s: %v %v", first, ids, err)
	}
	return digest
}

// indexDigest summarises every table an import writes without the
// customer ids: per table, its rows grouped by what does not depend on ids.
func indexDigest(t *testing.T, f *fixture, importID int64) string {
	t.Helper()
	queries := []string{
		`SELECT COUNT(*) FROM customers WHERE tenant_id = ?`,
		`SELECT COUNT(*), COUNT(DISTINCT name), COUNT(DISTINCT phone), COUNT(DISTINCT email), COUNT(DISTINCT company_norm) FROM customers WHERE tenant_id = ?`,
		`SELECT gram, status, COUNT(*) FROM customer_grams WHERE tenant_id = ? GROUP BY gram, status ORDER BY gram, status`,
		`SELECT gram, value FROM value_grams WHERE tenant_id = ? ORDER BY gram, value`,
		`SELECT project_id, status, SUM(n) FROM customer_counts WHERE tenant_id = ? GROUP BY project_id, status ORDER BY project_id, status`,
		`SELECT field_id, value, COUNT(*) FROM customer_values_num WHERE tenant_id = ? GROUP BY field_id, value ORDER BY field_id, value`,
		`SELECT field_id, value, COUNT(*) FROM customer_values_text WHERE tenant_id = ? GROUP BY field_id, value ORDER BY field_id, value`,
		`SELECT field_id, value FROM customer_unique WHERE tenant_id = ? ORDER BY field_id, value`,
		`SELECT kind, COUNT(*) FROM customer_events WHERE tenant_id = ? GROUP BY kind ORDER BY kind`,
		`SELECT COUNT(DISTINCT customer_id) FROM customer_grams WHERE tenant_id = ?`,
	}
	h := sha256.New()
	for _, q := range queries {
		rows, err := f.st.Query(context.Background(), f.st.Rebind(q), f.tenant.ID)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(h, vals...)
		}
		rows.Close()
	}
	rows, err := f.st.Query(context.Background(), f.st.Rebind(`SELECT row_no, kind, reason FROM import_issues WHERE tenant_id = ? AND import_id = ? ORDER BY row_no`), f.tenant.ID, importID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var issues int
	for rows.Next() {
		var row int64
		var kind, reason string
		if err := rows.Scan(&row, &kind, &reason); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(h, row, kind, reason)
		issues++
	}
	var counts [3]int64
	if err := f.st.QueryRow(context.Background(), f.st.Rebind(`SELECT created, skipped, failed FROM imports WHERE tenant_id = ? AND id = ?`), f.tenant.ID, importID).Scan(&counts[0], &counts[1], &counts[2]); err != nil {
		t.Fatal(err)
	}
	if int64(issues) != counts[1]+counts[2] {
		t.Fatalf("the job counts %v but recorded %d issues", counts, issues)
	}
	return fmt.Sprintf("%x %v", h.Sum(nil)[:8], counts)
}

// TestModes: skip, update and create against customers that already exist
// and against earlier rows of the same file.
func TestModes(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			file := writeFile(t, "m.csv", csvBytes(
				[]string{"name", "mobile", "email", "remark"},
				[]string{"Old One Renamed", "13800000001", "", "updated by file"},    // matches existing #1 by phone
				[]string{"New Person", "13800000009", "new@example.com", ""},         // new
				[]string{"", "13800000002", "", "only a remark"},                     // matches existing #2, no name
				[]string{"Dup Of New", "13800000009", "", "second time"},             // in-file duplicate of row 3
				[]string{"Both", "13800000001", "two@example.com", ""},               // phone → #1, email → #2: ambiguous
				[]string{"Same As Stored", "13800000003", "three@example.com", "r3"}, // matches #3 with nothing new
			))
			setup := func(t *testing.T) (*fixture, []int64) {
				f := newFixture(t, db)
				var ids []int64
				for i, in := range []crm.CustomerInput{
					{Name: crm.Ptr("Old One"), Phone: crm.Ptr("13800000001")},
					{Name: crm.Ptr("Old Two"), Phone: crm.Ptr("13800000002"), Email: crm.Ptr("two@example.com")},
					{Name: crm.Ptr("Same As Stored"), Phone: crm.Ptr("13800000003"), Email: crm.Ptr("three@example.com"), Remark: crm.Ptr("r3")},
				} {
					c, err := f.svc.CreateCustomer(ctx, crm.SystemCaller(f.tenant.ID, model.Actor{}), &in)
					if err != nil {
						t.Fatal(i, err)
					}
					ids = append(ids, c.ID)
				}
				return f, ids
			}
			t.Run("skip", func(t *testing.T) {
				f, ids := setup(t)
				rep := &memReport{}
				sum := f.run(t, file, importer.Options{OnDuplicate: importer.Skip}, rep)
				if sum.Created != 1 || sum.Skipped != 5 || sum.Failed != 0 {
					t.Fatalf("%+v %+v", sum, rep.issues)
				}
				want := []int64{ids[0], ids[1], 0, ids[0], ids[2]}
				for i, is := range rep.issues {
					if want[i] != 0 && is.ExistingID != want[i] {
						t.Fatalf("issue %d: %+v, want existing %d", i, is, want[i])
					}
				}
				if f.count(t) != 4 {
					t.Fatal(f.count(t))
				}
			})
			t.Run("update", func(t *testing.T) {
				f, ids := setup(t)
				rep := &memReport{}
				sum := f.run(t, file, importer.Options{OnDuplicate: importer.Update}, rep)
				// created: New Person; updated: #1, #2, New Person (row 5); unchanged: #3; failed: ambiguous row 6.
				if sum.Created != 1 || sum.Updated != 3 || sum.Unchanged != 1 || sum.Failed != 1 || sum.Skipped != 0 {
					t.Fatalf("%+v %+v", sum, rep.issues)
				}
				if is := rep.issues[0]; is.Row != 6 || !strings.Contains(is.Reason, "与多位客户重复（手机号 +8613800000001）") {
					t.Fatalf("%+v", is)
				}
				c1, _ := f.st.Customer(ctx, f.tenant.ID, ids[0])
				c2, _ := f.st.Customer(ctx, f.tenant.ID, ids[1])
				if c1.Name != "Old One Renamed" || c1.Remark != "updated by file" || c2.Name != "Old Two" || c2.Remark != "only a remark" {
					t.Fatalf("%+v\n%+v", c1, c2)
				}
				cs := f.search(t, `phone = "13800000009"`)
				if len(cs) != 1 || cs[0].Name != "Dup Of New" || cs[0].Email != "new@example.com" || cs[0].Remark != "second time" {
					t.Fatalf("in-file update: %+v", cs)
				}
				if f.count(t) != 4 {
					t.Fatal(f.count(t))
				}
			})
			t.Run("create", func(t *testing.T) {
				f, _ := setup(t)
				rep := &memReport{}
				sum := f.run(t, file, importer.Options{OnDuplicate: importer.Create}, rep)
				// Row 4 has no name: it can only update, so in create mode it fails.
				if sum.Created != 5 || sum.Failed != 1 || rep.issues[0].Row != 4 || rep.issues[0].Reason != "姓名：必填" {
					t.Fatalf("%+v %+v", sum, rep.issues)
				}
				if f.count(t) != 8 {
					t.Fatal(f.count(t))
				}
			})
			t.Run("create with phone unique", func(t *testing.T) {
				f, ids := setup(t)
				if err := f.st.SetSystemFieldUnique(ctx, f.tenant.ID, model.FieldPhone, true); err != nil {
					t.Fatal(err)
				}
				rep := &memReport{}
				sum := f.run(t, file, importer.Options{OnDuplicate: importer.Create}, rep)
				// Only New Person is created; rows reusing a taken phone fail with the holder.
				if sum.Created != 1 || sum.Failed != 5 {
					t.Fatalf("%+v %+v", sum, rep.issues)
				}
				if is := rep.issues[0]; is.Row != 2 || is.ExistingID != ids[0] || !strings.Contains(is.Reason, "是唯一值，已属于客户") {
					t.Fatalf("%+v", is)
				}
				if is := rep.issues[2]; is.Row != 5 || !strings.Contains(is.Reason, "第 3 行已使用") {
					t.Fatalf("%+v", is)
				}
			})
			t.Run("dry run", func(t *testing.T) {
				f, _ := setup(t)
				sum := f.run(t, file, importer.Options{OnDuplicate: importer.Update, DryRun: true, Persist: true}, nil)
				if sum.Created != 1 || sum.Updated != 3 || sum.Unchanged != 1 || sum.Failed != 1 {
					t.Fatalf("%+v", sum)
				}
				if f.count(t) != 3 {
					t.Fatalf("a dry run wrote customers: %d", f.count(t))
				}
				j, err := f.st.Import(ctx, f.tenant.ID, sum.ImportID)
				if err != nil || j.Status != importer.StatusDone || j.Processed != 6 {
					t.Fatalf("%+v %v", j, err)
				}
			})
		})
	}
}

// TestHeaders: English and Chinese headers, custom fields by key, by label
// and as "label (key)", a mapping file overriding recognition.
func TestHeaders(t *testing.T) {
	f := newFixture(t, store.SQLite)
	ctx := context.Background()
	for _, fl := range []*model.Field{
		{Key: "score", Label: "积分", Type: model.TypeNumber},
		{Key: "hobby", Label: "爱好", Type: model.TypeMultiSelect, Options: []model.Option{{Label: "足球"}, {Label: "读书"}, {Label: "音乐"}}},
		{Key: "vip", Label: "城市", Type: model.TypeBool}, // a label that is also a system header
		{Key: "region", Label: "区域", Type: model.TypeArea},
	} {
		if err := f.st.CreateField(ctx, f.tenant.ID, fl); err != nil {
			t.Fatal(err)
		}
	}
	file := writeFile(t, "h.csv", csvBytes(
		[]string{"Full Name", "Mobile Phone", "E-mail", "score", "爱好", "城市 (vip)", "City", "区域", "Gender", "客户编号", "内部备注*"},
		[]string{"Alice Wang", "13700000001", "alice@example.com", "12.5", "足球、读书", "是", "上海", "上海市/上海市/浦东新区 [310115]", "female", "A-1", "x"},
	))
	sum := f.run(t, file, importer.Options{Mapping: map[string]string{"内部备注": "remark", "客户编号": "-"}}, nil)
	want := map[string]string{"Full Name": "name", "Mobile Phone": "phone", "E-mail": "email", "score": "score", "爱好": "hobby",
		"城市 (vip)": "vip", "City": "city", "区域": "region", "Gender": "sex", "内部备注*": "remark"}
	if sum.Created != 1 || fmt.Sprint(sum.Columns) != fmt.Sprint(want) || len(sum.Ignored) != 1 {
		t.Fatalf("%+v", sum)
	}
	c := f.search(t, "")[0]
	vals, _ := c.CustomValues()
	if c.Name != "Alice Wang" || c.Sex != 2 || c.City != "上海" || c.Remark != "x" || c.ExternalID != "" || len(vals) != 4 {
		t.Fatalf("%+v %v", c, vals)
	}
	if cs := f.search(t, `hobby ?& ("足球", "读书") && score > 12 && vip = true`); len(cs) != 1 {
		t.Fatalf("custom values not searchable: %v", vals)
	}
	// A file without a recognisable header is refused as a whole.
	src, _ := importer.Open(writeFile(t, "x.csv", []byte("a,b\n1,2\n")), "x.csv")
	defer src.Close()
	if _, err := (&importer.Importer{Svc: f.svc}).Run(ctx, src, importer.Options{TenantID: f.tenant.ID}); err == nil || !strings.Contains(err.Error(), "no header row") {
		t.Fatalf("err = %v", err)
	}
}

// peekReport asks a question of the database at the first report row,
// which an import hands over in the middle of its run.
type peekReport struct {
	memReport
	peek   func() int64
	during int64
	peeked bool
}

func (p *peekReport) Add(is importer.Issue) error {
	if !p.peeked {
		p.peeked, p.during = true, p.peek()
	}
	return p.memReport.Add(is)
}

// TestLoadBesideAServer: another process has the database open (here
// another store on the same file, as `kehu serve` would) and reads during
// the import. The load cannot leave the WAL then; it stays one transaction
// all the same: the other side sees no customer of it halfway and all of
// them after the commit.
func TestLoadBesideAServer(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, store.SQLite)
	other, err := store.Open(ctx, f.st.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	countOther := func() int64 {
		var n int64
		if err := other.QueryRow(ctx, `SELECT COUNT(*) FROM customers WHERE tenant_id = ?`, f.tenant.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	jobOther := func() string {
		var status string
		var created int64
		if err := other.QueryRow(ctx, `SELECT status, created FROM imports WHERE tenant_id = ?`, f.tenant.ID).Scan(&status, &created); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(status, " ", created)
	}
	var jobDuring string
	countOther()
	n := 20_000
	path := genCSV(t, t.TempDir(), n)
	rep := &peekReport{peek: func() int64 { jobDuring = jobOther(); return countOther() }}
	sum := f.run(t, path, importer.Options{DedupeBy: []string{"phone"}, BulkLoad: true, Persist: true}, rep)
	created, _, _ := expectCounts(n)
	if !sum.BulkLoad || sum.Created != created {
		t.Fatalf("summary %+v, want a load creating %d", sum, created)
	}
	if !rep.peeked || rep.during != 0 {
		t.Fatalf("the other connection saw %d customers halfway (peeked: %v)", rep.during, rep.peeked)
	}
	if got := countOther(); got != created {
		t.Fatalf("the other connection sees %d customers after the load, want %d", got, created)
	}
	if want := fmt.Sprint("done ", created); jobDuring != "running 0" || jobOther() != want {
		t.Fatalf("the job read %q during the load and %q after, want %q and %q", jobDuring, jobOther(), "running 0", want)
	}
	var mode string
	if err := other.QueryRow(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q %v", mode, err)
	}
}

// TestExternalIDAlwaysDedupes: with --dedupe-by phone, two rows sharing an
// external id (which the database keeps unique) still meet as duplicates,
// whether the import loads or writes batches, and in create mode the
// second fails instead of breaking the load.
func TestExternalIDAlwaysDedupes(t *testing.T) {
	file := csvBytes([]string{"姓名", "手机", "外部ID"},
		[]string{"甲", "13900000001", "E-1"},
		[]string{"乙", "13900000002", "E-1"},
		[]string{"丙", "13900000003", "E-2"})
	for _, tc := range []struct {
		bulk    bool
		mode    importer.Mode
		outcome string
	}{
		{false, importer.Skip, "created 2 skipped 1 failed 0: 与第 2 行重复（外部ID E-1）"},
		{true, importer.Skip, "created 2 skipped 1 failed 0: 与第 2 行重复（外部ID E-1）"},
		{true, importer.Create, "created 2 skipped 0 failed 1: 外部ID E-1 是唯一值，第 2 行已使用"},
	} {
		f := newFixture(t, store.SQLite)
		rep := &memReport{}
		sum := f.run(t, writeFile(t, "ext.csv", file), importer.Options{DedupeBy: []string{"phone"}, OnDuplicate: tc.mode, BulkLoad: tc.bulk}, rep)
		got := fmt.Sprintf("created %d skipped %d failed %d", sum.Created, sum.Skipped, sum.Failed)
		if len(rep.issues) == 1 {
			got += ": " + rep.issues[0].Reason
		}
		if got != tc.outcome || sum.BulkLoad != tc.bulk {
			t.Errorf("bulk %v, %s: %s (bulk load %v), want %s", tc.bulk, tc.mode, got, sum.BulkLoad, tc.outcome)
		}
	}
}

// panicReport panics at its first row, standing in for a bug met halfway.
type panicReport struct{ memReport }

func (*panicReport) Add(importer.Issue) error { panic("kaboom") }

// TestPanicFailsTheImport: a panic in the import's goroutines fails the
// import with a PanicError (its job marked failed without the details)
// instead of crashing the process — `kehu serve` runs API imports. A load
// keeps nothing of it.
func TestPanicFailsTheImport(t *testing.T) {
	for _, bulk := range []bool{false, true} {
		f := newFixture(t, store.SQLite)
		src, err := importer.Open(genCSV(t, t.TempDir(), 100), "gen.csv")
		if err != nil {
			t.Fatal(err)
		}
		im := &importer.Importer{Svc: f.svc, Report: &panicReport{}}
		sum, err := im.Run(context.Background(), src, importer.Options{TenantID: f.tenant.ID, DedupeBy: []string{"phone"}, BulkLoad: bulk, Persist: true})
		src.Close()
		var pe *background.PanicError
		if !errors.As(err, &pe) || pe.Value != "kaboom" || len(pe.Stack) == 0 {
			t.Fatalf("bulk %v: %v, want a PanicError", bulk, err)
		}
		job, err := f.st.Import(context.Background(), f.tenant.ID, sum.ImportID)
		if err != nil || job.Status != importer.StatusFailed || strings.Contains(job.Error, "kaboom") {
			t.Fatalf("bulk %v: job %+v %v", bulk, job, err)
		}
		if n := f.count(t); bulk && n != 0 {
			t.Fatalf("a failed load kept %d customers", n)
		}
	}
}

// TestReasonsAreChinese: every reason of the report is in the language of
// its headers (see zh.go) — no English clause left, whatever went wrong —
// the summary carries the first failures, and a dry run names no customer
// id it never wrote.
func TestReasonsAreChinese(t *testing.T) {
	file := csvBytes([]string{"姓名", "手机", "邮箱", "生日", "年龄", "负责人", "标签", "客户状态", "外部ID"},
		[]string{"甲", "12345", "", "", "", "", "", "", ""},
		[]string{"乙", "", "not-an-email", "", "", "", "", "", ""},
		[]string{"丙", "", "", "yesterday", "", "", "", "", ""},
		[]string{"丁", "", "", "", "many", "", "", "", ""},
		[]string{"戊", "", "", "", "", "nobody", "", "", ""},
		[]string{"己", "", "", "", "", "", "no such tag", "", ""},
		[]string{"庚", "", "", "", "", "", "", "sleeping", ""},
		[]string{"", "13900000009", "", "", "", "", "", "", ""},
		[]string{strings.Repeat("长", 300), "", "", "", "", "", "", "", ""},
		[]string{"辛", "13900000001", "", "", "", "", "", "", "E-1"},
		[]string{"壬", "13900000001", "", "", "", "", "", "", "E-2"},
		[]string{"癸", "", "", "", "-3", "", "", "", ""})
	path := writeFile(t, "bad.csv", file)
	english := regexp.MustCompile(`[A-Za-z]{3,}`)
	quoted := regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	for _, dry := range []bool{false, true} {
		f := newFixture(t, store.SQLite)
		rep := &memReport{}
		sum := f.run(t, path, importer.Options{DryRun: dry, OnDuplicate: importer.Skip}, rep)
		if len(rep.issues) < 10 {
			t.Fatalf("dry %v: %d issues: %+v", dry, len(rep.issues), rep.issues)
		}
		for _, is := range rep.issues {
			if w := english.FindString(quoted.ReplaceAllString(is.Reason, "")); w != "" {
				t.Errorf("dry %v, row %d: English %q left in %q", dry, is.Row, w, is.Reason)
			}
			if dry && is.ExistingID != 0 {
				t.Errorf("dry run, row %d: names customer %d, which it never wrote (%q)", is.Row, is.ExistingID, is.Reason)
			}
		}
		if len(sum.FirstFailures) != 5 || sum.FirstFailures[0].Row != 2 || sum.FirstFailures[0].Reason != rep.issues[0].Reason {
			t.Errorf("dry %v: firstFailures %+v", dry, sum.FirstFailures)
		}
		if s := strconv.FormatFloat(sum.Seconds, 'f', -1, 64); len(s) > 8 {
			t.Errorf("seconds %s is not rounded", s)
		}
	}
}
