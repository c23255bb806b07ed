package importer

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/store"
)

// View is a job as the API shows it.
type View struct {
	ID             int64             `json:"id"`
	Status         string            `json:"status"`
	FileName       string            `json:"fileName"`
	Format         string            `json:"format,omitempty"`
	OnDuplicate    Mode              `json:"onDuplicate"`
	DryRun         bool              `json:"dryRun"`
	ProjectID      int64             `json:"projectId,omitempty"`
	PoolID         int64             `json:"poolId,omitempty"`
	DedupeBy       []string          `json:"dedupeBy,omitempty"`
	TotalRows      *int64            `json:"totalRows"`
	Processed      int64             `json:"processed"`
	Progress       float64           `json:"progress"`
	Created        int64             `json:"created"`
	Updated        int64             `json:"updated"`
	Unchanged      int64             `json:"unchanged"`
	Skipped        int64             `json:"skipped"`
	Failed         int64             `json:"failed"`
	Error          string            `json:"error,omitempty"`
	Columns        map[string]string `json:"columns,omitempty"`
	IgnoredColumns []string          `json:"ignoredColumns,omitempty"`
	CreatedAt      time.Time         `json:"createdAt"`
	UpdatedAt      time.Time         `json:"updatedAt"`
}

// ProjectOf is the project an import job was bound to (0: none).
func ProjectOf(j *store.ImportJob) int64 {
	var jo jobOptions
	_ = json.Unmarshal([]byte(j.Options), &jo)
	return jo.ProjectID
}

// ViewOf renders a job row. A queued or running job whose row has not been
// written for StaleAfter is reported as interrupted: its process died
// (kehu keeps no job state outside the database, so no node can resume
// it); the rows it committed stay, and importing the file again with
// onDuplicate skip or update completes it without duplicates.
func ViewOf(j *store.ImportJob, now time.Time) View {
	var jo jobOptions
	_ = json.Unmarshal([]byte(j.Options), &jo)
	v := View{ID: j.ID, Status: j.Status, FileName: j.FileName, Format: jo.Format, OnDuplicate: jo.OnDuplicate, DryRun: jo.DryRun,
		ProjectID: jo.ProjectID, PoolID: jo.PoolID, DedupeBy: jo.DedupeBy, Processed: j.Processed, Created: j.Created,
		Updated: j.Updated - jo.Unchanged, Unchanged: jo.Unchanged, Skipped: j.Skipped, Failed: j.Failed, Error: j.Error,
		Columns: jo.Columns, IgnoredColumns: jo.Ignored, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt}
	if j.TotalRows >= 0 {
		t := j.TotalRows
		v.TotalRows = &t
	}
	switch {
	case j.Status == StatusDone:
		v.Progress = 1
	case j.TotalRows > 0:
		v.Progress = min(float64(j.Processed)/float64(j.TotalRows), 0.99)
	}
	if (j.Status == StatusRunning || j.Status == StatusQueued) && now.Sub(j.UpdatedAt) > StaleAfter {
		v.Status = StatusInterrupted
	}
	return v
}

// ExternalJob makes the job row of work that brings customers in from
// somewhere other than a file — `kehu sync` from another platform — so that
// GET /v1/imports/{id} and its report show it exactly like an import. The
// caller creates the row (store.CreateImport) and keeps its counts with
// SetExternalCounts in the transactions of its writes.
func ExternalJob(tenantID int64, name, format string, projectID int64, dedupeBy, headers []string) *store.ImportJob {
	now := time.Now().UTC().Truncate(time.Millisecond)
	opts, _ := json.Marshal(jobOptions{OnDuplicate: Update, ProjectID: projectID, DedupeBy: dedupeBy, Format: format, Headers: headers})
	return &store.ImportJob{TenantID: tenantID, ID: idgen.Next(), Status: StatusRunning, FileName: name,
		Options: string(opts), TotalRows: -1, CreatedAt: now, UpdatedAt: now}
}

// SetExternalCounts writes an external job's counts into its row (total -1:
// not known yet).
func SetExternalCounts(j *store.ImportJob, total, processed, created, updated, unchanged, failed int64) {
	var jo jobOptions
	_ = json.Unmarshal([]byte(j.Options), &jo)
	jo.Unchanged = unchanged
	b, _ := json.Marshal(jo)
	j.Options = string(b)
	j.TotalRows, j.Processed, j.Created, j.Updated, j.Failed = total, processed, created, updated+unchanged, failed
	j.UpdatedAt = time.Now().UTC()
}

// IssueRows turns report rows into import_issues rows.
func IssueRows(issues []Issue) []store.ImportIssue { return issueRows(issues) }

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

// FailJob marks a job row failed before Run could start (the file could
// not be opened).
func FailJob(ctx context.Context, st *store.Store, job *store.ImportJob, cause error) error {
	job.Status, job.Error, job.UpdatedAt = StatusFailed, cause.Error(), time.Now().UTC()
	return st.SaveImport(context.WithoutCancel(ctx), job)
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
