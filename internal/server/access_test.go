package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/testenv"
)

// The permission matrix (issue #11): the four APIs × six kinds of caller ×
// read, list, search, count, update, delete, export and import, on SQLite
// and PostgreSQL. Every caller is an API client; staff callers are clients
// acting as a staff member with a built-in role.
//
//	department tree: 华南 > 深圳; 华北 (another root)
//	staff: 主管 王 (华南, 主管), 销售 李 (深圳, 销售), 销售 赵 (华北, 销售), 只读 钱 (华北, 只读)
//	customers: c1 P1 owner 李 · c2 P1 owner 赵, 李 collaborates · c3 P2 owner 赵 ·
//	           c4 no project, owner 王 · c5 P1 owner 王
//
// Who sees what: tenant c1–c5; bound to P1 c1 c2 c5; 销售 李 c1 c2 (own +
// 协作); 主管 王 c1 c4 c5 (华南 and below); 只读 c1–c5; another tenant none.

type matrixCaller struct {
	name    string
	client  *model.Client
	visible []string // customer names it sees
	own     int      // customers of its own tenant it also sees (another tenant)
	masked  bool
	edit    bool // customer.edit
	del     bool // customer.delete
	export  bool
	imp     bool
}

type matrixWorld struct {
	t       *testing.T
	e       *testenv.Env
	p1, p2  int64
	ids     map[string]int64 // customer name → id
	names   map[int64]string
	callers []*matrixCaller
}

