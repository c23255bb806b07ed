package api

import (
	"errors"
	"net/http"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/fault"
	"github.com/kehu/kehu/internal/httpx"
)

// Problem is an RFC 9457 problem document with kehu's stable code and the
// field at fault.
type Problem struct {
	Type       string `json:"type"`
	Title      string `json:"title"`
	Status     int    `json:"status"`
	Detail     string `json:"detail,omitempty"`
	Code       string `json:"code"`
	Field      string `json:"field,omitempty"`
	ExistingID int64  `json:"existingId,omitempty"`
}

// apiError is an error with a status and a safe face.
type apiError struct {
	status int
	p      Problem
	cause  error
}

func (e *apiError) Error() string { return e.p.Code + ": " + e.p.Detail }
func (e *apiError) Unwrap() error { return e.cause }

func problem(status int, code, field, detail string) *apiError {
	return &apiError{status: status, p: Problem{Code: code, Field: field, Detail: detail}}
}

// toProblem maps any error to its client face: the API's own problems as
// they are, everything else as fault classifies it (the console's error
// page uses the same classification). Unknown errors are 500 with a
// generic message; their cause goes to the log only.
func toProblem(err error) (int, Problem) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status, ae.p
	}
	f := fault.Of(err)
	return f.Status, Problem{Code: f.Code, Field: f.Field, Detail: f.Detail, ExistingID: f.ExistingID}
}

// faulted is err as a 503 when it would be a 500 but holds a database
// fault (fault.Faulted): a database that is down is not kehu's bug.
func faulted(err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		return err
	}
	return fault.Faulted(err)
}

// writeProblemCause renders err as problem+json (the skeleton has logged
// kehu's faults).
func (h *Handler) writeProblemCause(w http.ResponseWriter, r *http.Request, err error) {
	err = faulted(err)
	status, p := toProblem(err)
	httpx.OverloadHeaders(w, err)
	p.Status = status
	p.Title = http.StatusText(status)
	if p.Title == "" {
		p.Title = "Error"
	}
	p.Type = "urn:kehu:problem:" + p.Code
	switch {
	case status == 401 && p.Code == "missing_token":
		// RFC 6750 §3.1: a request without credentials gets the challenge
		// without an error code.
		w.Header().Set("WWW-Authenticate", `Bearer realm="kehu"`)
	case status == 401:
		w.Header().Set("WWW-Authenticate", `Bearer realm="kehu", error="invalid_token"`)
	case status == 403 && p.Code == "insufficient_scope":
		w.Header().Set("WWW-Authenticate", `Bearer realm="kehu", error="insufficient_scope"`)
	}
	if ra, ok := auth.RetryAfter(err); ok {
		w.Header().Set("Retry-After", ra)
	}
	httpx.WriteJSONType(w, status, "application/problem+json", p)
}
