package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Mode says what an import does with a row that matches a customer.
type Mode string

// Duplicate modes.
const (
	Skip   Mode = "skip"   // leave the customer as it is; the row goes to the report
	Update Mode = "update" // apply the row's non-empty cells to the customer
	Create Mode = "create" // create another customer unless a unique field forbids it
)

// ParseMode reads --on-duplicate / onDuplicate ("" is skip).
func ParseMode(s string) (Mode, error) {
	switch Mode(strings.ToLower(strings.TrimSpace(s))) {
	case "", Skip:
		return Skip, nil
	case Update:
		return Update, nil
	case Create:
		return Create, nil
	}
	return "", model.Invalid("onDuplicate", "must be skip, update or create, not %q", s)
}

// DefaultBatch is how many rows one transaction writes.
const DefaultBatch = 5000

// Options configure one import.
type Options struct {
	TenantID int64
	// Caller is who imports: its visibility decides which stored customers
	// rows match (a bound client matches only its project, a 销售 only their
	// customers), its binding and role what rows may write. nil: the whole
	// tenant (the CLI).
	Caller *model.Caller
	// ProjectID is the project of rows without a 项目 cell (0: none).
	ProjectID int64
	// PoolID, when set, is the 公海 pool the created customers land in:
	// no owner, in the pool, each with a pool.import action (crm decides
	// whether the caller may: Bulk.IntoPool). Updated customers keep their
	// owner and pool.
	PoolID      int64
	Mapping     map[string]string // header → field key, overriding recognition
	OnDuplicate Mode
	DryRun      bool     // validate and match, write no customer
	DedupeBy    []string // match keys; nil: phone, email, idNumber, externalId (+ id if the file has 客户ID)
	Actor       model.Actor
	BatchSize   int
	FileName    string
	// BulkLoad lets an import into a database without customers run as a
	// load (load.go): much faster, all or nothing, and the database's other
	// writers wait until it ends. The CLI allows it.
	BulkLoad bool
	// WriterCacheMB raises SQLite's writer page cache for the import (the
	// CLI, a process of its own, uses 256); 0 leaves it.
	WriterCacheMB int
	// Persist records the job and its report rows in the imports tables;
	// JobID names a job row created beforehand (the API creates it before
	// answering), else Run creates one.
	Persist bool
	JobID   int64
}

// Summary is the outcome of an import.
type Summary struct {
	ImportID  int64             `json:"importId,omitempty"`
	DryRun    bool              `json:"dryRun,omitempty"`
	File      string            `json:"file,omitempty"`
	Format    string            `json:"format"`
	Total     int64             `json:"total"`
	Created   int64             `json:"created"`
	Updated   int64             `json:"updated"`
	Unchanged int64             `json:"unchanged"`
	Skipped   int64             `json:"skipped"`
	Failed    int64             `json:"failed"`
	Seconds   float64           `json:"seconds"`
	BulkLoad  bool              `json:"bulkLoad,omitempty"` // ran as one load (load.go)
	Columns   map[string]string `json:"columns"`
	Ignored   []string          `json:"ignoredColumns,omitempty"`
	// FirstFailures are the first failed rows with their reasons, so a run
	// without --report still says what went wrong (the report has them all).
	FirstFailures []FailedRow `json:"firstFailures,omitempty"`
}

// maxFirstFailures is how many failed rows the summary shows.
const maxFirstFailures = 5

