package platsync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Config is one `kehu sync`.
type Config struct {
	Platform      string // dashi, tanma or yeastar
	BaseURL       string
	AppID         string
	AppSecret     string
	SourceProject string // 达实: the platform's project id (its customer calls require one)
	TenantID      int64
	ProjectID     int64 // kehu project the customers go to (0: 达实's project by name, else none)

	Since time.Time // only customers changed since; zero: the watermark of the last complete run
	Full  bool      // ignore the watermark: walk everything (unchanged customers are still not written)

	PageSize  int           // 0: the platform's default (达实 1000, 探马 100, Yeastar 50)
	Rate      float64       // requests per second; 0: unlimited
	Retries   int           // attempts after the first for a transient failure
	Backoff   time.Duration // first wait between attempts (doubles, with jitter, up to 30 s)
	Timeout   time.Duration // per request
	UserAgent string
	LeaseTTL  time.Duration // how long a silent run keeps the source to itself (a killed run's lease expires)
	HTTP      *http.Client

	Progress func(done, total int64)                                     // after each committed page
	OnRetry  func(op string, attempt int, wait time.Duration, err error) // before each wait
	OnWait   func(until time.Time)                                       // another run holds the source
}

// Summary is the outcome of a run.
type Summary struct {
	SyncID    int64      `json:"syncId"`
	ImportID  int64      `json:"importId"` // the job: GET /v1/imports/{id}, its report /v1/imports/{id}/report
	Platform  string     `json:"platform"`
	Source    string     `json:"source"`
	Resumed   bool       `json:"resumed,omitempty"` // continued an interrupted run
	Since     *time.Time `json:"since,omitempty"`   // incremental from this time
	Pages     int        `json:"pages"`
	Total     int64      `json:"total"` // customers the platform reported
	Seen      int64      `json:"seen"`  // records read
	Created   int64      `json:"created"`
	Updated   int64      `json:"updated"`
	Unchanged int64      `json:"unchanged"`
	Failed    int64      `json:"failed"`
	// NotMapped counts values that could not be carried over (each is a
	// row of the report); KeysNotMapped names platform keys kehu has no
	// place for, with the number of records that had a value there.
	NotMapped     int64            `json:"notMapped"`
	KeysNotMapped map[string]int64 `json:"keysNotMapped,omitempty"`
	Catalog       []string         `json:"catalogCreated,omitempty"` // fields, options, tags, stages, staff, departments, projects created
	Watermark     *time.Time       `json:"watermark,omitempty"`      // the next incremental run starts here
	Seconds       float64          `json:"seconds"`
}

// state is the checkpoint of a run in progress (syncs.state), committed
// with each page's writes.
type state struct {
	Running   bool             `json:"running,omitempty"`
	JobID     int64            `json:"jobId,omitempty"`
	Page      int              `json:"page,omitempty"` // last page committed
	PageSize  int              `json:"pageSize,omitempty"`
	Since     int64            `json:"since,omitempty"` // epoch ms, 0: full walk
	Until     int64            `json:"until,omitempty"` // epoch ms: the run's start
	Total     int64            `json:"total,omitempty"`
	Seen      int64            `json:"seen,omitempty"`
	Created   int64            `json:"created,omitempty"`
	Updated   int64            `json:"updated,omitempty"`
	Unchanged int64            `json:"unchanged,omitempty"`
	Failed    int64            `json:"failed,omitempty"`
	NotMapped int64            `json:"notMapped,omitempty"`
	Keys      map[string]int64 `json:"keys,omitempty"`
	Catalog   []string         `json:"catalog,omitempty"`
}

// Overlap is how far before the last run's start an incremental run looks,
// for clocks that disagree; customers seen twice are unchanged.
const Overlap = 5 * time.Minute

// reportHeaders are the report's columns after the five of every import
// report.
var reportHeaders = []string{"外部ID", "姓名", "手机号"}

