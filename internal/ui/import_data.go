package ui

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// The import wizard's data. The wizard itself writes nothing: the dry run
// and the import are POST /v1/imports (static/import.js), so the console
// imports through exactly the code API clients use.

// importPageData is the wizard's form.
type importPageData struct {
	Projects  []model.Project
	BoundTo   int64 // the caller's project binding, 0 for none
	Dedupe    []dedupeKey
	Modes     []importer.Mode
	Recent    []importer.View
	MaxUpload int64
}

// dedupeKey is a field an import can match customers on.
type dedupeKey struct {
	Key, Label string
	Default    bool // matched on unless the user unticks it
	Always     bool // enforced by the database: always matched
}

func loadImportPage(ctx context.Context, svc *crm.Service, caller *model.Caller) (*importPageData, error) {
	if err := crm.Need(caller, model.PermImport); err != nil {
		return nil, err
	}
	st := svc.Store
	cat, err := st.LoadCatalog(ctx, caller.TenantID)
	if err != nil {
		return nil, err
	}
	d := &importPageData{BoundTo: caller.ProjectID, Modes: []importer.Mode{importer.Skip, importer.Update, importer.Create},
		MaxUpload: maxImportUpload}
	if caller.ProjectID == 0 {
		if d.Projects, err = svc.Projects(ctx, caller); err != nil {
			return nil, err
		}
	}
	def := map[string]bool{}
	for _, k := range crm.DefaultDedupeKeys {
		def[k] = true
	}
	for _, k := range append([]string{crm.ByID}, crm.DefaultDedupeKeys...) {
		if f, err := crm.MatchField(cat, k); err == nil && f != nil {
			d.Dedupe = append(d.Dedupe, dedupeKey{Key: k, Label: f.Label, Default: def[k], Always: crm.Enforced(cat, f)})
		}
	}
	for _, f := range cat.List() {
		if !f.System && f.Unique {
			d.Dedupe = append(d.Dedupe, dedupeKey{Key: f.Key, Label: f.Label, Default: true, Always: true})
		}
	}
	jobs, err := st.RecentImports(ctx, caller.TenantID, 10)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	for i := range jobs {
		if crm.ImportJobAccess(caller, importer.ProjectOf(&jobs[i])) != nil {
			continue
		}
		d.Recent = append(d.Recent, importer.ViewOf(&jobs[i], now))
	}
	return d, nil
}

// maxImportUpload is the API's bound (api.MaxImportUpload, 512 MiB): the
// preview reads what the import will read.
const maxImportUpload = 512 << 20

// importPreviewData is the mapping step: each column of the file, what it
// maps to, a few values, and every field it could map to.
type importPreviewData struct {
	FileName string
	Preview  *importer.Preview
	Targets  []importer.Target
	Columns  []previewColumn
}

type previewColumn struct {
	importer.PreviewColumn
	Index  int
	Values []string // the column's cells in the sample rows
}

// errNoFile is a preview request without a file.
var errNoFile = &model.FieldError{Field: "file", Code: "required", Msg: "upload the CSV or XLSX file as the \"file\" part"}

// previewUpload spools the request's "file" part to a temporary file (never
// held in memory), reads its header as the import will and removes it.
func previewUpload(ctx context.Context, svc *crm.Service, caller *model.Caller, r *http.Request) (*importPreviewData, error) {
	if err := crm.Need(caller, model.PermImport); err != nil {
		return nil, err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return nil, errNoFile
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, model.Invalid("file", "malformed multipart body: %s", err.Error())
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, errNoFile
		}
		if err != nil {
			return nil, model.Invalid("file", "malformed multipart body: %s", err.Error())
		}
		if part.FormName() != "file" {
			continue
		}
		return previewPart(ctx, svc, caller, part.FileName(), part)
	}
}

func previewPart(ctx context.Context, svc *crm.Service, caller *model.Caller, name string, body io.Reader) (*importPreviewData, error) {
	tmp, err := os.CreateTemp("", "kehu-preview-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := io.Copy(tmp, io.LimitReader(body, maxImportUpload+1))
	if err != nil {
		return nil, model.Invalid("file", "could not read the uploaded file")
	}
	if n > maxImportUpload {
		return nil, model.Invalid("file", "the file is larger than 512 MiB: split it or use the kehu import command")
	}
	if name == "" {
		name = "upload"
	}
	src, err := importer.Open(tmp.Name(), name)
	if err != nil {
		return nil, model.Invalid("file", "%s", err.Error())
	}
	defer src.Close()
	pv, err := (&importer.Importer{Svc: svc}).Preview(ctx, caller, src, nil)
	if err != nil {
		var fe *model.FieldError
		var pe *model.PermissionError
		if errors.As(err, &fe) || errors.As(err, &pe) || errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, model.Invalid("file", "%s", err.Error())
	}
	cat, err := svc.Store.LoadCatalog(ctx, caller.TenantID)
	if err != nil {
		return nil, err
	}
	d := &importPreviewData{FileName: name, Preview: pv, Targets: importer.Targets(cat)}
	for i, c := range pv.Columns {
		pc := previewColumn{PreviewColumn: c, Index: i}
		for _, row := range pv.Sample {
			if i < len(row) && len(pc.Values) < 3 {
				pc.Values = append(pc.Values, row[i])
			}
		}
		d.Columns = append(d.Columns, pc)
	}
	return d, nil
}

// loadImportJob reads a job of the caller's tenant (and project, when
// bound) from the database, so any node shows it.
func loadImportJob(ctx context.Context, st *store.Store, caller *model.Caller, id int64) (*importer.View, error) {
	j, err := st.Import(ctx, caller.TenantID, id)
	if err != nil {
		return nil, err
	}
	if err := crm.ImportJobAccess(caller, importer.ProjectOf(j)); err != nil {
		return nil, err
	}
	v := importer.ViewOf(j, time.Now())
	return &v, nil
}

// running reports whether a job view is still moving (the page polls).
func running(v *importer.View) bool {
	return v.Status == importer.StatusQueued || v.Status == importer.StatusRunning
}
