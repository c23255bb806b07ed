package importer

import (
	"errors"
	"fmt"
	"sort"

	"github.com/kehu/kehu/internal/model"
)

// Report rows: how a row's failure becomes an Issue.

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

// mergeIssues adds the rows the matching stage reported to those the
// writes reported, in row order.
func mergeIssues(b *batch, out *outcome) {
	out.issues = append(out.issues, b.issues...)
	sort.SliceStable(out.issues, func(i, j int) bool { return out.issues[i].Row < out.issues[j].Row })
}

// issueData is the import_issues.data column.
type issueData struct {
	Column string   `json:"column,omitempty"`
	Cells  []string `json:"cells"`
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
