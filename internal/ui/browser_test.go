package ui_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kehu/kehu/internal/people"
)

// The browser test harness: a real kehu (newConsole: the whole server on a
// SQLite file) driven by a headless Chromium through chromedp.
//
// Browser tests run when KEHU_BROWSER_TEST=1 (scripts/test.sh sets it and
// installs Chromium when missing); then a missing browser FAILS. CHROMIUM
// names the binary (default: chromium on PATH). KEHU_SCREENSHOTS=dir keeps
// the screenshots there (the README's come from
// KEHU_SCREENSHOTS=$PWD/docs/screenshots); otherwise they go to a temp dir.

// browserEnv is a console and a browser tab on it; every console error,
// uncaught exception and browser log error (a CSP violation, a failed
// request) is collected, and fails the test at its end.
type browserEnv struct {
	*console
	t     *testing.T
	ctx   context.Context
	shots string
	mu    sync.Mutex
	errs  []string
	// allow are substrings of errors a test expects (a 403 it asks for).
	allow []string
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	if os.Getenv("KEHU_BROWSER_TEST") != "1" {
		t.Skip("set KEHU_BROWSER_TEST=1 to drive the console in headless Chromium")
	}
	bin := os.Getenv("CHROMIUM")
	if bin == "" {
		bin = "chromium"
	}
	p, err := exec.LookPath(bin)
	if err != nil {
		t.Fatalf("KEHU_BROWSER_TEST=1 but no browser: %v", err)
	}
	return p
}

func newBrowserEnv(t *testing.T) *browserEnv {
	bin := chromiumPath(t)
	b := &browserEnv{console: newConsole(t), t: t, shots: os.Getenv("KEHU_SCREENSHOTS")}
	if b.shots == "" {
		b.shots = t.TempDir()
	}
	must(t, os.MkdirAll(b.shots, 0o755))
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.Headless,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	must(t, chromedp.Do(ctx))
	b.ctx = ctx
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
				continue
			}
			b.mu.Lock()
			if !b.allowed(m.Text) {
				b.errs = append(b.errs, m.String()+" at "+m.URL)
			}
			b.mu.Unlock()
		}
	}()
	t.Cleanup(b.noErrors)
	return b
}

func (b *browserEnv) allowed(text string) bool {
	for _, a := range b.allow {
		if strings.Contains(text, a) {
			return true
		}
	}
	return false
}

// noErrors fails the test for every browser console error seen so far.
func (b *browserEnv) noErrors() {
	b.t.Helper()
	time.Sleep(100 * time.Millisecond) // let the last messages arrive
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errs {
		b.t.Errorf("browser console: %s", e)
	}
	b.errs = nil
}

// do runs steps, failing the test with what was being done.
func (b *browserEnv) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JS expression.
func eval[T any](b *browserEnv, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// waitFor waits until the JS expression is truthy (across navigations:
// an evaluation that fails while a page loads is tried again).
func (b *browserEnv) waitFor(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
	b.t.Fatalf("waiting for %s (%s): %v\npage text:\n%s", what, expr, last, text)
}

// text is the visible text of the first element matching sel.
func (b *browserEnv) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// open navigates to path and waits for the page's main element.
func (b *browserEnv) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.URL+path), chromedp.WaitVisible(chromedp.CSS("main")))
}

// loginAs signs in through the login form as one of the fixture's logins
// (admin, manager, rep, rep2) and lands on the customers list.
func (b *browserEnv) loginAs(login string) {
	b.t.Helper()
	_, err := chromedp.Call(b.ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: people.CookieName, URL: b.URL})
	must(b.t, err)
	b.open("/login")
	b.do("log in as "+login,
		chromedp.SendKeys(chromedp.CSS("#login"), login),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#customers-table")))
}

// screenshot saves the page (its full height) as name.png.
func (b *browserEnv) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	must(b.t, os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644))
}

// viewport sets the window's size in CSS pixels (phone: 390×844).
func (b *browserEnv) viewport(w, h int64, mobile bool) {
	b.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	b.do("viewport", chromedp.EmulateViewport(w, h, opts...))
}

// typeInto replaces the text of the input sel with text, typed key by key
// (so input events fire as a user's would).
func (b *browserEnv) typeInto(sel, text string) {
	b.t.Helper()
	b.do("clear "+sel, chromedp.Focus(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+"`"+sel+"`"+`).value = ""`, chromedp.EvalIgnoreExceptions))
	b.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}