type run struct {
	cfg   Config
	svc   *crm.Service
	p     platform
	org   *org
	owner string
	sy    *store.Sync
	state state
	job   *store.ImportJob
	bulk  *crm.Bulk
	since time.Time
	until time.Time

	mu   sync.Mutex
	keys map[string]int64 // this page's unknown keys
	cat  []string
}

func (r *run) st() *store.Store { return r.svc.Store }

// Run syncs one source into a tenant. It resumes the source's interrupted
// run when there is one; every page is committed with the checkpoint, so
// an interruption loses at most the page in flight.
func Run(ctx context.Context, svc *crm.Service, cfg Config) (*Summary, error) {
	start := time.Now()
	base, err := checkConfig(&cfg)
	if err != nil {
		return nil, err
	}
	if _, err := svc.Store.Tenant(ctx, cfg.TenantID); err != nil {
		return nil, fmt.Errorf("tenant %d: %w", cfg.TenantID, err)
	}
	if cfg.ProjectID != 0 {
		if _, err := svc.Store.Project(ctx, cfg.TenantID, cfg.ProjectID); err != nil {
			return nil, fmt.Errorf("project %d: %w", cfg.ProjectID, err)
		}
	}
	t := &transport{platform: cfg.Platform, http: cfg.HTTP, rate: cfg.Rate, retries: cfg.Retries, backoff: cfg.Backoff,
		timeout: cfg.Timeout, userAgent: cfg.UserAgent, onRetry: cfg.OnRetry}
	r := &run{cfg: cfg, svc: svc, owner: newOwner()}
	switch cfg.Platform {
	case PlatformDashi:
		r.p = &dashi{t: t, base: base, appID: cfg.AppID, secret: cfg.AppSecret, project: cfg.SourceProject}
	case PlatformTanma:
		r.p = &tanma{t: t, base: base, appID: cfg.AppID, secret: cfg.AppSecret}
	case PlatformYeastar:
		r.p = &yeastar{t: t, base: base, appID: cfg.AppID, secret: cfg.AppSecret}
	}
	r.org = &org{st: svc.Store, tenant: cfg.TenantID, note: r.noteCatalog}
	source := cfg.Platform + " " + base
	if cfg.SourceProject != "" {
		source += " project " + cfg.SourceProject
	}
	if r.sy, err = svc.Store.SyncBySource(ctx, cfg.TenantID, source, cfg.Platform); err != nil {
		return nil, err
	}
	if err := r.claim(ctx); err != nil {
		return nil, err
	}
	hbCtx, stopHB := context.WithCancel(ctx)
	hbDone := make(chan struct{})
	go func() { defer close(hbDone); r.heartbeat(hbCtx) }()
	defer func() {
		stopHB()
		<-hbDone
		_ = svc.Store.ReleaseSync(context.WithoutCancel(ctx), cfg.TenantID, r.sy.ID, r.owner)
	}()
	sum, err := r.walk(ctx)
	if sum != nil {
		sum.Seconds = time.Since(start).Seconds()
	}
	return sum, err
}

// checkConfig fills defaults and says what is wrong with a config.
func checkConfig(cfg *Config) (string, error) {
	switch cfg.Platform {
	case PlatformDashi, PlatformTanma, PlatformYeastar:
	default:
		return "", fmt.Errorf("--from must be dashi, tanma or yeastar, not %q", cfg.Platform)
	}
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return "", fmt.Errorf("--base-url must be the platform's http(s)://host[/path], not %q", cfg.BaseURL)
	}
	base := strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/")
	if cfg.AppID == "" || cfg.AppSecret == "" {
		return "", errors.New("the platform's app id and secret are required (--app-id / --app-secret, KEHU_APP_ID / KEHU_APP_SECRET, or --credentials FILE)")
	}
	if cfg.TenantID == 0 {
		return "", errors.New("--tenant is required")
	}
	if cfg.Platform == PlatformDashi && strings.TrimSpace(cfg.SourceProject) == "" {
		return "", errors.New("--source-project is required for 达实: its customer page lists one project's customers")
	}
	if cfg.Platform != PlatformDashi && cfg.SourceProject != "" {
		return "", errors.New("--source-project is only for 达实")
	}
	cfg.SourceProject = strings.TrimSpace(cfg.SourceProject)
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.HTTP == nil {
		// Each request is bounded by cfg.Timeout (its context, transport.once);
		// the client's own Timeout and the transport's dial and handshake
		// limits say so again where no context reaches.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		tr.TLSHandshakeTimeout = 10 * time.Second
		tr.ResponseHeaderTimeout = cfg.Timeout
		cfg.HTTP = &http.Client{Transport: tr, Timeout: cfg.Timeout}
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = time.Minute
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "kehu-sync/1"
	}
	return base, nil
}

