package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/cli"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// TestFollowupCommands: followup add (for a staff member, with a next
// time), list by customer and by staff member newest first, delete; the
// customer's follow-up fields follow; each write is in the audit log; a
// missing flag is a usage error, an unknown kind a failure naming it.
func TestFollowupCommands(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "k.db")
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := cli.Run(ctx, append(args, "--db", db), &out, &errb); code != want {
			t.Fatalf("%v: exit %d (want %d): %s %s", args, code, want, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	var tenant struct{ ID int64 }
	out, _ := run(0, "tenant", "create", "--name", "t")
	json.Unmarshal([]byte(out), &tenant)
	tid := fmt.Sprint(tenant.ID)
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	m := &model.Staff{Name: "李雷"}
	if err := st.CreateStaff(ctx, tenant.ID, m); err != nil {
		t.Fatal(err)
	}
	svc := crm.New(st, "CN", crm.China)
	c, err := svc.CreateCustomer(ctx, crm.TenantCaller(tenant.ID, 0, model.ViaCLI), &crm.CustomerInput{Name: crm.Ptr("张三"), OwnerID: &m.ID})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	cid, sid := fmt.Sprint(c.ID), fmt.Sprint(m.ID)

	var first, second model.FollowUp
	out, _ = run(0, "followup", "add", "--tenant", tid, "--customer", cid, "--staff", sid, "--kind", "电话", "--content", "首次电话", "--at", "2026-01-05 10:00")
	if err := json.Unmarshal([]byte(out), &first); err != nil || first.Kind != "电话" || first.StaffID != m.ID {
		t.Fatalf("add printed %s", out)
	}
	out, _ = run(0, "followup", "add", "--tenant", tid, "--customer", cid, "--staff", sid, "--kind", "拜访", "--content", "上门", "--at", "2026-01-06 15:00", "--next", "2026-02-01")
	json.Unmarshal([]byte(out), &second)
	for _, by := range [][]string{{"--customer", cid}, {"--staff", sid}} {
		out, _ = run(0, append([]string{"followup", "list", "--tenant", tid}, by...)...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], "上门") || !strings.Contains(lines[1], "首次电话") {
			t.Fatalf("list %v: %s", by, out)
		}
	}
	if out, _ = run(0, "followup", "list", "--tenant", tid, "--customer", cid, "--limit", "1"); strings.Count(out, "\n") != 1 {
		t.Fatalf("list --limit 1: %s", out)
	}
	run(0, "followup", "delete", "--tenant", tid, "--id", fmt.Sprint(second.ID))

	st, err = store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Customer(ctx, tenant.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.LastFollowAt.Equal(first.At) || got.LastFollowUserID != m.ID || !got.NextFollowAt.IsZero() {
		t.Fatalf("customer follow state after the delete: %v %d %v", got.LastFollowAt, got.LastFollowUserID, got.NextFollowAt)
	}
	es, err := st.AuditEntries(ctx, tenant.ID, model.AuditFilter{Action: "followup.", Limit: 10})
	if err != nil || len(es) != 3 {
		t.Fatalf("audit: %d entries (%v)", len(es), err)
	}

	run(2, "followup", "add", "--tenant", tid, "--customer", cid)
	run(2, "followup", "list", "--tenant", tid)
	if _, errOut := run(1, "followup", "add", "--tenant", tid, "--customer", cid, "--staff", sid, "--kind", "飞鸽传书", "--content", "x"); !strings.Contains(errOut, "kind") {
		t.Fatalf("unknown kind: %s", errOut)
	}
}
