package importer

import (
	"context"
	"strings"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Preview is what an import would make of a file's header, before it runs:
// the header row recognition picked, what each column maps to (or why it is
// ignored) and the first data rows. The console's import wizard shows it so
// the mapping can be corrected before a dry run.
type Preview struct {
	Format    string
	HeaderRow int64 // 1-based row of the header in the file
	Columns   []PreviewColumn
	Sample    [][]string // the first data rows, cells in header order
	// TotalRows is the file's data rows after the header, -1 if unknown.
	TotalRows int64
}

// PreviewColumn is one header of the file.
type PreviewColumn struct {
	Header string
	Key    string // the field key it maps to; "" when ignored
	Why    string // why it is ignored ("not recognised", "skipped by the mapping", …)
}

// Target is a field a column can be mapped to.
type Target struct {
	Key    string
	Label  string
	Custom bool
}

// maxSample is how many data rows a preview shows.
const maxSample = 5

// PreviewFile reads src's header with the tenant's catalogue and mapping,
// exactly as an import would (the same recognition, the same rules for
// repeated and read-only columns).
func PreviewFile(src Source, cat *store.Catalog, mapping map[string]string) (*Preview, error) {
	hdr, err := findHeader(src, func(cells []string) *plan { return newPlan(cells, mapping, cat) })
	if err != nil {
		return nil, err
	}
	p := hdr.plan
	pv := &Preview{Format: src.Format(), HeaderRow: hdr.row, TotalRows: -1}
	if t := src.Total(); t >= 0 {
		pv.TotalRows = max(t-hdr.row, 0)
	}
	why := map[string]string{}
	for _, ig := range p.ignored {
		// ignored entries read "header (reason)"
		if i := strings.LastIndex(ig, " ("); i >= 0 && strings.HasSuffix(ig, ")") {
			why[ig[:i]] = ig[i+2 : len(ig)-1]
		}
	}
	for i, h := range p.headers {
		c := PreviewColumn{Header: h}
		if t := p.targets[i]; t != nil {
			c.Key = t.key()
		} else if strings.TrimSpace(h) == "" {
			c.Why = "empty header"
		} else {
			c.Why = why[h]
		}
		pv.Columns = append(pv.Columns, c)
	}
	for _, br := range hdr.pending {
		if len(pv.Sample) == maxSample {
			break
		}
		pv.Sample = append(pv.Sample, br.cells)
	}
	for len(pv.Sample) < maxSample {
		cells, _, err := src.Next()
		if err != nil {
			break // io.EOF, or a fault the import itself will report
		}
		if !emptyRow(cells) {
			pv.Sample = append(pv.Sample, cells)
		}
	}
	return pv, nil
}

// Targets lists what a column can be mapped to: the writable system
// columns in export order, then the tenant's custom fields.
func Targets(cat *store.Catalog) []Target {
	var out []Target
	for _, c := range Columns {
		if c.ReadOnly {
			continue
		}
		out = append(out, Target{Key: c.Key, Label: c.Label})
	}
	for _, f := range cat.List() {
		if !f.System {
			out = append(out, Target{Key: f.Key, Label: f.Label, Custom: true})
		}
	}
	return out
}

// Preview reads src's header for caller (who must hold the import
// permission) with the tenant's catalogue.
func (im *Importer) Preview(ctx context.Context, caller *model.Caller, src Source, mapping map[string]string) (*Preview, error) {
	if err := crm.Need(caller, model.PermImport); err != nil {
		return nil, err
	}
	cat, err := im.Svc.Store.LoadCatalog(ctx, caller.TenantID)
	if err != nil {
		return nil, err
	}
	return PreviewFile(src, cat, mapping)
}