func newOwner() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// claim takes the source's lease, waiting while another run holds it (a
// killed run's lease runs out after LeaseTTL).
func (r *run) claim(ctx context.Context) error {
	told := false
	for {
		now := time.Now()
		ok, until, err := r.st().ClaimSync(ctx, r.cfg.TenantID, r.sy.ID, r.owner, now, now.Add(r.cfg.LeaseTTL))
		if err != nil {
			return err
		}
		if ok {
			r.sy.LeaseOwner = r.owner
			return nil
		}
		if !told && r.cfg.OnWait != nil {
			r.cfg.OnWait(until)
			told = true
		}
		if err := sleep(ctx, min(time.Until(until)+50*time.Millisecond, time.Second)); err != nil {
			return err
		}
	}
}

// heartbeat keeps the lease while a page is slow.
func (r *run) heartbeat(ctx context.Context) {
	tick := time.NewTicker(r.cfg.LeaseTTL / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			now := time.Now()
			_, _, _ = r.st().ClaimSync(ctx, r.cfg.TenantID, r.sy.ID, r.owner, now, now.Add(r.cfg.LeaseTTL))
		}
	}
}

// walk runs (or resumes) the source's run page by page.
func (r *run) walk(ctx context.Context) (*Summary, error) {
	def, maxSize := r.p.pageSizes()
	size := r.cfg.PageSize
	if size <= 0 {
		size = def
	}
	if size > maxSize {
		return nil, fmt.Errorf("--page-size: %s serves at most %d customers a page", platformNames[r.cfg.Platform], maxSize)
	}
	var prev state
	_ = json.Unmarshal([]byte(r.sy.State), &prev)
	resumed := false
	if prev.Running && prev.PageSize == size && prev.JobID != 0 {
		if job, err := r.st().Import(ctx, r.cfg.TenantID, prev.JobID); err == nil {
			r.job, r.state, resumed = job, prev, true
			r.job.Status, r.job.Error = importer.StatusRunning, ""
		}
	}
	if !resumed {
		now := time.Now().UTC().Truncate(time.Millisecond)
		since := r.cfg.Since
		if since.IsZero() && !r.cfg.Full && r.sy.Watermark > 0 {
			since = model.FromMillis(r.sy.Watermark).Add(-Overlap)
		}
		name := fmt.Sprintf("%s %s", platformNames[r.cfg.Platform], strings.TrimPrefix(r.sy.Source, r.cfg.Platform+" "))
		r.job = importer.ExternalJob(r.cfg.TenantID, name, "sync "+r.cfg.Platform, r.cfg.ProjectID, []string{crm.ByExternalID, crm.ByPhone}, reportHeaders)
		if err := r.st().CreateImport(ctx, r.job); err != nil {
			return nil, err
		}
		r.state = state{Running: true, JobID: r.job.ID, PageSize: size, Until: model.Millis(now), Total: -1}
		if !since.IsZero() {
			r.state.Since = model.Millis(since)
		}
	}
	if r.state.Since != 0 {
		r.since = model.FromMillis(r.state.Since)
	}
	r.until = model.FromMillis(r.state.Until)
	r.cat = append([]string(nil), r.state.Catalog...)
	if err := r.save(ctx, nil); err != nil {
		return nil, err
	}
	sum, err := r.pages(ctx, size)
	if sum != nil {
		sum.Resumed = resumed
	}
	if err != nil {
		r.job.Status, r.job.Error = importer.StatusFailed, err.Error()
		if errors.Is(err, context.Canceled) {
			r.job.Error = "interrupted; run kehu sync again to continue from page " + fmt.Sprint(r.state.Page+1)
		}
		r.job.UpdatedAt = time.Now().UTC()
		_ = r.st().SaveImport(context.WithoutCancel(ctx), r.job)
	}
	return sum, err
}