func newMatrixWorld(t *testing.T, e *testenv.Env) *matrixWorld {
	ctx := context.Background()
	w := &matrixWorld{t: t, e: e, ids: map[string]int64{}, names: map[int64]string{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p1, err := e.Store.CreateProject(ctx, e.Tenant.ID, "一期")
	must(err)
	p2, err := e.Store.CreateProject(ctx, e.Tenant.ID, "二期")
	must(err)
	w.p1, w.p2 = p1.ID, p2.ID
	south, err := e.Store.CreateDepartment(ctx, e.Tenant.ID, 0, "华南")
	must(err)
	sz, err := e.Store.CreateDepartment(ctx, e.Tenant.ID, south.ID, "深圳")
	must(err)
	north, err := e.Store.CreateDepartment(ctx, e.Tenant.ID, 0, "华北")
	must(err)
	role := func(key string) int64 {
		r, err := e.Store.RoleByKey(ctx, e.Tenant.ID, key)
		must(err)
		return r.ID
	}
	staff := func(name string, dept int64, roleKey string) int64 {
		m := &model.Staff{Name: name, DepartmentID: dept, RoleID: role(roleKey)}
		must(e.Store.CreateStaff(ctx, e.Tenant.ID, m))
		return m.ID
	}
	wang := staff("王主管", south.ID, model.RoleManager)
	li := staff("李销售", sz.ID, model.RoleSales)
	zhao := staff("赵销售", north.ID, model.RoleSales)
	qian := staff("钱只读", north.ID, model.RoleReadOnly)
	sys := crm.SystemCaller(e.Tenant.ID, model.Actor{ID: "matrix"})
	add := func(name string, project, owner int64, collab []int64, phone string) {
		in := &crm.CustomerInput{Name: crm.Ptr(name), ProjectID: crm.Ptr(project), OwnerID: crm.Ptr(owner),
			Phone: crm.Ptr(phone), Email: crm.Ptr(fmt.Sprintf("user%s@example.com", phone[len(phone)-2:])), IDNumber: crm.Ptr("44010619900101" + phone[len(phone)-4:])}
		if collab != nil {
			in.CollaboratorIDs = &collab
		}
		c, err := e.Svc.CreateCustomer(ctx, sys, in)
		must(err)
		w.ids[name], w.names[c.ID] = c.ID, name
	}
	add("客户一", p1.ID, li, nil, "13800000001")
	add("客户二", p1.ID, zhao, []int64{li}, "13800000002")
	add("客户三", p2.ID, zhao, nil, "13800000003")
	add("客户四", 0, wang, nil, "13800000004")
	add("客户五", p1.ID, wang, nil, "13800000005")
	// Another tenant with a customer of the same name and phone.
	otherTn, otherClient := e.NewTenant(t, "别的租户", 0)
	_, err = e.Svc.CreateCustomer(ctx, crm.SystemCaller(otherTn.ID, model.Actor{}), &crm.CustomerInput{Name: crm.Ptr("客户一"), Phone: crm.Ptr("13800000001")})
	must(err)

	client := func(project, staffID int64, scopes ...string) *model.Client {
		c, err := e.Auth.Create(ctx, model.Client{TenantID: e.Tenant.ID, ProjectID: project, StaffID: staffID, Name: "matrix", Scopes: scopes})
		must(err)
		return c
	}
	all := []string{"客户一", "客户二", "客户三", "客户四", "客户五"}
	w.callers = []*matrixCaller{
		{name: "tenant", client: e.Client, visible: all, edit: true, del: true, export: true, imp: true},
		{name: "bound", client: client(p1.ID, 0), visible: []string{"客户一", "客户二", "客户五"}, edit: true, del: true, export: true, imp: true},
		{name: "销售", client: client(0, li), visible: []string{"客户一", "客户二"}, masked: true, edit: true},
		{name: "主管", client: client(0, wang), visible: []string{"客户一", "客户四", "客户五"}, edit: true, del: true, export: true, imp: true},
		{name: "只读", client: client(0, qian), visible: all, masked: true},
		// Sees only its own 客户一 (same name and phone, another tenant).
		{name: "other tenant", client: otherClient, own: 1, edit: true, del: true, export: true, imp: true},
	}
	return w
}

func (w *matrixWorld) sees(c *matrixCaller, name string) bool {
	return slices.Contains(c.visible, name)
}

// do sends one request and returns the status and the decoded body.
func (w *matrixWorld) do(method, path string, hdr map[string]string, body []byte) (int, map[string]any, []byte) {
	w.t.Helper()
	req, _ := http.NewRequest(method, w.e.URL+path, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	_ = d.Decode(&out)
	return resp.StatusCode, out, raw
}

// sessions are one caller's credentials on the four protocols.
type sessions struct {
	w                      *matrixWorld
	c                      *model.Client
	native, dashi, yeastar string
}

func (w *matrixWorld) login(c *model.Client) *sessions {
	w.t.Helper()
	s := &sessions{w: w, c: c}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.Secret}}.Encode()
	formHdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "matrix"}
	_, out, raw := w.do("POST", "/v1/oauth/token", formHdr, []byte(form))
	s.native, _ = out["access_token"].(string)
	_, out, _ = w.do("POST", "/dm/open_api/oauth/token", formHdr, []byte(form))
	s.yeastar, _ = out["access_token"].(string)
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	sign, _ := dashi.Sign("md5", c.ClientID, ts, c.Secret)
	_, out, _ = w.do("GET", "/api/justauth/generate/v1/visitor/token?"+url.Values{"appid": {c.ClientID}, "sign_method": {"md5"}, "timestamp": {ts}, "sign": {sign}}.Encode(), nil, nil)
	s.dashi, _ = out["token"].(string)
	if s.native == "" || s.yeastar == "" || s.dashi == "" {
		w.t.Fatalf("login %s: %s", c.ClientID, raw)
	}
	return s
}

func (s *sessions) nat(method, path string, body any) (int, map[string]any, []byte) {
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	return s.w.do(method, path, map[string]string{"Authorization": "Bearer " + s.native, "Content-Type": "application/json"}, b)
}

func (s *sessions) ycm(method, path string, body any) (int, map[string]any) {
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	st, out, _ := s.w.do(method, "/dm/open_api/v1"+path, map[string]string{"Authorization": "Bearer " + s.yeastar, "Content-Type": "application/json", "User-Agent": "matrix"}, b)
	return st, out
}

func (s *sessions) tm(path string, body any) map[string]any {
	b, _ := json.Marshal(body)
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	_, out, _ := s.w.do("POST", path, map[string]string{"Content-Type": "application/json", "appId": s.c.ClientID,
		"timestamp": ts, "sign": tanma.Sign(s.c.ClientID, ts, b, s.c.Secret)}, b)
	return out
}

