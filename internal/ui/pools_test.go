package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// TestPoolsPage: the 公海 page lists the pools a caller sees with their
// rules and counts and links each to its customers on the list; from the
// list a 销售 claims ticked pool customers and releases their own (the
// reason required), every action crm's; a rule (maxPerRep) refuses a claim,
// the page says why and nothing moves.
func TestPoolsPage(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	tenant := crm.TenantCaller(c.Tenant.ID, 0, model.ViaCLI)
	pool, err := c.Svc.CreatePool(ctx, tenant, &model.Pool{Name: "华东公海", Rules: model.PoolRules{RecycleNoFollowDays: 15, MaxPerRep: 3}})
	must(t, err)
	// 李四 and 王五 (rep2's) go to the pool.
	in := []int64{c.Customers["李四"].ID, c.Customers["王五"].ID}
	_, err = c.Svc.Move(ctx, tenant, pool.ID, &crm.PoolActionInput{CustomerIDs: in, Reason: "整理"})
	must(t, err)

	rep := c.client(t)
	csrf := rep.login("rep")
	resp, body := rep.get("/pools")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "华东公海") || !strings.Contains(body, "15 天未跟进即回收") ||
		!strings.Contains(body, "每人最多持有 3 位") || !strings.Contains(body, `href="/pools"`) {
		t.Fatalf("pools page: %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, "<td>2</td>") {
		t.Errorf("the pool's count:\n%s", body)
	}
	link := "/customers?" + url.Values{"filter": {"pool = " + itoa(pool.ID)}}.Encode()
	if !strings.Contains(body, `href="/customers?filter=pool&#43;%3D&#43;`+itoa(pool.ID)+`"`) {
		t.Errorf("no link to the pool's customers (%s):\n%s", link, body)
	}
	_, rows := rep.get("/customers/rows?" + url.Values{"filter": {"pool = " + itoa(pool.ID)}}.Encode())
	if !strings.Contains(rows, "李四") || !strings.Contains(rows, "王五") || strings.Contains(rows, "张三") {
		t.Errorf("the pool's customers:\n%s", rows)
	}
	_, list := rep.get("/customers")
	if !strings.Contains(list, `<option value="claim">`) || !strings.Contains(list, `<option value="release">`) {
		t.Errorf("claim and release not offered to a 销售")
	}

	form := func(action string, reason string, names ...string) url.Values {
		v := url.Values{"csrf_token": {csrf}, "back": {link}, "action": {action}}
		for _, n := range names {
			v.Add("ids", itoa(c.Customers[n].ID))
		}
		if reason != "" {
			v.Set("reason", reason)
		}
		return v
	}
	owner := func(name string) (int64, int64) {
		cu, err := c.Svc.Customer(ctx, tenant, c.Customers[name].ID)
		must(t, err)
		return cu.OwnerID, cu.PoolID
	}
	// Claim both: rep holds none of the pool's yet, the cap is 3.
	if resp, body := rep.post("/customers/bulk", form("claim", "", "李四", "王五")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("claim: %d\n%s", resp.StatusCode, body)
	}
	if o, p := owner("李四"); o != c.Staff["rep"] || p != 0 {
		t.Fatalf("李四 after the claim: owner %d pool %d", o, p)
	}
	// A customer in no pool cannot be claimed; the page names it.
	if resp, body := rep.post("/customers/bulk", form("claim", "", "张三")); resp.StatusCode/100 != 4 || !strings.Contains(body, "张三 不在公海中") {
		t.Errorf("claim of an owned customer: %d\n%s", resp.StatusCode, body)
	}
	// Release needs a reason (crm's rule), then puts them back.
	if resp, _ := rep.post("/customers/bulk", form("release", "", "李四")); resp.StatusCode/100 != 4 {
		t.Errorf("release without a reason: %d", resp.StatusCode)
	}
	if o, _ := owner("李四"); o != c.Staff["rep"] {
		t.Fatal("a refused release moved the customer")
	}
	if resp, body := rep.post("/customers/bulk", form("release", "无意向", "李四", "王五")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("release: %d\n%s", resp.StatusCode, body)
	}
	if o, p := owner("王五"); o != 0 || p != pool.ID {
		t.Fatalf("王五 after the release: owner %d pool %d", o, p)
	}
	// The cap: rep2 already holds three of the pool's customers.
	for _, n := range []string{"张三", "张伟", "Tom Hanks"} {
		_, err := c.Svc.Move(ctx, tenant, pool.ID, &crm.PoolActionInput{CustomerIDs: []int64{c.Customers[n].ID}, Reason: "整理"})
		must(t, err)
		_, err = c.Svc.Assign(ctx, tenant, pool.ID, &crm.PoolActionInput{CustomerIDs: []int64{c.Customers[n].ID}, StaffID: c.Staff["rep2"]})
		must(t, err)
	}
	rep2 := c.client(t)
	csrf = rep2.login("rep2")
	resp, body = rep2.post("/customers/bulk", form("claim", "", "李四"))
	if resp.StatusCode/100 != 4 || !strings.Contains(body, "已达上限") {
		t.Errorf("a claim over the cap: %d\n%s", resp.StatusCode, body)
	}
	if o, _ := owner("李四"); o != 0 {
		t.Error("a refused claim took the customer")
	}
}

