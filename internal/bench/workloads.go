package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kehu/kehu/internal/fakedata"
	"github.com/kehu/kehu/internal/seed"
	"github.com/kehu/kehu/internal/store"
)

// setup is what the workloads need to know about the bench tenant.
type setup struct {
	tenantID, projectID int64
	levelField          int64 // select field "level"
	gold                int64 // its option 金卡
	scoreField          int64 // number field "score"
	vipTag              int64 // tag VIP
	tagIDs              map[string]int64
	phones              []string
	names2              []string // 2-character Chinese names that exist
	customers           int64
	projectCustomers    int64   // in the project the 达实 workloads page through
	staff               []int64 // in creation order (seed.Owners of them)
	salesDept           int64   // 销售部: three regions below it
	seed                int64
	rep                 *Report
	plain               *plainApp // the baseline app (plain.go), nil unless plain-phone or http-floor runs
}

func benchSetup(ctx context.Context, st *store.Store, tenantID, projectID int64) (*setup, error) {
	s := &setup{tenantID: tenantID, projectID: projectID}
	cat, err := st.LoadCatalog(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	level, score := cat.ByKey["level"], cat.ByKey["score"]
	if level == nil || score == nil {
		return nil, fmt.Errorf("bench: tenant %d has no seeded catalogue (fields level and score)", tenantID)
	}
	s.levelField, s.scoreField = level.ID, score.ID
	for _, o := range level.Options {
		if o.Label == "金卡" {
			s.gold = o.ID
		}
	}
	groups, err := st.TagGroups(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	s.tagIDs = map[string]int64{}
	for _, g := range groups {
		for _, t := range g.Tags {
			s.tagIDs[t.Name] = t.ID
			if t.Name == "VIP" {
				s.vipTag = t.ID
			}
		}
	}
	if s.gold == 0 || s.vipTag == 0 {
		return nil, fmt.Errorf("bench: tenant %d lacks the level option 金卡 or the tag VIP", tenantID)
	}
	if err := st.QueryRow(ctx, st.Rebind(`SELECT COUNT(*) FROM customers WHERE tenant_id = ?`), tenantID).Scan(&s.customers); err != nil {
		return nil, err
	}
	if err := st.QueryRow(ctx, st.Rebind(`SELECT COUNT(*) FROM customers WHERE tenant_id = ? AND project_id = ?`), tenantID, projectID).Scan(&s.projectCustomers); err != nil {
		return nil, err
	}
	rows, err := st.Query(ctx, st.Rebind(`SELECT id FROM staff WHERE tenant_id = ? ORDER BY id`), tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		s.staff = append(s.staff, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(s.staff) < 4 {
		return nil, fmt.Errorf("bench: tenant %d has %d staff, want the seeded %d", tenantID, len(s.staff), seed.Owners)
	}
	if err := st.QueryRow(ctx, st.Rebind(`SELECT id FROM departments WHERE tenant_id = ? AND name = ?`), tenantID, "销售部").Scan(&s.salesDept); err != nil {
		return nil, fmt.Errorf("bench: tenant %d has no department 销售部: %w", tenantID, err)
	}
	return s, nil
}

// samples draws existing phones and names from the generator that loaded
// the tenant (the same seed replays the same people).
func (s *setup) samples(seedVal int64) {
	gen := seed.Generator(seedVal)
	var p fakedata.Person
	n := min(int(s.customers), 5000)
	for i := 0; i < n; i++ {
		gen.Next(&p)
		s.phones = append(s.phones, p.Phone)
		if utf8.RuneCountInString(p.Name) == 2 && p.Name[0] >= 0x80 && len(s.names2) < 500 {
			s.names2 = append(s.names2, p.Name)
		}
	}
	if len(s.phones) == 0 {
		s.phones = []string{"13800000000"}
	}
	if len(s.names2) == 0 {
		s.names2 = []string{"王伟"}
	}
}

// workload is one kind of request.
type workload struct {
	Name, API, Description string
	// request builds the i-th request of a client (r is that client's own
	// random source).
	request func(c *clients, r *rand.Rand, i int) (*http.Request, error)
	// check validates a response body and returns the rows it carries and
	// the total it reports (-1 if none).
	check func(status int, body []byte) (rows int, total int64, err error)
}

var china = time.FixedZone("CST", 8*3600)

func workloads(s *setup, cfg Config) []*workload {
	s.seed = cfg.Seed
	s.samples(cfg.Seed)
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, china).UnixMilli()
	to := time.Date(2025, 1, 1, 0, 0, 0, 0, china).UnixMilli() - 1
	project := strconv.FormatInt(s.projectID, 10)
	dashiPage := func(body string) func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
		return func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
			return c.dashi("POST", "/api/open/customer/customer-manage/v1/customer/page?project="+project, []byte(body))
		}
	}
	// pageIndex 100 of 4000 needs 400k customers in the project (40 % of
	// the loaded tenant); smaller runs use the deepest page that still has
	// rows (the tenant's count gave page 25 of a 40k project at 100k:
	// empty pages, no heavy work at all).
	deep := max(1, min(100, int(s.projectCustomers)/4000))
	return []*workload{
		{Name: "dashi-page", API: "达实",
			Description: "name 张三 + customerStatus [1] + one-year creation range, pageSize 10, totalCount",
			request:     dashiPage(fmt.Sprintf(`{"pageSize":10,"pageIndex":1,"name":"张三","customerStatus":[1],"creationTimeStart":%d,"creationTimeEnd":%d}`, from, to)),
			check:       checkDashi},
		{Name: "dashi-page-hit", API: "达实",
			Description: "the same with an existing 2-character name (张三 is not among the generated names)",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				body := fmt.Sprintf(`{"pageSize":10,"pageIndex":1,"name":%q,"customerStatus":[1],"creationTimeStart":%d,"creationTimeEnd":%d}`,
					s.names2[r.IntN(len(s.names2))], from, to)
				return c.dashi("POST", "/api/open/customer/customer-manage/v1/customer/page?project="+project, []byte(body))
			},
			check: checkDashi},
		{Name: "dashi-name1", API: "达实",
			Description: "name 张 (1 character, 7 % of customers), no status or time range, pageSize 10, totalCount",
			request:     dashiPage(`{"pageSize":10,"pageIndex":1,"name":"张"}`),
			check:       checkDashi},
		{Name: "dashi-name1-range", API: "达实",
			Description: "name 张 + customerStatus [1] + one-year creation range",
			request:     dashiPage(fmt.Sprintf(`{"pageSize":10,"pageIndex":1,"name":"张","customerStatus":[1],"creationTimeStart":%d,"creationTimeEnd":%d}`, from, to)),
			check:       checkDashi},
		{Name: "dashi-name1-miss", API: "达实",
			Description: "name 龘 (1 character no customer has)",
			request:     dashiPage(`{"pageSize":10,"pageIndex":1,"name":"龘"}`),
			check:       checkDashi},
		{Name: "dashi-name2-plain", API: "达实",
			Description: "an existing 2-character name, no status or time range",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				body := fmt.Sprintf(`{"pageSize":10,"pageIndex":1,"name":%q}`, s.names2[r.IntN(len(s.names2))])
				return c.dashi("POST", "/api/open/customer/customer-manage/v1/customer/page?project="+project, []byte(body))
			},
			check: checkDashi},
		{Name: "dashi-name2-miss", API: "达实",
			Description: "name 张三 (no customer has it), no status or time range",
			request:     dashiPage(`{"pageSize":10,"pageIndex":1,"name":"张三"}`),
			check:       checkDashi},
		{Name: "dashi-list", API: "达实",
			Description: "the project's newest customers, pageSize 10, totalCount",
			request:     dashiPage(`{"pageSize":10,"pageIndex":1}`),
			check:       checkDashi},
		{Name: "native-bound", API: "native",
			Description: "a client bound to the project: name=张 + status=1, exact total",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.bound.native("GET", "/v1/customers?name="+url.QueryEscape("张")+"&status=1", nil)
			},
			check: checkNative},
		{Name: "native-bound-name2", API: "native",
			Description: "a client bound to the project: an existing 2-character name, exact total",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.bound.native("GET", "/v1/customers?name="+url.QueryEscape(s.names2[r.IntN(len(s.names2))]), nil)
			},
			check: checkNative},
		{Name: "sales-list", API: "native",
			Description: "owner = one staff member (the condition a 销售 data scope adds): newest first, pageSize 20, exact total",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.native("GET", "/v1/customers?pageSize=20&filter="+url.QueryEscape(fmt.Sprintf("owner = %d", s.staff[3])), nil)
			},
			check: checkNative},
		{Name: "sales-name", API: "native",
			Description: "owner = one staff member + name 张 + projectId, exact total",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				f := fmt.Sprintf(`owner = %d && name ~ "张" && projectId = %d`, s.staff[3], s.projectID)
				return c.native("GET", "/v1/customers?filter="+url.QueryEscape(f), nil)
			},
			check: checkNative},
		{Name: "manager-name", API: "native",
			Description: "department = 销售部 (a subtree: the condition a 主管 data scope adds) + name 张 + status 1, exact total",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				f := fmt.Sprintf(`department = %d && name ~ "张" && status = 1`, s.salesDept)
				return c.native("GET", "/v1/customers?filter="+url.QueryEscape(f), nil)
			},
			check: checkNative},
		{Name: "as-sales-name1", API: "native",
			Description: "a client acting as a 销售 (数据权限 本人 + 协作, added by crm): name=张 + status=1, exact total",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.sales.native("GET", "/v1/customers?name="+url.QueryEscape("张")+"&status=1", nil)
			},
			check: checkNative},
		{Name: "as-manager-name1", API: "native",
			Description: "a client acting as the 主管 of 销售部 (数据权限 本部门及下级, added by crm): name=张 + status=1, exact total",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.manager.native("GET", "/v1/customers?name="+url.QueryEscape("张")+"&status=1", nil)
			},
			check: checkNative},
		{Name: "as-sales5k-name1", API: "native",
			Description: "a client acting as a 销售 who owns 5,000 customers (N/200 below 1M; 本人 + 协作): name=张 + status=1, exact total",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.sales5k.native("GET", "/v1/customers?name="+url.QueryEscape("张")+"&status=1", nil)
			},
			check: checkNative},
		{Name: "as-region-manager-name1", API: "native",
			Description: "a client acting as the 主管 of 华东区 (~12 % of the tenant, 本部门及下级): name=张 + status=1, exact total",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.regionManager.native("GET", "/v1/customers?name="+url.QueryEscape("张")+"&status=1", nil)
			},
			check: checkNative},
		{Name: "tanma-search", API: "探马",
			Description: "2-char searchKey (an existing name) + select field = 金卡 + tags hasAny VIP + score > 50",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				body := fmt.Sprintf(`{"searchKey":%q,"pageNo":1,"pageSize":10,"conditions":{"conditionOp":1,"conditionItems":[`+
					`{"name":%d,"op":0,"values":[%d]},{"name":"tagIds","op":6,"values":[%d]},{"name":%d,"op":7,"values":["50"]}]}}`,
					s.names2[r.IntN(len(s.names2))], s.levelField, s.gold, s.vipTag, s.scoreField)
				return c.tanma("/api/v3/customer/search", []byte(body))
			},
			check: checkTanma},
		{Name: "yeastar-list", API: "Yeastar",
			Description: "list sorted -customerId, pageSize 50",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.yeastar("GET", "/dm/open_api/v1/customers?pageSize=50&pageNumber=1&sort=-customerId", nil)
			},
			check: checkYeastar},
		{Name: "native-name", API: "native",
			Description: "name=张 (1-char fragment) + status=1, exact total",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.native("GET", "/v1/customers?name="+url.QueryEscape("张")+"&status=1", nil)
			},
			check: checkNative},
		{Name: "native-name-estimate", API: "native",
			Description: "the same with total=estimate",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.native("GET", "/v1/customers?name="+url.QueryEscape("张")+"&status=1&total=estimate", nil)
			},
			check: checkNative},
		{Name: "phone-exact", API: "native",
			Description: "phone = an existing mobile (random), exact total",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.native("GET", "/v1/customers?phone="+s.phones[r.IntN(len(s.phones))], nil)
			},
			check: checkNative},
		plainWorkload(s),
		floorWorkload(s),
		{Name: "phone-last4", API: "native",
			Description: "phoneSuffix = 4 random digits, exact total",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.native("GET", fmt.Sprintf("/v1/customers?phoneSuffix=%04d", r.IntN(10000)), nil)
			},
			check: checkNative},
		{Name: "dashi-4000", API: "达实",
			Description: fmt.Sprintf("page of 4000 at pageIndex %d (newest first), totalCount", deep),
			request:     dashiPage(fmt.Sprintf(`{"pageSize":4000,"pageIndex":%d}`, deep)),
			check:       checkDashi},
		{Name: "native-create", API: "native",
			Description: "POST /v1/customers: a generated customer with custom fields and tags",
			request: func(c *clients, r *rand.Rand, i int) (*http.Request, error) {
				return c.native("POST", "/v1/customers", s.newCustomer(r))
			},
			check: checkCreate},
	}
}

