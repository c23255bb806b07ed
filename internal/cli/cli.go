// Package cli is the kehu command line: one file per subcommand, stdlib
// flag parsing, and every flag also settable as a KEHU_* environment
// variable (--db ↔ KEHU_DB, --addr ↔ KEHU_ADDR, --data-dir ↔ KEHU_DATA_DIR).
// Commands print machine-readable JSON on stdout and logs on stderr.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/store/sqlite"
)

// DefaultDB is where kehu keeps its embedded database.
const DefaultDB = "./kehu-data/kehu.db"

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// Env is what commands write to.
type Env struct {
	Stdout, Stderr io.Writer
}

var commands = []command{
	{"serve", "run the HTTP server", runServe},
	{"migrate", "apply database migrations (creates a new database)", runMigrate},
	{"tenant", "tenant create --name NAME | tenant list | tenant rate-limit --tenant ID --rate N", runTenant},
	{"project", "project create --tenant ID --name NAME | project list [--tenant ID]", runProject},
	{"client", "client create --tenant ID [--project ID] [--name NAME] | client list [--tenant ID] | client rotate --client ID | client revoke --client ID", runClient},
	{"user", "user create --tenant ID (--staff ID | --name NAME) --username NAME --password-stdin [--role KEY]: give a staff member a login", runUser},
	{"admin", "admin create --tenant ID --name NAME --username NAME --password-stdin [--super]: the first administrator", runAdmin},
	{"webhook", "webhook create --tenant ID --url URL [--kinds add,edit] [--filter COND] [--format native|dashi] | list | update | delete | deliveries | redeliver | replay | rotate-secret", runWebhook},
	{"pool", "pool create --tenant ID --name NAME [--recycle-no-follow-days N] [--max-per-rep N] … | pool list --tenant ID | pool recycle [--dry-run]: 公海", runPool},
	{"followup", "followup add --tenant ID --customer ID --staff ID --kind 电话 --content TEXT [--at TIME] [--next TIME] | followup list --tenant ID (--customer ID | --staff ID) | followup delete --tenant ID --id ID: 跟进记录", runFollowup},
	{"demo", "create demo data on an embedded database and serve it", runDemo},
	{"bench", "load N customers and measure all four APIs (see BENCHMARKS.md)", runBench},
	{"import", "import FILE --tenant ID: load a CSV or XLSX of customers (查重, report)", runImport},
	{"export", "export --tenant ID [--format csv|xlsx] [--out FILE]: write customers as CSV or XLSX", runExport},
	{"sync", "sync --from dashi|tanma|yeastar --base-url URL --tenant ID: pull customers from 达实, 探马 or Yeastar", runSync},
	{"version", "print the version, commit, Go version and schema version", runVersion},
}

// Run executes the command line and returns the process exit code: 0 on
// success (and for --help), 1 when the command failed, 2 for a command line
// it could not understand.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	env := &Env{Stdout: stdout, Stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 && args[0] == "help" { // kehu help serve
			return Run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		usage(stdout)
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" || args[0] == "-v" {
		args = []string{"version"}
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, env, args[1:])
			var ue *usageError
			switch {
			case err == nil, errors.Is(err, flag.ErrHelp):
				return 0
			case errors.As(err, &ue):
				fmt.Fprintf(stderr, "kehu %s: %v\n%s\n", c.name, ue.err, ue.hint())
				return 2
			}
			fmt.Fprintf(stderr, "kehu %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "kehu: unknown command %q\n", args[0])
	if s := suggest(args[0], commandNames()); s != "" {
		fmt.Fprintf(stderr, "Did you mean `kehu %s`?\n", s)
	}
	fmt.Fprintln(stderr, "Run `kehu --help` for the list of commands.")
	return 2
}

func commandNames() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return names
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "kehu — a self-hosted customer data service\n\nUsage: kehu <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set as an environment variable: --db as KEHU_DB, --addr as KEHU_ADDR, …\nRun `kehu <command> --help` for a command's flags, `kehu --version` for the version.")
}

