package httpx

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
)

// PageFlushAt is how much of a page PageWriter gathers before writing it:
// large enough that a write is a few syscalls' worth, small enough that a
// page's memory does not grow with its rows.
const PageFlushAt = 32 << 10

var pageBufs = sync.Pool{New: func() any { b := make([]byte, 0, PageFlushAt+16<<10); return &b }}

// PageWriter writes a large JSON answer while it is built: the encoder
// appends to B and calls Flush after each row, which writes B out once it
// holds PageFlushAt bytes. A page that fits in one buffer goes out in one
// write with a Content-Length, as before; a longer one is sent chunked.
//
// A page whose rows fail midway (the database, or the client gone) ends
// with Fail: before its first byte was written the error is the handler's
// to answer as any error; after, the client already has a 200 and part of a
// page, so the connection is aborted (panic(http.ErrAbortHandler)): the
// body ends without the chunked encoding's last chunk (HTTP/2: the stream
// is reset), which every HTTP client reports as an error, so a truncated
// page can never be taken for a complete one. The cause is logged on the
// request's line (Observe).
type PageWriter struct {
	B []byte

	w           http.ResponseWriter
	r           *http.Request
	status      int
	contentType string
	started     bool
	buf         *[]byte
}

// NewPageWriter starts an answer of status and contentType.
func NewPageWriter(w http.ResponseWriter, r *http.Request, status int, contentType string) *PageWriter {
	buf := pageBufs.Get().(*[]byte)
	return &PageWriter{B: (*buf)[:0], w: w, r: r, status: status, contentType: contentType, buf: buf}
}

// Flush writes B if it holds PageFlushAt bytes or more.
func (p *PageWriter) Flush() error {
	if len(p.B) < PageFlushAt {
		return nil
	}
	if !p.started {
		p.started = true
		p.w.Header().Set("Content-Type", p.contentType)
		p.w.WriteHeader(p.status)
	}
	_, err := p.w.Write(p.B)
	p.B = p.B[:0]
	return err
}

// End writes the rest of the page and returns the buffer.
func (p *PageWriter) End() {
	if !p.started {
		p.w.Header().Set("Content-Type", p.contentType)
		p.w.Header().Set("Content-Length", strconv.Itoa(len(p.B)))
		p.w.WriteHeader(p.status)
	}
	_, _ = p.w.Write(p.B)
	p.release()
}

// Fail ends a page that could not be completed with err: it returns err
// if nothing was written yet, and otherwise aborts the connection (it does
// not return).
func (p *PageWriter) Fail(err error) error {
	p.release()
	if !p.started {
		return err
	}
	if i := infoOf(p.r.Context()); i != nil {
		i.aborted = err
	} else {
		slog.ErrorContext(p.r.Context(), "response aborted midway", slog.Any("error", err))
	}
	panic(http.ErrAbortHandler)
}

func (p *PageWriter) release() {
	if p.buf == nil {
		return
	}
	if cap(p.B) <= 4*PageFlushAt { // a single huge row grew it: let that one go
		*p.buf = p.B[:0]
		pageBufs.Put(p.buf)
	}
	p.buf, p.B = nil, nil
}

// IsAbort reports whether a recovered panic value is a PageWriter's (or
// any handler's) deliberate abort: the middleware lets it reach net/http,
// which closes the connection without logging a stack.
func IsAbort(v any) bool {
	err, ok := v.(error)
	return ok && errors.Is(err, http.ErrAbortHandler)
}
