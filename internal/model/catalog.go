package model

import (
	"encoding/json"
	"time"
)

// FieldType is the type of a catalogue field. The first eight are 探马's
// catalogue types (the 探马 dialect numbers them); bool, email and area are
// kehu's additions; the ref types describe system fields only.
type FieldType string

// Field types and the canonical JSON form of their values in Customer.Custom.
const (
	TypeText        FieldType = "text"        // string, one line
	TypeTextarea    FieldType = "textarea"    // string
	TypeSelect      FieldType = "select"      // option id (number)
	TypeMultiSelect FieldType = "multiselect" // [option id, …] sorted, distinct
	TypeDate        FieldType = "date"        // "2006-01-02"
	TypeDateTime    FieldType = "datetime"    // epoch ms (number)
	TypeNumber      FieldType = "number"      // number (decimal)
	TypePhone       FieldType = "phone"       // E.164 string
	TypeBool        FieldType = "bool"        // true/false
	TypeEmail       FieldType = "email"       // lower-cased string
	TypeArea        FieldType = "area"        // {"code":"110101","label":"北京市/北京市/东城区"}

	// System-only types.
	TypeID         FieldType = "id"         // an int64 id (customer id, project id)
	TypeStaff      FieldType = "staff"      // one staff id (owner)
	TypeStaffList  FieldType = "staffList"  // staff ids (collaborators)
	TypeTags       FieldType = "tags"       // tag ids
	TypeStage      FieldType = "stage"      // sales stage id
	TypeDepartment FieldType = "department" // department id, matches its subtree
)

// CustomTypes are the types a tenant may give its own fields.
var CustomTypes = []FieldType{TypeText, TypeTextarea, TypeSelect, TypeMultiSelect, TypeDate,
	TypeDateTime, TypeNumber, TypePhone, TypeBool, TypeEmail, TypeArea}

// Field is one entry of a tenant's catalogue. System fields have fixed small
// ids shared by every tenant; custom fields get time-ordered ids.
type Field struct {
	ID     int64     `json:"id"`
	Key    string    `json:"key"`
	Label  string    `json:"label"`
	Type   FieldType `json:"type"`
	System bool      `json:"system"`
	Unique bool      `json:"unique"`
	// Required (必填, custom fields only): a new customer must have a value
	// and no write may clear it.
	Required bool     `json:"required"`
	Sortable bool     `json:"sortable"`
	Options  []Option `json:"options,omitempty"`
	Position int      `json:"position"`
	// CreatedAt is zero for system fields.
	CreatedAt time.Time `json:"createdAt,omitzero"`
}

// Option is a choice of a select or multi-select field; its id is stable
// across relabelling. A deleted option stays readable by id.
type Option struct {
	ID       int64  `json:"id"`
	Label    string `json:"label"`
	Position int    `json:"position"`
	Deleted  bool   `json:"deleted,omitempty"`
}

// OptionByID finds an option, deleted or not.
func (f *Field) OptionByID(id int64) (Option, bool) {
	for _, o := range f.Options {
		if o.ID == id {
			return o, true
		}
	}
	return Option{}, false
}

// TagGroup groups tags.
type TagGroup struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
	Tags     []Tag  `json:"tags"`
}

// Tag is a label that can be put on customers.
type Tag struct {
	ID      int64  `json:"id"`
	GroupID int64  `json:"groupId"`
	Name    string `json:"name"`
}

// Department is a node of the tenant's department tree.
type Department struct {
	ID       int64  `json:"id"`
	ParentID int64  `json:"parentId,omitempty"`
	Name     string `json:"name"`
	// Path is "/root/…/id/", so a subtree is a prefix range.
	Path string `json:"-"`
}

// Staff is a salesperson or other user who can own customers (负责人) or
// collaborate on them (协作人).
type Staff struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	DepartmentID int64  `json:"departmentId,omitempty"`
	Email        string `json:"email,omitempty"`
	Phone        string `json:"phone,omitempty"`
	RoleID       int64  `json:"roleId,omitempty"` // 0: the built-in 销售 (DefaultRole)
}

// Stage is a sales stage; Position orders a tenant's pipeline.
type Stage struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
}

// Event is a durable record of a customer change, written in the same
// transaction as the change. Kind is "add", "edit" or "delete" (达实's
// domain event names). Position is its place in the tenant's change feed:
// assigned once the writing transaction has committed, it only grows in
// commit order (see package store), so a consumer resumes after the last
// position it processed and never misses or repeats an event.
type Event struct {
	ID         int64     `json:"id"`
	Position   int64     `json:"position"`
	TenantID   int64     `json:"tenantId"`
	ProjectID  int64     `json:"projectId,omitempty"`
	CustomerID int64     `json:"customerId"`
	Kind       string    `json:"kind"`
	Data       []byte    `json:"-"` // the customer as it is after the change (JSON), empty for delete and bulk adds
	CreatedAt  time.Time `json:"createdAt"`
	Actor      Actor     `json:"actor"`
	Via        Via       `json:"via,omitempty"`
	Changes    []Change  `json:"changes,omitempty"`
	Action     string    `json:"action,omitempty"` // a pool action (model.PoolClaim …), when the change was one
	Reason     string    `json:"reason,omitempty"` // why, for a pool action
}

// Change is one field of a customer changed by an event: its key (a system
// field's JSON name or a custom field's key) and the values before and after
// (JSON null when absent).
type Change struct {
	Field string          `json:"field"`
	Old   json.RawMessage `json:"old"`
	New   json.RawMessage `json:"new"`
	// OldLabel and NewLabel name the option(s) of a select or multi-select
	// field's old and new values (a label, or an array of labels), deleted
	// options included; filled when the change is read, absent otherwise.
	OldLabel json.RawMessage `json:"oldLabel,omitempty"`
	NewLabel json.RawMessage `json:"newLabel,omitempty"`
}

// Event kinds beyond the three customer changes.
const (
	EventAdd    = "add"
	EventEdit   = "edit"
	EventDelete = "delete"
)
