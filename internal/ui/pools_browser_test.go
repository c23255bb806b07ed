package ui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// TestBrowserPools: a 销售 opens 公海 from the navigation, sees the pool
// with its rules and count, follows it to its customers on the list, ticks
// one and claims it (the list says so and the customer is theirs), writes
// a follow-up on its page, then releases it with a reason — the reason box
// shown only for a release; an administrator changes the pool's rules on
// the page.
func TestBrowserPools(t *testing.T) {
	b := newBrowserEnv(t)
	ctx := context.Background()
	tenant := crm.TenantCaller(b.Tenant.ID, 0, model.ViaCLI)
	pool, err := b.Svc.CreatePool(ctx, tenant, &model.Pool{Name: "华东公海", Rules: model.PoolRules{RecycleNoFollowDays: 15, ProtectDays: 2}})
	must(t, err)
	li := b.Customers["李四"].ID
	_, err = b.Svc.Move(ctx, tenant, pool.ID, &crm.PoolActionInput{CustomerIDs: []int64{li, b.Customers["王五"].ID}, Reason: "整理"})
	must(t, err)

	b.loginAs("rep")
	b.do("open 公海", chromedp.Click(chromedp.CSS(`nav a[href="/pools"]`)))
	b.waitLoaded("the pools page", `!!document.querySelector("#pools-table")`)
	if r := b.text(`#pools-table tr[data-pool="` + itoa(pool.ID) + `"]`); !strings.Contains(r, "华东公海") || !strings.Contains(r, "2") ||
		!strings.Contains(r, "15 天未跟进即回收") || !strings.Contains(r, "领取后保护 2 天") {
		t.Errorf("the pool's row: %q", r)
	}
	b.screenshot("console-pools")
	b.do("open its customers", chromedp.Click(chromedp.CSS(`#pools-table a`)))
	b.waitLoaded("the pool's customers", `!!document.querySelector("#customers-table")`)
	if names := b.rowNames(); len(names) != 2 || !strings.Contains(strings.Join(names, ","), "李四") {
		t.Fatalf("the pool's customers: %v", names)
	}
	b.pick("#bulk-action", "claim")
	if !eval[bool](b, `document.querySelector("#bulk-reason").hidden`) {
		t.Error("the reason box shows for a claim")
	}
	b.do("tick 李四", chromedp.Click(chromedp.CSS("#sel-"+itoa(li))))
	b.acceptConfirms()
	b.do("claim", chromedp.Click(chromedp.CSS(`#bulk-form .bulk button[type=submit]`)))
	b.waitNew("claimed", `!!document.querySelector(".alert.ok")`)
	if names := b.rowNames(); len(names) != 1 {
		t.Errorf("the pool after the claim: %v", names)
	}
	cu, err := b.Svc.Customer(ctx, tenant, li)
	must(t, err)
	if cu.OwnerID != b.Staff["rep"] || cu.PoolID != 0 {
		t.Fatalf("李四 after the claim: owner %d pool %d", cu.OwnerID, cu.PoolID)
	}

	// Follow it up on its page: the timeline shows it.
	b.open("/customers/" + itoa(li))
	b.waitLoaded("the customer page", `!!document.querySelector("#followup-form")`)
	b.typeInto("#fu-content", "电话沟通，客户下月有采购计划")
	b.do("write the follow-up", chromedp.Click(chromedp.CSS(`#followup-form button[type=submit]`)))
	b.waitLoaded("the follow-up in the timeline", `document.querySelector("#followups ol.events") && document.querySelector("#followups ol.events").innerText.includes("下月有采购计划")`)
	b.screenshot("customer-followup")
	if cu, err := b.Svc.Customer(ctx, tenant, li); err != nil || cu.LastFollowAt.IsZero() || cu.LastFollowUserID != b.Staff["rep"] {
		t.Fatalf("李四's follow state after the form: %+v %v", cu, err)
	}
	// Edit it in place (修改 opens its form, filled in), then delete it
	// behind the confirmation.
	fl, err := b.Svc.ListFollowUps(ctx, tenant, li, crm.FollowUpPage{Limit: 1})
	if err != nil || len(fl.Items) != 1 {
		t.Fatalf("李四's follow-ups: %v", err)
	}
	fid := itoa(fl.Items[0].ID)
	b.do("open the edit form", chromedp.Click(chromedp.CSS("#followup-"+fid+" summary")), chromedp.WaitVisible(chromedp.CSS("#fu-content-"+fid)))
	if got := eval[string](b, `document.querySelector("#fu-content-`+fid+`").value`); !strings.Contains(got, "下月有采购计划") {
		t.Fatalf("the edit form holds %q", got)
	}
	b.typeInto("#fu-content-"+fid, "电话沟通，已发报价单")
	b.do("save the edit", chromedp.Click(chromedp.CSS("#followup-"+fid+" form.followup-form button[type=submit]")))
	b.waitLoaded("the edited follow-up", `document.querySelector("#followups ol.events").innerText.includes("已发报价单")`)
	b.acceptConfirms()
	b.do("delete it", chromedp.Click(chromedp.CSS("#followup-"+fid+" summary")), chromedp.Click(chromedp.CSS("#followup-"+fid+" button.danger")))
	b.waitNew("the timeline without it", `!document.querySelector("#followup-`+fid+`")`)
	if cu, err := b.Svc.Customer(ctx, tenant, li); err != nil || !cu.LastFollowAt.IsZero() {
		t.Fatalf("李四's follow state after the delete: %+v %v", cu, err)
	}

	// Release it from the rep's list, with a reason.
	b.open("/customers?q=" + "李四")
	b.waitLoaded("the list", `!!document.querySelector("#sel-`+itoa(li)+`")`)
	b.pick("#bulk-action", "release")
	if eval[bool](b, `document.querySelector("#bulk-reason").hidden`) {
		t.Fatal("no reason box for a release")
	}
	b.do("tick 李四", chromedp.Click(chromedp.CSS("#sel-"+itoa(li))))
	b.typeInto("#bulk-reason", "客户暂无需求")
	b.acceptConfirms()
	b.do("release", chromedp.Click(chromedp.CSS(`#bulk-form .bulk button[type=submit]`)))
	b.waitNew("released", `!!document.querySelector(".alert.ok")`)
	cu, err = b.Svc.Customer(ctx, tenant, li)
	must(t, err)
	if cu.OwnerID != 0 || cu.PoolID != pool.ID || cu.PoolReason != "客户暂无需求" {
		t.Fatalf("李四 after the release: owner %d pool %d reason %q", cu.OwnerID, cu.PoolID, cu.PoolReason)
	}

	// An administrator changes the pool's rules from the page.
	b.loginAs("admin")
	b.open("/pools")
	b.waitLoaded("the pools page", `!!document.querySelector("details.pool-edit")`)
	b.do("open the pool's form", chromedp.Click(chromedp.CSS(`details.pool-edit summary`)))
	b.typeInto(`#pool-form-`+itoa(pool.ID)+` input[name="maxPerRep"]`, "30")
	b.screenshot("console-pools-admin")
	b.do("save", chromedp.Click(chromedp.CSS(`#pool-form-`+itoa(pool.ID)+` button[type=submit]`)))
	b.waitLoaded("saved", `!!document.querySelector(".alert.ok")`)
	if p, err := b.Svc.Pool(ctx, tenant, pool.ID); err != nil || p.Rules.MaxPerRep != 30 || p.Rules.RecycleNoFollowDays != 15 {
		t.Fatalf("the pool after the form: %+v %v", p, err)
	}
}
