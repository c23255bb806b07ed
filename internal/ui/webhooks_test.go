package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/webhook"
)

// receiver is a local webhook receiver: it answers 204 and keeps the
// webhook-id of every request, in order.
type receiver struct {
	*httptest.Server
	mu  sync.Mutex
	ids []string
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		rc.mu.Lock()
		rc.ids = append(rc.ids, r.Header.Get("webhook-id"))
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) got() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.ids...)
}

var (
	webhookPathRe = regexp.MustCompile(`action="/webhooks/(\d+)/enabled"`)
	deliveryRe    = regexp.MustCompile(`data-delivery="(\d+)" data-status="delivered"`)
)

// TestWebhookPagesAccess: the webhook pages are offered to, and answer,
// only staff whose role holds admin.manage (crm.WebhookAccess): a 销售 and
// a 主管 get no navigation entry and 403 for every page and action, the
// /v1/webhooks API included with the same session.
func TestWebhookPagesAccess(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	wh, err := c.Webhooks.Create(ctx, &model.Caller{TenantID: c.Tenant.ID, Via: model.ViaCLI}, &webhook.Input{URL: crm.Ptr("http://127.0.0.1:1/x")})
	must(t, err)
	id := itoa(wh.ID)
	for _, who := range []string{"rep", "manager"} {
		cl := c.client(t)
		csrf := cl.login(who)
		if _, list := cl.get("/customers"); strings.Contains(list, `href="/webhooks"`) {
			t.Errorf("%s: the navigation offers webhooks", who)
		}
		for _, p := range []string{"/webhooks", "/webhooks/" + id, "/v1/webhooks", "/v1/webhooks/" + id + "/deliveries"} {
			if resp, _ := cl.get(p); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s GET %s: %d", who, p, resp.StatusCode)
			}
		}
		for _, p := range []string{"/webhooks", "/webhooks/" + id, "/webhooks/" + id + "/enabled", "/webhooks/" + id + "/rotate",
			"/webhooks/" + id + "/replay", "/webhooks/" + id + "/delete", "/webhooks/" + id + "/deliveries/1/redeliver"} {
			resp, _ := cl.post(p, url.Values{"csrf_token": {csrf}, "url": {"http://127.0.0.1:1/y"}, "kinds": {"add"}, "after": {"0"}, "enabled": {"0"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s POST %s: %d", who, p, resp.StatusCode)
			}
		}
	}
	// Nothing changed.
	got, err := c.Webhooks.Get(ctx, &model.Caller{TenantID: c.Tenant.ID}, wh.ID)
	must(t, err)
	if !got.Enabled || got.URL != "http://127.0.0.1:1/x" {
		t.Errorf("after refused actions: %+v", got)
	}
}

// TestWebhookPages: an administrator creates a subscription (the secret
// shown once), sees it listed, sees its deliveries arrive at a local
// receiver in the log, filters the log, redelivers one, replays, edits,
// disables and enables it (a refused URL shown on the form), and deletes
// it.
func TestWebhookPages(t *testing.T) {
	c := newConsole(t)
	rc := newReceiver(t)
	admin := c.client(t)
	csrf := admin.login("admin")
	if _, list := admin.get("/customers"); !strings.Contains(list, `href="/webhooks"`) {
		t.Fatalf("the administrator's navigation lacks webhooks")
	}
	resp, page := admin.get("/webhooks")
	if resp.StatusCode != 200 || !strings.Contains(page, "还没有订阅") {
		t.Fatalf("empty list: %d\n%s", resp.StatusCode, page)
	}
	// A refused URL: the form again, with the message and what was sent.
	resp, page = admin.post("/webhooks", url.Values{"csrf_token": {csrf}, "url": {"ftp://x"}, "kinds": {"add"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "ftp://x") || !strings.Contains(page, `class="alert error"`) {
		t.Fatalf("bad URL: %d\n%s", resp.StatusCode, page)
	}
	resp, page = admin.post("/webhooks", url.Values{"csrf_token": {csrf}, "url": {rc.URL + "/hook"}, "kinds": {"add", "edit"}, "format": {"native"}})
	if resp.StatusCode != http.StatusCreated || !strings.Contains(page, "whsec_") {
		t.Fatalf("create: %d\n%s", resp.StatusCode, page)
	}
	m := webhookPathRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no subscription id in\n%s", page)
	}
	path := "/webhooks/" + m[1]
	if _, page = admin.get(path); strings.Contains(page, "whsec_") {
		t.Errorf("the secret is shown again")
	}
	_, page = admin.get("/webhooks")
	if !strings.Contains(page, rc.URL+"/hook") || !strings.Contains(page, "新增、修改") || !strings.Contains(page, "已启用") {
		t.Errorf("list:\n%s", page)
	}

	// Two changes: two deliveries, in the log as delivered.
	ctx := context.Background()
	tenant := &model.Caller{TenantID: c.Tenant.ID, Via: model.ViaCLI}
	name := "钱七"
	cu, err := c.Svc.CreateCustomer(ctx, tenant, &crm.CustomerInput{Name: &name})
	must(t, err)
	_, err = c.Svc.UpdateCustomer(ctx, tenant, cu.ID, &crm.CustomerInput{Remark: crm.Ptr("改")})
	must(t, err)
	var ids [][]string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, page = admin.get(path)
		if ids = deliveryRe.FindAllStringSubmatch(page, -1); len(ids) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries did not arrive (receiver got %v):\n%s", rc.got(), page)
		}
	}
	if n := len(rc.got()); n != 2 {
		t.Errorf("receiver got %d requests", n)
	}
	if !strings.Contains(page, "204") || !strings.Contains(page, `href="/customers/`+itoa(cu.ID)+`"`) {
		t.Errorf("log lacks the response code or the customer:\n%s", page)
	}
	if _, p := admin.get(path + "?status=failed"); deliveryRe.MatchString(p) || !strings.Contains(p, "还没有投递") {
		t.Errorf("failed filter shows deliveries:\n%s", p)
	}

	// Redeliver the first: the receiver gets its webhook-id again.
	resp, _ = admin.post(path+"/deliveries/"+ids[1][1]+"/redeliver", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("redeliver: %d", resp.StatusCode)
	}
	if _, p := admin.get(resp.Header.Get("Location")); !strings.Contains(p, "正在重新发送") {
		t.Errorf("no notice after redeliver:\n%s", p)
	}
	waitCount(t, rc, 3)
	if got := rc.got(); got[2] != got[0] && got[2] != got[1] {
		t.Errorf("the redelivery has a new webhook-id: %v", got)
	}
	// Replay from 0: the whole feed again (the fixture's 5 customers and
	// the two changes, add and edit kinds only).
	resp, _ = admin.post(path+"/replay", url.Values{"csrf_token": {csrf}, "after": {"0"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("replay: %d", resp.StatusCode)
	}
	waitCount(t, rc, 3+7)
	if resp, p := admin.post(path+"/replay", url.Values{"csrf_token": {csrf}, "after": {"x"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p, `class="alert error"`) {
		t.Errorf("bad replay position: %d", resp.StatusCode)
	}

	// Edit: a refused filter is shown on the open form; a good edit saves.
	resp, page = admin.post(path, url.Values{"csrf_token": {csrf}, "url": {rc.URL + "/hook"}, "kinds": {"delete"}, "filter": {"nosuchfield = 1"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "nosuchfield = 1") || !strings.Contains(page, "<details class=\"edit\" open>") {
		t.Errorf("bad filter: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = admin.post(path, url.Values{"csrf_token": {csrf}, "url": {rc.URL + "/hook2"}, "kinds": {"delete"}, "filter": {"status = 1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	if _, p := admin.get(resp.Header.Get("Location")); !strings.Contains(p, "/hook2") || !strings.Contains(p, "status = 1") || !strings.Contains(p, "设置已保存") {
		t.Errorf("after edit:\n%s", p)
	}
	// Disable, enable.
	resp, _ = admin.post(path+"/enabled", url.Values{"csrf_token": {csrf}, "enabled": {"0"}})
	if _, p := admin.get(resp.Header.Get("Location")); !strings.Contains(p, `id="webhook-enable"`) || !strings.Contains(p, "由用户停用") {
		t.Errorf("after disable:\n%s", p)
	}
	if _, p := admin.get("/webhooks"); !strings.Contains(p, "已停用") {
		t.Errorf("list after disable:\n%s", p)
	}
	resp, _ = admin.post(path+"/enabled", url.Values{"csrf_token": {csrf}, "enabled": {"1"}})
	if _, p := admin.get(resp.Header.Get("Location")); !strings.Contains(p, `id="webhook-disable"`) {
		t.Errorf("after enable:\n%s", p)
	}
	// A new secret, shown once.
	if resp, p := admin.post(path+"/rotate", url.Values{"csrf_token": {csrf}}); resp.StatusCode != 200 || !strings.Contains(p, "whsec_") {
		t.Errorf("rotate: %d", resp.StatusCode)
	}
	// English.
	admin.get("/lang/en?back=/webhooks")
	if _, p := admin.get(path); !strings.Contains(p, "Delivery log") {
		t.Errorf("English page:\n%s", p)
	}
	// Delete.
	resp, _ = admin.post(path+"/delete", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if resp, _ := admin.get(path); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleted subscription: %d", resp.StatusCode)
	}
}

func waitCount(t *testing.T, rc *receiver, n int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); len(rc.got()) < n; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("receiver got %d requests, want %d", len(rc.got()), n)
		}
	}
}
