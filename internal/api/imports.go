package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/background"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/importer"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// MaxImportUpload bounds an uploaded import file.
const MaxImportUpload = 512 << 20

// createImport: POST /v1/imports, multipart/form-data with a "file" part
// (CSV or XLSX) and optional fields onDuplicate (skip|update|create),
// dryRun, projectId, poolId (the 公海 pool new customers land in: crm
// decides whether the caller may), dedupeBy (comma-separated) and mapping
// (a JSON object header → field key). The file is spooled to a temporary file (never held
// in memory), its header is checked, and the import runs in the background:
// 202 with the job, whose progress GET /v1/imports/{id} reads from the
// database (any node can answer).
// uploadTimeout is how long an import's upload (512 MiB at most) may take.
const uploadTimeout = 15 * time.Minute

func (h *Handler) createImport(w http.ResponseWriter, r *http.Request) error {
	cl := callerOf(r.Context()).client
	if err := crm.Need(whoOf(r), model.PermImport); err != nil {
		return err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return problem(415, "unsupported_media_type", "", "send multipart/form-data with a \"file\" part (CSV or XLSX)")
	}
	// An import takes a heavy-work slot from before its upload until its
	// job ends; beyond the tenant's share it is a 429, beyond the node's 503.
	release, err := h.Limits.Imports.Acquire(r.Context(), cl.TenantID)
	if err != nil {
		return err
	}
	defer func() {
		if release != nil {
			release()
		}
	}()
	httpx.ExtendRead(w, uploadTimeout)
	httpx.Extend(r.Context(), w, uploadTimeout)
	mr, err := r.MultipartReader()
	if err != nil {
		return problem(400, "bad_body", "", "malformed multipart body: "+err.Error())
	}
	o := importer.Options{TenantID: cl.TenantID, Caller: whoOf(r), Persist: true}
	var tmp *os.File
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return problem(400, "bad_body", "", "malformed multipart body: "+err.Error())
		}
		name := part.FormName()
		switch name {
		case "file":
			if tmp != nil {
				return problem(400, "invalid", "file", "send one file")
			}
			if tmp, err = os.CreateTemp("", "kehu-import-*"); err != nil {
				return err
			}
			o.FileName = part.FileName()
			n, err := io.Copy(tmp, io.LimitReader(part, MaxImportUpload+1))
			if err != nil {
				return problem(400, "bad_body", "file", "could not read the uploaded file")
			}
			if n > MaxImportUpload {
				return problem(413, "body_too_large", "file", "the file is larger than 512 MiB: split it or use the kehu import command")
			}
		case "onDuplicate", "dryRun", "projectId", "poolId", "dedupeBy", "mapping":
			b, err := io.ReadAll(io.LimitReader(part, 1<<20))
			if err != nil {
				return problem(400, "bad_body", name, "could not read "+name)
			}
			fields[name] = strings.TrimSpace(string(b))
		default:
			return problem(400, "unknown_field", name, "unknown form field "+strconv.Quote(name)+"; expected file, onDuplicate, dryRun, projectId, poolId, dedupeBy, mapping")
		}
	}
	if tmp == nil {
		return &model.FieldError{Field: "file", Code: "required", Msg: "upload the CSV or XLSX file as the \"file\" part"}
	}
	if o.FileName == "" {
		o.FileName = "upload"
	}
	if o.OnDuplicate, err = importer.ParseMode(fields["onDuplicate"]); err != nil {
		return err
	}
	if v := fields["dryRun"]; v != "" {
		if o.DryRun, err = strconv.ParseBool(v); err != nil {
			return model.Invalid("dryRun", "must be true or false")
		}
	}
	if v := fields["dedupeBy"]; v != "" {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				o.DedupeBy = append(o.DedupeBy, k)
			}
		}
	}
	if v := fields["mapping"]; v != "" {
		if o.Mapping, err = importer.ParseMapping([]byte(v)); err != nil {
			return model.Invalid("mapping", "%s", err.Error())
		}
	}
	if v := fields["projectId"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return model.Invalid("projectId", "must be a project id")
		}
		if _, err := h.Store.Project(r.Context(), cl.TenantID, id); err != nil {
			if errors.Is(err, model.ErrNotFound) {
				return model.Invalid("projectId", "project %d does not exist", id)
			}
			return err
		}
		o.ProjectID = id
	}
	if v := fields["poolId"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return model.Invalid("poolId", "must be a pool id")
		}
		o.PoolID = id // whether it exists and the caller may use it is crm's (importer.Begin)
	}
	if o.ProjectID, err = crm.DefaultProject(whoOf(r), o.ProjectID); err != nil {
		return err
	}
	src, err := importer.Open(tmp.Name(), o.FileName)
	if err != nil {
		return model.Invalid("file", "%s", err.Error())
	}
	im := &importer.Importer{Svc: h.Svc}
	job, err := im.Begin(r.Context(), src, o)
	if err != nil {
		src.Close()
		var fe *model.FieldError
		if errors.As(err, &fe) || errors.Is(err, model.ErrNotFound) {
			return err
		}
		if errors.Is(err, context.Canceled) {
			return err
		}
		return model.Invalid("file", "%s", err.Error())
	}
	if err := audit.Record(r.Context(), h.Store, modelCaller(r), audit.CustomerImport, audit.Import(job.ID()),
		map[string]any{"file": o.FileName, "onDuplicate": o.OnDuplicate, "dryRun": o.DryRun, "projectId": o.ProjectID, "poolId": o.PoolID}); err != nil {
		src.Close()
		return err
	}
	path := tmp.Name()
	tmp.Close()
	tmp = nil // the job owns the file now
	log := h.Log
	st := h.Store
	tenant := cl.TenantID
	done := release
	release = nil // the job holds the slot now
	// The job runs under the node's background group: shutdown cancels it
	// (the job is saved as failed) and waits for it before the store closes.
	run := func(ctx context.Context) {
		defer done()
		defer os.Remove(path)
		defer src.Close()
		defer func() {
			if p := recover(); p != nil {
				background.Recovered(log, "import", p)
				if j, err := st.Import(context.WithoutCancel(ctx), tenant, job.ID()); err == nil {
					_ = importer.FailJob(ctx, st, j, fmt.Errorf("internal error"))
				}
			}
		}()
		sum, err := job.Finish(ctx)
		if pe := (*background.PanicError)(nil); errors.As(err, &pe) {
			background.Report(log, pe, slog.Int64("import", job.ID()))
			return
		}
		if err != nil {
			log.Error("import failed", slog.Int64("import", job.ID()), slog.Any("error", err))
			return
		}
		log.Info("import done", slog.Int64("import", job.ID()), slog.Int64("rows", sum.Total), slog.Int64("created", sum.Created),
			slog.Int64("updated", sum.Updated), slog.Int64("skipped", sum.Skipped), slog.Int64("failed", sum.Failed))
	}
	if !h.Background.Go(run) {
		done()
		os.Remove(path)
		src.Close()
		if j, err := st.Import(r.Context(), tenant, job.ID()); err == nil {
			_ = importer.FailJob(r.Context(), st, j, errors.New("the server is shutting down"))
		}
		return problem(503, "shutting_down", "", "this node is shutting down; retry the import on another node or later")
	}
	j, err := h.Store.Import(r.Context(), cl.TenantID, job.ID())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/imports/"+strconv.FormatInt(j.ID, 10))
	httpx.WriteJSON(w, http.StatusAccepted, importer.ViewOf(j, time.Now()))
	return nil
}

