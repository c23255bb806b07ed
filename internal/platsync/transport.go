package platsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxBody bounds one answer: a 达实 page of 4000 customers is about 4 MB.
const maxBody = 64 << 20

// Error is a failure of the platform or of talking to it, with a message
// that says what to do. It never carries credentials or signed URLs.
type Error struct {
	Platform string
	Op       string // "token", "page 3", "list-fields"
	Kind     string // auth, refused, transient, garbage, network
	Status   int    // HTTP status, 0 when none
	Code     string // the platform's error code, when it sent one
	Msg      string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", platformNames[e.Platform], e.Op)
	switch e.Kind {
	case kindAuth:
		b.WriteString("the platform refused the credentials")
	case kindRefused:
		b.WriteString("the platform refused the request")
	case kindTransient:
		b.WriteString("the platform kept failing")
	case kindGarbage:
		b.WriteString("the platform answered something that is not its API's JSON")
	case kindNetwork:
		b.WriteString("cannot reach the platform")
	}
	if e.Status != 0 && e.Status != 200 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, ", %s", e.Code)
		}
		b.WriteString(")")
	} else if e.Code != "" {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	return b.String()
}

// Error kinds.
const (
	kindAuth      = "auth"      // wrong or revoked credentials, bad signature: fix the credentials
	kindRefused   = "refused"   // the platform says the request is wrong or not allowed
	kindTransient = "transient" // 429, 5xx, a platform "try again" code: retried
	kindGarbage   = "garbage"   // not the JSON the platform's docs describe: retried, then fatal
	kindNetwork   = "network"   // connection refused, reset, timed out: retried
)

var platformNames = map[string]string{PlatformDashi: "达实AIoT", PlatformTanma: "探马SCRM", PlatformYeastar: "Yeastar YCM"}

// verdict is what a platform client makes of one answer.
type verdict struct {
	err    *Error        // nil: success
	retry  bool          // transient: try again after backoff
	reauth bool          // the token expired or was refused: authenticate again, then retry
	after  time.Duration // the platform asked to wait this long (Retry-After)
}

// transport sends requests to one platform at a bounded rate, retrying
// transient failures with exponential backoff and jitter. Each attempt
// builds its request afresh, so signatures and timestamps are never reused
// (kehu's own dialects accept a signature once).
type transport struct {
	platform  string
	http      *http.Client
	rate      float64 // requests per second; 0: unlimited
	retries   int
	backoff   time.Duration // first wait; doubles up to maxBackoff
	timeout   time.Duration // per request
	userAgent string
	onRetry   func(op string, attempt int, wait time.Duration, why error)

	mu   sync.Mutex
	next time.Time
}

const maxBackoff = 30 * time.Second

// pace waits for the next request slot.
func (t *transport) pace(ctx context.Context) error {
	if t.rate <= 0 {
		return nil
	}
	t.mu.Lock()
	now := time.Now()
	at := t.next
	if at.Before(now) {
		at = now
	}
	t.next = at.Add(time.Duration(float64(time.Second) / t.rate))
	t.mu.Unlock()
	return sleep(ctx, time.Until(at))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// do sends the request build makes and lets check judge the answer. A
// verdict asking to re-authenticate calls reauth once per call.
func (t *transport) do(ctx context.Context, op string, build func(ctx context.Context) (*http.Request, error),
	check func(status int, h http.Header, body []byte) verdict, reauth func(ctx context.Context) error) ([]byte, error) {
	reauthed := false
	var last *Error
	for attempt := 0; ; attempt++ {
		if err := t.pace(ctx); err != nil {
			return nil, err
		}
		status, h, body, netErr := t.once(ctx, build)
		var v verdict
		switch {
		case netErr != nil && ctx.Err() != nil:
			return nil, ctx.Err()
		case netErr != nil:
			v = verdict{err: &Error{Platform: t.platform, Op: op, Kind: kindNetwork, Msg: netErr.Error()}, retry: true}
		case status == http.StatusTooManyRequests:
			v = verdict{err: &Error{Platform: t.platform, Op: op, Kind: kindTransient, Status: status, Msg: "rate limited"}, retry: true}
		case status >= 500 && status != 501:
			v = verdict{err: &Error{Platform: t.platform, Op: op, Kind: kindTransient, Status: status, Msg: snippet(body)}, retry: true}
		default:
			v = check(status, h, body)
		}
		if v.err == nil {
			return body, nil
		}
		v.err.Platform, v.err.Op = t.platform, op
		if v.err.Status == 0 {
			v.err.Status = status
		}
		if ra := h.Get("Retry-After"); ra != "" && v.after == 0 {
			if s, err := strconv.Atoi(ra); err == nil && s >= 0 {
				v.after = time.Duration(min(s, 300)) * time.Second
			}
		}
		last = v.err
		switch {
		case v.reauth && !reauthed && reauth != nil:
			reauthed = true
			if err := reauth(ctx); err != nil {
				return nil, err
			}
			attempt-- // a fresh token is not a retry
			continue
		case v.retry && attempt < t.retries:
			wait := t.backoff << min(attempt, 16)
			if wait > maxBackoff || wait <= 0 {
				wait = maxBackoff
			}
			wait = wait/2 + rand.N(wait/2+1)
			wait = max(wait, v.after)
			if t.onRetry != nil {
				t.onRetry(op, attempt+1, wait, last)
			}
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		if v.retry && attempt > 0 {
			last.Msg = fmt.Sprintf("%s (after %d attempts)", last.Msg, attempt+1)
		}
		return nil, last
	}
}

// once sends one request. Its error is safe to show: the URL is reduced to
// scheme, host and path (达实's token URL carries a signature).
func (t *transport) once(ctx context.Context, build func(ctx context.Context) (*http.Request, error)) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	req, err := build(ctx)
	if err != nil {
		return 0, nil, nil, err
	}
	if t.userAgent != "" {
		req.Header.Set("User-Agent", t.userAgent)
	}
	resp, err := t.http.Do(req)
	if err != nil {
		return 0, nil, nil, safeErr(req, err, ctx)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, nil, safeErr(req, err, ctx)
	}
	if len(body) > maxBody {
		return resp.StatusCode, resp.Header, nil, fmt.Errorf("the answer is larger than %d MiB", maxBody>>20)
	}
	return resp.StatusCode, resp.Header, body, nil
}

func safeErr(req *http.Request, err error, ctx context.Context) error {
	where := req.URL.Scheme + "://" + req.URL.Host + req.URL.Path
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("%s %s: no answer within the request timeout", req.Method, where)
	}
	return fmt.Errorf("%s %s: %v", req.Method, where, err)
}

// snippet is the start of an answer, for messages about garbage.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "an empty body"
	}
	if len(s) > 200 {
		s = s[:200]
		for len(s) > 0 && !isRuneStart(s[len(s)-1]) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strconv.Quote(s)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// garbage is the verdict on an answer that is not the platform's JSON:
// retried (a proxy's error page, a truncated answer), then fatal.
func garbage(body []byte, why string) verdict {
	msg := snippet(body)
	if why != "" {
		msg = why + ": " + msg
	}
	return verdict{err: &Error{Kind: kindGarbage, Msg: msg}, retry: true}
}
