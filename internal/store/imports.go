package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/model"
)

// ImportJob is one row of the imports table: an import's options and its
// progress, updated in the same transaction as each batch of writes, so any
// node can report a job and a crash never leaves counts ahead of the data.
type ImportJob struct {
	TenantID  int64
	ID        int64
	Status    string // queued, running, done, failed
	FileName  string
	Options   string // JSON
	TotalRows int64
	Processed int64
	Created   int64
	Updated   int64
	Skipped   int64
	Failed    int64
	Error     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ImportIssue is one failed or duplicate row of an import (import_issues).
type ImportIssue struct {
	Row        int64
	Kind       string // failed, duplicate
	Reason     string
	ExistingID int64
	Data       string // JSON: the field at fault and the row's original cells
}

const importColumns = `status, file_name, options, total_rows, processed, created, updated, skipped, failed, error, created_at, updated_at`

// CreateImport inserts a job row.
func (s *Store) CreateImport(ctx context.Context, j *ImportJob) error {
	return s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO imports (tenant_id, id, `+importColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			j.TenantID, j.ID, j.Status, j.FileName, j.Options, j.TotalRows, j.Processed, j.Created, j.Updated, j.Skipped, j.Failed, j.Error,
			model.Millis(j.CreatedAt), model.Millis(j.UpdatedAt))
		if err != nil {
			return fmt.Errorf("store: create import: %w", err)
		}
		return nil
	})
}

// Import loads one job of a tenant.
func (s *Store) Import(ctx context.Context, tenantID, id int64) (*ImportJob, error) {
	j := &ImportJob{TenantID: tenantID, ID: id}
	var created, updated int64
	err := s.queryRow(ctx, `SELECT `+importColumns+` FROM imports WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(
		&j.Status, &j.FileName, &j.Options, &j.TotalRows, &j.Processed, &j.Created, &j.Updated, &j.Skipped, &j.Failed, &j.Error, &created, &updated)
	if err != nil {
		return nil, notFound(err, "import")
	}
	j.CreatedAt, j.UpdatedAt = model.FromMillis(created), model.FromMillis(updated)
	return j, nil
}

// RecentImports lists a tenant's latest jobs, newest first (ids grow with
// time), for the console's import page.
func (s *Store) RecentImports(ctx context.Context, tenantID int64, limit int) ([]ImportJob, error) {
	rows, err := s.query(ctx, `SELECT id, `+importColumns+` FROM imports WHERE tenant_id = ? ORDER BY id DESC LIMIT ?`, tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent imports: %w", err)
	}
	defer rows.Close()
	var out []ImportJob
	for rows.Next() {
		j := ImportJob{TenantID: tenantID}
		var created, updated int64
		if err := rows.Scan(&j.ID, &j.Status, &j.FileName, &j.Options, &j.TotalRows, &j.Processed, &j.Created, &j.Updated, &j.Skipped, &j.Failed, &j.Error, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: recent imports: %w", err)
		}
		j.CreatedAt, j.UpdatedAt = model.FromMillis(created), model.FromMillis(updated)
		out = append(out, j)
	}
	return out, rows.Err()
}

// SaveImport writes a job's mutable columns (status, options, counts, error,
// updated_at) inside the transaction.
func (t *Tx) SaveImport(ctx context.Context, j *ImportJob) error {
	res, err := t.exec(ctx, `UPDATE imports SET status = ?, options = ?, total_rows = ?, processed = ?, created = ?, updated = ?, skipped = ?, failed = ?, error = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ?`, j.Status, j.Options, j.TotalRows, j.Processed, j.Created, j.Updated, j.Skipped, j.Failed, j.Error, model.Millis(j.UpdatedAt), j.TenantID, j.ID)
	if err != nil {
		return fmt.Errorf("store: save import: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: save import %d: %w", j.ID, model.ErrNotFound)
	}
	return nil
}

// SaveImport is Tx.SaveImport in its own transaction.
func (s *Store) SaveImport(ctx context.Context, j *ImportJob) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.SaveImport(ctx, j) })
}

// AddImportIssues records failed and duplicate rows of a job.
func (t *Tx) AddImportIssues(ctx context.Context, tenantID, importID int64, issues []ImportIssue) error {
	if len(issues) == 0 {
		return nil
	}
	return t.insertRows(ctx, "import_issues", strings.Join(importIssueCols, ", "), "", importIssueRows(tenantID, importID, issues))
}

var importIssueCols = []string{"tenant_id", "import_id", "row_no", "kind", "reason", "existing_id", "data"}

func importIssueRows(tenantID, importID int64, issues []ImportIssue) [][]any {
	rows := make([][]any, len(issues))
	for i, is := range issues {
		rows[i] = []any{tenantID, importID, is.Row, is.Kind, is.Reason, nullInt(is.ExistingID), is.Data}
	}
	return rows
}

// ImportIssues calls fn for each issue of a job in row order, streaming.
func (s *Store) ImportIssues(ctx context.Context, tenantID, importID int64, fn func(ImportIssue) error) error {
	rows, err := s.query(ctx, `SELECT row_no, kind, reason, existing_id, data FROM import_issues WHERE tenant_id = ? AND import_id = ? ORDER BY row_no`, tenantID, importID)
	if err != nil {
		return fmt.Errorf("store: import issues: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var is ImportIssue
		var existing sql.NullInt64
		if err := rows.Scan(&is.Row, &is.Kind, &is.Reason, &existing, &is.Data); err != nil {
			return err
		}
		is.ExistingID = existing.Int64
		if err := fn(is); err != nil {
			return err
		}
	}
	return rows.Err()
}
