package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/cli"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// TestPoolCommands: pool create and list; recycle --dry-run prints the due
// customers and moves none, recycle moves them, a second run finds none.
func TestPoolCommands(t *testing.T) {
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
	var pool model.Pool
	out, _ = run(0, "pool", "create", "--tenant", tid, "--name", "公海", "--recycle-no-follow-days", "7", "--max-per-rep", "50")
	if err := json.Unmarshal([]byte(out), &pool); err != nil || pool.Rules.RecycleNoFollowDays != 7 || pool.Rules.MaxPerRep != 50 {
		t.Fatalf("create printed %s", out)
	}
	if out, _ := run(0, "pool", "list", "--tenant", tid); !strings.Contains(out, `"name":"公海"`) {
		t.Fatalf("list: %s", out)
	}
	run(2, "pool", "create", "--tenant", tid)

	// Three customers assigned ten days ago, never followed up.
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	svc := crm.New(st, "CN", crm.China)
	svc.Now = func() time.Time { return time.Now().Add(-10 * 24 * time.Hour) }
	m := &model.Staff{Name: "李雷"}
	if err := st.CreateStaff(ctx, tenant.ID, m); err != nil {
		t.Fatal(err)
	}
	admin := crm.TenantCaller(tenant.ID, 0, model.ViaCLI)
	var ids []int64
	for i := range 3 {
		c, err := svc.CreateCustomer(ctx, admin, &crm.CustomerInput{Name: crm.Ptr(fmt.Sprint("客户", i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if _, err := svc.Move(ctx, admin, pool.ID, &crm.PoolActionInput{CustomerIDs: ids}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Assign(ctx, admin, pool.ID, &crm.PoolActionInput{CustomerIDs: ids, StaffID: m.ID}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, summary := run(0, "pool", "recycle", "--dry-run")
	if strings.Count(out, `"rule":"recycle.follow"`) != 3 || !strings.Contains(summary, `"due":3`) || !strings.Contains(summary, `"moved":0`) {
		t.Fatalf("dry run: %s %s", out, summary)
	}
	if _, summary = run(0, "pool", "recycle", "--tenant", tid); !strings.Contains(summary, `"moved":3`) {
		t.Fatalf("recycle: %s", summary)
	}
	if _, summary = run(0, "pool", "recycle"); !strings.Contains(summary, `"due":0`) {
		t.Fatalf("second recycle: %s", summary)
	}
}
