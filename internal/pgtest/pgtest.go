// Package pgtest gives tests a real, throw-away PostgreSQL server.
//
// The first call to NewDatabase in a test binary starts one private
// PostgreSQL cluster (initdb + pg_ctl) in a fresh directory under
// os.TempDir(), listening on a free 127.0.0.1 port; every call then creates a
// brand-new empty database in that cluster and returns its DSN. The database
// is dropped when the test finishes.
//
// Packages that use NewDatabase should stop the cluster when the binary
// exits by routing TestMain through Main:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// If a test binary dies without running Main's cleanup (a -timeout panic, a
// kill), the cluster's directory (os.TempDir()/kehu-pgtest-<pid>-*) is left
// behind; the next cluster start in any test binary stops such stale clusters
// whose owning test process is gone and removes their directories.
//
// The server binaries (initdb, pg_ctl, postgres) are looked up via
// `pg_config --bindir`, then /usr/lib/postgresql/*/bin (highest version
// first), then PATH. If they are missing, NewDatabase skips the test, or
// fails it when the environment variable KEHU_TEST_POSTGRES=require is set.
//
// Fault tests (a database restarted under load) need a cluster of their own:
// NewServer starts a private one that the test may Stop and Start, and that
// commits synchronously, so a commit acknowledged before a crash is on disk.
//
// NewReplicated starts a private primary with a streaming hot standby made
// by pg_basebackup -R (for read replica tests: the standby can be paused,
// stopped and started again).
//
// initdb and pg_ctl refuse to run as root, so when the test process is root
// the cluster is created and run as the user "nobody".
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// superuser is the bootstrap superuser created by initdb.
const superuser = "kehu"

// dirPrefix is the prefix of every cluster's base directory in os.TempDir().
const dirPrefix = "kehu-pgtest-"

// errNoBinaries wraps the "server binaries not found" condition, which skips
// tests instead of failing them (unless KEHU_TEST_POSTGRES=require).
var errNoBinaries = errors.New("PostgreSQL server binaries not found")

var (
	startOnce  sync.Once
	theCluster *cluster
	startErr   error

	dbSeq atomic.Int64
	// noLCOptions is set once CREATE DATABASE with LC_COLLATE/LC_CTYPE
	// 'C.UTF-8' has failed, so later databases skip straight to the fallback.
	noLCOptions atomic.Bool
)

// cluster is one running PostgreSQL instance owned by this test binary.
type cluster struct {
	binDir   string
	baseDir  string // owned directory; removed on stop
	dataDir  string
	sockDir  string
	logFile  string
	port     int
	cred     *syscall.Credential // non-nil when running as root
	noLocale bool                // initdb had to fall back to --no-locale
	// syncCommit keeps synchronous_commit on (NewServer): the shared
	// cluster turns it off for speed, which may lose the last commits when
	// the server crashes — fine for tests that never crash it.
	syncCommit bool

	stopOnce sync.Once
}

// NewDatabase returns the DSN (postgres://...?sslmode=disable) of a new,
// empty database owned by a superuser in this test binary's private cluster,
// starting the cluster on first use. The database is dropped in t.Cleanup.
//
// If no PostgreSQL server binaries are installed the test is skipped, or
// fails if KEHU_TEST_POSTGRES=require. Any other startup error fails the test.
func NewDatabase(t testing.TB) string {
	t.Helper()
	startOnce.Do(func() { theCluster, startErr = startCluster() })
	if startErr != nil {
		failStart(t, startErr)
	}
	c := theCluster

	name := dbName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.createDatabase(ctx, name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.dropDatabase(ctx, name); err != nil {
			// Not fatal: the whole cluster is thrown away at exit anyway.
			t.Logf("pgtest: dropping database %s: %v", name, err)
		}
	})
	return c.dsn(name)
}

// failStart skips (binaries missing) or fails (anything else, or
// KEHU_TEST_POSTGRES=require) the test after a cluster start error.
func failStart(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, errNoBinaries) && os.Getenv("KEHU_TEST_POSTGRES") != "require" {
		t.Skipf("pgtest: %v", err)
	}
	t.Fatalf("pgtest: %v", err)
}

// Main runs the tests of a package (m.Run), then stops the PostgreSQL cluster
// if one was started and removes its directory, and exits with m.Run's code.
// Call it from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if theCluster != nil {
		if err := theCluster.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stopping cluster: %v\n", err)
		}
	}
	os.Exit(code)
}

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// dbName builds a unique, valid, readable database name from a test name.
func dbName(testName string) string {
	s := strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(testName), "_"), "_")
	if len(s) > 40 {
		s = s[:40]
	}
	return fmt.Sprintf("kt%d_%s", dbSeq.Add(1), s)
}

func (c *cluster) dsn(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// admin runs statements on the maintenance database "postgres".
func (c *cluster) admin(ctx context.Context, f func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, c.dsn("postgres"))
	if err != nil {
		return fmt.Errorf("connecting to cluster on port %d: %w", c.port, err)
	}
	defer conn.Close(context.Background())
	return f(conn)
}

