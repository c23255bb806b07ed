package dashi_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/dialect/dashi"
)

// TestDemoHints pastes the demo hints into bash against a running kehu:
// the paste-time signed token call, the page query and the add must work,
// and so must the start-up signed call.
func TestDemoHints(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "md5sum", "sed", "cut"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	forEachDB(t, func(t *testing.T, e *env) {
		e.mustAdd(t, e.token(t, e.Client), `{"name":"张三","customerStatus":1}`)
		hints := dashi.DemoHints(e.URL, e.Client.ClientID, e.Client.Secret, e.Project.ID, time.Now())
		if len(hints) != 4 {
			t.Fatalf("want 4 hints, got %d", len(hints))
		}
		for _, h := range hints {
			if h[0] == "" || h[1] == "" || !strings.HasPrefix(h[0], "达实AIoT") {
				t.Fatalf("hint %q", h)
			}
		}
		run := func(script string) string {
			out, err := exec.Command("bash", "-c", "set -e\n"+script).CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s\nscript:\n%s", err, out, script)
			}
			return string(out)
		}

		out := run(hints[0][1] + "\n" + hints[2][1])
		var page struct {
			TotalCount int64
			Data       []struct{ Name string }
		}
		if err := json.Unmarshal([]byte(out), &page); err != nil || page.TotalCount != 1 || page.Data[0].Name != "张三" {
			t.Fatalf("page hint answered %s (%v)", out, err)
		}

		out = run(hints[0][1] + "\n" + hints[3][1])
		if strings.Trim(strings.TrimSpace(out), "0123456789") != "" || strings.TrimSpace(out) == "" {
			t.Fatalf("add hint answered %s", out)
		}

		out = run(hints[1][1])
		if !strings.HasPrefix(out, `{"token":"`) {
			t.Fatalf("start-up signed token call answered %s", out)
		}
	})
}
