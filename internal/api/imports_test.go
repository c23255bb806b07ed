package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/testenv"
)

// raw sends a request and returns status, headers and body as they are.
func (c *client) raw(method, path, contentType string, body io.Reader, hdr map[string]string) (int, http.Header, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, body)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, resp.Header, b
}

// upload posts a multipart import.
func (c *client) upload(name string, file []byte, fields map[string]string) (int, map[string]any) {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != nil {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(file)
	}
	mw.Close()
	code, _, body := c.raw("POST", "/v1/imports", mw.FormDataContentType(), &b, nil)
	var out map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		c.t.Fatalf("upload: %d %q", code, body)
	}
	return code, out
}

// waitImport polls a job until it is no longer queued or running.
func (c *client) waitImport(id string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out := c.mustDo("GET", "/v1/imports/"+id, nil, 200)
		if s := out["status"]; s != "queued" && s != "running" {
			return out
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("import %s still %v", id, out["status"])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func csvOf(rows ...[]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	return b.Bytes()
}

func num(v any) int64 {
	n, _ := v.(json.Number).Int64()
	return n
}

// TestImportJobLifecycle: upload → 202 with a job → progress until done →
// counts → the report as CSV and XLSX → the customers are searchable; a
// second tenant sees neither the job nor the report.
func TestImportJobLifecycle(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		c.mustDo("POST", "/v1/customers", map[string]any{"name": "已有客户", "phone": "13800000001"}, 201)
		rows := [][]string{{"姓名", "手机", "邮箱", "备注"}}
		n := 1200
		for i := 0; i < n; i++ {
			phone := fmt.Sprintf("137%08d", i)
			switch {
			case i == 5:
				phone = "13800000001" // the existing customer
			case i%100 == 7:
				phone = "12345" // invalid
			case i%100 == 9:
				phone = fmt.Sprintf("137%08d", i-1) // duplicate of the row before
			}
			rows = append(rows, []string{fmt.Sprintf("客户%d", i), phone, "", "批量导入"})
		}
		gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes(csvOf(rows...))
		code, job := c.upload("客户.csv", gbk, map[string]string{"onDuplicate": "skip"})
		if code != 202 || job["id"] == nil || (job["status"] != "running" && job["status"] != "done") {
			t.Fatalf("upload: %d %v", code, job)
		}
		id := job["id"].(json.Number).String()
		done := c.waitImport(id)
		if done["status"] != "done" || num(done["processed"]) != int64(n) || num(done["created"]) != int64(n-1-12-12) ||
			num(done["skipped"]) != 13 || num(done["failed"]) != 12 || done["format"] != "csv gb18030" || done["progress"].(json.Number).String() != "1" {
			t.Fatalf("job %v", done)
		}
		for _, format := range []string{"csv", "xlsx"} {
			code, hdr, body := c.raw("GET", "/v1/imports/"+id+"/report?format="+format, "", nil, nil)
			if code != 200 || !strings.Contains(hdr.Get("Content-Disposition"), "report."+format) {
				t.Fatalf("report %s: %d %v", format, code, hdr)
			}
			var table [][]string
			if format == "csv" {
				table, _ = csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))).ReadAll()
			} else {
				f, err := excelize.OpenReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				table, _ = f.GetRows("Sheet1")
			}
			if len(table) != 1+25 || strings.Join(table[0], ",") != "行号,结果,原因,列,已有客户ID,姓名,手机,邮箱,备注" {
				t.Fatalf("%s report: %d rows, header %v", format, len(table), table[0])
			}
			if r := table[1]; r[0] != "7" || r[1] != "重复" || r[4] == "" || r[6] != "13800000001" {
				t.Fatalf("%s report row: %v", format, r)
			}
			if r := table[2]; r[0] != "9" || r[1] != "失败" || r[3] != "手机" || !strings.Contains(r[2], "12345") {
				t.Fatalf("%s report row: %v", format, r)
			}
		}
		out := c.mustDo("GET", "/v1/customers?phone=13700000100&total=exact", nil, 200)
		if got := names(out); len(got) != 1 || got[0] != "客户100" {
			t.Fatalf("imported customer not searchable: %v", got)
		}
		// Tenant isolation.
		_, other := e.NewTenant(t, "other", 0)
		oc := newClient(t, e, other)
		oc.mustDo("GET", "/v1/imports/"+id, nil, 404)
		if code, _, _ := oc.raw("GET", "/v1/imports/"+id+"/report", "", nil, nil); code != 404 {
			t.Fatalf("other tenant read the report: %d", code)
		}
		// Bad uploads are refused before a job exists.
		if code, out := c.upload("x.csv", []byte("a,b\n1,2\n"), nil); code != 400 || !strings.Contains(fmt.Sprint(out["detail"]), "no header row") {
			t.Fatalf("headerless: %d %v", code, out)
		}
		if code, out := c.upload("x.csv", nil, map[string]string{"onDuplicate": "skip"}); code != 400 || out["field"] != "file" {
			t.Fatalf("no file: %d %v", code, out)
		}
		if code, out := c.upload("x.csv", csvOf(rows[:3]...), map[string]string{"onDuplicate": "merge"}); code != 400 || out["field"] != "onDuplicate" {
			t.Fatalf("bad mode: %d %v", code, out)
		}
		if code, out := c.upload("x.csv", csvOf(rows[:3]...), map[string]string{"dedupeBy": "name"}); code != 400 || out["field"] != "dedupeBy" {
			t.Fatalf("bad dedupe key: %d %v", code, out)
		}
		if code, _, _ := c.raw("POST", "/v1/imports", "application/json", strings.NewReader("{}"), nil); code != 415 {
			t.Fatalf("JSON body: %d", code)
		}
		// A dry run writes no customer but reports the same way.
		code, job = c.upload("again.csv", csvOf(rows...), map[string]string{"dryRun": "true", "onDuplicate": "update", "mapping": `{"备注":"-"}`})
		if code != 202 {
			t.Fatalf("dry run: %d %v", code, job)
		}
		done = c.waitImport(job["id"].(json.Number).String())
		if done["status"] != "done" || done["dryRun"] != true || num(done["created"]) != 0 || num(done["failed"]) != 12 ||
			num(done["updated"]) != 13 || num(done["unchanged"]) != int64(n-12-13) {
			t.Fatalf("dry run job %v", done)
		}
	})
}

