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
)

// TestWebhookCommands: create (with its secret, once), list (without),
// disable, read the empty delivery log, replay, delete.
func TestWebhookCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	run := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := cli.Run(context.Background(), append(args, "--db", db), &out, &errb); code != want {
			t.Fatalf("%v: exit %d (want %d): %s %s", args, code, want, out.String(), errb.String())
		}
		return out.String() + errb.String()
	}
	var tenant struct{ ID int64 }
	json.Unmarshal([]byte(run(0, "tenant", "create", "--name", "t")), &tenant)
	tid := fmt.Sprint(tenant.ID)
	var w struct {
		ID     int64
		Secret string
		Kinds  []string
		Format string
	}
	out := run(0, "webhook", "create", "--tenant", tid, "--url", "http://127.0.0.1:9/hook", "--kinds", "add, edit", "--format", "dashi")
	if err := json.Unmarshal([]byte(out), &w); err != nil || !strings.HasPrefix(w.Secret, "whsec_") || len(w.Kinds) != 2 || w.Format != "dashi" {
		t.Fatalf("create printed %s", out)
	}
	id := fmt.Sprint(w.ID)
	if list := run(0, "webhook", "list", "--tenant", tid); strings.Contains(list, w.Secret) || !strings.Contains(list, id) {
		t.Fatalf("list: %s", list)
	}
	if upd := run(0, "webhook", "update", "--tenant", tid, "--webhook", id, "--disable"); !strings.Contains(upd, `"enabled":false`) {
		t.Fatalf("update: %s", upd)
	}
	if log := run(0, "webhook", "deliveries", "--tenant", tid, "--webhook", id); log != "" {
		t.Fatalf("deliveries of a new subscription: %q", log)
	}
	run(0, "webhook", "replay", "--tenant", tid, "--webhook", id, "--after", "0")
	var rotated struct{ Secret string }
	if out := run(0, "webhook", "rotate-secret", "--tenant", tid, "--webhook", id); json.Unmarshal([]byte(out), &rotated) != nil ||
		!strings.HasPrefix(rotated.Secret, "whsec_") || rotated.Secret == w.Secret {
		t.Fatalf("rotate-secret printed %s", out)
	}
	const own = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	var mine struct{ ID int64 }
	if out := run(0, "webhook", "create", "--tenant", tid, "--url", "http://127.0.0.1:9/own", "--signing-secret", own); json.Unmarshal([]byte(out), &mine) != nil || !strings.Contains(out, `"secret":"`+own+`"`) {
		t.Fatalf("create with --signing-secret printed %s", out)
	}
	run(0, "webhook", "delete", "--tenant", tid, "--webhook", fmt.Sprint(mine.ID))
	if msg := run(1, "webhook", "create", "--tenant", tid, "--url", "http://x", "--signing-secret", "mine"); !strings.Contains(msg, "secret") {
		t.Fatalf("bad --signing-secret: %s", msg)
	}
	if msg := run(1, "webhook", "create", "--tenant", tid, "--url", "http://x", "--kinds", "upsert"); !strings.Contains(msg, "kinds") {
		t.Fatalf("bad kinds: %s", msg)
	}
	run(0, "webhook", "delete", "--tenant", tid, "--webhook", id)
	if list := run(0, "webhook", "list", "--tenant", tid); list != "" {
		t.Fatalf("after delete: %s", list)
	}
}