// FailedRow is a failed row in the summary.
type FailedRow struct {
	Row    int64  `json:"row"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

// Issue is a row of the error report: a failed row, or a duplicate that was
// skipped.
type Issue struct {
	Row        int64    `json:"row"`
	Kind       string   `json:"kind"` // failed, duplicate
	Reason     string   `json:"reason"`
	Column     string   `json:"column,omitempty"` // the header of the cell at fault
	ExistingID int64    `json:"existingId,omitempty"`
	Cells      []string `json:"cells"`
}

// Issue kinds.
const (
	KindFailed    = "failed"
	KindDuplicate = "duplicate"
	// KindUnmapped: a value `kehu sync` could not carry over; the rest of
	// the record was written.
	KindUnmapped = "unmapped"
)

// Report receives the issues of an import as they are committed, in row
// order.
type Report interface {
	Begin(headers []string) error
	Add(Issue) error
}

// Importer runs imports against a service.
type Importer struct {
	Svc *crm.Service
	// Progress is called after each committed batch (rows done, rows in the
	// file or -1).
	Progress func(done, total int64)
	// Step, if set, is told what a load is doing once it has passed the
	// rows (writing index rows, building indexes, committing), which takes
	// about as long again.
	Step   func(string)
	Report Report
}

// jobOptions is what the imports.options column holds: the options, the
// file's header row (the report repeats it) and what the table has no
// column for.
type jobOptions struct {
	OnDuplicate Mode              `json:"onDuplicate"`
	DryRun      bool              `json:"dryRun,omitempty"`
	ProjectID   int64             `json:"projectId,omitempty"`
	PoolID      int64             `json:"poolId,omitempty"`
	DedupeBy    []string          `json:"dedupeBy,omitempty"`
	Mapping     map[string]string `json:"mapping,omitempty"`
	Format      string            `json:"format,omitempty"`
	Headers     []string          `json:"headers,omitempty"`
	Columns     map[string]string `json:"columns,omitempty"`
	Ignored     []string          `json:"ignoredColumns,omitempty"`
	Unchanged   int64             `json:"unchanged"`
}

// Job statuses.
const (
	StatusQueued  = "queued"
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
	// StatusInterrupted is reported, never stored: a queued or running job
	// whose row has not moved for StaleAfter (its process died).
	StatusInterrupted = "interrupted"
)

// StaleAfter is how long a running job may go without committing a batch
// before it is reported as interrupted.
const StaleAfter = 5 * time.Minute

// NewJob makes a job row for an import about to start.
func NewJob(o Options) *store.ImportJob {
	now := time.Now().UTC().Truncate(time.Millisecond)
	opts, _ := json.Marshal(jobOptions{OnDuplicate: o.OnDuplicate, DryRun: o.DryRun, ProjectID: o.ProjectID, PoolID: o.PoolID,
		DedupeBy: o.DedupeBy, Mapping: o.Mapping})
	return &store.ImportJob{TenantID: o.TenantID, ID: idgen.Next(), Status: StatusQueued, FileName: o.FileName,
		Options: string(opts), TotalRows: -1, CreatedAt: now, UpdatedAt: now}
}

// item is one data row on its way through the pipeline.
type item struct {
	row      int64
	cells    []string
	in       *crm.CustomerInput
	c        *model.Customer // validated: Prepare, or Normalize when needName
	keys     []crm.Key
	needName bool // valid only as an update (no name): fails if it creates
	err      error
	column   string
}

// op is a write decided for a row.
type op struct {
	it       *item
	create   *model.Customer
	updateID int64
}

type batch struct {
	creates, updates []*op
	issues           []Issue
	rows             int64
}

// seenEntry is the first row of the file that had a key, and the customer
// it created or matched.
type seenEntry struct {
	row int64
	id  int64
}

// keyHash identifies a match key in the in-file map: 128 bits of maphash
// over the key's field and value (collisions are beyond reach), so the map
// costs ~40 bytes per distinct key instead of holding the key strings.
type keyHash [2]uint64

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
	r := &run{im: im, o: o, seen: map[keyHash]seenEntry{}, enforced: map[int64]bool{},
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
		var restore func()
		if restore, err = r.im.Svc.Store.SetWriterCache(ctx, r.o.WriterCacheMB<<10); err == nil {
			err = r.pipeline(ctx, j.src)
			restore()
		}
	}
	r.sum.Seconds = math.Round(time.Since(j.start).Seconds()*1000) / 1000 // ms: 1.998, not 1.9976360180000001
	if r.job != nil {
		r.job.Status = StatusDone
		if err != nil {
			r.job.Status = StatusFailed
			r.job.Error = err.Error()
			if pe := (*PanicError)(nil); errors.As(err, &pe) {
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

// FailJob marks a job row failed before Run could start (the file could
// not be opened).
func FailJob(ctx context.Context, st *store.Store, job *store.ImportJob, cause error) error {
	job.Status, job.Error, job.UpdatedAt = StatusFailed, cause.Error(), time.Now().UTC()
	return st.SaveImport(context.WithoutCancel(ctx), job)
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

// matchFields resolves the dedupe keys; the external id and fields marked
// unique always count, since the database refuses their duplicates anyway.
func (r *run) matchFields() error {
	cat := r.bulk.Catalog
	by := r.o.DedupeBy
	if by == nil {
		by = append([]string(nil), crm.DefaultDedupeKeys...)
		if r.plan.idCol >= 0 {
			by = append([]string{crm.ByID}, by...)
		}
	}
	have := map[int64]bool{}
	for _, name := range by {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		f, err := crm.MatchField(cat, name)
		if err != nil {
			return model.Invalid("dedupeBy", "cannot deduplicate on %q: use id, phone, email, idNumber, externalId or the key of a field marked unique", name)
		}
		if !have[f.ID] {
			have[f.ID] = true
			r.fields = append(r.fields, f)
		}
	}
	for _, f := range cat.List() {
		if crm.Enforced(cat, &f) && !have[f.ID] {
			have[f.ID] = true
			r.fields = append(r.fields, cat.Fields[f.ID])
		}
	}
	for _, f := range r.fields {
		if crm.Enforced(cat, f) {
			r.enforced[f.ID] = true
		}
	}
	return nil
}

// pipeline: a reader goroutine parses and validates rows into chunks, this
// goroutine matches them (in-file map, then the store, a chunk per query)
// and a writer goroutine commits each chunk in one transaction.
func (r *run) pipeline(ctx context.Context, src Source) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks, readErr := r.startReading(ctx, src)
	batches := make(chan *batch)
	var writeErr error
	written := make(chan struct{})
	go func() {
		defer close(written)
		writeErr = guard(func() error { return r.write(ctx, batches) })
		if writeErr != nil {
			cancel()
			for range batches {
			}
		}
	}()
	var decideErr error
	for ch := range chunks {
		var b *batch
		err := guard(func() (err error) { b, err = r.decide(ctx, ch); return err })
		if err != nil {
			decideErr = err
			cancel()
			break
		}
		select {
		case batches <- b:
		case <-ctx.Done():
		}
	}
	close(batches)
	<-written
	for range chunks {
	}
	return firstErr(writeErr, decideErr, *readErr)
}

// startReading runs read on a goroutine of its own; *readErr is its
// outcome once chunks is closed.
func (r *run) startReading(ctx context.Context, src Source) (chunks <-chan []*item, readErr *error) {
	ch := make(chan []*item, 1)
	readErr = new(error)
	go func() {
		defer close(ch)
		*readErr = guard(func() error { return r.read(ctx, src, ch) })
	}()
	return ch, readErr
}

// PanicError is a bug met by an import, turned into an error: imports run
// in goroutines that no HTTP handler protects, and one bad row must fail
// its import, not the process. Its message is the panic's; Stack is for
// the log.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("importer: internal error: %v", e.Value) }

// guard runs fn, turning a panic into a *PanicError.
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// firstErr prefers a real failure over the cancellations it caused.
func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil && !errors.Is(e, context.Canceled) {
			return e
		}
	}
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// read parses, converts and validates rows, in chunks of BatchSize.
func (r *run) read(ctx context.Context, src Source, out chan<- []*item) error {
	chunk := make([]*item, 0, r.o.BatchSize)
	send := func() error {
		if len(chunk) == 0 {
			return nil
		}
		select {
		case out <- chunk:
		case <-ctx.Done():
			return ctx.Err()
		}
		chunk = make([]*item, 0, r.o.BatchSize)
		return nil
	}
	next := func() ([]string, int64, error) {
		if len(r.pending) > 0 {
			b := r.pending[0]
			r.pending = r.pending[1:]
			return b.cells, b.row, nil
		}
		return src.Next()
	}
	for {
		cells, row, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if emptyRow(cells) {
			continue
		}
		chunk = append(chunk, r.prepare(ctx, cells, row))
		if len(chunk) == r.o.BatchSize {
			if err := send(); err != nil {
				return err
			}
		}
	}
	return send()
}

// prepare turns a row into a validated customer and its match keys.
func (r *run) prepare(ctx context.Context, cells []string, row int64) *item {
	it := &item{row: row, cells: cells}
	cat := r.bulk.Catalog
	in := &crm.CustomerInput{}
	var fileID int64
	for i, t := range r.plan.targets {
		if t == nil || i >= len(cells) {
			continue
		}
		cell := strings.TrimSpace(cells[i])
		if cell == "" {
			continue
		}
		if t.field != nil {
			if in.Fields == nil {
				in.Fields = map[string]json.RawMessage{}
			}
			in.Fields[t.field.Key] = customValue(t.field, cell)
			continue
		}
		if t.col.Key == "id" {
			n, err := strconv.ParseInt(cell, 10, 64)
			if err != nil || n <= 0 {
				it.err, it.column = model.Invalid("id", "%q is not a customer id", cell), t.header
				return it
			}
			fileID = n
			continue
		}
		if err := setSystem(t.col, cell, in, cat, r.refs, r.bulk.Service().Region); err != nil {
			// setSystem only reads the cell and the loaded references: its
			// errors are the cell's.
			var fe *model.FieldError
			if !errors.As(err, &fe) {
				err = model.Invalid(t.col.Key, "%s", err)
			}
			it.err, it.column = err, t.header
			return it
		}
	}
	if r.o.ProjectID != 0 && in.ProjectID == nil {
		in.ProjectID = &r.o.ProjectID
	}
	it.in = in
	c, err := r.bulk.Prepare(ctx, in)
	if err != nil && crm.IsNameRequired(err) && r.o.OnDuplicate != Create {
		c, err = r.bulk.Normalize(ctx, in)
		it.needName = true
	}
	if err != nil {
		it.err = err
		if !rowFault(err) {
			return it
		}
		var fe *model.FieldError
		var pe *crm.ProjectError
		switch {
		case errors.As(err, &fe):
			it.column = r.columnOf(fe.Field)
		case errors.As(err, &pe):
			it.column = r.colOf["projectId"]
		}
		return it
	}
	c.ID = fileID
	it.keys = crm.KeysOf(c, r.fields)
	c.ID = 0
	it.c = c
	return it
}

// columnOf is the header of the column a crm field name ("phone",
// "phones[1]", "fields.level") came from.
func (r *run) columnOf(field string) string {
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	return r.colOf[field]
}

func (r *run) keyHash(k crm.Key) keyHash {
	var h keyHash
	for i, seed := range r.seeds {
		var mh maphash.Hash
		mh.SetSeed(seed)
		mh.WriteString(k.By)
		mh.WriteByte(0)
		mh.WriteString(k.Value)
		h[i] = mh.Sum64()
	}
	return h
}

// reason renders a validation error with the column's header.
func (r *run) reason(it *item) string {
	var fe *model.FieldError
	if errors.As(it.err, &fe) && it.column != "" {
		return it.column + ": " + fe.Msg
	}
	if it.column != "" {
		return it.column + ": " + it.err.Error()
	}
	return it.err.Error()
}

func (r *run) issue(it *item, kind, reason, column string, existing int64) Issue {
	if existing < 0 { // an id a dry run drew for a row it would create: never written
		existing = 0
	}
	return Issue{Row: it.row, Kind: kind, Reason: zhReason(reason), Column: column, ExistingID: existing, Cells: it.cells}
}

// decide matches a chunk against the rows before it and the store and
// turns each row into a create, an update, a duplicate or a failure.
func (r *run) decide(ctx context.Context, chunk []*item) (*batch, error) {
	mode := r.o.OnDuplicate
	need := map[int64]map[string]bool{}
	for _, it := range chunk {
		for _, k := range it.keys {
			if _, ok := r.seen[r.keyHash(k)]; ok {
				continue
			}
			if mode == Create && !r.enforced[k.Field] {
				continue
			}
			if need[k.Field] == nil {
				need[k.Field] = map[string]bool{}
			}
			need[k.Field][k.Value] = true
		}
	}
	found := map[int64]map[string][]int64{}
	for _, f := range r.fields {
		vals := need[f.ID]
		if len(vals) == 0 || r.storeEmpty {
			continue
		}
		list := make([]string, 0, len(vals))
		for v := range vals {
			list = append(list, v)
		}
		m, err := r.bulk.FindMany(ctx, f, list)
		if err != nil {
			return nil, err
		}
		found[f.ID] = m
	}
	b := &batch{rows: int64(len(chunk))}
	for _, it := range chunk {
		if it.err != nil && !rowFault(it.err) {
			// The database or the disk failed, not the row: reporting every
			// row as bad and exiting 0 would hide it.
			return nil, fmt.Errorf("row %d: %w", it.row, it.err)
		}
		if it.err != nil {
			b.issues = append(b.issues, r.issue(it, KindFailed, r.reason(it), it.column, 0))
			continue
		}
		m := r.match(it, found)
		switch {
		case len(m.ids) > 0 && mode == Skip:
			b.issues = append(b.issues, r.issue(it, KindDuplicate, m.describe(), r.colOf[m.key.By], m.ids[0]))
			r.remember(it, m.row(it), m.ids[0])
			continue
		case len(m.ids) > 1 && mode == Update:
			b.issues = append(b.issues, r.issue(it, KindFailed, m.describe()+"，无法确定更新哪一位", r.colOf[m.key.By], m.ids[0]))
			continue
		case len(m.ids) == 1 && mode == Update:
			b.updates = append(b.updates, &op{it: it, updateID: m.ids[0]})
			r.remember(it, m.row(it), m.ids[0])
			continue
		case len(m.ids) > 0: // create: a unique value already taken
			reason := fmt.Sprintf("%s 是唯一值，已属于客户 %d", keyZh(m.key.By, m.key.Value), m.ids[0])
			if m.fileRow != 0 {
				reason = fmt.Sprintf("%s 是唯一值，第 %d 行已使用", keyZh(m.key.By, m.key.Value), m.fileRow)
			}
			b.issues = append(b.issues, r.issue(it, KindFailed, reason, r.colOf[m.key.By], m.ids[0]))
			continue
		}
		if it.needName {
			b.issues = append(b.issues, r.issue(it, KindFailed, r.nameRequired(), r.colOf["name"], 0))
			continue
		}
		if err := r.bulk.CheckCreate(it.c); err != nil {
			b.issues = append(b.issues, r.issue(it, KindFailed, err.Error(), "", 0))
			continue
		}
		if r.o.DryRun {
			it.c.ID = -it.row // nothing is written: an id that names the row, and is never reported
		} else {
			it.c.ID = idgen.Next()
		}
		b.creates = append(b.creates, &op{it: it, create: it.c})
		r.remember(it, it.row, it.c.ID)
	}
	return b, nil
}

// matched is what a row's keys found: the customers (earlier rows of the
// file first, then the store, without repeats) and the first key that hit.
type matched struct {
	ids     []int64
	key     crm.Key
	fileRow int64 // the earlier row of the file the first hit came from, 0 if the store
}

func (m *matched) row(it *item) int64 {
	if m.fileRow != 0 {
		return m.fileRow
	}
	return it.row
}

func (m *matched) describe() string {
	key := keyZh(m.key.By, m.key.Value)
	switch {
	case len(m.ids) > 1:
		names := make([]string, len(m.ids))
		for i, id := range m.ids {
			names[i] = fmt.Sprintf("客户 %d", id)
			if id < 0 { // a row a dry run would create
				names[i] = fmt.Sprintf("第 %d 行", -id)
			}
		}
		return fmt.Sprintf("与多位客户重复（%s）：%s", key, strings.Join(names, "、"))
	case m.fileRow != 0:
		return fmt.Sprintf("与第 %d 行重复（%s）", m.fileRow, key)
	}
	return fmt.Sprintf("与客户 %d 重复（%s）", m.ids[0], key)
}

// match looks a row's keys up in the earlier rows of the file and in the
// store lookups of its chunk. In create mode only keys the database keeps
// unique count.
func (r *run) match(it *item, found map[int64]map[string][]int64) matched {
	var m matched
	add := func(k crm.Key, ids []int64, fileRow int64) {
		for _, id := range ids {
			dup := false
			for _, x := range m.ids {
				dup = dup || x == id
			}
			if dup {
				continue
			}
			if len(m.ids) == 0 {
				m.key, m.fileRow = k, fileRow
			}
			m.ids = append(m.ids, id)
		}
	}
	for _, k := range it.keys {
		if r.o.OnDuplicate == Create && !r.enforced[k.Field] {
			continue
		}
		if e, ok := r.seen[r.keyHash(k)]; ok {
			add(k, []int64{e.id}, e.row)
			continue
		}
		add(k, found[k.Field][k.Value], 0)
	}
	return m
}

func (r *run) nameRequired() string {
	if h := r.colOf["name"]; h != "" {
		return h + "：必填"
	}
	return "姓名：必填（没有识别出姓名列）"
}

// remember records a row's keys for the rows after it; the first row with a
// key keeps it.
func (r *run) remember(it *item, row, id int64) {
	for _, k := range it.keys {
		kh := r.keyHash(k)
		if _, ok := r.seen[kh]; !ok {
			r.seen[kh] = seenEntry{row: row, id: id}
		}
	}
}

// outcome is what the writer learned about one batch.
type outcome struct {
	created, updated, unchanged int64
	issues                      []Issue
}

// write commits each batch in one transaction: its customers, its report
// rows and the job's progress, so a crash leaves either all or none of a
// batch and counts that match the data.
func (r *run) write(ctx context.Context, batches <-chan *batch) error {
	for b := range batches {
		var out outcome
		var err error
		if r.o.DryRun {
			out, err = r.dryRun(ctx, b)
			switch {
			case err == nil && r.job != nil:
				checked := out
				err = r.im.Svc.Store.InTx(ctx, func(tx *store.Tx) error {
					out = checked // InTx may run this again
					out.issues = slices.Clone(checked.issues)
					return r.record(ctx, tx, b, &out)
				})
			case err == nil:
				mergeIssues(b, &out)
			}
		} else {
			write := func(bulk bool) error {
				return r.im.Svc.Store.InTx(ctx, func(tx *store.Tx) error {
					out = outcome{}
					if err := r.apply(ctx, tx, b, &out, bulk); err != nil {
						return err
					}
					return r.record(ctx, tx, b, &out)
				})
			}
			// Multi-row inserts first; if the database refuses one of the
			// rows (a unique value written meanwhile by someone else), the
			// batch is redone row by row, each row in a savepoint.
			if err = write(true); errors.Is(err, errBulkConflict) {
				err = write(false)
			}
		}
		if err != nil {
			if r.job != nil { // the failed batch's counts were not committed
				r.setJobCounts(&r.sum)
			}
			return err
		}
		if err := r.committed(b, &out); err != nil {
			return err
		}
	}
	return nil
}

// committed counts a written batch and tells the report and the progress.
func (r *run) committed(b *batch, out *outcome) error {
	tally(&r.sum, b, out)
	for _, is := range out.issues { // in row order within the batch, batches in order
		if is.Kind == KindFailed && len(r.sum.FirstFailures) < maxFirstFailures {
			r.sum.FirstFailures = append(r.sum.FirstFailures, FailedRow{Row: is.Row, Column: is.Column, Reason: is.Reason})
		}
	}
	if r.im.Report != nil {
		for _, is := range out.issues {
			if err := r.im.Report.Add(is); err != nil {
				return fmt.Errorf("report: %w", err)
			}
		}
	}
	if r.im.Progress != nil {
		r.im.Progress(r.sum.Total, r.total)
	}
	return nil
}

// tally adds a committed batch to s.
func tally(s *Summary, b *batch, out *outcome) {
	s.Total += b.rows
	s.Created += out.created
	s.Updated += out.updated
	s.Unchanged += out.unchanged
	for _, is := range out.issues {
		if is.Kind == KindDuplicate {
			s.Skipped++
		} else {
			s.Failed++
		}
	}
}

// record adds the batch's report rows and the job's new counts to tx.
func (r *run) record(ctx context.Context, tx *store.Tx, b *batch, out *outcome) error {
	mergeIssues(b, out)
	if r.job == nil {
		return nil
	}
	if err := tx.AddImportIssues(ctx, r.o.TenantID, r.job.ID, issueRows(out.issues)); err != nil {
		return err
	}
	next := r.sum
	tally(&next, b, out)
	r.setJobCounts(&next)
	return tx.SaveImport(ctx, r.job)
}

// mergeIssues adds the rows the matching stage reported to those the
// writes reported, in row order.
func mergeIssues(b *batch, out *outcome) {
	out.issues = append(out.issues, b.issues...)
	sort.SliceStable(out.issues, func(i, j int) bool { return out.issues[i].Row < out.issues[j].Row })
}

// setJobCounts copies counts into the job row (unchanged rows count as
// updated there; options keeps them apart).
func (r *run) setJobCounts(s *Summary) {
	j := r.job
	j.Processed, j.Created, j.Updated, j.Skipped, j.Failed = s.Total, s.Created, s.Updated+s.Unchanged, s.Skipped, s.Failed
	r.jo.Unchanged = s.Unchanged
	b, _ := json.Marshal(r.jo)
	j.Options = string(b)
	j.UpdatedAt = time.Now().UTC()
}

// issueData is the import_issues.data column.
type issueData struct {
	Column string   `json:"column,omitempty"`
	Cells  []string `json:"cells"`
}

// errBulkConflict: a multi-row insert hit a unique value; the batch is
// retried row by row.
var errBulkConflict = errors.New("importer: bulk insert conflict")

// apply writes a batch: its new customers in multi-row statements (bulk),
// or one by one, each in a savepoint so a refused row fails alone; then its
// updates in row order.
func (r *run) apply(ctx context.Context, tx *store.Tx, b *batch, out *outcome, bulk bool) error {
	cat := r.bulk.Catalog
	if len(b.creates) > 0 && bulk {
		cs := make([]*model.Customer, len(b.creates))
		for i, op := range b.creates {
			cs[i] = op.create
		}
		err := tx.InsertCustomers(ctx, cs, cat)
		if errors.Is(err, model.ErrConflict) {
			return errBulkConflict
		}
		if err != nil {
			return err
		}
		if err := tx.AddPoolActions(ctx, r.o.TenantID, r.bulk.PoolActions(cs)); err != nil {
			return err
		}
		out.created += int64(len(cs))
	}
	if len(b.creates) > 0 && !bulk {
		var inserted []*model.Customer
		for _, op := range b.creates {
			err := r.bulk.InsertTx(ctx, tx, op.create)
			var ce *model.ConflictError
			switch {
			case err == nil:
				inserted = append(inserted, op.create)
				out.created++
			case errors.As(err, &ce):
				out.issues = append(out.issues, r.issue(op.it, KindFailed, ce.Error(), r.colOf[ce.Field], ce.ExistingID))
			default:
				return err
			}
		}
		if err := tx.AddPoolActions(ctx, r.o.TenantID, r.bulk.PoolActions(inserted)); err != nil {
			return err
		}
	}
	for _, op := range b.updates {
		res, err := r.bulk.UpdateTx(ctx, tx, op.updateID, op.it.in)
		if err != nil {
			is, ok := r.writeIssue(op, err)
			if !ok {
				return err
			}
			out.issues = append(out.issues, is)
			continue
		}
		if res == crm.Unchanged {
			out.unchanged++
		} else {
			out.updated++
		}
	}
	return nil
}

// rowFault reports whether err from validating a row is the row's own
// fault (a value refused, a unique value taken, a reference to nothing) —
// a report row — rather than a failure of the database or the disk, which
// fails the whole import.
func rowFault(err error) bool {
	var fe *model.FieldError
	return errors.As(err, &fe) || errors.Is(err, model.ErrConflict) || errors.Is(err, model.ErrNotFound) ||
		errors.Is(err, model.ErrForbidden) // the caller may not write this row (another project, a role)
}

// writeIssue turns a per-row write error into a report row; other errors
// stop the import.
func (r *run) writeIssue(op *op, err error) (Issue, bool) {
	var ce *model.ConflictError
	var fe *model.FieldError
	switch {
	case errors.As(err, &ce):
		return r.issue(op.it, KindFailed, ce.Error(), r.colOf[ce.Field], ce.ExistingID), true
	case errors.As(err, &fe):
		it := *op.it
		it.err, it.column = err, r.columnOf(fe.Field)
		return r.issue(op.it, KindFailed, r.reason(&it), it.column, op.updateID), true
	case errors.Is(err, model.ErrNotFound):
		return r.issue(op.it, KindFailed, fmt.Sprintf("客户 %d 已不存在", op.updateID), "", op.updateID), true
	case errors.Is(err, model.ErrForbidden):
		return r.issue(op.it, KindFailed, err.Error(), "", op.updateID), true
	}
	return Issue{}, false
}

// dryRun decides what a batch would do without writing: creates count as
// created, updates are applied to a copy of the stored customer.
func (r *run) dryRun(ctx context.Context, b *batch) (outcome, error) {
	out := outcome{created: int64(len(b.creates))}
	pending := map[int64]*model.Customer{}
	for _, op := range b.creates {
		pending[op.create.ID] = op.create
	}
	for _, op := range b.updates {
		old := pending[op.updateID]
		if old == nil {
			c, err := r.im.Svc.Store.Customer(ctx, r.o.TenantID, op.updateID)
			if err != nil && !errors.Is(err, model.ErrNotFound) {
				return out, err
			}
			old = c
		}
		if old == nil {
			// Created by an earlier batch of this dry run: it would be updated.
			out.updated++
			continue
		}
		nc, changed, err := r.bulk.Patch(ctx, old, op.it.in)
		if err != nil {
			if is, ok := r.writeIssue(op, r.bulk.HideConflict(ctx, err)); ok {
				out.issues = append(out.issues, is)
				continue
			}
			return out, err
		}
		if changed {
			out.updated++
			pending[op.updateID] = nc
		} else {
			out.unchanged++
		}
	}
	return out, nil
}