func (c *cluster) createDatabase(ctx context.Context, name string) error {
	ident := pgx.Identifier{name}.Sanitize()
	return c.admin(ctx, func(conn *pgx.Conn) error {
		var lcErr error
		if !noLCOptions.Load() {
			_, lcErr = conn.Exec(ctx, "CREATE DATABASE "+ident+
				" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
			if lcErr == nil {
				return nil
			}
			noLCOptions.Store(true)
		}
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
			if lcErr != nil {
				return fmt.Errorf("creating database %s: %w (with C.UTF-8 locale: %v)", name, err, lcErr)
			}
			return fmt.Errorf("creating database %s: %w", name, err)
		}
		return nil
	})
}

func (c *cluster) dropDatabase(ctx context.Context, name string) error {
	ident := pgx.Identifier{name}.Sanitize()
	return c.admin(ctx, func(conn *pgx.Conn) error {
		// WITH (FORCE) (PostgreSQL 13+) terminates connections the test leaked.
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			if _, err2 := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident); err2 != nil {
				return err
			}
		}
		return nil
	})
}

// ---------------------------------------------------------------------------
// Cluster lifecycle.

func startCluster() (*cluster, error) { return startClusterWith(false) }

func startClusterWith(syncCommit bool) (_ *cluster, err error) {
	c, err := newClusterDir()
	if err != nil {
		return nil, err
	}
	c.syncCommit = syncCommit
	defer func() {
		if err != nil {
			_ = c.stop()
		}
	}()
	if err := c.initdb(); err != nil {
		return nil, err
	}
	if err := c.startOnFreePort(""); err != nil {
		return nil, err
	}
	return c, nil
}

// newClusterDir finds the binaries and the user to run them as and makes a
// fresh base directory (with its socket directory) for one cluster; the
// data directory is left for initdb or pg_basebackup to create.
func newClusterDir() (*cluster, error) {
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	c := &cluster{binDir: binDir}

	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			return nil, fmt.Errorf("running as root, initdb needs an unprivileged user but looking up %q failed: %v", "nobody", err)
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("user nobody has non-numeric uid/gid %q/%q", u.Uid, u.Gid)
		}
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	}

	parent := os.TempDir()
	if c.cred != nil && !worldTraversable(parent) {
		parent = "/tmp" // "nobody" must be able to reach the data directory
	}
	cleanStale(parent)

	// The pid in the name lets cleanStale tell whether the owner is alive.
	c.baseDir, err = os.MkdirTemp(parent, fmt.Sprintf("%s%d-", dirPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("creating cluster directory: %w", err)
	}
	c.dataDir = filepath.Join(c.baseDir, "data")
	c.sockDir = filepath.Join(c.baseDir, "sock")
	c.logFile = filepath.Join(c.baseDir, "postgres.log")
	if err := os.Mkdir(c.sockDir, 0o700); err != nil {
		_ = os.RemoveAll(c.baseDir)
		return nil, err
	}
	if c.cred != nil {
		for _, d := range []string{c.baseDir, c.sockDir} {
			if err := os.Chown(d, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				_ = os.RemoveAll(c.baseDir)
				return nil, fmt.Errorf("chown %s to nobody: %w", d, err)
			}
		}
	}
	return c, nil
}

// startOnFreePort starts the cluster's postgres (with extra server options
// appended) on a free loopback port and waits until it answers.
func (c *cluster) startOnFreePort(extra string) (err error) {
	// The port is picked, released, then bound by postgres: another process
	// may grab it in between, so retry a few times with a new port.
	for attempt := 1; ; attempt++ {
		c.port, err = freePort()
		if err != nil {
			return err
		}
		err = c.start(extra)
		if err == nil {
			break
		}
		if attempt == 5 || !strings.Contains(err.Error(), "already in use") {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.admin(ctx, func(conn *pgx.Conn) error { return conn.Ping(ctx) }); err != nil {
		return fmt.Errorf("cluster started but is unreachable: %w\n%s", err, c.logTail())
	}
	return nil
}

func (c *cluster) initdb() error {
	args := []string{"-D", c.dataDir, "-U", superuser, "--auth=trust", "--encoding=UTF8", "--no-sync"}
	out, err := c.run(2*time.Minute, "initdb", append(args, "--locale=C.UTF-8")...)
	if err == nil {
		return nil
	}
	_ = os.RemoveAll(c.dataDir)
	out2, err2 := c.run(2*time.Minute, "initdb", append(args, "--no-locale")...)
	if err2 != nil {
		return fmt.Errorf("initdb failed:\n--- with --locale=C.UTF-8: %v\n%s\n--- with --no-locale: %v\n%s", err, out, err2, out2)
	}
	c.noLocale = true
	return nil
}

func (c *cluster) start(extra string) error {
	syncCommit := "off"
	if c.syncCommit {
		syncCommit = "on"
	}
	// fsync stays off even for syncCommit: the tests crash the server, not
	// the machine, and the OS keeps what was written.
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=%s"+
		" -c full_page_writes=off -c shared_buffers=128MB -c max_connections=200", c.port, shellQuote(c.sockDir), syncCommit) + extra
	out, err := c.run(3*time.Minute, "pg_ctl", "-D", c.dataDir, "-l", c.logFile, "-o", opts, "-w", "-t", "120", "start")
	if err != nil {
		return fmt.Errorf("pg_ctl start (port %d) failed: %v\n%s\n%s", c.port, err, out, c.logTail())
	}
	return nil
}

// stop shuts the cluster down (immediate mode) and removes its directory.
// It is safe to call more than once.
func (c *cluster) stop() error {
	var err error
	c.stopOnce.Do(func() {
		if _, statErr := os.Stat(filepath.Join(c.dataDir, "postmaster.pid")); statErr == nil {
			out, runErr := c.run(time.Minute, "pg_ctl", "-D", c.dataDir, "-m", "immediate", "-w", "stop")
			if runErr != nil {
				// Fall back to signalling the postmaster directly.
				killPostmaster(c.dataDir)
				err = fmt.Errorf("pg_ctl stop: %v\n%s", runErr, out)
			}
		}
		if rmErr := os.RemoveAll(c.baseDir); rmErr != nil && err == nil {
			err = rmErr
		}
	})
	return err
}

// run runs one of the PostgreSQL binaries (as "nobody" when we are root) and
// returns its combined output.
func (c *cluster) run(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Dir = c.baseDir // the caller's cwd may not be readable by "nobody"
	cmd.Env = childEnv()
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl's postmaster redirects its output to the log file, but never
	// let a stray inherited pipe hang us.
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	return out.String(), err
}

func (c *cluster) logTail() string {
	b, err := os.ReadFile(c.logFile)
	if err != nil {
		return ""
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "--- postgres log (" + c.logFile + "):\n" + string(b)
}

// childEnv is the environment without PG* variables (PGDATA, PGPORT, ...),
// which could point the binaries at some other server or directory.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// worldTraversable reports whether every directory from dir up to / can be
// entered by other users.
func worldTraversable(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return true
		}
		dir = parent
	}
}