// importOf loads a job of the caller's tenant that the caller may read
// (crm.ImportJobAccess).
func (h *Handler) importOf(r *http.Request) (*store.ImportJob, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	cl := callerOf(r.Context()).client
	j, err := h.Store.Import(r.Context(), cl.TenantID, id)
	if err != nil {
		return nil, err
	}
	if err := crm.ImportJobAccess(whoOf(r), importer.ProjectOf(j)); err != nil {
		return nil, err
	}
	return j, nil
}

func (h *Handler) getImport(w http.ResponseWriter, r *http.Request) error {
	j, err := h.importOf(r)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, importer.ViewOf(j, time.Now()))
	return nil
}

// importReport: GET /v1/imports/{id}/report?format=csv|xlsx — the failed
// and duplicate rows with the reason, the column at fault, the existing
// customer's id and the row's original cells.
func (h *Handler) importReport(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "xlsx" {
		return model.Invalid("format", "must be csv or xlsx")
	}
	for k := range r.URL.Query() {
		if k != "format" {
			return problem(400, "unknown_parameter", k, "unknown query parameter "+strconv.Quote(k))
		}
	}
	j, err := h.importOf(r)
	if err != nil {
		return err
	}
	setDownload(w, format, "import-"+strconv.FormatInt(j.ID, 10)+"-report")
	if err := importer.WriteStoredReport(r.Context(), h.Store, j, w, format); err != nil {
		h.Log.ErrorContext(r.Context(), "import report", slog.Int64("import", j.ID), slog.Any("error", err))
	}
	return nil
}

// setDownload sets the headers of a CSV or XLSX download.
func setDownload(w http.ResponseWriter, format, base string) {
	ct := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+base+`.`+format+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
}
