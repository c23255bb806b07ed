package model

import "time"

// Overloaded is the error of a request kehu refuses for load, not for
// anything wrong with it: a rate limit spent (429), a tenant's share of
// heavy work taken (429) or the whole node's (503). Every API renders it in
// its own envelope, with a Retry-After header (httpx.OverloadHeaders).
type Overloaded struct {
	Status     int           // 429 or 503
	RetryAfter time.Duration // when trying again makes sense
	Msg        string        // safe to show: what was exceeded
	// Limit, Remaining and Reset describe a rate-limit budget (the native
	// API's RateLimit-* headers); Limit 0 when this is not a rate limit.
	Limit, Remaining int
	Reset            time.Duration
	// Code is the stable code of a fault that is not load (the disk is
	// full, the database unreachable: the Code* constants); "" for load,
	// whose code follows from Status and Limit.
	Code string

	cause error
}

func (e *Overloaded) Error() string {
	if e.cause != nil {
		return e.Msg + ": " + e.cause.Error()
	}
	return e.Msg
}

// Unwrap is the driver error behind an Unavailable.
func (e *Overloaded) Unwrap() error { return e.cause }

// Unavailable is the 503 of a database that cannot serve: down, restarting,
// out of disk, read-only; code is one of the Code* constants. msg is safe
// to show; cause is only logged.
func Unavailable(code, msg string, cause error) *Overloaded {
	return &Overloaded{Status: 503, RetryAfter: 5 * time.Second, Code: code, Msg: msg, cause: cause}
}

// The codes of the faults Unavailable reports: what a client (and an
// operator reading its logs) is told is wrong, so a full disk is not
// mistaken for a busy server.
const (
	CodeStorageFull         = "storage_full"         // SQLite's disk, PostgreSQL's disk
	CodeStorageReadOnly     = "storage_read_only"    // the SQLite file, its directory or mount
	CodeStorageError        = "storage_error"        // I/O errors reading or writing the SQLite file
	CodeDatabaseUnavailable = "database_unavailable" // PostgreSQL down, restarting, unreachable, out of connections; SQLite locked by another process
	CodeTimeout             = "timeout"              // the request's deadline passed while the database worked
)

// RetryAfterSeconds is RetryAfter rounded up to whole seconds (at least 1).
func (e *Overloaded) RetryAfterSeconds() int {
	s := int((e.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

// MsgTooSlow is the message of a request stopped at its deadline.
const MsgTooSlow = "the request took longer than its time limit and was stopped; narrow it (a smaller page, a tighter filter) or retry later"
