package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/seed"
	"github.com/kehu/kehu/internal/server"
	"github.com/kehu/kehu/internal/store"
)

const demoTenant = "kehu demo"

// demoHint is one titled ready-to-paste command block: the native API's
// (nativeHints) and each dialect's (dialectHints, demo_dialects.go).
type demoHint struct {
	Title, Command string
}

// demoCreds is what demo hints may use.
type demoCreds struct {
	Base, ClientID, Secret string
	TenantID, ProjectID    int64
	Now                    time.Time
	Logins                 []demoLogin // the web console's demo staff logins
}

func runDemo(ctx context.Context, env *Env, args []string) error {
	f := newFlags("demo", env)
	f.secretKeyFlag()
	addr := f.String("addr", "127.0.0.1:8080", "listen address")
	n := f.Int("customers", 10000, "customers to generate on first start")
	printEnv := f.Bool("print-env", false, "print the demo's credentials as shell variables (eval \"$(kehu demo --print-env)\") and exit; creates the demo data if needed, serves nothing")
	if err := f.parse(args); err != nil {
		return err
	}
	log := f.logger(env)
	if strings.Contains(*f.db, "://") {
		return fmt.Errorf("demo runs on an embedded SQLite database; use --db PATH (or kehu serve for PostgreSQL)")
	}
	st, err := f.openOrCreate(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, au, err := f.services(st)
	if err != nil {
		return err
	}
	client, projectID, err := demoData(ctx, st, au, *n, env.Stderr, log)
	if err != nil {
		return err
	}
	ppl := &people.Service{Store: st, Keys: au.Keys, CRM: svc, Guard: au.Guard}
	logins, err := demoLogins(ctx, st, ppl, client.TenantID)
	if err != nil {
		return err
	}
	if err := demoPool(ctx, svc, client.TenantID); err != nil {
		return err
	}
	creds := demoCreds{Base: "http://" + *addr, ClientID: client.ClientID, Secret: client.Secret,
		TenantID: client.TenantID, ProjectID: projectID, Logins: logins}
	if *printEnv {
		_, err := io.WriteString(env.Stdout, demoEnv(creds))
		return err
	}
	deps := &server.Deps{Store: st, Svc: svc, Auth: au, Log: log, People: ppl}
	defer server.StartBackground(ctx, deps)()
	return server.Run(ctx, *addr, server.Handler(deps), log, func(a net.Addr) {
		creds.Base, creds.Now = "http://"+a.String(), time.Now()
		envFile := filepath.Join(f.keyDir(), "demo.env")
		if !filepath.IsAbs(envFile) && !strings.HasPrefix(envFile, ".") {
			envFile = "./" + envFile // `. kehu-data/demo.env` would search $PATH first
		}
		if err := os.WriteFile(envFile, []byte(demoEnv(creds)), 0o600); err != nil {
			log.Warn("cannot write the demo's env file", slog.String("file", envFile), slog.Any("err", err))
			envFile = ""
		}
		printDemo(env.Stdout, creds, envFile)
	})
}

// demoEnv is the demo's credentials as shell assignments: the README's
// snippets use these names, so they run as pasted after
// eval "$(kehu demo --print-env)" or . ./kehu-data/demo.env.
func demoEnv(c demoCreds) string {
	return fmt.Sprintf("export KEHU_URL=%s\nexport CLIENT_ID=%s\nexport CLIENT_SECRET=%s\nexport TENANT_ID=%d\nexport PROJECT_ID=%d\n",
		shellQuote(c.Base), shellQuote(c.ClientID), shellQuote(c.Secret), c.TenantID, c.ProjectID)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// demoData finds the demo tenant or creates it with n customers.
func demoData(ctx context.Context, st *store.Store, au *auth.Service, n int, progress io.Writer, log *slog.Logger) (*model.Client, int64, error) {
	t, err := st.TenantByName(ctx, demoTenant)
	if err == nil {
		ids, err := st.ClientIDs(ctx, t.ID)
		if err != nil || len(ids) == 0 {
			return nil, 0, fmt.Errorf("the demo tenant exists but has no client; remove the data directory to start over")
		}
		c, err := au.Client(ctx, ids[0])
		if err != nil {
			return nil, 0, err
		}
		ps, err := st.Projects(ctx, t.ID)
		if err != nil || len(ps) == 0 {
			return nil, 0, fmt.Errorf("the demo tenant has no project; remove the data directory to start over")
		}
		fmt.Fprintf(progress, "kehu demo: using the existing demo tenant %d\n", t.ID)
		return c, ps[0].ID, nil
	}
	if !errors.Is(err, model.ErrNotFound) {
		return nil, 0, err
	}
	t, err = st.CreateTenant(ctx, demoTenant)
	if err != nil {
		return nil, 0, err
	}
	p, err := st.CreateProject(ctx, t.ID, "演示园区")
	if err != nil {
		return nil, 0, err
	}
	setup, err := seed.Catalog(ctx, st, t.ID, p.ID)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	tty := isTerminal(progress)
	err = seed.Customers(ctx, st, setup, n, 1, func(done int) {
		if tty { // redraw one line
			fmt.Fprintf(progress, "\rkehu demo: generating customers %d/%d", done, n)
		} else {
			fmt.Fprintf(progress, "kehu demo: generating customers %d/%d\n", done, n)
		}
	})
	if tty {
		fmt.Fprintln(progress)
	}
	if err != nil {
		return nil, 0, err
	}
	log.Info("demo data ready", slog.Int("customers", n), slog.Float64("tookMs", ms(time.Since(start))))
	c, err := au.CreateClient(ctx, t.ID, 0, "demo client", nil)
	if err != nil {
		return nil, 0, err
	}
	return c, p.ID, nil
}

// ms is a duration in milliseconds with microsecond precision, as every
// duration in kehu's logs is written.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func printDemo(w io.Writer, c demoCreds, envFile string) {
	fmt.Fprintf(w, `
kehu demo is running at %s   (API docs: %s/docs)

  tenant:        %d
  project:       %d
  client id:     %s
  client secret: %s
`, c.Base, c.Base, c.TenantID, c.ProjectID, c.ClientID, c.Secret)
	printConsole(w, c.Base, c.Logins)
	if envFile != "" {
		fmt.Fprintf(w, "\nFor the README's examples, in another shell: . %s   (or eval \"$(kehu demo --print-env)\")\n", envFile)
	}
	fmt.Fprintf(w, "\nThe same client id and secret work for all four APIs. Paste these:\n")
	for _, hints := range [][]demoHint{nativeHints(c), dialectHints(c)} {
		for _, h := range hints {
			fmt.Fprintf(w, "\n# %s\n%s\n", h.Title, h.Command)
		}
	}
	fmt.Fprintln(w, "\nStop with Ctrl-C. Data stays in ./kehu-data; `kehu serve` serves it again.")
}

func nativeHints(c demoCreds) []demoHint {
	tok := fmt.Sprintf(`TOKEN=$(curl -s -u '%s:%s' -d grant_type=client_credentials %s/v1/oauth/token | sed -E 's/.*"access_token":"([^"]+)".*/\1/')`, c.ClientID, c.Secret, c.Base)
	return []demoHint{
		{"native API: get an OAuth2 token (client credentials)", tok},
		{"native API: customers named 张…, normal status, newest first, 2 per page",
			fmt.Sprintf(`curl -s -H "Authorization: Bearer $TOKEN" '%s/v1/customers?name=%%E5%%BC%%A0&status=1&sort=-createdAt&pageSize=2'`, c.Base)},
		{"native API: pinyin search (zs → 张三, 张帅, …)",
			fmt.Sprintf(`curl -s -H "Authorization: Bearer $TOKEN" '%s/v1/customers?name=zs&pageSize=3'`, c.Base)},
		{"native API: a nested condition (VIP or score > 80, name contains 李, sorted by score)",
			fmt.Sprintf(`curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' %s/v1/customers/search -d '{"filter":{"and":[{"field":"name","op":"contains","value":"李"},{"or":[{"field":"tags","op":"hasAny","values":["VIP"]},{"field":"score","op":"gt","value":80}]}]},"sort":"-score","pageSize":3}'`, c.Base)},
		{"native API: create a customer",
			fmt.Sprintf(`curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' %s/v1/customers -d '{"name":"张三","phone":"138 1234 5678","email":"zhangsan@example.com","company":"深圳示例科技有限公司","fields":{"level":"金卡","score":88}}'`, c.Base)},
	}
}
