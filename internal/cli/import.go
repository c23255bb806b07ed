package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
)

// runImport: kehu import FILE --tenant ID [--project ID] [--pool ID] [--mapping FILE]
// [--on-duplicate skip|update|create] [--dry-run] [--dedupe-by keys]
// [--report FILE.csv|.xlsx]. A progress bar goes to stderr, the summary
// (JSON) to stdout.
func runImport(ctx context.Context, env *Env, args []string) error {
	f := newFlags("import", env)
	tenant := f.Int64("tenant", 0, "tenant id (required)")
	project := f.Int64("project", 0, "project of the rows that name none")
	pool := f.Int64("pool", 0, "公海 pool the new customers land in (no owner; rows naming an owner fail; updated customers keep theirs)")
	mapping := f.String("mapping", "", `JSON file {"header":"fieldKey",…} overriding header recognition ("-" skips a column)`)
	onDup := f.String("on-duplicate", "skip", "a row matching an existing customer: skip (report it), update it, or create another")
	dryRun := f.Bool("dry-run", false, "validate and deduplicate only; write nothing")
	dedupe := f.String("dedupe-by", "", "match keys, comma-separated: phone,email,idNumber,externalId,id or unique field keys (default phone,email,idNumber,externalId; fields marked unique always count)")
	report := f.String("report", "", "write the failed and duplicate rows to this .csv or .xlsx file")
	batchSize := f.Int("batch", importer.DefaultBatch, "rows per transaction")
	showProgress := f.Bool("progress", true, "show a progress bar on stderr")
	bulkLoad := f.Bool("bulk-load", true, "when the database holds no customers yet, import in one transaction with the indexes built after the rows (much faster, all or nothing; other writers wait until it ends)")
	cacheMB := f.Int("cache-mb", 256, "SQLite page cache for the import, in MiB (bounds memory; more is faster for big files)")
	files, rest := splitArgs(f.FlagSet, args)
	if err := f.parse(rest); err != nil {
		return err
	}
	if len(files) != 1 {
		return usagef("import", "kehu import FILE --tenant ID [flags] takes one file, got %d", len(files))
	}
	if *tenant == 0 {
		return usagef("import", "--tenant is required")
	}
	mode, err := importer.ParseMode(*onDup)
	if err != nil {
		return fmt.Errorf("--on-duplicate: must be skip, update or create")
	}
	o := importer.Options{TenantID: *tenant, ProjectID: *project, PoolID: *pool, OnDuplicate: mode, DryRun: *dryRun, BatchSize: *batchSize,
		FileName: filepath.Base(files[0]), Persist: !*dryRun, WriterCacheMB: *cacheMB, BulkLoad: *bulkLoad, Actor: model.Actor{ID: "cli", Name: "kehu import"}}
	if *mapping != "" {
		if o.Mapping, err = importer.LoadMapping(*mapping); err != nil {
			return fmt.Errorf("--mapping: %w", err)
		}
	}
	if *dedupe != "" {
		for _, k := range strings.Split(*dedupe, ",") {
			if k = strings.TrimSpace(k); k != "" {
				o.DedupeBy = append(o.DedupeBy, k)
			}
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
	if *project != 0 {
		if _, err := st.Project(ctx, *tenant, *project); err != nil {
			return fmt.Errorf("project %d: %w", *project, err)
		}
	}
	src, err := importer.Open(files[0], files[0])
	if err != nil {
		return err
	}
	defer src.Close()
	if !o.DryRun {
		if err := audit.Record(ctx, st, operator(*tenant), audit.CustomerImport, audit.None,
			map[string]any{"file": files[0], "onDuplicate": o.OnDuplicate, "projectId": o.ProjectID, "poolId": o.PoolID}); err != nil {
			return err
		}
	}
	im := &importer.Importer{Svc: crm.New(st, *f.region, crm.China)}
	var rep *importer.ReportWriter
	var repFile *os.File
	if *report != "" {
		format := strings.TrimPrefix(strings.ToLower(filepath.Ext(*report)), ".")
		if format != "csv" && format != "xlsx" {
			return fmt.Errorf("--report must end in .csv or .xlsx")
		}
		if repFile, err = os.Create(*report); err != nil {
			return err
		}
		defer repFile.Close()
		if rep, err = importer.NewReportWriter(repFile, format); err != nil {
			return err
		}
		im.Report = rep
	}
	var bar *progressbar.ProgressBar
	var lines *lineProgress
	switch {
	case *showProgress && isTerminal(env.Stderr):
		total := src.Total() // rows of the file; the job narrows it to rows after the header
		if total > 0 {
			total--
		} else {
			total = -1 // unknown: a counter with the rate
		}
		bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(env.Stderr),
			progressbar.OptionSetDescription("importing "+o.FileName),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionShowIts(),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetRenderBlankState(true),
		)
		im.Step = func(step string) {
			desc := "importing " + o.FileName
			if step != "customers" {
				desc += ": " + step
			}
			bar.Describe(desc)
		}
		im.Progress = func(done, total int64) {
			if total > 0 && bar.GetMax64() != max(total, done) {
				bar.ChangeMax64(max(total, done))
			}
			_ = bar.Set64(done)
		}
	case *showProgress: // a file or a pipe: whole lines, a few a second at most
		lines = newLineProgress(env.Stderr, "kehu import: "+o.FileName, 2*time.Second)
		im.Step = func(step string) {
			if step == "customers" {
				step = ""
			}
			lines.setStep(step)
		}
		im.Progress = func(done, total int64) { lines.update(done, total, false) }
	}
	sum, runErr := im.Run(ctx, src, o)
	if bar != nil {
		if sum != nil && runErr == nil {
			bar.ChangeMax64(max(sum.Total, 1))
			_ = bar.Set64(max(sum.Total, 1))
			_ = bar.Finish()
		} else {
			_ = bar.Exit()
		}
		fmt.Fprintln(env.Stderr)
	}
	if lines != nil && sum != nil && runErr == nil {
		lines.update(sum.Total, sum.Total, true)
	}
	if rep != nil {
		if err := rep.Close(); err != nil && runErr == nil {
			runErr = fmt.Errorf("report: %w", err)
		}
	}
	if sum != nil {
		if err := printJSON(env.Stdout, sum); err != nil {
			return err
		}
	}
	return runErr
}

// splitArgs separates positional arguments from flags anywhere on the line
// (kehu import FILE --tenant 1 as well as kehu import --tenant 1 FILE).
func splitArgs(fs *flag.FlagSet, args []string) (positional, flags []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(positional, args[i+1:]...), flags
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		fl := fs.Lookup(name)
		if fl == nil {
			continue
		}
		if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return positional, flags
}
