package cli_test

import (
	"bytes"
	"context"
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
