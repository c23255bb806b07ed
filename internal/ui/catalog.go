package ui

import "net/http"

// catalogView is a catalogue page: its section and the catalogue.
type catalogView struct {
	*catalogData
	Section string
}

// GET /catalog[/tags|/stages|/departments|/staff]: every staff member may
// read the catalogue; the forms show for catalog.manage (the API decides).
func (p *pages2) catalogSection(section string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := loadCatalog(r.Context(), p.svc, p.caller(r))
		var v *catalogView
		if d != nil {
			v = &catalogView{catalogData: d, Section: section}
		}
		p.page(w, r, "catalog."+section, "catalog_"+section, v, err)
	}
}
