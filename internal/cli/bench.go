package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/bench"
)

// benchDB is where kehu bench keeps its database unless --db says otherwise.
const benchDB = "./kehu-data/bench.db"

func runBench(ctx context.Context, env *Env, args []string) error {
	f := newFlags("bench", env)
	if fl := f.Lookup("db"); fl != nil {
		fl.DefValue = benchDB
		_ = fl.Value.Set(benchDB)
	}
	n := f.Int("n", 1_000_000, "customers to generate and load")
	clients := f.Int("clients", 8, "concurrent clients per workload")
	duration := f.Duration("duration", 30*time.Second, "measured time per workload")
	asJSON := f.Bool("json", false, "print the report as JSON")
	skipLoad := f.Bool("skip-load", false, "reuse the bench tenant of an earlier run instead of loading")
	addr := f.String("addr", "127.0.0.1:0", "listen address of the in-process server")
	seed := f.Int64("seed", 1, "seed of the generated data")
	only := f.String("workloads", "", "comma-separated workloads to run (default: all)")
	profile := f.String("cpuprofile", "", "directory for one CPU profile per workload")
	soak := f.Duration("soak", 0, "instead of the workloads, one soak this long: mixed reads and writes on all four APIs, 16 clients unless --clients says (e.g. --soak 10m)")
	hooks := f.Int("webhooks", 0, "active webhook subscriptions (to a local receiver) while the workloads run")
	costs := f.Bool("costs", false, "instead of the workloads, measure what one tenant of --n customers costs PostgreSQL: bytes per customer of every table and index, WAL bytes, rows and index entries per create and update, exact count times (DISTRIBUTED.md); --db must be an empty PostgreSQL database")
	writes := f.Int("writes", 2000, "with --costs: creates and updates measured (each twice: after a checkpoint and after that)")
	if err := f.parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("--n must be at least 1")
	}
	if *costs {
		rep, err := bench.Costs(ctx, bench.CostsConfig{N: *n, DB: *f.db, Seed: *seed, Writes: *writes, Progress: env.Stderr})
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(env.Stdout, rep)
		}
		bench.PrintCosts(env.Stdout, rep)
		return nil
	}
	if err := f.checkSync(); err != nil {
		return err
	}
	if *soak < 0 {
		return fmt.Errorf("--soak must be a positive duration such as 10m")
	}
	if *soak > 0 {
		explicit := false // --clients or KEHU_CLIENTS
		f.Visit(func(fl *flag.Flag) { explicit = explicit || fl.Name == "clients" })
		if _, ok := os.LookupEnv("KEHU_CLIENTS"); !explicit && !ok {
			*clients = bench.SoakClients
		}
	}
	cfg := bench.Config{N: *n, DB: *f.db, Sync: *f.sync, DataDir: *f.dataDir, Clients: *clients, Duration: *duration, Addr: *addr,
		SkipLoad: *skipLoad, Seed: *seed, Progress: env.Stderr, ProgressLines: !isTerminal(env.Stderr), CPUProfile: *profile, Soak: *soak, Webhooks: *hooks}
	if *only != "" {
		cfg.Workloads = strings.Split(*only, ",")
	}
	rep, err := bench.Run(ctx, cfg)
	if rep != nil {
		if *asJSON {
			if jerr := rep.WriteJSON(env.Stdout); jerr != nil {
				return errors.Join(err, jerr)
			}
		} else {
			rep.WriteTable(env.Stdout)
		}
	}
	return err
}
