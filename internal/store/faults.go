package store

import (
	"context"
	"errors"
	"time"

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
		return model.Unavailable(model.CodeTimeout, model.MsgTooSlow, err)
	}
	for _, translate := range []func(error) error{postgres.Translate, sqlite.Translate} {
		if t := translate(err); errors.As(t, &o) && o.Status == 503 {
			return t
		}
	}
	return err
}

// noteWrite records the outcome of a write transaction for WriteFault. A
// SQLite writer that met a read-only database is closed and opened anew
// by the next write: a connection opened while the file or its mount was
// read-only stays read-only, and a fixed mount must not need a restart.
func (s *Store) noteWrite(err error) {
	if err == nil {
		if s.writeFault.Load() != nil {
			s.writeFault.Store(nil)
		}
		return
	}
	var o *model.Overloaded
	if f := Faulted(err); !errors.As(f, &o) || o.Status != 503 || errors.Is(err, context.DeadlineExceeded) || o.Code == model.CodeTimeout {
		return // the request's own failure (or its time ran out), not the database's
	}
	s.writeFault.Store(&writeFault{err: o, at: time.Now()})
	if s.dialect == SQLite && sqlite.IsReadOnly(err) {
		s.w.SetMaxIdleConns(0) // closes the idle writer
		s.w.SetMaxIdleConns(1)
	}
}

// writeFaultFor is how long a write fault is reported without a write
// failing again.
const writeFaultFor = 30 * time.Second

type writeFault struct {
	err *model.Overloaded
	at  time.Time
}

// WriteFault is the database fault (a *model.Overloaded: read-only, disk
// full, unreachable) that the last write transaction of this node failed
// with, within the last 30 s; nil once a write commits. It is passive —
// /readyz must not take SQLite's one writer from the requests — and it
// expires, so a node taken out of service for it, which gets no writes
// that could clear it, is tried again after 30 s.
func (s *Store) WriteFault() *model.Overloaded {
	if f := s.writeFault.Load(); f != nil && time.Since(f.at) < writeFaultFor {
		return f.err
	}
	return nil
}
