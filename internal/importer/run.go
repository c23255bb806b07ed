package importer

import (
	"context"
	"errors"
	"hash/maphash"
	"math"
	"time"

	"github.com/kehu/kehu/internal/background"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// One import from start to end: Begin checks the options, finds the header
// and records the job; Finish runs the rows as a load or through the
// pipeline and records the outcome.

// run is the state of one import.
type run struct {
	im       *Importer
	o        Options
	bulk     *crm.Bulk
	refs     *Refs
	plan     *plan
	fields   []*model.Field // match keys
	enforced map[int64]bool // keys the database keeps unique
	seen     map[keyHash]seenEntry
	seeds    [2]maphash.Seed
	job      *store.ImportJob
	jo       jobOptions
	sum      Summary
	total    int64
	colOf    map[string]string // crm field name → header
	pending  []bufferedRow     // data rows read while looking for the header
	// storeEmpty: the store has no customers to match (a load).
	storeEmpty bool
	// companies are those whose tokens the batches need not look up again.
	companies *store.KnownCompanies
}

// Run imports src. Rows that fail or are skipped as duplicates go to the
// report (and the import_issues table when persisted); the error is for
// what stops the whole import (an unreadable file, the database).
func (im *Importer) Run(ctx context.Context, src Source, o Options) (*Summary, error) {
	j, err := im.Begin(ctx, src, o)
	if err != nil {
		return nil, err
	}
	return j.Finish(ctx)
}

// Job is an import that has found its header and recorded its job row, and
// is ready to process the rows.
type Job struct {
	r     *run
	src   Source
	start time.Time
}

// Begin checks the options, reads the header and creates the job row (when
// persisted): everything that can make an import fail as a whole, so an
// API can answer 400 before it goes on in the background.
func (im *Importer) Begin(ctx context.Context, src Source, o Options) (*Job, error) {
	start := time.Now()
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatch
	}
	if o.OnDuplicate == "" {
		o.OnDuplicate = Skip
	}
	r := &run{im: im, o: o, seen: map[keyHash]seenEntry{}, enforced: map[int64]bool{}, companies: store.NewKnownCompanies(maxKnownCompanies),
		seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
	r.sum.File, r.sum.Format, r.sum.DryRun = o.FileName, src.Format(), o.DryRun
	if err := r.setup(ctx, src); err != nil {
		if r.job != nil {
			_ = FailJob(ctx, im.Svc.Store, r.job, err)
		}
		return nil, err
	}
	return &Job{r: r, src: src, start: start}, nil
}

// ID is the job row's id (0 when not persisted).
func (j *Job) ID() int64 {
	if j.r.job == nil {
		return 0
	}
	return j.r.job.ID
}

// Summary is the import's state so far.
func (j *Job) Summary() Summary { return j.r.sum }

// Finish processes the rows and records the outcome.
func (j *Job) Finish(ctx context.Context) (*Summary, error) {
	r := j.r
	// Every change this import makes is recorded as made by its actor
	// through an import, whichever API or command started it.
	ctx = store.WithOrigin(ctx, store.Origin{Actor: r.o.Actor, Via: model.ViaImport})
	// ...and fences that actor's reads: once its client sees the job done,
	// its searches see the rows on every node and replica.
	if r.o.Caller != nil {
		ctx = store.WithSession(ctx, r.o.TenantID, r.o.Caller.Session())
	} else {
		ctx = store.WithSession(ctx, r.o.TenantID, r.o.Actor.Session())
	}
	asLoad, err := r.canLoad(ctx)
	switch {
	case err != nil:
	case asLoad:
		err = r.load(ctx, j.src)
		if errors.Is(err, store.ErrNotEmpty) {
			err = errLoadRaced
		}
	default:
		err = r.inBatches(ctx, j.src)
	}
	r.sum.Seconds = math.Round(time.Since(j.start).Seconds()*1000) / 1000 // ms: 1.998, not 1.9976360180000001
	if r.job != nil {
		r.job.Status = StatusDone
		if err != nil {
			r.job.Status = StatusFailed
			r.job.Error = err.Error()
			if pe := (*background.PanicError)(nil); errors.As(err, &pe) {
				r.job.Error = "internal error: the import stopped at a bug (logged)"
			}
		}
		r.job.TotalRows = r.sum.Total
		r.setJobCounts(&r.sum)
		// The job's final state is written even when ctx was canceled.
		if serr := r.im.Svc.Store.SaveImport(context.WithoutCancel(ctx), r.job); serr != nil && err == nil {
			err = serr
		}
	}
	return &r.sum, err
}

// importCheckpointEvery is how often a reader connection checkpoints the
// WAL while an import writes (store.CheckpointBehind), so that the
// writer's commits rarely reach importCheckpointPages and copy it
// themselves.
var importCheckpointEvery = time.Second

// maxKnownCompanies bounds the companies an import in batches remembers
// as tokenised (store.KnownCompanies, ~80 bytes each).
const maxKnownCompanies = 500_000

// importCheckpointPages is the WAL size (pages, ~200 MB) at which SQLite's
// writer checkpoints during an import in batches (store.SetWriterCheckpoint).
const importCheckpointPages = 50000

// inBatches runs the pipeline with the writer tuned for it: a larger page
// cache (Options.WriterCacheMB), and a WAL that may grow to
// importCheckpointPages before a checkpoint. Each batch's commit dirties
// index pages all over the file; with SQLite's default of 1,000 pages every
// commit was followed by a checkpoint that copied all of them back into the
// database and synced it — a quarter of a live import's time (BENCHMARKS.md)
// — where a larger WAL copies a page that several batches rewrote once.
// Readers are not held up: they read the WAL.
func (r *run) inBatches(ctx context.Context, src Source) error {
	st := r.im.Svc.Store
	restoreCache, err := st.SetWriterCache(ctx, r.o.WriterCacheMB<<10)
	if err != nil {
		return err
	}
	defer restoreCache()
	restoreCheckpoint, err := st.SetWriterCheckpoint(ctx, importCheckpointPages)
	if err != nil {
		return err
	}
	defer restoreCheckpoint()
	defer st.CheckpointBehind(ctx, importCheckpointEvery)()
	return r.pipeline(ctx, src)
}

func (r *run) setup(ctx context.Context, src Source) error {
	o := r.o
	var err error
	caller := o.Caller
	if caller == nil {
		caller = crm.TenantCaller(o.TenantID, 0, model.ViaImport)
	}
	if err := crm.Need(caller, model.PermImport); err != nil {
		return err
	}
	if r.bulk, err = r.im.Svc.NewBulk(ctx, caller); err != nil {
		return err
	}
	if o.Actor != (model.Actor{}) {
		r.bulk.Actor = o.Actor
	}
	if o.PoolID != 0 {
		reason := "导入"
		if o.FileName != "" {
			reason = "导入 " + o.FileName
		}
		if _, err := r.bulk.IntoPool(ctx, o.PoolID, reason); err != nil {
			return err
		}
	}
	if r.refs, err = LoadRefs(ctx, r.im.Svc.Store, o.TenantID); err != nil {
		return err
	}
	cat := r.bulk.Catalog
	hdr, err := findHeader(src, func(cells []string) *plan { return newPlan(cells, o.Mapping, cat) })
	if err != nil {
		return err
	}
	r.plan = hdr.plan
	r.pending = hdr.pending
	r.sum.Columns, r.sum.Ignored = r.plan.columns(), r.plan.ignored
	if t := src.Total(); t >= 0 {
		r.total = max(t-hdr.row, 0)
	} else {
		r.total = -1
	}
	if err := r.matchFields(); err != nil {
		return err
	}
	r.colOf = map[string]string{}
	for _, t := range r.plan.targets {
		if t == nil {
			continue
		}
		if t.field != nil {
			r.colOf["fields."+t.field.Key] = t.header
			continue
		}
		r.colOf[t.col.Key] = t.header
		if alt := map[string]string{"owner": "ownerId", "tags": "tagIds", "collaborators": "collaboratorIds", "stage": "stageId"}[t.col.Key]; alt != "" {
			r.colOf[alt] = t.header
		}
	}
	if o.Persist {
		if o.JobID != 0 {
			if r.job, err = r.im.Svc.Store.Import(ctx, o.TenantID, o.JobID); err != nil {
				return err
			}
		} else {
			r.job = NewJob(o)
			if err := r.im.Svc.Store.CreateImport(ctx, r.job); err != nil {
				r.job = nil
				return err
			}
		}
		r.sum.ImportID = r.job.ID
	}
	r.jo = jobOptions{OnDuplicate: o.OnDuplicate, DryRun: o.DryRun, ProjectID: o.ProjectID, PoolID: o.PoolID, DedupeBy: o.DedupeBy, Mapping: o.Mapping,
		Format: src.Format(), Headers: r.plan.headers, Columns: r.sum.Columns, Ignored: r.sum.Ignored}
	if r.im.Report != nil {
		if err := r.im.Report.Begin(r.plan.headers); err != nil {
			return err
		}
	}
	if r.job != nil {
		r.job.Status = StatusRunning
		r.job.TotalRows = r.total
		r.setJobCounts(&r.sum)
		if err := r.im.Svc.Store.SaveImport(ctx, r.job); err != nil {
			return err
		}
	}
	return nil
}
