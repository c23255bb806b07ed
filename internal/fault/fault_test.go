package fault_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/fault"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/people"
	"github.com/kehu/kehu/internal/query"
)

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("claim: %w", &model.PoolError{Code: model.PoolErrDaily, Msg: "3 claims today"}), 409, model.PoolErrDaily},
		{&model.ConflictError{Field: "phone", Value: "x", ExistingID: 4}, 409, "conflict"},
		{&crm.ProjectError{Bound: 1}, 403, "project_forbidden"},
		{&model.PermissionError{Perm: model.PermAdmin}, 403, "permission_denied"},
		{model.Invalid("email", "not an email"), 400, "invalid"},
		{fmt.Errorf("get: %w", model.ErrNotFound), 404, "not_found"},
		{query.ErrBadCursor, 400, "invalid_query"},
		{people.ErrNoSession, 401, "session_invalid"},
		{errors.New("disk full"), 500, "internal"},
		{fmt.Errorf("create: %w", model.Unavailable(model.CodeStorageFull, "the database disk is full", errors.New("SQLITE_FULL"))), 503, "storage_full"},
		{model.Unavailable(model.CodeStorageReadOnly, "read-only", nil), 503, "storage_read_only"},
		{&model.Overloaded{Status: 503, Msg: "the node is full"}, 503, "overloaded"},
		{&model.Overloaded{Status: 429, Msg: "the tenant's share", Limit: 0}, 429, "too_busy"},
		{&model.Overloaded{Status: 429, Msg: "rate", Limit: 10}, 429, "rate_limited"},
	} {
		f := fault.Of(tc.err)
		if f.Status != tc.status || f.Code != tc.code {
			t.Errorf("%v: %d %s, want %d %s", tc.err, f.Status, f.Code, tc.status, tc.code)
		}
		if f.Internal() != (tc.status >= 500) || (f.Code == "internal" && f.Detail == tc.err.Error()) {
			t.Errorf("%v: internal %v, detail %q", tc.err, f.Internal(), f.Detail)
		}
	}
}