// TestFieldUnique: marking phone unique fails with the clashing value while
// duplicates exist, then works; afterwards every API refuses a duplicate.
func TestFieldUnique(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		c := newClient(t, e, e.Client)
		a := c.mustDo("POST", "/v1/customers", map[string]any{"name": "甲", "phone": "13800000001"}, 201)
		b := c.mustDo("POST", "/v1/customers", map[string]any{"name": "乙", "phone": "+86 138 0000 0001"}, 201)
		out := c.mustDo("PUT", "/v1/fields/3/unique", map[string]any{"unique": true}, 409)
		if out["code"] != "duplicate_values" || out["field"] != "phone" || !strings.Contains(out["detail"].(string), "+8613800000001") ||
			num(out["existingId"]) != num(a["id"]) {
			t.Fatalf("%v", out)
		}
		c.mustDo("PATCH", "/v1/customers/"+b["id"].(json.Number).String(), map[string]any{"phone": "13800000002"}, 200)
		f := c.mustDo("PUT", "/v1/fields/3/unique", map[string]any{"unique": true}, 200)
		if f["unique"] != true || f["key"] != "phone" {
			t.Fatalf("%v", f)
		}
		out = c.mustDo("POST", "/v1/customers", map[string]any{"name": "丙", "phone": "138-0000-0001"}, 409)
		if num(out["existingId"]) != num(a["id"]) {
			t.Fatalf("%v", out)
		}
		fields := c.mustDo("GET", "/v1/fields", nil, 200)
		for _, x := range fields["data"].([]any) {
			if m := x.(map[string]any); m["key"] == "phone" && m["unique"] != true {
				t.Fatalf("catalogue does not show phone unique: %v", m)
			}
		}
		c.mustDo("PUT", "/v1/fields/2/unique", map[string]any{"unique": true}, 400)   // name
		c.mustDo("PUT", "/v1/fields/999/unique", map[string]any{"unique": true}, 404) // no such field
		c.mustDo("PUT", "/v1/fields/3/unique", map[string]any{}, 400)
		c.mustDo("PUT", "/v1/fields/3/unique", map[string]any{"unique": false}, 200)
		c.mustDo("POST", "/v1/customers", map[string]any{"name": "丙", "phone": "138-0000-0001"}, 201)
	})
}

