package tanma_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/pgtest"
	"github.com/kehu/kehu/internal/testenv"
)

// TestMain stops the private PostgreSQL cluster; the only TestMain of this
// test binary.
func TestMain(m *testing.M) { pgtest.Main(m) }

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// forEachDB runs f on a fresh kehu per database.
func forEachDB(t *testing.T, f func(t *testing.T, e *testenv.Env)) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) { f(t, testenv.New(t, db)) })
	}
}

// resp is a decoded envelope.
type resp struct {
	HTTP    int
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
	Raw     []byte
}

var (
	tsMu   sync.Mutex
	lastTS int64
)

// nowTS is a fresh 13-digit timestamp, never the same twice in this
// process, so two identical test requests never share a signature.
func nowTS() string {
	tsMu.Lock()
	defer tsMu.Unlock()
	ts := time.Now().UnixMilli()
	if ts <= lastTS {
		ts = lastTS + 1
	}
	lastTS = ts
	return strconv.FormatInt(ts, 10)
}

// signedReq is a request with all its parts under the test's control.
type signedReq struct {
	path, body  string
	appID, key  string
	ts          string
	sign        string // computed from the above when empty
	signBody    string // body the signature covers, when it differs from body
	headers     map[string]string
	method      string
	omitHeaders []string
}

func (s signedReq) do(t *testing.T, base string) resp {
	t.Helper()
	if s.ts == "" {
		s.ts = nowTS()
	}
	if s.sign == "" {
		sb := s.body
		if s.signBody != "" {
			sb = s.signBody
		}
		s.sign = tanma.Sign(s.appID, s.ts, []byte(sb), s.key)
	}
	method := s.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, base+s.path, strings.NewReader(s.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("appId", s.appID)
	req.Header.Set("timestamp", s.ts)
	req.Header.Set("sign", s.sign)
	for k, v := range s.headers {
		req.Header.Set(k, v)
	}
	for _, k := range s.omitHeaders {
		req.Header.Del(k)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) resp {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r resp
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s %s: HTTP %d, not an envelope: %s", req.Method, req.URL.Path, res.StatusCode, raw)
	}
	r.HTTP, r.Raw = res.StatusCode, raw
	if res.StatusCode != 200 {
		t.Fatalf("%s %s: HTTP %d (want always 200): %s", req.Method, req.URL.Path, res.StatusCode, raw)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	return r
}

// call signs and posts body with the env's client.
func call(t *testing.T, e *testenv.Env, path, body string) resp {
	t.Helper()
	return callAs(t, e, e.Client, path, body)
}

func callAs(t *testing.T, e *testenv.Env, c *model.Client, path, body string) resp {
	t.Helper()
	return signedReq{path: path, body: body, appID: c.ClientID, key: c.Secret}.do(t, e.URL)
}

// ok fails unless r is a success and decodes its data into v (if non-nil).
func (r resp) ok(t *testing.T, v any) {
	t.Helper()
	if r.Code != 0 || r.Message != "success" {
		t.Fatalf("want success, got code %d: %s", r.Code, r.Message)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			t.Fatalf("data: %v: %s", err, r.Data)
		}
	}
}

// fails checks the code and that the message mentions every fragment.
func (r resp) fails(t *testing.T, code int, fragments ...string) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("want code %d, got %d: %s", code, r.Code, r.Message)
	}
	if code/100 == 404 && code >= 40400 && !strings.HasPrefix(r.Message, "请求参数验证失败:") {
		t.Errorf("message %q lacks the 请求参数验证失败: prefix", r.Message)
	}
	for _, f := range fragments {
		if !strings.Contains(r.Message, f) {
			t.Errorf("message %q does not mention %q", r.Message, f)
		}
	}
}

// fixture is a tenant catalogue covering every 探马 field type.
type fixture struct {
	e      *testenv.Env
	ctx    context.Context
	tenant int64
	f      map[string]*model.Field // custom fields by key
	opt    map[string]int64        // "key/label" → option id
	tags   map[string]int64
	stages map[string]int64
	depts  map[string]int64
	staff  map[string]int64
	cust   map[string]int64 // customers by name
	names  map[int64]string // every id above → a stable placeholder, for goldens
}

