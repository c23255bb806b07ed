package model

import (
	"encoding/json"
	"time"
)

// AuditEntry is one row of the audit log: who did what, when, through
// which API, from which address. Entries are only ever appended.
type AuditEntry struct {
	ID         int64           `json:"id"`
	TenantID   int64           `json:"tenantId"`
	At         time.Time       `json:"at"`
	ActorKind  string          `json:"actorKind"` // AuditActor*
	ActorID    string          `json:"actorId,omitempty"`
	ActorName  string          `json:"actorName,omitempty"`
	Via        Via             `json:"via,omitempty"`
	Action     string          `json:"action"`
	TargetKind string          `json:"targetKind,omitempty"`
	TargetID   string          `json:"targetId,omitempty"`
	Details    json.RawMessage `json:"details,omitempty"`
	Addr       string          `json:"addr,omitempty"`
}

// Actor kinds of audit entries.
const (
	AuditActorStaff     = "staff"     // a staff member (logged in, or an API client acting as them)
	AuditActorClient    = "client"    // an API client acting as the tenant
	AuditActorOperator  = "operator"  // the kehu CLI on the server
	AuditActorSystem    = "system"    // background work
	AuditActorAnonymous = "anonymous" // not authenticated (failed logins)
)

// AuditFilter narrows an audit log query. Zero fields do not filter.
type AuditFilter struct {
	ActorID  string
	Action   string // exact, or a prefix ending in "." ("auth.")
	Target   string // target id
	From, To time.Time
	BeforeID int64 // keyset cursor: entries with a smaller id
	Limit    int
}