// TestImportProjectBound: a project-bound client imports into its project
// only: rows naming another project fail, matches outside the project do
// not count (unless the database keeps the value unique), and it cannot
// read another project's jobs.
func TestImportProjectBound(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		admin := newClient(t, e, e.Client)
		p1 := num(admin.mustDo("POST", "/v1/projects", map[string]any{"name": "一期"}, 201)["id"])
		admin.mustDo("POST", "/v1/projects", map[string]any{"name": "二期"}, 201)
		admin.mustDo("POST", "/v1/customers", map[string]any{"name": "别的项目", "phone": "13800000001"}, 201)
		bound := newClient(t, e, e.NewClient(t, e.Tenant.ID, p1))
		file := csvOf([]string{"姓名", "手机", "项目"},
			[]string{"甲", "13800000001", ""},   // same phone as a customer outside the project: created
			[]string{"乙", "13800000002", "一期"}, // its own project by name
			[]string{"丙", "13800000003", "二期"}) // another project: fails
		code, job := bound.upload("p.csv", file, nil)
		if code != 202 {
			t.Fatalf("%d %v", code, job)
		}
		id := job["id"].(json.Number).String()
		done := bound.waitImport(id)
		if done["status"] != "done" || num(done["created"]) != 2 || num(done["failed"]) != 1 || num(done["projectId"]) != p1 {
			t.Fatalf("%v", done)
		}
		out := bound.mustDo("GET", "/v1/customers?total=exact", nil, 200)
		if num(out["total"]) != 2 {
			t.Fatalf("bound client sees %v customers", out["total"])
		}
		if code, _ := bound.upload("p.csv", file, map[string]string{"projectId": "1"}); code != 400 && code != 403 {
			t.Fatalf("another project id: %d", code)
		}
		// A job of the whole tenant is invisible to the bound client.
		_, job = admin.upload("all.csv", csvOf([]string{"姓名"}, []string{"丁"}), nil)
		admin.waitImport(job["id"].(json.Number).String())
		bound.mustDo("GET", "/v1/imports/"+job["id"].(json.Number).String(), nil, 404)
		admin.mustDo("GET", "/v1/imports/"+id, nil, 200)
	})
}

// TestImportReportNeedsImport: an import's report holds the rows' original,
// unmasked cells, so a staff member whose role may not import (销售) can read
// neither the job nor its report, while one who may (管理员) can.
func TestImportReportNeedsImport(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		admin := newClient(t, e, e.Client)
		_, job := admin.upload("r.csv", csvOf([]string{"姓名", "手机"}, []string{"甲", "13800000001"}, []string{"乙", "bad"}), nil)
		id := job["id"].(json.Number).String()
		admin.waitImport(id)

		ps := &people.Service{Store: e.Store, Keys: e.Auth.Keys, CRM: e.Svc}
		staffLogin(t, e, ps, "李销售", "li", model.RoleSales)
		staffLogin(t, e, ps, "王管理", "wang", model.RoleAdmin)
		sales := &browser{t: t, e: e}
		if st, _ := sales.login("li", "correct horse battery", ""); st != 200 {
			t.Fatal("sales login")
		}
		for _, path := range []string{"/v1/imports/" + id, "/v1/imports/" + id + "/report?format=csv"} {
			if st, _, out := sales.do("GET", path, nil, nil); st != 403 {
				t.Errorf("销售 GET %s: %d %v", path, st, out)
			}
		}
		boss := &browser{t: t, e: e}
		if st, _ := boss.login("wang", "correct horse battery", ""); st != 200 {
			t.Fatal("admin login")
		}
		if st, _, out := boss.do("GET", "/v1/imports/"+id, nil, nil); st != 200 {
			t.Errorf("管理员 reads the job: %d %v", st, out)
		}
	})
}
