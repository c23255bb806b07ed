package importer

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/kehu/kehu/internal/store"
)

// ReportColumns lead every report row; the row's original cells follow
// under the file's own headers, so a report can be fixed and imported again
// as it is (these five headers are not recognised as fields).
var ReportColumns = []string{"行号", "结果", "原因", "列", "已有客户ID"}

var kindLabels = map[string]string{KindFailed: "失败", KindDuplicate: "重复", KindUnmapped: "未映射"}

// TableWriter streams rows into a CSV (UTF-8 with a BOM, so Excel reads
// Chinese) or an XLSX (excelize's StreamWriter: rows go to a temporary file,
// not memory). Close writes the end of the file.
type TableWriter struct {
	out  io.Writer
	csv  *csv.Writer
	f    *excelize.File
	sw   *excelize.StreamWriter
	row  int
	cell []any
}

// NewTableWriter starts a "csv" or "xlsx" table on w.
func NewTableWriter(w io.Writer, format string) (*TableWriter, error) {
	t := &TableWriter{out: w}
	switch format {
	case "", "csv":
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return nil, err
		}
		t.csv = csv.NewWriter(w)
	case "xlsx":
		t.f = excelize.NewFile()
		sw, err := t.f.NewStreamWriter("Sheet1")
		if err != nil {
			return nil, err
		}
		t.sw = sw
	default:
		return nil, fmt.Errorf("format must be csv or xlsx, not %q", format)
	}
	return t, nil
}

// Write appends one row.
func (t *TableWriter) Write(cells []string) error {
	if t.csv != nil {
		return t.csv.Write(cells)
	}
	t.row++
	t.cell = t.cell[:0]
	for _, c := range cells {
		t.cell = append(t.cell, c)
	}
	name, err := excelize.CoordinatesToCellName(1, t.row)
	if err != nil {
		return err
	}
	return t.sw.SetRow(name, t.cell)
}

// Flush pushes buffered CSV rows out (no-op for XLSX, written at Close).
func (t *TableWriter) Flush() error {
	if t.csv != nil {
		t.csv.Flush()
		return t.csv.Error()
	}
	return nil
}

// Close finishes the file.
func (t *TableWriter) Close() error {
	if t.csv != nil {
		return t.Flush()
	}
	if err := t.sw.Flush(); err != nil {
		t.f.Close()
		return err
	}
	// excelize assembles a workbook in a memory buffer; handing it a zip
	// writer on the destination streams the parts (the rows from the stream
	// writer's temporary file) straight out instead.
	t.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(t.out) })
	_, err := t.f.WriteToBuffer()
	return joinErr(err, t.f.Close())
}

func joinErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// ReportWriter writes an import's report as a table; it implements Report.
type ReportWriter struct {
	t      *TableWriter
	width  int
	buf    []string
	closed bool
}

// NewReportWriter starts a report in format ("csv" or "xlsx") on w.
func NewReportWriter(w io.Writer, format string) (*ReportWriter, error) {
	t, err := NewTableWriter(w, format)
	if err != nil {
		return nil, err
	}
	return &ReportWriter{t: t}, nil
}

// Begin writes the header row.
func (rw *ReportWriter) Begin(headers []string) error {
	rw.width = len(headers)
	return rw.t.Write(append(append([]string(nil), ReportColumns...), headers...))
}

// Add writes one issue.
func (rw *ReportWriter) Add(is Issue) error {
	existing := ""
	if is.ExistingID != 0 {
		existing = strconv.FormatInt(is.ExistingID, 10)
	}
	rw.buf = append(rw.buf[:0], strconv.FormatInt(is.Row, 10), kindLabels[is.Kind], is.Reason, is.Column, existing)
	rw.buf = append(rw.buf, is.Cells...)
	return rw.t.Write(rw.buf)
}

// Close finishes the report file.
func (rw *ReportWriter) Close() error {
	if rw.closed {
		return nil
	}
	rw.closed = true
	return rw.t.Close()
}

// WriteStoredReport streams a persisted job's report from import_issues.
func WriteStoredReport(ctx context.Context, st *store.Store, job *store.ImportJob, w io.Writer, format string) error {
	var jo jobOptions
	_ = json.Unmarshal([]byte(job.Options), &jo)
	rw, err := NewReportWriter(w, format)
	if err != nil {
		return err
	}
	if err := rw.Begin(jo.Headers); err != nil {
		return err
	}
	err = st.ImportIssues(ctx, job.TenantID, job.ID, func(is store.ImportIssue) error {
		var d issueData
		_ = json.Unmarshal([]byte(is.Data), &d)
		return rw.Add(Issue{Row: is.Row, Kind: is.Kind, Reason: is.Reason, Column: d.Column, ExistingID: is.ExistingID, Cells: d.Cells})
	})
	if err != nil {
		return err
	}
	return rw.Close()
}
