package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/exporter"
	"github.com/kehu/kehu/internal/query"
)

// runExport: kehu export --tenant ID [--format csv|xlsx] [--filter …]
// [--sort …] [--out FILE]. The file goes to --out (or stdout); a JSON
// summary to stdout when --out is given, else to stderr.
func runExport(ctx context.Context, env *Env, args []string) error {
	f := newFlags("export", env)
	tenant := f.Int64("tenant", 0, "tenant id (required)")
	project := f.Int64("project", 0, "only this project's customers")
	format := f.String("format", "", "csv or xlsx (default: from --out's extension, else csv)")
	filter := f.String("filter", "", `condition language, e.g. 'status = 1 && createdAt lastDays 30'`)
	sortBy := f.String("sort", "", "sort keys, e.g. -createdAt,name (default: id, oldest first)")
	out := f.String("out", "", "output file (default: stdout)")
	if err := f.parse(args); err != nil {
		return err
	}
	if *tenant == 0 {
		return usagef("export", "--tenant is required")
	}
	if *format == "" {
		*format = "csv"
		if strings.EqualFold(filepath.Ext(*out), ".xlsx") {
			*format = "xlsx"
		}
	}
	req := exporter.Request{TenantID: *tenant, ProjectID: *project, Format: strings.ToLower(*format)}
	if *filter != "" {
		n, err := cond.ParseString(*filter, cond.DefaultLimits)
		if err != nil {
			return fmt.Errorf("--filter: %w", err)
		}
		req.Filter = n
	}
	for _, part := range strings.Split(*sortBy, ",") {
		if part = strings.TrimSpace(part); part != "" {
			req.Sort = append(req.Sort, query.SortSpec{Field: strings.TrimLeft(part, "+-"), Desc: strings.HasPrefix(part, "-")})
		}
	}
	st, err := f.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Tenant(ctx, *tenant); err != nil {
		return fmt.Errorf("tenant %d: %w", *tenant, err)
	}
	start := time.Now()
	walk, err := (&exporter.Exporter{Svc: crm.New(st, *f.region, crm.China)}).Start(ctx, req)
	if err != nil {
		return err
	}
	if err := audit.Record(ctx, st, operator(*tenant), audit.CustomerExport, audit.None,
		map[string]any{"format": req.Format, "filter": *filter, "projectId": req.ProjectID, "out": *out}); err != nil {
		return err
	}
	var w io.Writer = env.Stdout
	summary := env.Stderr
	var file *os.File
	if *out != "" {
		if file, err = os.Create(*out); err != nil {
			return err
		}
		defer file.Close()
		w, summary = file, env.Stdout
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	n, err := walk.WriteTo(ctx, bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && file != nil {
		err = file.Close()
	}
	if err != nil {
		return err
	}
	res := map[string]any{"exported": n, "format": walk.Format(), "seconds": time.Since(start).Seconds()}
	if *out != "" {
		res["file"] = *out
	}
	return printJSON(summary, res)
}
