// Command kehu is a self-hosted customer data service: one binary that
// stores customers on embedded SQLite or PostgreSQL and serves a native REST
// API plus the 达实AIoT, 探马SCRM and Yeastar YCM customer APIs.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kehu/kehu/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
