package model

import "time"

// FollowUp is one follow-up (跟进记录) of a customer by a staff member.
type FollowUp struct {
	ID         int64  `json:"id"`
	TenantID   int64  `json:"-"`
	CustomerID int64  `json:"customerId"`
	StaffID    int64  `json:"staffId"`
	KindID     int64  `json:"kindId"`
	Kind       string `json:"kind"` // the kind's name, filled on reads
	Content    string `json:"content"`
	// At is when the follow-up happened; NextAt when to follow up next
	// (zero: nothing planned).
	At            time.Time `json:"at"`
	NextAt        time.Time `json:"nextAt,omitzero"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
	CreatedBy     string    `json:"createdBy,omitempty"`
	CreatedByName string    `json:"createdByName,omitempty"`
	UpdatedBy     string    `json:"updatedBy,omitempty"`
	UpdatedByName string    `json:"updatedByName,omitempty"`
}

// FollowUpKind is a kind of follow-up: the built-in ones (BuiltinFollowUpKinds)
// or a tenant's own.
type FollowUpKind struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
	Builtin  bool   `json:"builtin"`
}

// BuiltinFollowUpKinds every tenant has; their ids are fixed (a tenant's
// own kinds have time-ordered ids, far larger).
var BuiltinFollowUpKinds = []FollowUpKind{
	{ID: 1, Name: "电话", Position: 0, Builtin: true},
	{ID: 2, Name: "微信", Position: 1, Builtin: true},
	{ID: 3, Name: "拜访", Position: 2, Builtin: true},
	{ID: 4, Name: "邮件", Position: 3, Builtin: true},
	{ID: 5, Name: "其他", Position: 4, Builtin: true},
}

// MaxBuiltinFollowUpKind is the largest built-in kind id.
const MaxBuiltinFollowUpKind = 5
