package tanma_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/testenv"
)

// TestDemoHints pastes the hints into bash, as a `kehu demo` user would,
// against a real kehu.
func TestDemoHints(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	e := testenv.New(t, store.SQLite)
	for _, n := range []string{"张三", "张伟", "李四"} {
		if _, err := e.Svc.CreateCustomer(t.Context(), crm.SystemCaller(e.Tenant.ID, crmActor), &crm.CustomerInput{Name: &n}); err != nil {
			t.Fatal(err)
		}
	}
	hints := tanma.DemoHints(e.URL, e.Client.ClientID, e.Client.Secret, 0, time.Now())
	if len(hints) != 3 {
		t.Fatalf("%d hints", len(hints))
	}
	for _, h := range hints[1:] {
		out, err := exec.Command("bash", "-c", hints[0][1]+"\n"+h[1]).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", h[0], err, out)
		}
		var r struct {
			Code int             `json:"code"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(out, &r); err != nil || r.Code != 0 {
			t.Fatalf("%s: %s", h[0], out)
		}
		if strings.Contains(h[1], "search") {
			var page struct {
				TotalCount int `json:"totalCount"`
				Data       []struct {
					Name string `json:"name"`
				} `json:"data"`
			}
			_ = json.Unmarshal(r.Data, &page)
			if page.TotalCount != 2 || len(page.Data) != 2 {
				t.Errorf("demo search: %s", r.Data)
			}
		}
	}
}
