package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/ratelimit"
	"github.com/kehu/kehu/internal/recycle"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/server"
	"github.com/kehu/kehu/internal/webhook"
)

func runServe(ctx context.Context, env *Env, args []string) error {
	f := newFlags("serve", env)
	addr := f.String("addr", "127.0.0.1:8080", "listen address")
	migrate := f.Bool("migrate", true, "apply pending migrations at start (false: refuse to start on an old schema)")
	rateClient := f.Int("rate-client", ratelimit.Defaults.Client, "requests per second per API client across all nodes, unless its tenant sets its own (kehu tenant rate-limit); 0: unlimited")
	rateAddress := f.Int("rate-address", ratelimit.Defaults.Address, "requests per second per source address across all nodes; 0: unlimited")
	nodes := f.Int("nodes", 1, "kehu nodes sharing the rate budgets behind one load balancer (each enforces budget / nodes)")
	f.secretKeyFlag()
	f.replicas = &listFlag{}
	f.Var(f.replicas, "db-replica", "a PostgreSQL streaming replica (postgres://…) for read-only work: searches, counts, exports, customer pages; repeatable (KEHU_DB_REPLICA: space-separated); each client still reads its own writes")
	allowPrivate := f.Bool("webhook-allow-private", false, "let webhook subscriptions target loopback, link-local and private addresses")
	requestTimeout := f.Duration("request-timeout", httpx.RequestTimeout, "how long a request may work, its database statements included, before it is stopped and answered 503 (code timeout) with Retry-After; exports and long polls extend theirs while they make progress")
	recycleEvery := f.Duration("recycle-every", time.Minute, "how often a node holding the 公海 recycling lease runs a pass (one node at a time across the cluster)")
	var retention time.Duration
	f.Func("history-retention", "keep change events and customer history this long, such as 400d or 8760h (default: for ever)", func(v string) error {
		d, err := parseDays(v)
		retention = d
		return err
	})
	if err := f.parse(args); err != nil {
		return err
	}
	if err := f.checkSharedKey(); err != nil { // before the database is touched
		return err
	}
	if *requestTimeout < time.Second {
		return usagef("serve", "--request-timeout must be at least 1s")
	}
	if *recycleEvery <= 0 {
		return usagef("serve", "--recycle-every must be positive")
	}
	log := f.logger(env)
	st, err := f.open(ctx, *migrate)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, au, err := f.services(st)
	if err != nil {
		return err
	}
	log.Info("database ready", slog.String("dialect", st.Dialect()), slog.String("db", st.Path))
	if len(f.replicas.vals) > 0 {
		log.Info("read replicas", slog.Int("replicas", len(f.replicas.vals)))
	}
	rl := ratelimit.New(ratelimit.Config{Client: *rateClient, Address: *rateAddress, Nodes: *nodes, Burst: ratelimit.Defaults.Burst}, st)
	wh := webhook.New(st, au.Keys, svc.Engine, log)
	wh.AllowPrivate = *allowPrivate
	deps := &server.Deps{Store: st, Svc: svc, Auth: au, Log: log, RateLimits: rl, Retention: retention, Webhooks: wh, RequestTimeout: *requestTimeout,
		Recycler: &recycle.Runner{Svc: svc, Log: log, Interval: *recycleEvery}}
	stop := server.StartBackground(ctx, deps)
	defer stop() // after the requests in flight: cancel background work and wait for it
	return server.Run(ctx, *addr, server.Handler(deps), log, nil)
}

// parseDays reads a Go duration or a number of days ("400d"); it must not
// be negative.
func parseDays(v string) (time.Duration, error) {
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(v, "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		d = time.Duration(days) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(v)
	}
	if err != nil || d < 0 {
		return 0, fmt.Errorf("want a duration such as 400d or 8760h, got %q", v)
	}
	return d, nil
}

// secretKeyFlag adds --allow-local-secret-key to a command that opens
// client or webhook secrets (services).
func (f *flags) secretKeyFlag() {
	f.allowLocalKey = f.Bool("allow-local-secret-key", false, "on PostgreSQL, work without KEHU_SECRET_KEY, using the key file in --data-dir (only safe for a single node)")
}

// checkSharedKey refuses to open client secrets of a PostgreSQL database
// without KEHU_SECRET_KEY: they are sealed under that key, and a node or
// tool that made up its own key file would seal secrets no other node can
// open (a client created or rotated that way fails every signature and
// token check elsewhere), or fail to open theirs. SQLite has one node, so
// its key file is fine.
func (f *flags) checkSharedKey() error {
	if !strings.Contains(*f.db, "://") || (f.allowLocalKey != nil && *f.allowLocalKey) {
		return nil
	}
	if v, ok := os.LookupEnv(secret.EnvKey); ok && strings.TrimSpace(v) != "" {
		return nil
	}
	what := "works on client secrets"
	if f.name == "serve" {
		what = "runs"
	}
	return errors.New("kehu " + f.name + " on PostgreSQL needs " + secret.EnvKey + " (64 hex characters, the same on every node; e.g. `openssl rand -hex 32`) so that every node and tool that " + what + " opens the same client secrets; for a single node add --allow-local-secret-key to use the key file in --data-dir")
}
