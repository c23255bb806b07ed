package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal: progress that redraws one line
// with \r goes there; anything else (a file, a pipe, CI logs) gets one line
// per update, so lines never run together.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// lineProgress prints progress as whole lines, at most one per interval
// (and always the first and the last), for a stderr that is not a terminal.
type lineProgress struct {
	mu       sync.Mutex
	w        io.Writer
	prefix   string
	step     string
	every    time.Duration
	last     time.Time
	lastDone int64
}

// newLineProgress prints "prefix: N/M rows (P%)" lines at most every interval.
func newLineProgress(w io.Writer, prefix string, every time.Duration) *lineProgress {
	return &lineProgress{w: w, prefix: prefix, every: every}
}

func (p *lineProgress) setStep(step string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if step != p.step {
		p.step = step
		p.last = time.Time{} // a new step is always shown
	}
}

func (p *lineProgress) update(done, total int64, final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !final && !p.last.IsZero() && now.Sub(p.last) < p.every {
		return
	}
	p.last, p.lastDone = now, done
	msg := p.prefix
	if final {
		msg += ": done,"
	} else if p.step != "" {
		msg += ": " + p.step
	}
	if total > 0 {
		fmt.Fprintf(p.w, "%s %d/%d rows (%d%%)\n", msg, done, total, done*100/total)
	} else {
		fmt.Fprintf(p.w, "%s %d rows\n", msg, done)
	}
}