// usageError is a command line kehu could not understand: it is printed once,
// with a hint where to find the right spelling, never with the whole usage.
type usageError struct {
	cmd  string // "serve", "client create"
	err  error
	flag string // a known flag close to the one given, if any
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }
func (e *usageError) hint() string {
	h := fmt.Sprintf("Run `kehu %s --help` for its flags.", e.cmd)
	if e.flag != "" {
		h = fmt.Sprintf("Did you mean --%s? ", e.flag) + h
	}
	return h
}

// usagef reports a wrong command line of cmd.
func usagef(cmd, format string, a ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, a...)}
}

// suggest returns the candidate closest to s when it is a plausible typo
// (edit distance at most 2, or a prefix), else "".
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		d := editDistance(s, c)
		if strings.HasPrefix(c, s) && len(s) >= 2 {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, by rune.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// subcommand picks the sub-command of a command group (tenant, project,
// client): with none or --help it prints the group's help and returns
// flag.ErrHelp (exit 0); an unknown one is a usage error with a suggestion.
func subcommand(env *Env, group string, args []string, subs [][2]string) (string, []string, error) {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := env.Stdout
		if len(args) == 0 {
			w = env.Stderr
		}
		fmt.Fprintf(w, "Usage:\n")
		for _, s := range subs {
			fmt.Fprintf(w, "  kehu %s %-7s %s\n", group, s[0], s[1])
		}
		fmt.Fprintf(w, "\nRun `kehu %s <sub-command> --help` for its flags.\n", group)
		if len(args) == 0 {
			return "", nil, &usageError{cmd: group, err: fmt.Errorf("missing sub-command")}
		}
		return "", nil, flag.ErrHelp
	}
	names := make([]string, len(subs))
	for i, s := range subs {
		if s[0] == args[0] {
			return args[0], args[1:], nil
		}
		names[i] = s[0]
	}
	err := &usageError{cmd: group, err: fmt.Errorf("unknown sub-command %q", args[0])}
	if s := suggest(args[0], names); s != "" {
		err.err = fmt.Errorf("unknown sub-command %q (did you mean `kehu %s %s`?)", args[0], group, s)
	}
	return "", nil, err
}

// flags builds a FlagSet whose defaults come from KEHU_* variables.
type flags struct {
	*flag.FlagSet
	name                                string
	env                                 *Env
	db, dataDir, logLevel, region, sync *string
	create                              *bool
	allowLocalKey                       *bool // set by secretKeyFlag
	replicas                            *listFlag
}

func newFlags(name string, env *Env) *flags {
	fs := flag.NewFlagSet("kehu "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors once, itself
	fs.Usage = func() {}
	f := &flags{FlagSet: fs, name: name, env: env}
	f.db = fs.String("db", DefaultDB, "database: a SQLite file path or a postgres:// URL")
	f.dataDir = fs.String("data-dir", "", "directory for the secret key file (default: the SQLite file's directory, or ./kehu-data)")
	f.logLevel = fs.String("log-level", "info", "log level: debug, info, warn, error")
	f.region = fs.String("region", "CN", "default phone region for numbers typed without a country code")
	f.sync = fs.String("sync", "normal", "SQLite commits: normal (survive a crash of kehu; a power cut may lose the last ones) or full (fsync at every commit: survive power cuts; slower writes)")
	f.create = fs.Bool("create", false, "create the SQLite database when --db names a file that does not exist (only ./kehu-data/kehu.db is created without it)")
	return f
}

// parse applies KEHU_* environment values, then the command line.
func (f *flags) parse(args []string) error {
	var bad []string
	f.VisitAll(func(fl *flag.Flag) {
		name := "KEHU_" + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if err := fl.Value.Set(v); err != nil {
				bad = append(bad, fmt.Sprintf("%s=%q: %v", name, v, err))
			}
		}
	})
	f.VisitAll(func(fl *flag.Flag) {
		if l, ok := fl.Value.(*listFlag); ok {
			l.fromEnv = true // the command line replaces, not extends, the environment's list
		}
	})
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("bad environment: %s", strings.Join(bad, "; "))
	}
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			f.printHelp(f.env.Stdout)
			return err
		}
		ue := &usageError{cmd: f.name, err: err}
		if _, name, ok := strings.Cut(err.Error(), "flag provided but not defined: -"); ok {
			var known []string
			f.VisitAll(func(fl *flag.Flag) { known = append(known, fl.Name) })
			ue.flag = suggest(name, known)
		}
		return ue
	}
	if f.NArg() > 0 {
		return usagef(f.name, "unexpected argument %q", f.Arg(0))
	}
	return nil
}

