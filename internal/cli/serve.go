package cli

import (
	"context"
	"log/slog"

	"github.com/kehu/kehu/internal/server"
)

func runServe(ctx context.Context, env *Env, args []string) error {
	f := newFlags("serve", env)
	addr := f.String("addr", "127.0.0.1:8080", "listen address")
	migrate := f.Bool("migrate", true, "apply pending migrations at start (false: refuse to start on an old schema)")
	if err := f.parse(args); err != nil {
		return err
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
	h := server.Handler(&server.Deps{Store: st, Svc: svc, Auth: au, Log: log})
	return server.Run(ctx, *addr, h, log, nil)
}
