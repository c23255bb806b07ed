package ui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// TestBrowserWebhooks: an administrator opens Webhook from the navigation,
// creates a subscription to a local receiver through the form (the secret
// shown once), sees a customer's changes arrive in the delivery log as
// delivered with the receiver's answer, and redelivers one, which the
// receiver gets again with the same webhook-id; no console error.
func TestBrowserWebhooks(t *testing.T) {
	b := newBrowserEnv(t)
	rc := newReceiver(t)
	b.loginAs("admin")
	b.do("open webhooks", chromedp.Click(chromedp.CSS(`header nav a[href="/webhooks"]`)), chromedp.WaitVisible(chromedp.CSS("#webhook-create")))
	b.typeInto("#wh-url", rc.URL+"/hook")
	b.do("create", chromedp.Click(chromedp.CSS("#webhook-create button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#webhook-secret")))
	if s := b.text("#webhook-secret"); !strings.HasPrefix(s, "whsec_") {
		t.Fatalf("secret %q", s)
	}
	// The answer is the subscription's page (drawn in the POST's answer,
	// so the secret is in no address): its own address is its forms'.
	page := eval[string](b, `document.querySelector("#webhook-edit").getAttribute("action")`)

	// A change: its delivery shows up in the log.
	tenant := &model.Caller{TenantID: b.Tenant.ID, Via: model.ViaCLI}
	name := "孙八"
	_, err := b.Svc.CreateCustomer(context.Background(), tenant, &crm.CustomerInput{Name: &name})
	must(t, err)
	waitCount(t, rc, 1)
	b.open(page)
	b.waitFor("delivered in the log", `!!document.querySelector('#deliveries-table tr[data-status="delivered"]')`)
	row := b.text("#deliveries-table tbody tr")
	if !strings.Contains(row, "204") || !strings.Contains(row, "已送达") {
		t.Errorf("log row: %q", row)
	}
	b.screenshot("console-webhook")

	// Redeliver it.
	b.do("redeliver", chromedp.Click(chromedp.CSS("#deliveries-table tbody tr form button")))
	b.waitFor("notice", `!!document.querySelector(".alert.ok") && document.querySelector(".alert.ok").innerText.includes("重新发送")`)
	waitCount(t, rc, 2)
	if got := rc.got(); got[0] != got[1] || got[0] == "" {
		t.Errorf("webhook-ids %v: a redelivery keeps its id", got)
	}
	// The list shows the subscription.
	b.open("/webhooks")
	if l := b.text("#webhooks-table"); !strings.Contains(l, rc.URL+"/hook") || !strings.Contains(l, "已启用") {
		t.Errorf("list: %q", l)
	}
	b.screenshot("console-webhooks")
}
