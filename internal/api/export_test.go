package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/kehu/kehu/internal/testenv"
)

// TestExportAPI: a few thousand customers stream out as CSV (BOM, readable
// headers, labels) and XLSX, filtered and sorted; a project-bound client
// exports only its project; bad parameters are 400 before any byte.
func TestExportAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		c.mustDo("POST", "/v1/fields", map[string]any{"key": "level", "label": "会员等级", "type": "select", "options": []any{map[string]any{"label": "VIP"}, map[string]any{"label": "普通"}}}, 201)
		n := 2100
		if e.Store.Dialect() == "postgres" {
			n = 1100
		}
		var recs []any
		for i := 0; i < n; i++ {
			level := "普通"
			if i%3 == 0 {
				level = "VIP"
			}
			recs = append(recs, map[string]any{"customer": map[string]any{"name": fmt.Sprintf("导出%04d", i), "phone": fmt.Sprintf("136%08d", i), "fields": map[string]any{"level": level}}})
			if len(recs) == 1000 || i == n-1 {
				if code, raw, _ := c.batch(map[string]any{"records": recs}, ""); code != 200 {
					t.Fatalf("%d %s", code, raw)
				}
				recs = nil
			}
		}
		code, hdr, body := c.raw("GET", "/v1/customers/export?format=csv&sort=-name&filter="+url.QueryEscape(`level = "VIP"`), "", nil, nil)
		if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(hdr.Get("Content-Disposition"), ".csv") {
			t.Fatalf("%d %v", code, hdr)
		}
		if !bytes.HasPrefix(body, []byte("\uFEFF")) {
			t.Fatal("no BOM")
		}
		rows, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := (n + 2) / 3
		if len(rows) != want+1 {
			t.Fatalf("%d rows, want %d", len(rows)-1, want)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		for _, h := range []string{"客户ID", "姓名", "手机号", "客户状态", "会员等级", "创建时间"} {
			if _, ok := col[h]; !ok {
				t.Fatalf("no %s column: %v", h, rows[0])
			}
		}
		if r := rows[1]; r[col["姓名"]] != fmt.Sprintf("导出%04d", (n-1)/3*3) || r[col["会员等级"]] != "VIP" || r[col["客户状态"]] != "正常" {
			t.Fatalf("first row %v", r)
		}
		code, hdr, body = c.raw("GET", "/v1/customers/export?format=xlsx", "", nil, nil)
		if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("%d %v", code, hdr)
		}
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		xrows, _ := f.GetRows("Sheet1")
		if len(xrows) != n+1 || xrows[1][1] != "导出0000" {
			t.Fatalf("xlsx: %d rows, first %v", len(xrows)-1, xrows[1][:3])
		}
		// columns picks and orders the columns (the console exports what its list shows).
		_, _, body = c.raw("GET", "/v1/customers/export?sort=name&columns=level,name&filter="+url.QueryEscape(`level = "VIP"`), "", nil, nil)
		if rows, _ := csv.NewReader(bytes.NewReader(body[3:])).ReadAll(); len(rows) != want+1 || strings.Join(rows[0], ",") != "会员等级,姓名" || strings.Join(rows[1], ",") != "VIP,导出0000" {
			t.Fatalf("columns: %v", rows[:2])
		}
		_, _, body = c.raw("GET", "/v1/customers/export?columns=name&columns=level&filter="+url.QueryEscape(`level = "VIP"`), "", nil, nil)
		if rows, _ := csv.NewReader(bytes.NewReader(body[3:])).ReadAll(); strings.Join(rows[0], ",") != "姓名,会员等级" {
			t.Fatalf("repeated columns: %v", rows[0])
		}
		for _, q := range []string{"format=pdf", "filter=" + url.QueryEscape("nope = 1"), "sort=nope", "page=2", "columns=name,nope"} {
			if code, _, body := c.raw("GET", "/v1/customers/export?"+q, "", nil, nil); code != 400 || !bytes.Contains(body, []byte(`"status":400`)) {
				t.Fatalf("%s: %d %s", q, code, body)
			}
		}
		// A project-bound client exports its project only.
		p := c.mustDo("POST", "/v1/projects", map[string]any{"name": "导出项目"}, 201)
		pid := num(p["id"])
		c.mustDo("POST", "/v1/customers", map[string]any{"name": "项目内", "projectId": pid}, 201)
		bound := newClient(t, e, e.NewClient(t, e.Tenant.ID, pid))
		_, _, body = bound.raw("GET", "/v1/customers/export", "", nil, nil)
		rows, _ = csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if len(rows) != 2 || rows[1][1] != "项目内" || rows[1][8] != "导出项目" {
			t.Fatalf("bound export: %v", rows)
		}
		// Another tenant exports nothing of this one.
		_, other := e.NewTenant(t, "other", 0)
		_, _, body = newClient(t, e, other).raw("GET", "/v1/customers/export", "", nil, nil)
		if rows, _ := csv.NewReader(bytes.NewReader(body[3:])).ReadAll(); len(rows) != 1 {
			t.Fatalf("other tenant exported %d rows", len(rows)-1)
		}
	})
}
