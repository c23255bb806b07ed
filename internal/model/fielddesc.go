package model

import "time"

// SystemField describes one system field once, for every place that reads
// it: the catalogue entry (Field), the customers column the store writes and
// the query compiler reads, the Customer attribute behind it, the names the
// four APIs give it on the wire, and the headers the importer recognises and
// the exporter writes.
//
// Adding a system field is one entry in SystemFieldDescs (and the Customer
// attribute its Ref points at, with Wire.Native as its json tag) plus a
// migration that adds its column to customers on both databases, and for
// each API that shows it one line in that encoder's member table (the
// native API's api/present.go, 达实's render.go, Yeastar's customers.go:
// the line places it and says its form; the descriptor names it). The
// descriptor tests check that every reader sees every entry
// (TestEverySystemField*: store, compiler, importer, the four encoders).
type SystemField struct {
	Field

	// Column is the customers column holding the value; "" for fields that
	// are derived (departments, pinyin). Tags and collaborators are JSON
	// lists there, mirrored in link tables that the compiler queries.
	Column string
	// Empty says how an empty value is stored in Column.
	Empty Empty
	// GuardZero makes comparisons exclude 0 (dates and ages where 0 means
	// unknown), so "age < 30" does not match customers without an age.
	GuardZero bool

	// Ref points at the Customer attribute holding the value: *string,
	// *int64, *int, *time.Time or *[]int64. Get and Set are built on it.
	Ref func(c *Customer) any

	// Wire are the names of the field on each API ("" where the API does
	// not carry it).
	Wire Wire
	// ImportHeaders are the column headers the importer maps onto the field
	// besides its key and its export header (compared folded: case, width,
	// spaces and required-markers do not matter).
	ImportHeaders []string
	// ExportHeader is the header the exporter writes ("": the label).
	ExportHeader string
	// NotInFiles keeps a derived field (departments, pinyin) out of import
	// and export files.
	NotInFiles bool
	// ReadOnly fields are kept by kehu (times): exported and recognised on
	// import, never written by a client.
	ReadOnly bool
	// ImportOnly fields are kept by kehu but set by an import of history
	// from another system (the follow-up state): no API client writes them,
	// the importer does (crm.CustomerInput's json:"-" members).
	ImportOnly bool
}

// FileHeader is the header import and export files give the field.
func (d *SystemField) FileHeader() string {
	if d.ExportHeader != "" {
		return d.ExportHeader
	}
	return d.Label
}

// Wire are one field's names on the four APIs.
type Wire struct {
	Native  string // /v1 customer JSON
	Dashi   string // 达实AIoT customer JSON
	Tanma   string // 探马SCRM customer JSON
	Yeastar string // Yeastar YCM customer JSON
}

// Empty is how a column stores "no value".
type Empty int

const (
	// EmptyBlank columns are NOT NULL; empty is '' (text) and there is no
	// empty number.
	EmptyBlank Empty = iota
	// EmptyNull columns store empty as NULL (unique or optional references).
	EmptyNull
	// EmptyZero columns store empty as 0.
	EmptyZero
)

// IntColumn reports whether the column holds an integer (bound as int64).
func (d *SystemField) IntColumn() bool {
	if d.Ref == nil {
		return false
	}
	switch d.Ref(&Customer{}).(type) {
	case *int64, *int, *time.Time:
		return true
	}
	return false
}

// Get returns the value of the field on c as the store writes it and the
// query engine compares and sorts it: a string, an int64 (times in epoch
// milliseconds) or an []int64 (tags, collaborators). Fields without Ref
// return nil.
func (d *SystemField) Get(c *Customer) any {
	if d.Ref == nil {
		return nil
	}
	switch p := d.Ref(c).(type) {
	case *string:
		return *p
	case *int64:
		return *p
	case *int:
		return int64(*p)
	case *time.Time:
		return Millis(*p)
	case *[]int64:
		return *p
	}
	return nil
}

// Set stores v (a string, an int64 or an []int64, as Get returns) on c; a value of the
// wrong type is ignored.
func (d *SystemField) Set(c *Customer, v any) {
	if d.Ref == nil {
		return
	}
	switch p := d.Ref(c).(type) {
	case *string:
		if s, ok := v.(string); ok {
			*p = s
		}
	case *int64:
		if n, ok := v.(int64); ok {
			*p = n
		}
	case *int:
		if n, ok := v.(int64); ok {
			*p = int(n)
		}
	case *time.Time:
		if n, ok := v.(int64); ok {
			*p = FromMillis(n)
		}
	case *[]int64:
		if ids, ok := v.([]int64); ok {
			*p = ids
		}
	}
}

// SystemFieldDesc returns the descriptor of system field id, or nil.
func SystemFieldDesc(id int64) *SystemField {
	if id < 1 || id > int64(len(SystemFieldDescs)) {
		return nil
	}
	return &SystemFieldDescs[id-1]
}
