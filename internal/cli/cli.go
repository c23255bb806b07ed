// Package cli is the kehu command line: one file per subcommand, stdlib
// flag parsing, and every flag also settable as a KEHU_* environment
// variable (--db ↔ KEHU_DB, --addr ↔ KEHU_ADDR, --data-dir ↔ KEHU_DATA_DIR).
// Commands print machine-readable JSON on stdout and logs on stderr.
package cli

import (
	"context"
	"encoding/json"
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
	{"migrate", "apply database migrations", runMigrate},
	{"tenant", "tenant create --name NAME", runTenant},
	{"project", "project create --tenant ID --name NAME", runProject},
	{"client", "client create --tenant ID [--project ID] [--name NAME] | client rotate --client ID", runClient},
	{"demo", "create demo data on an embedded database and serve it", runDemo},
	{"bench", "load N customers and measure all four APIs (see BENCHMARKS.md)", runBench},
	{"import", "import FILE --tenant ID: load a CSV or XLSX of customers (查重, report)", runImport},
	{"export", "export --tenant ID [--format csv|xlsx] [--out FILE]: write customers as CSV or XLSX", runExport},
}

// Run executes the command line and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	env := &Env{Stdout: stdout, Stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			if err := c.run(ctx, env, args[1:]); err != nil {
				if err == flag.ErrHelp {
					return 0
				}
				fmt.Fprintf(stderr, "kehu %s: %v\n", c.name, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "kehu: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "kehu — a self-hosted customer data service\n\nUsage: kehu <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set as an environment variable: --db as KEHU_DB, --addr as KEHU_ADDR, …\nRun `kehu <command> -h` for a command's flags.")
}

// flags builds a FlagSet whose defaults come from KEHU_* variables.
type flags struct {
	*flag.FlagSet
	db, dataDir, logLevel, region, sync *string
}

func newFlags(name string, env *Env) *flags {
	fs := flag.NewFlagSet("kehu "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	f := &flags{FlagSet: fs}
	f.db = fs.String("db", DefaultDB, "database: a SQLite file path or a postgres:// URL")
	f.dataDir = fs.String("data-dir", "", "directory for the secret key file (default: the SQLite file's directory, or ./kehu-data)")
	f.logLevel = fs.String("log-level", "info", "log level: debug, info, warn, error")
	f.region = fs.String("region", "CN", "default phone region for numbers typed without a country code")
	f.sync = fs.String("sync", "normal", "SQLite commits: normal (survive a crash of kehu; a power cut may lose the last ones) or full (fsync at every commit: survive power cuts; slower writes)")
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
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("bad environment: %s", strings.Join(bad, "; "))
	}
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", f.Arg(0))
	}
	return nil
}

func (f *flags) logger(env *Env) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*f.logLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: lvl}))
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

// open opens and migrates (or checks) the database.
func (f *flags) open(ctx context.Context, migrate bool) (*store.Store, error) {
	if err := f.checkSync(); err != nil {
		return nil, err
	}
	st, err := store.OpenWith(ctx, *f.db, store.Options{Sync: *f.sync})
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
	keys, err := secret.Load(f.keyDir())
	if err != nil {
		return nil, nil, err
	}
	svc := crm.New(st, *f.region, crm.China)
	return svc, &auth.Service{Store: st, Keys: keys, Guard: &auth.Guard{Store: st}}, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
