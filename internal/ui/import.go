package ui

import (
	"errors"
	"net/http"

	"github.com/kehu/kehu/internal/model"
)

// GET /import: the wizard (file, mapping, duplicates, dry run, import) and
// the latest jobs.
func (p *pages2) importPage(w http.ResponseWriter, r *http.Request) {
	d, err := loadImportPage(r.Context(), p.svc, p.caller(r))
	p.page(w, r, "import.title", "import", d, err)
}

// POST /import/preview (multipart, a "file" part): the mapping step as a
// fragment; a file that cannot be read is a 400 fragment saying why, in
// the import's own words.
func (p *pages2) importPreview(w http.ResponseWriter, r *http.Request) {
	d, err := previewUpload(r.Context(), p.svc, p.caller(r), r)
	var fe *model.FieldError
	switch {
	case err == nil:
		p.fragment(w, r, http.StatusOK, "import_preview", d)
	case errors.As(err, &fe):
		p.fragment(w, r, http.StatusBadRequest, "import_preview_error", fe.Error())
	default:
		p.fail(w, r, err)
	}
}

func jobID(r *http.Request) (int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, err
	}
	return id, nil
}

// GET /import/{id}: one job, its progress read from the job row (the page
// polls /import/{id}/status while it runs).
func (p *pages2) importJob(w http.ResponseWriter, r *http.Request) {
	id, err := jobID(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v, err := loadImportJob(r.Context(), p.svc.Store, p.caller(r), id)
	p.page(w, r, "import.title", "import_job", v, err)
}

// GET /import/{id}/status: the job's status panel alone.
func (p *pages2) importStatus(w http.ResponseWriter, r *http.Request) {
	id, err := jobID(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v, err := loadImportJob(r.Context(), p.svc.Store, p.caller(r), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.fragment(w, r, http.StatusOK, "import_status", v)
}
