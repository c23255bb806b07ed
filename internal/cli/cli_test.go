package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/cli"
)

// TestSyncFlag: --sync takes normal or full, and names itself when wrong
// (as KEHU_SYNC too).
func TestSyncFlag(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	for _, tc := range []struct {
		args []string
		env  string
		code int
		err  string
	}{
		{args: []string{"migrate", "--db", db, "--sync", "full"}},
		{args: []string{"migrate", "--db", db, "--sync", "normal"}},
		{args: []string{"migrate", "--db", db, "--sync", "always"}, code: 1, err: `--sync: must be normal or full, not "always"`},
		{args: []string{"migrate", "--db", db}, env: "sometimes", code: 1, err: `--sync: must be normal or full, not "sometimes"`},
		{args: []string{"bench", "--db", db, "--n", "10", "--sync", "always"}, code: 1, err: `--sync: must be normal or full, not "always"`},
	} {
		if tc.env != "" {
			t.Setenv("KEHU_SYNC", tc.env)
		}
		var out, errb bytes.Buffer
		code := cli.Run(context.Background(), tc.args, &out, &errb)
		if code != tc.code || (tc.err != "" && !strings.Contains(errb.String(), tc.err)) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errb.String(), tc.code, tc.err)
		}
	}
}

// TestCommandLineHelps: typos get a suggestion, a wrong flag is reported
// once with a hint (never the whole usage), help exits 0, and a --db that
// names no database is refused unless --create.
func TestCommandLineHelps(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	for _, tc := range []struct {
		args         []string
		code         int
		stdout       string // substring of stdout
		stderr       string // substring of stderr
		stderrAbsent string
	}{
		{args: []string{"sever"}, code: 2, stderr: "Did you mean `kehu serve`?"},
		{args: []string{"serve", "--adr", "x"}, code: 2, stderr: "Did you mean --addr?", stderrAbsent: "-log-level"},
		{args: []string{"client", "--help"}, stdout: "kehu client revoke"},
		{args: []string{"tenant", "--help"}, stdout: "kehu tenant list"},
		{args: []string{"tenant", "lst"}, code: 2, stderr: "did you mean `kehu tenant list`"},
		{args: []string{"serve", "--help"}, stdout: "-create"},
		{args: []string{"--help"}, stdout: "client revoke"},
		{args: []string{"--version"}, stdout: `"schemaVersion":`},
		{args: []string{"version"}, stdout: `"go":"go1.`},
		{args: []string{"serve", "--db", filepath.Join(dir, "typo", "k.db")}, code: 1, stderr: "add --create"},
		{args: []string{"client", "list", "--db", db}, code: 1, stderr: "no such database"},
		{args: []string{"tenant", "create", "--name", "t1", "--db", db}, stdout: `"name":"t1"`},
		{args: []string{"tenant", "list", "--db", db}, stdout: `"name":"t1"`},
		{args: []string{"tenant", "list", "--table", "--db", db}, stdout: "NAME"},
		{args: []string{"project", "list", "--db", db}},
	} {
		var out, errb bytes.Buffer
		code := cli.Run(context.Background(), tc.args, &out, &errb)
		if code != tc.code || !strings.Contains(out.String(), tc.stdout) || !strings.Contains(errb.String(), tc.stderr) ||
			(tc.stderrAbsent != "" && strings.Contains(errb.String(), tc.stderrAbsent)) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tc.args, code, out.String(), errb.String())
		}
		if tc.code == 2 && strings.Count(errb.String(), "kehu ") > 3 {
			t.Errorf("%v: the error is repeated: %q", tc.args, errb.String())
		}
	}
}

// TestClientList: clients are listed without their secrets, revoked ones
// flagged.
func TestClientList(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	run := func(args ...string) string {
		var out, errb bytes.Buffer
		if code := cli.Run(context.Background(), append(args, "--db", db), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	tenant := run("tenant", "create", "--name", "t")
	tid := strings.TrimSuffix(strings.TrimPrefix(strings.Split(tenant, ",")[0], `{"id":`), "")
	created := run("client", "create", "--tenant", tid, "--name", "c1")
	secret := strings.Split(strings.Split(created, `"clientSecret":"`)[1], `"`)[0]
	id := strings.Split(strings.Split(created, `"clientId":"`)[1], `"`)[0]
	run("client", "revoke", "--client", id)
	list := run("client", "list", "--tenant", tid)
	if strings.Contains(list, secret) || !strings.Contains(list, `"revoked":true`) || !strings.Contains(list, `"name":"c1"`) {
		t.Fatalf("client list: %s", list)
	}
	if table := run("client", "list", "--table"); strings.Contains(table, secret) || !strings.Contains(table, id) {
		t.Fatalf("client list --table: %s", table)
	}
}

// TestServePostgresNeedsSharedKey: on PostgreSQL, serve refuses to start
// without KEHU_SECRET_KEY (before it touches the database), so two nodes can
// never seal client secrets under different key files.
func TestServePostgresNeedsSharedKey(t *testing.T) {
	t.Setenv("KEHU_SECRET_KEY", "")
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), []string{"serve", "--db", "postgres://kehu@127.0.0.1:1/none", "--addr", "127.0.0.1:0"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "KEHU_SECRET_KEY") || !strings.Contains(errb.String(), "--allow-local-secret-key") {
		t.Fatalf("serve on PostgreSQL without a key: exit %d, stderr %q", code, errb.String())
	}
}

// TestSecretCommandsPostgresNeedSharedKey: on PostgreSQL, the commands that
// seal or open client and webhook secrets refuse to fall back to a local
// key file without KEHU_SECRET_KEY, like serve (a client created or rotated
// under a key file no node has would fail every check); client create,
// rotate and revoke refuse before they touch the database.
func TestSecretCommandsPostgresNeedSharedKey(t *testing.T) {
	t.Setenv("KEHU_SECRET_KEY", "")
	dir := t.TempDir()
	for _, args := range [][]string{
		{"client", "create", "--tenant", "1"},
		{"client", "rotate", "--client", "x"},
		{"client", "revoke", "--client", "x"},
	} {
		var out, errb bytes.Buffer
		code := cli.Run(context.Background(), append(args, "--db", "postgres://kehu@127.0.0.1:1/none", "--data-dir", dir), &out, &errb)
		if code != 1 || !strings.Contains(errb.String(), "KEHU_SECRET_KEY") || !strings.Contains(errb.String(), "--allow-local-secret-key") {
			t.Errorf("%v on PostgreSQL without a key: exit %d, stderr %q", args, code, errb.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "secret.key")); err == nil {
		t.Fatal("a refused command wrote a key file")
	}
}
