package ui

import "net/http"

// GET /export?filter=…&sort=…&columns=…: what the customers list shows,
// as a file. The form downloads GET /v1/customers/export, which streams,
// takes its turn among exports and writes the audit entry.
func (p *pages2) exportPage(w http.ResponseWriter, r *http.Request) {
	d, err := loadExportPage(r.Context(), p.svc, p.caller(r), r.URL.Query())
	p.page(w, r, "export.title", "export", d, err)
}
