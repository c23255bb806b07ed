package yeastar_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/dialect/yeastar"
	"github.com/kehu/kehu/internal/testenv"
)

// TestDemoHints pastes the demo commands into sh, as a user would, against
// a running kehu.
func TestDemoHints(t *testing.T) {
	for _, tool := range []string{"sh", "curl", "sed"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	e := testenv.New(t, testenv.Databases[0])
	tok := login(t, e, e.Client).AccessToken
	for i := 0; i < 4; i++ {
		create(t, e, tok, map[string]string{"firstName": "Demo", "company": "X", "email": "d" + itoa(int64(i)) + "@example.com"})
	}
	hints := yeastar.DemoHints(e.URL, e.Client.ClientID, e.Client.Secret, 0, time.Now())
	if len(hints) != 3 {
		t.Fatalf("%d hints", len(hints))
	}
	for _, h := range hints {
		if h[0] == "" || !strings.Contains(h[1], "-A '") {
			t.Errorf("hint %q lacks a title or a User-Agent: %s", h[0], h[1])
		}
	}
	// Token then list, in one shell, like pasting the two blocks.
	out, err := exec.Command("sh", "-c", hints[0][1]+"\n"+hints[1][1]).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var res struct {
		Status string `json:"status"`
		Data   struct {
			PageSize int `json:"pageSize"`
			Total    int `json:"total"`
			List     []struct {
				CustomerID int64 `json:"customerId"`
			} `json:"list"`
		} `json:"data"`
	}
	if err := json.Unmarshal(out, &res); err != nil || res.Status != "Success" || res.Data.PageSize != 3 || len(res.Data.List) != 3 || res.Data.Total != 4 {
		t.Fatalf("list hint answered %s (%v)", out, err)
	}
	if l := res.Data.List; l[0].CustomerID < l[1].CustomerID || l[1].CustomerID < l[2].CustomerID {
		t.Errorf("not newest first: %s", out)
	}
	out, err = exec.Command("sh", "-c", hints[2][1]).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var p tokenPair
	if err := json.Unmarshal(out, &p); err != nil || p.AccessToken == "" || p.RefreshToken == "" {
		t.Fatalf("refresh hint answered %s (%v)", out, err)
	}
}
