package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/platsync"
)

// runSync: kehu sync --from dashi|tanma|yeastar --base-url URL --app-id ID
// --app-secret SECRET --tenant T [--project P] [--source-project ID]
// [--since TIME] [--full] [--watch INTERVAL]. A progress bar goes to
// stderr, one JSON summary per run to stdout. The credentials can also come
// from KEHU_APP_ID / KEHU_APP_SECRET or --credentials FILE, and are never
// printed or logged.
func runSync(ctx context.Context, env *Env, args []string) error {
	f := newFlags("sync", env)
	from := f.String("from", "", "the platform: dashi (达实AIoT), tanma (探马SCRM) or yeastar (Yeastar YCM)")
	baseURL := f.String("base-url", "", "the platform's API base URL, e.g. https://prod-cn.your-api-server.com")
	appID := f.String("app-id", "", "the platform's app id / client id (or KEHU_APP_ID, or --credentials)")
	appSecret := f.String("app-secret", "", "the platform's secret / appKey / client secret (better: KEHU_APP_SECRET or --credentials, which stay out of the process list)")
	credFile := f.String("credentials", "", `JSON file {"appId":"…","appSecret":"…"} with the platform's credentials`)
	tenant := f.Int64("tenant", 0, "kehu tenant id (required)")
	project := f.Int64("project", 0, "kehu project the customers go to (达实 default: a kehu project named like the platform's)")
	sourceProject := f.String("source-project", "", "达实 only: the platform's project id (its customer page lists one project)")
	since := f.String("since", "", `only customers changed since this time (2025-01-02, "2025-01-02 15:04:05" Asia/Shanghai, or RFC 3339); default: the last complete run's start`)
	full := f.Bool("full", false, "ignore the last run's watermark and walk everything (unchanged customers are still not rewritten)")
	pageSize := f.Int("page-size", 0, "customers per request (default 达实 1000 of at most 4000, 探马 100 of 1000, Yeastar 50)")
	rate := f.Float64("rate", 5, "requests per second at most (0: no limit)")
	retries := f.Int("retries", 6, "retries of a transient failure (429, 5xx, timeouts, garbage) before the run stops")
	timeout := f.Duration("timeout", time.Minute, "time limit of one request")
	watch := f.Duration("watch", 0, "run again every INTERVAL (e.g. 5m) until interrupted, to keep kehu in step during a migration")
	lease := f.Duration("lease", time.Minute, "how long a run that stopped answering keeps the source to itself (a killed run holds off the next one this long)")
	showProgress := f.Bool("progress", true, "show a progress bar on stderr")
	if err := f.parse(args); err != nil {
		return err
	}
	if *credFile != "" {
		id, secret, err := readCredentials(*credFile, env)
		if err != nil {
			return fmt.Errorf("--credentials: %w", err)
		}
		if *appID == "" {
			*appID = id
		}
		if *appSecret == "" {
			*appSecret = secret
		}
	}
	cfg := platsync.Config{Platform: strings.ToLower(strings.TrimSpace(*from)), BaseURL: *baseURL, AppID: strings.TrimSpace(*appID),
		AppSecret: strings.TrimSpace(*appSecret), SourceProject: *sourceProject, TenantID: *tenant, ProjectID: *project,
		Full: *full, PageSize: *pageSize, Rate: *rate, Retries: *retries, Timeout: *timeout, LeaseTTL: *lease}
	if *since != "" {
		t, err := parseSince(*since)
		if err != nil {
			return fmt.Errorf("--since: %w", err)
		}
		cfg.Since = t
	}
	if *watch < 0 || (*watch > 0 && *watch < time.Second) {
		return errors.New("--watch must be at least 1s")
	}
	st, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	log := f.logger(env)
	cfg.OnRetry = func(op string, attempt int, wait time.Duration, err error) {
		log.Warn("sync: retrying", "op", op, "attempt", attempt, "wait", wait.Round(time.Millisecond).String(), "error", err.Error())
	}
	cfg.OnWait = func(until time.Time) {
		log.Info("sync: another kehu sync of this source is running; waiting for it to end or its lease to run out", "until", until.Format(time.RFC3339))
	}
	svc := crm.New(st, *f.region, crm.China)
	for {
		// One audit entry per run: who pulled customers in from where (never
		// the credentials).
		if err := audit.Record(ctx, st, &model.Caller{TenantID: cfg.TenantID, Via: model.ViaSync}, audit.CustomerImport, audit.None,
			map[string]any{"sync": cfg.Platform, "baseUrl": cfg.BaseURL, "appId": cfg.AppID, "projectId": cfg.ProjectID}); err != nil {
			return err
		}
		var bar *progressbar.ProgressBar
		var lines *lineProgress
		if *showProgress && !isTerminal(env.Stderr) { // a pipe or a log: whole lines
			lines = newLineProgress(env.Stderr, "kehu sync: "+cfg.Platform, time.Second)
			cfg.Progress = func(done, total int64) { lines.update(done, total, false) }
		} else if *showProgress {
			bar = progressbar.NewOptions64(-1,
				progressbar.OptionSetWriter(env.Stderr),
				progressbar.OptionSetDescription("syncing from "+cfg.Platform),
				progressbar.OptionSetItsString("customers"),
				progressbar.OptionShowIts(),
				progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionSetElapsedTime(true),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionSetRenderBlankState(true),
			)
			cfg.Progress = func(done, total int64) {
				if total > 0 && bar.GetMax64() != total {
					bar.ChangeMax64(total)
				}
				_ = bar.Set64(done)
			}
		}
		sum, runErr := platsync.Run(ctx, svc, cfg)
		if lines != nil && sum != nil && runErr == nil {
			lines.update(lines.lastDone, 0, true)
		}
		if bar != nil {
			if runErr == nil {
				_ = bar.Finish()
			} else {
				_ = bar.Exit()
			}
			fmt.Fprintln(env.Stderr)
		}
		if sum != nil {
			if err := printJSON(env.Stdout, sum); err != nil {
				return err
			}
		}
		if *watch == 0 {
			return runErr
		}
		if runErr != nil {
			if ctx.Err() != nil {
				return nil // interrupted: the checkpoint is committed, the next run continues
			}
			log.Error("sync: run failed; trying again at the next interval", "error", runErr.Error())
		}
		cfg.Since = time.Time{} // later runs start from the watermark
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*watch):
		}
	}
}

// readCredentials reads {"appId":"…","appSecret":"…"} (clientId /
// clientSecret and appKey are accepted too).
func readCredentials(path string, env *Env) (string, string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", "", err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(env.Stderr, "kehu sync: warning: %s can be read by other users (chmod 600 it)\n", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	var c struct {
		AppID        string `json:"appId"`
		AppSecret    string `json:"appSecret"`
		AppKey       string `json:"appKey"`
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return "", "", errors.New(`not JSON like {"appId":"…","appSecret":"…"}`)
	}
	id := firstNonEmpty(c.AppID, c.ClientID)
	secret := firstNonEmpty(c.AppSecret, c.AppKey, c.ClientSecret)
	if id == "" || secret == "" {
		return "", "", errors.New(`needs "appId" and "appSecret"`)
	}
	return id, secret, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x = strings.TrimSpace(x); x != "" {
			return x
		}
	}
	return ""
}

// parseSince reads a date, a date-time in Asia/Shanghai, or RFC 3339.
func parseSince(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, crm.China); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not 2006-01-02, \"2006-01-02 15:04:05\" or RFC 3339", s)
}
