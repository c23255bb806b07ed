package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestNewDatabaseDistinctAndUsable(t *testing.T) {
	ctx := context.Background()
	dsn1, dsn2 := NewDatabase(t), NewDatabase(t)
	if dsn1 == dsn2 {
		t.Fatalf("two calls returned the same DSN %q", dsn1)
	}
	for _, dsn := range []string{dsn1, dsn2} {
		if !strings.HasPrefix(dsn, "postgres://") || !strings.Contains(dsn, "sslmode=disable") {
			t.Errorf("unexpected DSN form %q", dsn)
		}
	}
	c1, c2 := connect(t, dsn1), connect(t, dsn2)

	var name1, name2 string
	if err := c1.QueryRow(ctx, "SELECT current_database()").Scan(&name1); err != nil {
		t.Fatal(err)
	}
	if err := c2.QueryRow(ctx, "SELECT current_database()").Scan(&name2); err != nil {
		t.Fatal(err)
	}
	if name1 == name2 {
		t.Fatalf("both DSNs point at database %q", name1)
	}

	// A brand-new database has no user tables.
	var n int
	if err := c1.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("new database has %d public tables", n)
	}

	if _, err := c1.Exec(ctx, "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.Exec(ctx, "INSERT INTO t VALUES ($1, $2), ($3, $4)", 1, "客户", 2, "kehu"); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := c1.QueryRow(ctx, "SELECT name FROM t WHERE id = 1").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "客户" {
		t.Fatalf("round trip: got %q, want %q", got, "客户")
	}

	// The table must not be visible from the other database.
	var reg *string
	if err := c2.QueryRow(ctx, "SELECT to_regclass('public.t')::text").Scan(&reg); err != nil {
		t.Fatal(err)
	}
	if reg != nil {
		t.Fatalf("table created in %s is visible in %s", name1, name2)
	}
	if _, err := c2.Exec(ctx, "CREATE TABLE t (x text)"); err != nil {
		t.Fatalf("creating same-named table in second database: %v", err)
	}
}

func TestUTF8Locale(t *testing.T) {
	ctx := context.Background()
	conn := connect(t, NewDatabase(t))

	var enc string
	if err := conn.QueryRow(ctx, "SHOW server_encoding").Scan(&enc); err != nil {
		t.Fatal(err)
	}
	if enc != "UTF8" {
		t.Errorf("server_encoding = %q, want UTF8", enc)
	}

	var ctype, collate string
	if err := conn.QueryRow(ctx, "SHOW lc_ctype").Scan(&ctype); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SHOW lc_collate").Scan(&collate); err != nil {
		t.Fatal(err)
	}
	t.Logf("lc_ctype=%s lc_collate=%s", ctype, collate)
	utf8 := regexp.MustCompile(`(?i)utf-?8`)
	if !utf8.MatchString(ctype) {
		if theCluster.noLocale && noLCOptions.Load() {
			t.Skipf("C.UTF-8 locale unavailable on this system (lc_ctype=%q)", ctype)
		}
		t.Errorf("lc_ctype = %q, want a UTF-8 locale", ctype)
	}

	var upper string
	if err := conn.QueryRow(ctx, "SELECT upper('ß-é-ж')").Scan(&upper); err != nil {
		t.Fatal(err)
	}
	t.Logf("upper = %q", upper)
}

// dbFromDSN returns the database name in a DSN.
func dbFromDSN(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

func TestDatabaseDroppedAtCleanup(t *testing.T) {
	ctx := context.Background()
	var name string
	t.Run("inner", func(t *testing.T) {
		dsn := NewDatabase(t)
		name = dbFromDSN(t, dsn)
		// Leak an open connection on purpose: the drop must still succeed.
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn
	})
	if name == "" {
		t.Fatal("inner test did not create a database")
	}
	admin := connect(t, theCluster.dsn("postgres"))
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatalf("database %s still exists after its test finished", name)
	}
}