// ---------------------------------------------------------------------------
// Finding the binaries.

var serverBinaries = []string{"initdb", "pg_ctl", "postgres"}

// Search locations; variables so tests can point them elsewhere.
var (
	pgConfigCmd = "pg_config"
	versionGlob = "/usr/lib/postgresql/*/bin"
)

func hasServerBinaries(dir string) bool {
	for _, b := range serverBinaries {
		fi, err := os.Stat(filepath.Join(dir, b))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// findBinDir locates a directory holding initdb, pg_ctl and postgres:
// `pg_config --bindir`, then /usr/lib/postgresql/*/bin (highest version
// first), then the directory of pg_ctl on PATH.
func findBinDir() (string, error) {
	if out, err := exec.Command(pgConfigCmd, "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); dir != "" && hasServerBinaries(dir) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(versionGlob)
	sort.SliceStable(dirs, func(i, j int) bool {
		return versionLess(filepath.Base(filepath.Dir(dirs[j])), filepath.Base(filepath.Dir(dirs[i])))
	})
	for _, dir := range dirs {
		if hasServerBinaries(dir) {
			return dir, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if p, err = filepath.Abs(p); err == nil && hasServerBinaries(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	return "", fmt.Errorf("%w (initdb, pg_ctl, postgres; searched `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH): "+
		"install them, e.g. `apt-get install postgresql` on Debian; "+
		"set KEHU_TEST_POSTGRES=require to fail instead of skip", errNoBinaries)
}

// versionLess compares dotted version strings numerically ("9.6" < "15").
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil {
			if as[i] != bs[i] {
				return as[i] < bs[i]
			}
			continue
		}
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// ---------------------------------------------------------------------------
// Stale clusters from test binaries that died without running Main.

// cleanStale stops and removes clusters under parent/kehu-pgtest-<pid>-*
// whose owning test process <pid> no longer exists. Errors are ignored: this
// is best effort (e.g. a normal user cannot remove root's leftovers).
func cleanStale(parent string) {
	dirs, _ := filepath.Glob(filepath.Join(parent, dirPrefix+"*"))
	for _, dir := range dirs {
		rest := strings.TrimPrefix(filepath.Base(dir), dirPrefix)
		pidStr, _, ok := strings.Cut(rest, "-")
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		killPostmaster(filepath.Join(dir, "data"))
		_ = os.RemoveAll(dir)
	}
}

// killPostmaster sends SIGQUIT (immediate shutdown) to the postmaster named
// in dataDir/postmaster.pid if it is still running, then SIGKILL if it has
// not exited within a few seconds.
func killPostmaster(dataDir string) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 || !processAlive(pid) || !looksLikePostgres(pid) {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGQUIT)
	for i := 0; i < 50 && processAlive(pid); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if processAlive(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// "pid (comm) S ..." - comm may contain spaces and parentheses.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'Z' {
			return false
		}
	}
	return true
}

// looksLikePostgres guards against signalling an unrelated process that
// reused a stale postmaster's pid. Without /proc it trusts the pid file.
func looksLikePostgres(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return !fileExists("/proc/self/comm")
	}
	comm := strings.TrimSpace(string(b))
	return strings.Contains(comm, "postgres") || strings.Contains(comm, "postmaster")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