// printHelp writes the command's flags (kehu serve --help).
func (f *flags) printHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: kehu %s [flags]\n\nFlags (each also settable as KEHU_<NAME>, e.g. --db as KEHU_DB):\n", f.name)
	f.SetOutput(w)
	f.PrintDefaults()
	f.SetOutput(io.Discard)
}

func (f *flags) logger(env *Env) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*f.logLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	l := slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: lvl}))
	slog.SetDefault(l) // a library logging through slog's default writes JSON too, never a plain-text line among them
	return l
}

func (f *flags) keyDir() string {
	if *f.dataDir != "" {
		return *f.dataDir
	}
	if !strings.Contains(*f.db, "://") {
		return filepath.Dir(*f.db)
	}
	return "./kehu-data"
}

// checkSync names --sync when its value is wrong (the store would only say
// "sync").
func (f *flags) checkSync() error {
	if _, err := sqlite.ParseSync(*f.sync); err != nil {
		return fmt.Errorf("--sync: %w", err)
	}
	return nil
}

// open opens and migrates (or checks) an existing database. A SQLite file
// that does not exist is created only at the default path or with --create:
// a typo in --db must not start an empty kehu.
func (f *flags) open(ctx context.Context, migrate bool) (*store.Store, error) {
	if !*f.create && !strings.Contains(*f.db, "://") && !isDefaultDB(*f.db) {
		if _, err := os.Stat(*f.db); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--db %s: no such database; check the path, or add --create to create a new one there", *f.db)
		}
	}
	return f.openOrCreate(ctx, migrate)
}

// openOrCreate is open for the commands that exist to make a database (kehu
// migrate, tenant create, demo): a missing SQLite file is created.
func (f *flags) openOrCreate(ctx context.Context, migrate bool) (*store.Store, error) {
	if err := f.checkSync(); err != nil {
		return nil, err
	}
	o := store.Options{Sync: *f.sync}
	if f.replicas != nil {
		o.Replicas = f.replicas.vals
	}
	st, err := store.OpenWith(ctx, *f.db, o)
	if err != nil {
		return nil, err
	}
	if migrate {
		if _, err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, err
		}
	} else if err := st.CheckSchema(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func (f *flags) services(st *store.Store) (*crm.Service, *auth.Service, error) {
	if err := f.checkSharedKey(); err != nil {
		return nil, nil, err
	}
	keys, err := secret.Load(f.keyDir())
	if err != nil {
		return nil, nil, err
	}
	svc := crm.New(st, *f.region, crm.China)
	return svc, &auth.Service{Store: st, Keys: keys, Guard: &auth.Guard{Store: st}, Cache: auth.NewCache()}, nil
}

// isDefaultDB reports whether path is the default database, which kehu
// creates (with its directory) on a fresh machine.
func isDefaultDB(path string) bool {
	a, err1 := filepath.Abs(path)
	b, err2 := filepath.Abs(DefaultDB)
	return err1 == nil && err2 == nil && a == b
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// listFlag is a repeatable flag (--db-replica A --db-replica B); its
// KEHU_* variable holds the values separated by spaces.
type listFlag struct {
	vals    []string
	fromEnv bool // vals came from the environment; the first flag replaces them
}

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.vals, " ")
}

func (l *listFlag) Set(v string) error {
	if l.fromEnv {
		l.vals, l.fromEnv = nil, false
	}
	l.vals = append(l.vals, strings.Fields(v)...)
	return nil
}