// newCustomer is a generated customer as native API JSON.
func (s *setup) newCustomer(r *rand.Rand) []byte {
	gen := fakedata.New(fakedata.Config{Seed: r.Int64()})
	var p fakedata.Person
	gen.Next(&p)
	m := map[string]any{"name": p.Name, "phone": p.Phone, "company": p.Company, "remark": p.Remark, "status": p.Status,
		"fields": map[string]any{"level": fakedata.Levels[p.Level], "score": p.Score, "birthday": p.BornDate.Format("2006-01-02")}}
	if p.Email != "" {
		m["email"] = p.Email
	}
	if len(p.Tags) > 0 {
		var tags []int64
		for _, t := range p.Tags {
			if id := s.tagIDs[fakedata.TagNames[t]]; id != 0 {
				tags = append(tags, id)
			}
		}
		m["tagIds"] = tags
	}
	b, _ := json.Marshal(m)
	return b
}

func checkDashi(status int, body []byte) (int, int64, error) {
	if status != 200 || !bytes.HasPrefix(body, []byte(`{"pageIndex":`)) {
		return 0, -1, fmt.Errorf("HTTP %d: %s", status, clip(body))
	}
	var head struct {
		TotalCount int64 `json:"totalCount"`
	}
	// The page header precedes the rows: decode just that much.
	end := bytes.Index(body, []byte(`,"data":`))
	if end < 0 || json.Unmarshal(append(append([]byte{}, body[:end]...), '}'), &head) != nil {
		return 0, -1, fmt.Errorf("unexpected page: %s", clip(body))
	}
	return bytes.Count(body, []byte(`{"id":`)), head.TotalCount, nil
}