func (s *sessions) page(project int64, body any) (int, map[string]any) {
	b, _ := json.Marshal(body)
	st, out, _ := s.w.do("POST", dashi.PagePath+"?project="+strconv.FormatInt(project, 10),
		map[string]string{"Authorization": "Bearer " + s.dashi, "Content-Type": "application/json"}, b)
	return st, out
}

func list(v any) []map[string]any {
	var out []map[string]any
	l, _ := v.([]any)
	for _, x := range l {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func num64(v any) int64 {
	n, _ := strconv.ParseInt(fmt.Sprint(v), 10, 64)
	return n
}

// namesOf returns the sorted names of rows, checking every row is one of
// the world's customers.
func (w *matrixWorld) namesOf(rows []map[string]any, idKey string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, w.names[num64(r[idKey])])
	}
	slices.Sort(out)
	return out
}

func TestPermissionMatrix(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			w := newMatrixWorld(t, e)
			for _, c := range w.callers {
				t.Run(c.name, func(t *testing.T) {
					w.t = t
					s := w.login(c.client)
					want := slices.Sorted(slices.Values(c.visible))
					for range c.own {
						want = append([]string{""}, want...) // not one of this tenant's customers
					}
					wantP1 := []string{}
					for _, n := range want {
						if n == "客户一" || n == "客户二" || n == "客户五" {
							wantP1 = append(wantP1, n)
						}
					}
					check := func(what string, got []string, total int64, want []string) {
						t.Helper()
						if got != nil && fmt.Sprint(got) != fmt.Sprint(want) || total != int64(len(want)) {
							t.Errorf("%s: %v (total %d), want %v", what, got, total, want)
						}
					}

					// list, search, count — native
					_, out, _ := s.nat("GET", "/v1/customers?name=客户&pageSize=100", nil)
					check("native list", w.namesOf(list(out["data"]), "id"), num64(out["total"]), want)
					_, out, _ = s.nat("POST", "/v1/customers/search", map[string]any{"filter": map[string]any{"field": "name", "op": "contains", "value": "客"}, "pageSize": 1})
					check("native search total", nil, num64(out["total"]), want)
					// 达实: the page of project P1
					st, out := s.page(w.p1, map[string]any{"pageSize": 100, "pageIndex": 1, "name": "客户"})
					if c.name == "other tenant" {
						if st != 404 {
							t.Errorf("达实 page of another tenant's project: %d %v", st, out)
						}
					} else {
						check("达实 page P1", w.namesOf(list(out["data"]), "id"), num64(out["totalCount"]), wantP1)
						// A project-bound caller asking for another project's page is refused.
						if c.client.ProjectID != 0 {
							if st, out := s.page(w.p2, map[string]any{"pageSize": 10, "pageIndex": 1}); st != 403 {
								t.Errorf("达实 page of another project by a bound client: %d %v", st, out)
							}
						}
					}
					// 探马 search
					out = s.tm("/api/v3/customer/search", map[string]any{"pageNo": 1, "pageSize": 100})
					data, _ := out["data"].(map[string]any)
					check("探马 search", w.namesOf(list(data["data"]), "customerId"), num64(data["totalCount"]), want)
					// Yeastar list
					st, out = s.ycm("GET", "/customers?pageSize=50", nil)
					if st != 200 {
						t.Errorf("Yeastar list: %d %v", st, out)
					}
					data, _ = out["data"].(map[string]any)
					check("Yeastar list", w.namesOf(list(data["list"]), "customerId"), num64(data["total"]), want)

					for _, name := range []string{"客户一", "客户二", "客户三", "客户四", "客户五"} {
						id := w.ids[name]
						ids := strconv.FormatInt(id, 10)
						vis := w.sees(c, name)
						// read
						st, out, raw := s.nat("GET", "/v1/customers/"+ids, nil)
						if vis != (st == 200) || (!vis && st != 404) {
							t.Errorf("native GET %s: %d %s (visible %v)", name, st, raw, vis)
						}
						if vis {
							phone, _ := out["phone"].(string)
							if masked := strings.Contains(phone, "****"); masked != c.masked {
								t.Errorf("native GET %s: phone %q (masked %v)", name, phone, c.masked)
							}
							email, _ := out["email"].(string)
							idn, _ := out["idNumber"].(string)
							if c.masked && (!strings.HasPrefix(email, "u***@") || !strings.HasPrefix(idn, "4401**********")) {
								t.Errorf("native GET %s: email %q id number %q not masked", name, email, idn)
							}
						}
						st, out = s.ycm("GET", "/customers/"+ids, nil)
						if vis != (st == 200) || (!vis && st != 404) {
							t.Errorf("Yeastar GET %s: %d %v (visible %v)", name, st, out, vis)
						}
						if vis {
							d, _ := out["data"].(map[string]any)
							if m, _ := d["mobileNumber"].(string); strings.Contains(m, "****") != c.masked {
								t.Errorf("Yeastar GET %s: mobileNumber %q (masked %v)", name, m, c.masked)
							}
						}
						info := s.tm("/api/v3/common/customer/info", map[string]any{"alias": "mobiles", "value": fmt.Sprintf("1380000000%s", name2digit(name))})
						d, _ := info["data"].(map[string]any)
						got, _ := d["customerIds"].([]any)
						if found := len(got) == 1 && w.names[num64(got[0])] == name; found != vis || len(got) > 1 {
							t.Errorf("探马 customer/info by %s's full phone: %v (visible %v)", name, info, vis)
						}
						// update
						st, _, raw = s.nat("PATCH", "/v1/customers/"+ids, map[string]any{"remark": "matrix " + c.name})
						switch {
						case !vis && st != 404:
							t.Errorf("native PATCH hidden %s: %d %s", name, st, raw)
						case vis && c.edit && st != 200:
							t.Errorf("native PATCH %s: %d %s", name, st, raw)
						case vis && !c.edit && st != 403:
							t.Errorf("native PATCH %s without customer.edit: %d %s", name, st, raw)
						}
						out = s.tm("/api/v3/customer/update-by-id", map[string]any{"customerId": id, "fields": []map[string]any{{"alias": "remark", "fieldValue": "探马 " + c.name}}})
						if ok := fmt.Sprint(out["code"]) == "0"; ok != (vis && c.edit) {
							t.Errorf("探马 update-by-id %s: %v (visible %v, edit %v)", name, out, vis, c.edit)
						}
						// delete: hidden ones are not found, visible ones without the permission forbidden
						st, _, raw = s.nat("DELETE", "/v1/customers/"+ids, nil)
						switch {
						case !vis && st != 404:
							t.Errorf("native DELETE hidden %s: %d %s", name, st, raw)
						case vis && !c.del && st != 403:
							t.Errorf("native DELETE %s without customer.delete: %d %s", name, st, raw)
						case vis && c.del:
							if st != 204 {
								t.Errorf("native DELETE %s: %d %s", name, st, raw)
							} else {
								w.restore(name)
							}
						}
						id = w.ids[name] // restored under a new id
						st, out = s.ycm("DELETE", "/customers", map[string]any{"customerIds": []int64{id}})
						switch {
						case !vis && st != 404:
							t.Errorf("Yeastar DELETE hidden %s: %d %v", name, st, out)
						case vis && !c.del && st != 403:
							t.Errorf("Yeastar DELETE %s without customer.delete: %d %v", name, st, out)
						case vis && c.del:
							if st != 200 {
								t.Errorf("Yeastar DELETE %s: %d %v", name, st, out)
							} else {
								w.restore(name)
							}
						}
					}

					// export
					st, _, raw := s.nat("GET", "/v1/customers/export?format=csv", nil)
					if !c.export {
						if st != 403 && c.name != "other tenant" {
							t.Errorf("export without customer.export: %d %s", st, raw)
						}
					} else {
						rows := strings.Count(strings.TrimSpace(string(raw)), "\n") // header + rows
						if st != 200 || rows != len(want) || (c.masked && strings.Contains(string(raw), "13800000001")) {
							t.Errorf("export: %d, %d rows, want %d: %s", st, rows, len(want), raw)
						}
					}
					// import: a file naming every customer's phone, skipped as duplicates —
					// the report names only the customers the caller sees
					w.checkImport(t, c)
					w.checkMore(t, c, s)
				})
			}
		})
	}
}

