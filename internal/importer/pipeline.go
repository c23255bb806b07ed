package importer

import (
	"context"
	"errors"

	"github.com/kehu/kehu/internal/background"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// The three goroutines of an import (doc.go) and what travels between them.

// item is one data row on its way through the pipeline.
type item struct {
	row      int64
	cells    []string
	in       *crm.CustomerInput
	c        *model.Customer // validated: Prepare, or Normalize when needName
	keys     []crm.Key
	needName bool // valid only as an update (no name): fails if it creates
	err      error
	column   string
}

// op is a write decided for a row.
type op struct {
	it       *item
	create   *model.Customer
	updateID int64
}

type batch struct {
	creates, updates []*op
	issues           []Issue
	rows             int64
}

// pipeline: a reader goroutine parses and validates rows into chunks, this
// goroutine matches them (in-file map, then the store, a chunk per query)
// and a writer goroutine commits each chunk in one transaction.
func (r *run) pipeline(ctx context.Context, src Source) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks, readErr := r.startReading(ctx, src)
	batches := make(chan *batch)
	var writeErr error
	written := make(chan struct{})
	go func() {
		defer close(written)
		writeErr = guard(func() error { return r.write(ctx, batches) })
		if writeErr != nil {
			cancel()
			for range batches {
			}
		}
	}()
	var decideErr error
	for ch := range chunks {
		var b *batch
		err := guard(func() (err error) { b, err = r.decide(ctx, ch); return err })
		if err != nil {
			decideErr = err
			cancel()
			break
		}
		select {
		case batches <- b:
		case <-ctx.Done():
		}
	}
	close(batches)
	<-written
	for range chunks {
	}
	return firstErr(writeErr, decideErr, *readErr)
}

// startReading runs read on a goroutine of its own; *readErr is its
// outcome once chunks is closed.
func (r *run) startReading(ctx context.Context, src Source) (chunks <-chan []*item, readErr *error) {
	ch := make(chan []*item, 1)
	readErr = new(error)
	go func() {
		defer close(ch)
		*readErr = guard(func() error { return r.read(ctx, src, ch) })
	}()
	return ch, readErr
}

// guard runs fn, turning a panic into a *background.PanicError (job
// "import"): imports run in goroutines that no HTTP handler protects, and
// one bad row must fail its import, not the process. The caller logs and
// counts it (background.Report).
func guard(fn func() error) (err error) {
	defer func() {
		if pe := background.Caught("import", recover()); pe != nil {
			err = pe
		}
	}()
	return fn()
}

// firstErr prefers a real failure over the cancellations it caused.
func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil && !errors.Is(e, context.Canceled) {
			return e
		}
	}
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
