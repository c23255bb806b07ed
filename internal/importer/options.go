package importer

import (
	"strings"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// What an import is asked to do and what it answers: the options, the
// summary, the report rows and the Importer that runs it.

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