func checkTanma(status int, body []byte) (int, int64, error) {
	var env struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    struct {
			TotalCount int64             `json:"totalCount"`
			Data       []json.RawMessage `json:"data"`
		} `json:"data"`
	}
	if status != 200 || json.Unmarshal(body, &env) != nil || env.Code != 0 {
		return 0, -1, fmt.Errorf("HTTP %d: %s", status, clip(body))
	}
	return len(env.Data.Data), env.Data.TotalCount, nil
}

func checkYeastar(status int, body []byte) (int, int64, error) {
	var env struct {
		Status string `json:"status"`
		Data   struct {
			Total int64             `json:"total"`
			List  []json.RawMessage `json:"list"`
		} `json:"data"`
	}
	if status != 200 || json.Unmarshal(body, &env) != nil || env.Status != "Success" {
		return 0, -1, fmt.Errorf("HTTP %d: %s", status, clip(body))
	}
	return len(env.Data.List), env.Data.Total, nil
}

func checkNative(status int, body []byte) (int, int64, error) {
	var out struct {
		Data  []json.RawMessage `json:"data"`
		Total *int64            `json:"total"`
	}
	if status != 200 || json.Unmarshal(body, &out) != nil {
		return 0, -1, fmt.Errorf("HTTP %d: %s", status, clip(body))
	}
	total := int64(-1)
	if out.Total != nil {
		total = *out.Total
	}
	return len(out.Data), total, nil
}

func checkCreate(status int, body []byte) (int, int64, error) {
	var out struct {
		ID int64 `json:"id"`
	}
	if status != 201 || json.Unmarshal(body, &out) != nil || out.ID == 0 {
		return 0, -1, fmt.Errorf("HTTP %d: %s", status, clip(body))
	}
	return 1, -1, nil
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
