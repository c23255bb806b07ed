package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kehu/kehu/internal/model"
)

// TestTranslate: a server that is down, restarting or full is a 503 with
// Retry-After (model.Overloaded), a unique violation a conflict, the
// request's own cancellation stays what it is.
func TestTranslate(t *testing.T) {
	for _, tc := range []struct {
		err         error
		unavailable bool
		conflict    bool
	}{
		{&pgconn.PgError{Code: "23505"}, false, true},
		{&pgconn.PgError{Code: "57P01"}, true, false}, // admin shutdown
		{&pgconn.PgError{Code: "57P03"}, true, false}, // cannot connect now (starting up)
		{&pgconn.PgError{Code: "08006"}, true, false},
		{&pgconn.PgError{Code: "53100"}, true, false}, // disk full
		{&pgconn.PgError{Code: "42P01"}, false, false},
		{fmt.Errorf("store: x: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), true, false},
		{driver.ErrBadConn, true, false},
		{context.Canceled, false, false},
		{fmt.Errorf("q: %w", context.DeadlineExceeded), false, false},
	} {
		got := Translate(tc.err)
		var o *model.Overloaded
		if u := errors.As(got, &o) && o.Status == 503 && o.RetryAfter > 0; u != tc.unavailable {
			t.Errorf("%v: unavailable %v, want %v", tc.err, u, tc.unavailable)
		}
		if c := errors.Is(got, model.ErrConflict); c != tc.conflict {
			t.Errorf("%v: conflict %v, want %v", tc.err, c, tc.conflict)
		}
	}
}
