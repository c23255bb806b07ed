package store

import (
	"context"
	"strings"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
)

// LoadFeed takes a load's customers (and rows that belong to the same
// transaction) from the feed goroutine to the writer.
type LoadFeed struct {
	ctx      context.Context
	tenantID int64
	cat      *Catalog
	post     *postings
	b        *loadBatch
	out      chan<- *loadBatch
	n        int
	told     int // f.n when progress was last told
	progress func(string, int)
	// flushEvery: hand the postings to the writer after this many customers.
	flushEvery int
}

// Add queues a new customer of the load's tenant (a zero ID is assigned).
func (f *LoadFeed) Add(c *model.Customer) error {
	c.TenantID = f.tenantID
	if c.ID == 0 {
		c.ID = idgen.Next()
	}
	ix, err := buildIndexOpts(c, f.cat, false)
	if err != nil {
		return err
	}
	f.post.add(c, &ix)
	f.b.cust = append(f.b.cust, customerArgs(c))
	f.b.events = append(f.b.events, []any{f.tenantID, idgen.Next(), nullInt(c.ProjectID), c.ID, "add", "", model.Millis(c.UpdatedAt)})
	f.n++
	if f.flushEvery > 0 && len(f.post.ids) >= f.flushEvery {
		if err := f.flush(); err != nil {
			return err
		}
		f.b.post, f.post = f.post, newPostings(f.flushEvery)
		if err := f.flush(); err != nil {
			return err
		}
	}
	if len(f.b.cust) == loadBatchRows {
		if err := f.flush(); err != nil {
			return err
		}
		if f.n-f.told >= 64*loadBatchRows {
			f.told = f.n
			f.progress("customers", f.n)
		}
	}
	return nil
}

// AddImportIssues queues report rows of an import job.
func (f *LoadFeed) AddImportIssues(importID int64, issues []ImportIssue) {
	if len(issues) == 0 {
		return
	}
	f.b.extra = append(f.b.extra, extraRows{"import_issues", importIssueCols, importIssueRows(f.tenantID, importID, issues)})
}

// AddPoolActions queues pool actions (IDs assigned): an import into a
// pool records each customer's arrival in the load's transaction.
func (f *LoadFeed) AddPoolActions(as []*model.PoolAction) {
	if len(as) == 0 {
		return
	}
	f.b.extra = append(f.b.extra, extraRows{"pool_actions", splitCols(poolActionCols), poolActionRows(f.tenantID, as)})
}

// SaveImport queues the final state of an import job (SQLite loads only),
// so the job reads as done exactly when its rows are committed.
func (f *LoadFeed) SaveImport(j *ImportJob) {
	cols := append([]string{"tenant_id", "id"}, strings.Split(importColumns, ", ")...)
	row := []any{j.TenantID, j.ID, j.Status, j.FileName, j.Options, j.TotalRows, j.Processed, j.Created, j.Updated, j.Skipped, j.Failed, j.Error,
		model.Millis(j.CreatedAt), model.Millis(j.UpdatedAt)}
	f.b.extra = append(f.b.extra, extraRows{"imports", cols, [][]any{row}})
}

func (f *LoadFeed) flush() error {
	if len(f.b.cust) == 0 && len(f.b.extra) == 0 && f.b.post == nil {
		return nil
	}
	select {
	case f.out <- f.b:
	case <-f.ctx.Done():
		return f.ctx.Err()
	}
	f.b = &loadBatch{}
	return nil
}

// splitCols splits a column list ("a, b,\n c").
func splitCols(s string) []string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}
