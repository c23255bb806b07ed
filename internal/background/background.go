// Package background runs the work a node starts besides answering a
// request — an import that outlives its upload, the change feed, webhook
// delivery — under one context that shutdown cancels and then waits for, so
// no goroutine writes to a store that is being closed; and it keeps a
// panic in that work from ending the process (Loop, Guard, Recovered):
// no HTTP handler's recovery protects a goroutine of its own.
package background

import (
	"context"
	"log/slog"
	"sync"
)

// Group is a set of goroutines sharing one context. The zero value is not
// usable; make one with New.
type Group struct {
	// Log receives the panics recovered in the group's goroutines
	// (slog.Default when nil).
	Log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	wg     sync.WaitGroup
	done   bool
	once   sync.Once
}

// New returns a group whose work runs under a child of ctx: canceling ctx
// cancels the work too (Stop still waits for it).
func New(ctx context.Context) *Group {
	ctx, cancel := context.WithCancel(ctx)
	return &Group{ctx: ctx, cancel: cancel}
}

// Go runs fn in a goroutine with the group's context; a panic in fn is
// logged and counted (job "request-job"), not the end of the process. fn
// that must record its failure (an import) recovers itself first. After
// Stop it does
// not run fn and returns false: a request arriving during shutdown must
// answer that it could not start the work rather than start it unwatched.
func (g *Group) Go(fn func(ctx context.Context)) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return false
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		Guard(g.Log, "request-job", func() { fn(g.ctx) })
	}()
	return true
}

// Stop cancels the group's context and waits for every goroutine started
// with Go to return. It may be called more than once.
func (g *Group) Stop() {
	g.once.Do(func() {
		g.mu.Lock()
		g.done = true
		g.mu.Unlock()
		g.cancel()
	})
	g.wg.Wait()
}