// TestPoolAdmin: an administrator creates a pool on the 公海 page (rules,
// the date rule's field among the custom date fields), changes its rules
// and deletes it; a refused form (a name taken, a negative number) is shown
// again with crm's message and the values sent; a 销售 gets no forms and
// is refused the posts.
func TestPoolAdmin(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	tenant := crm.TenantCaller(c.Tenant.ID, 0, model.ViaCLI)
	must(t, c.Store.CreateField(ctx, c.Tenant.ID, &model.Field{Key: "contractEnd", Label: "合同到期日", Type: model.TypeDate}))
	admin := c.client(t)
	csrf := admin.login("admin")
	_, page := admin.get("/pools")
	if !strings.Contains(page, `id="new-pool"`) || !strings.Contains(page, `<option value="contractEnd">合同到期日</option>`) {
		t.Fatalf("no new-pool form with the date field:\n%s", page)
	}
	form := func(name string, kv ...string) url.Values {
		v := url.Values{"csrf_token": {csrf}, "name": {name}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	resp, body := admin.post("/pools", form("华南公海", "recycleNoFollowDays", "20", "maxPerRep", "50", "recycleDateField", "contractEnd", "recycleDateDays", "7"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, body)
	}
	pools, err := c.Svc.VisiblePools(ctx, tenant)
	must(t, err)
	if len(pools) != 1 || pools[0].Rules.RecycleNoFollowDays != 20 || pools[0].Rules.MaxPerRep != 50 || pools[0].Rules.RecycleDateField != "contractEnd" ||
		pools[0].Rules.RecycleDateDays != 7 {
		t.Fatalf("created: %+v", pools)
	}
	id := itoa(pools[0].ID)
	_, page = admin.get("/pools")
	if !strings.Contains(page, "合同到期日到期后 7 天回收") {
		t.Errorf("the date rule in words:\n%s", page)
	}
	// Refused: a taken name, a negative number — shown with what was sent.
	resp, body = admin.post("/pools", form("华南公海", "maxPerRep", "9"))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `id="new-pool"`) || !strings.Contains(body, `value="9"`) {
		t.Errorf("a taken name: %d\n%s", resp.StatusCode, body)
	}
	resp, body = admin.post("/pools/"+id, form("华南公海", "protectDays", "-2"))
	if resp.StatusCode/100 != 4 || !strings.Contains(body, "protectDays") || !strings.Contains(body, `value="-2"`) {
		t.Errorf("a negative rule: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := admin.post("/pools/"+id, form("华南一区公海", "protectDays", "3")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d", resp.StatusCode)
	}
	p, err := c.Svc.Pool(ctx, tenant, pools[0].ID)
	must(t, err)
	if p.Name != "华南一区公海" || p.Rules.ProtectDays != 3 || p.Rules.MaxPerRep != 0 {
		t.Errorf("updated: %+v", p)
	}
	// A 销售: no forms, and the posts are refused.
	rep := c.client(t)
	rcsrf := rep.login("rep")
	if _, page := rep.get("/pools"); strings.Contains(page, `id="new-pool"`) || strings.Contains(page, "/delete") {
		t.Error("a 销售 is offered the pool forms")
	}
	if resp, _ := rep.post("/pools", url.Values{"csrf_token": {rcsrf}, "name": {"私海"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a 销售 creating a pool: %d", resp.StatusCode)
	}
	if resp, _ := admin.post("/pools/"+id+"/delete", url.Values{"csrf_token": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if pools, _ := c.Svc.VisiblePools(ctx, tenant); len(pools) != 0 {
		t.Errorf("after delete: %d pools", len(pools))
	}
}