func (r *run) pages(ctx context.Context, size int) (*Summary, error) {
	if err := r.p.begin(ctx, r); err != nil {
		return r.summary(), err
	}
	var err error
	if r.bulk, err = r.svc.NewBulk(ctx, crm.SystemCaller(r.cfg.TenantID, r.actor())); err != nil {
		return r.summary(), err
	}
	r.org.take()
	since := r.since
	if !r.p.filtersSince() {
		since = time.Time{}
	}
	for {
		n := r.state.Page + 1
		raws, total, err := r.p.page(ctx, n, size, since, r.until)
		if err != nil {
			return r.summary(), err
		}
		if len(raws) == 0 {
			break
		}
		recs := make([]*Record, len(raws))
		for i, raw := range raws {
			recs[i] = r.p.mapRecord(ctx, r, raw)
		}
		if r.org.take() { // new staff, tags, stages or fields: validate against them
			if r.bulk, err = r.svc.NewBulk(ctx, crm.SystemCaller(r.cfg.TenantID, r.actor())); err != nil {
				return r.summary(), err
			}
		}
		if err := r.write(ctx, n, total, recs); err != nil {
			return r.summary(), err
		}
		if r.cfg.Progress != nil {
			r.cfg.Progress(r.state.Seen, max(total, r.state.Seen))
		}
		if int64(n)*int64(size) >= total {
			break
		}
		if len(raws) < size {
			// Not the last page, yet short: the platform serves smaller pages
			// than asked for. Going on would skip customers.
			return r.summary(), fmt.Errorf("%s page %d: the platform sent %d customers where %d were asked for, before the last of its %d customers: it serves at most %d a page; run again with --page-size %d",
				platformNames[r.cfg.Platform], n, len(raws), size, total, len(raws), len(raws))
		}
	}
	// Done: the watermark moves to this run's start, the checkpoint clears.
	r.job.Status = importer.StatusDone
	importer.SetExternalCounts(r.job, r.state.Seen, r.state.Seen, r.state.Created, r.state.Updated, r.state.Unchanged, r.state.Failed)
	done := r.state
	r.sy.Watermark = r.state.Until
	r.state = state{}
	if err := r.save(ctx, func(tx *store.Tx) error { return tx.SaveImport(ctx, r.job) }); err != nil {
		r.state = done
		return r.summary(), err
	}
	sum := summaryOf(r, done)
	wm := model.FromMillis(r.sy.Watermark)
	sum.Watermark = &wm
	return sum, nil
}

// actor is who a sync's writes are by: the sync itself, naming its
// platform (the platform's own creator stays the customer's createdBy).
func (r *run) actor() model.Actor {
	return model.Actor{ID: "sync:" + r.cfg.Platform, Name: "kehu sync " + platformNames[r.cfg.Platform], Kind: model.ActorSystem}
}

// save writes the checkpoint (and whatever extra does) in one transaction.
func (r *run) save(ctx context.Context, extra func(tx *store.Tx) error) error {
	return r.st().InTx(ctx, func(tx *store.Tx) error {
		if extra != nil {
			if err := extra(tx); err != nil {
				return err
			}
		}
		return r.saveState(ctx, tx, &r.state)
	})
}

