package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/cli"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/store"
)

// TestAdminCreate: kehu admin create makes the first administrator (a new
// staff member with the 管理员 role and a login whose password verifies),
// --super marks a super-administrator, kehu user create gives another
// staff member a login with a role, and mistakes are refused without
// leaving a staff member behind; all of it in the audit log.
func TestAdminCreate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	run := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := cli.Run(context.Background(), append(args, "--db", db), &out, &errb); code != want {
			t.Fatalf("%v: exit %d (want %d): %s %s", args, code, want, out.String(), errb.String())
		}
		return out.String() + errb.String()
	}
	var tn struct{ ID int64 }
	json.Unmarshal([]byte(run(0, "tenant", "create", "--name", "t")), &tn)
	tid := strconv.FormatInt(tn.ID, 10)
	t.Setenv("KEHU_PASSWORD", "correct horse battery")
	var made struct {
		StaffID    int64  `json:"staffId"`
		Role       string `json:"role"`
		Username   string `json:"username"`
		SuperAdmin bool   `json:"superAdmin"`
	}
	json.Unmarshal([]byte(run(0, "admin", "create", "--tenant", tid, "--name", "王管理", "--username", "Wang", "--super")), &made)
	if made.StaffID == 0 || made.Role != model.RoleAdmin || made.Username != "wang" || !made.SuperAdmin {
		t.Fatalf("admin create: %+v", made)
	}
	if out := run(1, "admin", "create", "--tenant", tid, "--name", "又一个", "--username", "wang"); !strings.Contains(out, "in use") {
		t.Errorf("a taken username: %s", out)
	}
	run(1, "user", "create", "--tenant", tid, "--name", "短密码", "--username", "short", "--password", "short")
	out := run(0, "user", "create", "--tenant", tid, "--name", "李销售", "--phone", "138 0013 8000", "--role", "manager")
	if !strings.Contains(out, `"role":"manager"`) || !strings.Contains(out, `"phone":"+8613800138000"`) {
		t.Errorf("user create: %s", out)
	}

	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	l, err := st.LoginOf(ctx, tn.ID, made.StaffID)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := people.CheckPassword(l.PasswordHash, "correct horse battery"); !ok || err != nil || !l.SuperAdmin {
		t.Errorf("stored login %+v: password ok %v %v", l, ok, err)
	}
	staff, _ := st.StaffList(ctx, tn.ID)
	if len(staff) != 2 {
		t.Errorf("staff %v: a refused login must not leave a staff member behind", staff)
	}
	entries, _ := st.AuditEntries(ctx, tn.ID, model.AuditFilter{Action: "user.", Limit: 10})
	if len(entries) != 2 || entries[0].ActorKind != model.AuditActorOperator || entries[0].Via != model.ViaCLI {
		t.Errorf("audit %+v", entries)
	}
}