func name2digit(name string) string {
	return strconv.Itoa(strings.Index("一二三四五", strings.TrimPrefix(name, "客户"))/3 + 1)
}

// restore puts a deleted customer back (same name and keys, new id).
func (w *matrixWorld) restore(name string) {
	w.t.Helper()
	ctx := context.Background()
	old := w.ids[name]
	d := name2digit(name)
	phone := "1380000000" + d
	var project, owner int64
	var collab []int64
	staff, _ := w.e.Store.StaffList(ctx, w.e.Tenant.ID)
	by := map[string]int64{}
	for _, m := range staff {
		by[m.Name] = m.ID
	}
	switch name {
	case "客户一":
		project, owner = w.p1, by["李销售"]
	case "客户二":
		project, owner, collab = w.p1, by["赵销售"], []int64{by["李销售"]}
	case "客户三":
		project, owner = w.p2, by["赵销售"]
	case "客户四":
		owner = by["王主管"]
	case "客户五":
		project, owner = w.p1, by["王主管"]
	}
	in := &crm.CustomerInput{Name: crm.Ptr(name), ProjectID: crm.Ptr(project), OwnerID: crm.Ptr(owner), Phone: crm.Ptr(phone),
		Email: crm.Ptr("user0" + d + "@example.com"), IDNumber: crm.Ptr("44010619900101000" + d)}
	if collab != nil {
		in.CollaboratorIDs = &collab
	}
	c, err := w.e.Svc.CreateCustomer(ctx, crm.SystemCaller(w.e.Tenant.ID, model.Actor{ID: "matrix"}), in)
	if err != nil {
		w.t.Fatal(err)
	}
	delete(w.names, old)
	w.ids[name], w.names[c.ID] = c.ID, name
}

