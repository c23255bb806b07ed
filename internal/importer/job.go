package importer

import (
	"encoding/json"
	"time"

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
		ProjectID: jo.ProjectID, DedupeBy: jo.DedupeBy, Processed: j.Processed, Created: j.Created,
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
