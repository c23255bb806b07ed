package httpx

import (
	"context"
	"net/http"
	"time"
)

// Timeouts of the HTTP server. The http.Server itself only bounds reading
// the headers (ReadHeaderTimeout) and idle keep-alive connections; every
// request then gets RequestRead to send its body and RequestWrite to take
// its answer (Deadlines, installed by Observe). Routes that move a lot of
// data change their own deadlines: uploads (ExtendRead), streams
// (Stream, which moves the write deadline forward on every write that
// makes progress, so a slow reader is served while a stalled one is cut off
// after StreamIdle).
const (
	ReadHeaderTimeout = 10 * time.Second
	IdleTimeout       = 2 * time.Minute
	RequestRead       = time.Minute
	RequestWrite      = 2 * time.Minute
	StreamIdle        = 30 * time.Second
	MaxHeaderBytes    = 64 << 10
)

// Deadlines sets the default read and write deadline of a request.
func Deadlines(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	now := time.Now()
	_ = rc.SetReadDeadline(now.Add(RequestRead))
	_ = rc.SetWriteDeadline(now.Add(RequestWrite))
}

// ExtendRead gives a request d to send the rest of its body (uploads).
func ExtendRead(w http.ResponseWriter, d time.Duration) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
}

// Stream returns a writer for a long response: each Write may take at most
// idle, and the deadline moves forward with every write, so a download of
// any length works as long as the client keeps reading. A client that stops
// reading fills the socket buffer; the blocked write then fails after idle
// and the handler ends, releasing what it holds.
//
// The request's time budget (ctx's, see Budget) moves with the write
// deadline: a stream works as long as it makes progress, each step (a page
// of the walk and its write) within idle plus the request's budget.
func Stream(ctx context.Context, w http.ResponseWriter, idle time.Duration) http.ResponseWriter {
	return &streamWriter{ResponseWriter: w, ctx: ctx, rc: http.NewResponseController(w), idle: idle}
}

type streamWriter struct {
	http.ResponseWriter
	ctx  context.Context
	rc   *http.ResponseController
	idle time.Duration
}

func (s *streamWriter) progress() {
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.idle))
	ExtendBudget(s.ctx, s.idle+BudgetOf(s.ctx))
}

func (s *streamWriter) Write(b []byte) (int, error) {
	s.progress()
	return s.ResponseWriter.Write(b)
}

func (s *streamWriter) Flush() {
	s.progress()
	_ = s.rc.Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *streamWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