type memReport struct{ issues []importer.Issue }

func (m *memReport) Begin([]string) error        { return nil }
func (m *memReport) Add(is importer.Issue) error { m.issues = append(m.issues, is); return nil }

// checkImport runs an import as the caller (the same path POST /v1/imports
// takes) of a file with every customer's phone: rows the caller sees are
// duplicates naming the customer; the others are new to the caller.
func (w *matrixWorld) checkImport(t *testing.T, c *matrixCaller) {
	ctx := context.Background()
	who, err := w.e.Svc.ClientCaller(ctx, c.client, model.ViaNative, "")
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("姓名,手机\n")
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&csv, "导入%d,1380000000%d\n", i, i)
	}
	path := t.TempDir() + "/m.csv"
	if err := os.WriteFile(path, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := importer.Open(path, "m.csv")
	if err != nil {
		t.Fatal(err)
	}
	rep := &memReport{}
	im := &importer.Importer{Svc: w.e.Svc, Report: rep}
	sum, err := im.Run(ctx, src, importer.Options{TenantID: who.TenantID, Caller: who, DryRun: true, OnDuplicate: importer.Skip})
	if !c.imp {
		if err == nil || !strings.Contains(err.Error(), "permission") && !strings.Contains(err.Error(), "scope") {
			t.Errorf("import without customer.import: %v %+v", err, sum)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, is := range rep.issues {
		name := w.names[is.ExistingID]
		if is.Kind != importer.KindDuplicate || (name == "" && c.own == 0) || (name != "" && !w.sees(c, name)) {
			t.Errorf("import report row %d: %+v names a customer the caller may not see", is.Row, is)
		}
	}
	if int(sum.Skipped) != len(c.visible)+c.own || int(sum.Created) != 5-len(c.visible)-c.own {
		t.Errorf("import: %+v, want %d duplicates", sum, len(c.visible))
	}
}

// TestConflictsNameOnlyVisibleHolders: a unique value held by a customer the
// caller may not see is "already in use" without the holder's id, in every
// API and in batch matches; held by one it sees, the id is named.
func TestConflictsNameOnlyVisibleHolders(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			e := testenv.New(t, db)
			w := newMatrixWorld(t, e)
			admin := w.login(e.Client)
			if st, _, raw := admin.nat("PUT", "/v1/fields/4/unique", map[string]any{"unique": true}); st != 200 {
				t.Fatalf("mark email unique: %d %s", st, raw)
			}
			bound := w.login(w.callers[1].client) // bound to P1: sees 客户一, not 客户三
			hidden, seen := "user03@example.com", "user01@example.com"
			for _, tc := range []struct {
				email string
				want  int64
			}{{hidden, 0}, {seen, w.ids["客户一"]}} {
				st, out, raw := bound.nat("POST", "/v1/customers", map[string]any{"name": "撞号", "email": tc.email})
				if st != 409 || num64(out["existingId"]) != tc.want {
					t.Errorf("native create with %s: %d %s, want existingId %d", tc.email, st, raw, tc.want)
				}
				if tc.want == 0 && strings.Contains(string(raw), strconv.FormatInt(w.ids["客户三"], 10)) {
					t.Errorf("native conflict leaks the hidden holder: %s", raw)
				}
				st, yout := bound.ycm("POST", "/customers", map[string]any{"firstName": "撞号", "company": "撞号公司", "email": tc.email})
				msg := fmt.Sprint(yout["errmsg"])
				if st != 409 || strings.Contains(msg, strconv.FormatInt(w.ids["客户三"], 10)) || (tc.want != 0 && !strings.Contains(msg, strconv.FormatInt(tc.want, 10))) {
					t.Errorf("Yeastar create with %s: %d %v", tc.email, st, yout)
				}
				tout := bound.tm("/api/v3/add-clue", map[string]any{"customerName": "撞号", "fields": []map[string]any{{"alias": "email", "fieldValue": tc.email}}})
				d, _ := tout["data"].(map[string]any)
				if fmt.Sprint(tout["code"]) == "0" || num64(d["customerId"]) != tc.want {
					t.Errorf("探马 add-clue with %s: %v, want customerId %d", tc.email, tout, tc.want)
				}
				st, out, raw = bound.nat("POST", "/v1/customers/batch", map[string]any{"records": []map[string]any{
					{"match": map[string]any{"by": "email"}, "customer": map[string]any{"name": "批量", "email": tc.email}}}})
				res := list(out["results"])
				if st != 200 || len(res) != 1 {
					t.Fatalf("batch: %d %s", st, raw)
				}
				if tc.want == 0 {
					// The hidden holder does not exist for the caller: a create, refused by the unique value.
					errm, _ := res[0]["error"].(map[string]any)
					if res[0]["status"] != "failed" || num64(errm["existingId"]) != 0 || strings.Contains(string(raw), strconv.FormatInt(w.ids["客户三"], 10)) {
						t.Errorf("batch match on a hidden holder's email: %s", raw)
					}
				} else if res[0]["status"] != "updated" || num64(res[0]["id"]) != tc.want {
					t.Errorf("batch match on a visible holder's email: %s", raw)
				}
			}
			// A phone shared by a visible and a hidden customer: the match sees one.
			if st, _, raw := admin.nat("POST", "/v1/customers", map[string]any{"name": "同号", "phone": "13800000001", "projectId": w.p2}); st != 201 {
				t.Fatalf("%d %s", st, raw)
			}
			_, out, raw := bound.nat("POST", "/v1/customers/batch", map[string]any{"records": []map[string]any{
				{"match": map[string]any{"by": "phone"}, "customer": map[string]any{"phone": "13800000001", "remark": "批量"}}}})
			if res := list(out["results"]); len(res) != 1 || res[0]["status"] != "updated" || num64(res[0]["id"]) != w.ids["客户一"] {
				t.Errorf("batch match on a phone shared with a hidden customer: %s", raw)
			}
		})
	}
}
