package model

import (
	"errors"
	"fmt"
)

// Sentinel errors at the store boundary, checked with errors.Is. Driver
// packages translate their own codes into these.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// FieldError is a client mistake tied to one field of the input. Field is the
// name the client used (a JSON key or path such as "phone" or "fields.score").
type FieldError struct {
	Field string
	Code  string // stable machine code: invalid, required, too_long, out_of_range, unknown_field, …
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Invalid returns a FieldError with code "invalid".
func Invalid(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Code: "invalid", Msg: fmt.Sprintf(format, args...)}
}

// ConflictError is a uniqueness violation; it matches ErrConflict. ExistingID
// is the customer that already holds the value, when known.
type ConflictError struct {
	Field      string
	Value      string
	ExistingID int64
}

func (e *ConflictError) Error() string {
	if e.ExistingID != 0 {
		return fmt.Sprintf("%s %q already belongs to customer %d", e.Field, e.Value, e.ExistingID)
	}
	return fmt.Sprintf("%s %q is already in use", e.Field, e.Value)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }
