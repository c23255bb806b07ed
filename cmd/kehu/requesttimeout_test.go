package main_test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRequestTimeout: kehu serve's request budget is a setting,
// --request-timeout or KEHU_REQUEST_TIMEOUT, at least 1 s: a smaller one
// is refused at start from either, before the database is opened; 1 s
// serves. (What the budget does to a request — 503 timeout with
// Retry-After in each API's envelope — is TestRequestDeadlineEveryAPI.)
func TestServeRequestTimeout(t *testing.T) {
	bin := kehuBinary(t)
	dir := t.TempDir()
	dsn := filepath.Join(dir, "kehu.db")
	common := []string{"--db", dsn, "--data-dir", dir}
	for _, tc := range []struct{ flag, env string }{{"999ms", ""}, {"", "500ms"}} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0"}, common...)
		if tc.flag != "" {
			args = append(args, "--request-timeout", tc.flag)
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "KEHU_REQUEST_TIMEOUT="+tc.env)
		if tc.env == "" {
			cmd.Env = os.Environ()
		}
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "--request-timeout must be at least 1s") {
			t.Fatalf("%+v: %v %s", tc, err, out)
		}
		if _, err := os.Stat(dsn); err == nil {
			t.Fatalf("%+v: the database was created before the flag was checked", tc)
		}
	}
	tenant := runJSON(t, bin, append([]string{"tenant", "create", "--name", "budget"}, common...)...)
	cl := runJSON(t, bin, append([]string{"client", "create", "--tenant", fmt.Sprint(int64(tenant["id"].(float64)))}, common...)...)
	t.Setenv("KEHU_REQUEST_TIMEOUT", "1s") // serve's child inherits it
	cmd, base := serve(t, bin, common...)
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	tok := nativeToken(t, base, cl["clientId"].(string), cl["clientSecret"].(string))
	req, _ := http.NewRequest("POST", base+"/v1/customers", strings.NewReader(`{"name":"限时","phone":"13652000001"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("a create under a 1 s budget: %d", resp.StatusCode)
	}
}