func TestParallelCreation(t *testing.T) {
	ctx := context.Background()
	const n = 6
	names := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		t.Run(fmt.Sprintf("db%d", i), func(t *testing.T) {
			t.Parallel()
			defer wg.Done()
			conn := connect(t, NewDatabase(t))
			if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&names[i]); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(func() {
		wg.Wait()
		seen := map[string]bool{}
		for _, name := range names {
			if seen[name] {
				t.Errorf("database %q handed out twice", name)
			}
			seen[name] = true
		}
	})
}

func TestDBName(t *testing.T) {
	a := dbName("TestFoo/sub-test #1 with Üñíçødé and a very very very very very long name")
	b := dbName("TestFoo/sub-test #1 with Üñíçødé and a very very very very very long name")
	if a == b {
		t.Fatalf("dbName not unique: %q", a)
	}
	for _, s := range []string{a, b} {
		if len(s) > 63 || !regexp.MustCompile(`^[a-z0-9_]+$`).MatchString(s) {
			t.Errorf("bad database name %q", s)
		}
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"9.6", "15", true},
		{"15", "9.6", false},
		{"15", "16", true},
		{"16", "16", false},
		{"10", "9", false},
	} {
		if got := versionLess(c.a, c.b); got != c.want {
			t.Errorf("versionLess(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestCleanStale(t *testing.T) {
	parent := t.TempDir()

	// A pid that has certainly exited.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	deadPID := cmd.Process.Pid

	stale := filepath.Join(parent, fmt.Sprintf("%s%d-123", dirPrefix, deadPID))
	live := filepath.Join(parent, fmt.Sprintf("%s%d-456", dirPrefix, os.Getppid()))
	mine := filepath.Join(parent, fmt.Sprintf("%s%d-789", dirPrefix, os.Getpid()))
	other := filepath.Join(parent, "unrelated")
	for _, d := range []string{stale, live, mine, other} {
		if err := os.MkdirAll(filepath.Join(d, "data"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// A postmaster.pid naming a live non-postgres process must not be signalled.
	pidFile := fmt.Sprintf("%d\n%s\n", os.Getpid(), filepath.Join(stale, "data"))
	if err := os.WriteFile(filepath.Join(stale, "data", "postmaster.pid"), []byte(pidFile), 0o600); err != nil {
		t.Fatal(err)
	}

	cleanStale(parent)

	if fileExists(stale) {
		t.Errorf("stale dir %s not removed", stale)
	}
	for _, d := range []string{live, mine, other} {
		if !fileExists(d) {
			t.Errorf("dir %s of a live owner was removed", d)
		}
	}
}

func TestFindBinDir(t *testing.T) {
	root := t.TempDir()
	mkBin := func(dir string, names ...string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	mkBin(filepath.Join(root, "pg", "9.6", "bin"), serverBinaries...)
	mkBin(filepath.Join(root, "pg", "15", "bin"), serverBinaries...)
	mkBin(filepath.Join(root, "pg", "16", "bin"), "pg_ctl", "initdb") // client-only: no postgres
	mkBin(filepath.Join(root, "path"), serverBinaries...)

	oldCfg, oldGlob := pgConfigCmd, versionGlob
	t.Cleanup(func() { pgConfigCmd, versionGlob = oldCfg, oldGlob })
	pgConfigCmd = filepath.Join(root, "no-such-pg_config")

	versionGlob = filepath.Join(root, "pg", "*", "bin")
	if got, err := findBinDir(); err != nil || got != filepath.Join(root, "pg", "15", "bin") {
		t.Errorf("versioned dirs: got %q, %v; want the 15 dir", got, err)
	}

	versionGlob = filepath.Join(root, "none", "*", "bin")
	t.Setenv("PATH", filepath.Join(root, "path"))
	if got, err := findBinDir(); err != nil || got != filepath.Join(root, "path") {
		t.Errorf("PATH: got %q, %v; want the PATH dir", got, err)
	}

	t.Setenv("PATH", filepath.Join(root, "empty"))
	_, err := findBinDir()
	if !errors.Is(err, errNoBinaries) {
		t.Fatalf("nothing installed: got %v, want errNoBinaries", err)
	}

	// Missing binaries skip the test unless KEHU_TEST_POSTGRES=require.
	t.Setenv("KEHU_TEST_POSTGRES", "")
	var skipped bool
	t.Run("skip", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		failStart(t, err)
	})
	if !skipped {
		t.Errorf("missing binaries did not skip the test")
	}
}

// TestServerStopStart: a private server stops (both modes) and starts again
// on the same port; a committed row survives the crash.
func TestServerStopStart(t *testing.T) {
	s := NewServer(t)
	dsn := s.NewDatabase(t)
	ctx := context.Background()
	c := connect(t, dsn)
	if _, err := c.Exec(ctx, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	for _, immediate := range []bool{true, false} {
		if err := s.Stop(immediate); err != nil {
			t.Fatal(err)
		}
		if _, err := pgx.Connect(ctx, dsn); err == nil {
			t.Fatal("connected to a stopped server")
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err == nil {
			t.Fatal("Start of a running server succeeded")
		}
		var n int
		if err := connect(t, dsn).QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
			t.Fatalf("after restart (immediate=%v): %d rows, %v", immediate, n, err)
		}
	}
}

// TestReplicated: the standby is a real hot standby of the primary: it
// refuses writes, replays the primary's, and stays behind while paused.
func TestReplicated(t *testing.T) {
	ctx := context.Background()
	r := NewReplicated(t)
	p, s := connect(t, r.Primary), connect(t, r.Standby)
	if _, err := p.Exec(ctx, "CREATE TABLE t (v int); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	r.WaitCaughtUp(t)
	var n int
	if err := s.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("standby reads %d, %v", n, err)
	}
	if _, err := s.Exec(ctx, "INSERT INTO t VALUES (2)"); err == nil {
		t.Fatal("the standby took a write")
	}
	r.PauseReplay(t)
	if _, err := p.Exec(ctx, "INSERT INTO t VALUES (3)"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := s.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("paused standby reads %d, %v", n, err)
	}
	r.ResumeReplay(t)
	r.WaitCaughtUp(t)
	if err := s.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("resumed standby reads %d, %v", n, err)
	}
}