// fixedNow is when fixture customers are created unless a test says otherwise.
var fixedNow = time.Date(2022, 12, 15, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func newFixture(t *testing.T, e *testenv.Env) *fixture {
	t.Helper()
	fx := &fixture{e: e, ctx: context.Background(), tenant: e.Tenant.ID, f: map[string]*model.Field{}, opt: map[string]int64{},
		tags: map[string]int64{}, stages: map[string]int64{}, depts: map[string]int64{}, staff: map[string]int64{},
		cust: map[string]int64{}, names: map[int64]string{}}
	clock := fixedNow
	e.Svc.Now = func() time.Time { return clock }
	opts := func(labels ...string) []model.Option {
		var o []model.Option
		for _, l := range labels {
			o = append(o, model.Option{Label: l})
		}
		return o
	}
	for _, f := range []*model.Field{
		{Key: "mobile2", Label: "备用电话", Type: model.TypePhone},
		{Key: "region", Label: "所在地区", Type: model.TypeArea},
		{Key: "anniversary", Label: "纪念日", Type: model.TypeDate},
		{Key: "note", Label: "单行文本", Type: model.TypeText},
		{Key: "grade", Label: "等级", Type: model.TypeSelect, Options: opts("A", "B", "C")},
		{Key: "hobbies", Label: "爱好", Type: model.TypeMultiSelect, Options: opts("h1", "h2", "h3", "h4", "h5", "h6")},
		{Key: "level", Label: "级别", Type: model.TypeSelect, Options: opts("L0", "L1", "L2")},
		{Key: "signDate", Label: "签约日期", Type: model.TypeDate},
		{Key: "visitAt", Label: "到访时间", Type: model.TypeDateTime},
		{Key: "ratio", Label: "系数", Type: model.TypeNumber},
		{Key: "point_credit", Label: "积分", Type: model.TypeNumber},
		{Key: "creditCode", Label: "统一社会信用代码", Type: model.TypeText},
		{Key: "intro", Label: "简介", Type: model.TypeTextarea},
		{Key: "vip", Label: "是否VIP", Type: model.TypeBool},
	} {
		if err := e.Store.CreateField(fx.ctx, fx.tenant, f); err != nil {
			t.Fatal(err)
		}
		fx.f[f.Key] = f
		fx.names[f.ID] = "<field:" + f.Key + ">"
		for _, o := range f.Options {
			fx.opt[f.Key+"/"+o.Label] = o.ID
			fx.names[o.ID] = "<option:" + f.Key + "/" + o.Label + ">"
		}
	}
	g, err := e.Store.CreateTagGroup(fx.ctx, fx.tenant, "客户标签")
	if err != nil {
		t.Fatal(err)
	}
	fx.names[g.ID] = "<tag group>"
	for _, n := range []string{"VIP", "老客户", "展会"} {
		tg, err := e.Store.CreateTag(fx.ctx, fx.tenant, g.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		fx.tags[n], fx.names[tg.ID] = tg.ID, "<tag:"+n+">"
	}
	for _, n := range []string{"新入库", "跟进中", "成交"} {
		st, err := e.Store.CreateStage(fx.ctx, fx.tenant, n)
		if err != nil {
			t.Fatal(err)
		}
		fx.stages[n], fx.names[st.ID] = st.ID, "<stage:"+n+">"
	}
	for _, d := range []struct{ name, parent string }{{"总部", ""}, {"销售部", "总部"}, {"华东组", "销售部"}, {"市场部", "总部"}} {
		dep, err := e.Store.CreateDepartment(fx.ctx, fx.tenant, fx.depts[d.parent], d.name)
		if err != nil {
			t.Fatal(err)
		}
		fx.depts[d.name], fx.names[dep.ID] = dep.ID, "<dept:"+d.name+">"
	}
	for _, s := range []struct{ name, dept string }{{"张磊", "华东组"}, {"李娜", "销售部"}, {"王强", "市场部"}} {
		m := &model.Staff{Name: s.name, DepartmentID: fx.depts[s.dept]}
		if err := e.Store.CreateStaff(fx.ctx, fx.tenant, m); err != nil {
			t.Fatal(err)
		}
		fx.staff[s.name], fx.names[m.ID] = m.ID, "<staff:"+s.name+">"
	}
	return fx
}

// id is a fixture id as JSON text.
func id(n int64) string { return strconv.FormatInt(n, 10) }

// create makes a customer through crm at time at (zero: fixedNow).
func (fx *fixture) create(t *testing.T, at time.Time, in *crm.CustomerInput) int64 {
	t.Helper()
	if at.IsZero() {
		at = fixedNow
	}
	fx.e.Svc.Now = func() time.Time { return at }
	defer func() { fx.e.Svc.Now = func() time.Time { return fixedNow } }()
	c, err := fx.e.Svc.CreateCustomer(fx.ctx, crm.SystemCaller(fx.tenant, model.Actor{ID: "test"}), in)
	if err != nil {
		t.Fatalf("create %s: %v", *in.Name, err)
	}
	fx.cust[*in.Name], fx.names[c.ID] = c.ID, "<customer:"+*in.Name+">"
	return c.ID
}

// fields builds CustomerInput.Fields from key → Go value.
func fields(kv map[string]any) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range kv {
		b, _ := json.Marshal(v)
		out[k] = b
	}
	return out
}

// searchNames runs a search and returns the result names, sorted, and the total.
func searchNames(t *testing.T, e *testenv.Env, body string) ([]string, int64) {
	t.Helper()
	var page struct {
		TotalCount int64            `json:"totalCount"`
		Data       []map[string]any `json:"data"`
	}
	call(t, e, "/api/v3/customer/search", body).ok(t, &page)
	var names []string
	for _, c := range page.Data {
		names = append(names, c["name"].(string))
	}
	sort.Strings(names)
	return names, page.TotalCount
}

// mask replaces every id the fixture knows by its placeholder, and any
// other integer of 12 digits or more (ids made during the test) by "<id>",
// and re-indents with sorted keys.
func (fx *fixture) mask(t *testing.T, raw []byte) []byte {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	name := func(s string) (string, bool) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1e11 {
			return "", false
		}
		if p, ok := fx.names[n]; ok {
			return p, true
		}
		return "<id>", true
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, e := range x {
				if p, ok := name(k); ok {
					k = p
				}
				out[k] = walk(e)
			}
			return out
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
			return x
		case json.Number:
			if p, ok := name(x.String()); ok {
				return p
			}
		case string:
			if p, ok := name(x); ok {
				return p
			}
		}
		return v
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(walk(v)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// golden compares got (masked) with testdata/name.golden.json.
func (fx *fixture) golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testenv.Golden(t, filepath.Join("testdata", name+".golden.json"), fx.mask(t, got), *update)
}

var jsonUnmarshal = json.Unmarshal

var crmActor = model.Actor{ID: "test"}
