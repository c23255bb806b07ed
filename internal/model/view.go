package model

import "time"

// SavedView is a customers list a staff member saved under a name: the
// search box, the filter (the compact condition language), the sort
// ("name", "-createdAt") and the columns. Its owner sees it; shared, every
// staff member of the tenant sees it (crm decides, see crm/views.go).
type SavedView struct {
	ID        int64     `json:"id"`
	StaffID   int64     `json:"staffId"` // the owner
	Name      string    `json:"name"`
	Q         string    `json:"q"`
	Filter    string    `json:"filter"`
	Sort      string    `json:"sort"`
	Columns   []string  `json:"columns"`
	Shared    bool      `json:"shared"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}