func (r *run) saveState(ctx context.Context, tx *store.Tx, s *state) error {
	b, _ := json.Marshal(s)
	r.sy.State = string(b)
	r.sy.JobID = r.job.ID
	r.sy.LeaseUntil = time.Now().Add(r.cfg.LeaseTTL)
	if err := tx.SaveSync(ctx, r.sy); err != nil {
		if errors.Is(err, model.ErrConflict) {
			return errors.New("another kehu sync took this source over (this run was silent for longer than its lease); nothing of this page was written")
		}
		return err
	}
	return nil
}

func (r *run) summary() *Summary { return summaryOf(r, r.state) }

func summaryOf(r *run, s state) *Summary {
	sum := &Summary{SyncID: r.sy.ID, Platform: r.cfg.Platform, Source: r.sy.Source, Pages: s.Page, Total: max(s.Total, 0),
		Seen: s.Seen, Created: s.Created, Updated: s.Updated, Unchanged: s.Unchanged, Failed: s.Failed, NotMapped: s.NotMapped,
		KeysNotMapped: s.Keys, Catalog: s.Catalog}
	if r.job != nil {
		sum.ImportID = r.job.ID
	}
	if s.Since != 0 {
		t := model.FromMillis(s.Since)
		sum.Since = &t
	}
	return sum
}

// noteCatalog records something the sync created in kehu's catalogue.
func (r *run) noteCatalog(what string) {
	r.mu.Lock()
	r.cat = append(r.cat, what)
	r.mu.Unlock()
}

// noteUnmapped records a platform field kehu cannot take.
func (r *run) noteUnmapped(what string) { r.countKey(what) }

// countKey counts a platform key that has a value and no place in kehu.
func (r *run) countKey(k string) {
	r.mu.Lock()
	if r.keys == nil {
		r.keys = map[string]int64{}
	}
	r.keys[k]++
	r.mu.Unlock()
}

// countUnknown counts the keys of a record outside known.
func (r *run) countUnknown(raw json.RawMessage, known map[string]bool) {
	var obj map[string]flex
	if json.Unmarshal(raw, &obj) != nil {
		return
	}
	for k, v := range obj {
		if !known[k] && !v.null() {
			r.countKey(k)
		}
	}
}

// jsonKeys lists the JSON names of a struct's fields.
func jsonKeys(v any) map[string]bool {
	out := map[string]bool{}
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" {
			out[name] = true
		}
	}
	return out
}

// dropInput clears the input value crm refused (field as crm names it:
// "email", "phones[1]", "fields.level"), so the rest of the record can be
// written. It reports whether there was such a value.
func dropInput(in *crm.CustomerInput, field string) bool {
	if k, ok := strings.CutPrefix(field, "fields."); ok {
		if _, has := in.Fields[k]; has {
			delete(in.Fields, k)
			return true
		}
		return false
	}
	base, idx := field, -1
	if i := strings.IndexByte(field, '['); i > 0 {
		base = field[:i]
		_, _ = fmt.Sscanf(field[i:], "[%d]", &idx)
	}
	if base == "phones" && in.Phones != nil && idx >= 0 && idx < len(*in.Phones) {
		l := append([]string(nil), (*in.Phones)[:idx]...)
		l = append(l, (*in.Phones)[idx+1:]...)
		in.Phones = &l
		return true
	}
	v := reflect.ValueOf(in).Elem()
	t := v.Type()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name == base && t.Field(i).Type.Kind() == reflect.Pointer {
			if v.Field(i).IsNil() {
				return false
			}
			v.Field(i).Set(reflect.Zero(t.Field(i).Type))
			return true
		}
	}
	return false
}

// mergeKeys adds a page's unknown keys to the checkpoint's.
func mergeKeys(dst map[string]int64, src map[string]int64) map[string]int64 {
	if len(src) == 0 {
		return dst
	}
	out := make(map[string]int64, len(dst)+len(src))
	for k, n := range dst {
		out[k] = n
	}
	for k, n := range src {
		out[k] += n
	}
	return out
}

func sortedUnique(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
