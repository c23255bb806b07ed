package store

import (
	"context"
	"errors"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store/postgres"
	"github.com/kehu/kehu/internal/store/sqlite"
)

// Faulted returns err as a model.Unavailable (503 with Retry-After in every
// API) when its chain holds a database fault — PostgreSQL unreachable,
// restarting or out of space, a SQLite file that is read-only, full or
// failing — or the request's deadline passed while the database worked
// for it (context.DeadlineExceeded; PostgreSQL's query_canceled), and err
// unchanged otherwise.
//
// The store translates the errors of its statements as it runs them, but a
// fault can surface anywhere a driver error is wrapped on its way up (a
// Scan, rows.Err, a cache check): the APIs call Faulted on every error they
// would otherwise answer 500 with, so a database that is down is never
// reported as kehu's own bug.
func Faulted(err error) error {
	if err == nil {
		return nil
	}
	var o *model.Overloaded
	if errors.As(err, &o) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return model.Unavailable(model.MsgTooSlow, err)
	}
	for _, translate := range []func(error) error{postgres.Translate, sqlite.Translate} {
		if t := translate(err); errors.As(t, &o) && o.Status == 503 {
			return t
		}
	}
	return err
}
