package main_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The READMEs' shell examples must run as pasted after `kehu demo`:
// TestREADMEShellBlocks starts a demo server in a fresh directory and runs
// every ```sh block of these files, in order, in one bash session (as a user
// pasting them into one terminal), with `kehu` on the PATH and curl failing
// on any HTTP error status. A block preceded by
// <!-- readme-test: skip (reason) --> is left out; keep those few.
var readmes = []string{
	"../../README.md",
	"../../internal/dialect/dashi/README.md",
	"../../internal/dialect/tanma/README.md",
	"../../internal/dialect/yeastar/README.md",
}

// maxSkipped bounds the blocks marked to skip, so the list stays small.
const maxSkipped = 8

type shellBlock struct {
	file string
	line int // of the opening fence
	text string
}

var skipMark = regexp.MustCompile(`^<!--\s*readme-test:\s*skip\b.*-->$`)

// shellBlocks extracts the ```sh / ```bash blocks of a markdown file and
// counts the ones marked to skip.
func shellBlocks(t *testing.T, path string) (run []shellBlock, skipped int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		fence := strings.TrimSpace(lines[i])
		if fence != "```sh" && fence != "```bash" && fence != "```shell" {
			continue
		}
		start := i
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, lines[i])
		}
		prev := ""
		for j := start - 1; j >= 0; j-- {
			if p := strings.TrimSpace(lines[j]); p != "" {
				prev = p
				break
			}
		}
		if skipMark.MatchString(prev) {
			skipped++
			continue
		}
		run = append(run, shellBlock{file: path, line: start + 1, text: strings.Join(body, "\n")})
	}
	return run, skipped
}

func TestREADMEShellBlocks(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	realCurl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	var blocks []shellBlock
	skipped := 0
	for _, f := range readmes {
		b, s := shellBlocks(t, f)
		blocks, skipped = append(blocks, b...), skipped+s
	}
	if skipped > maxSkipped {
		t.Fatalf("%d README blocks are marked to skip (at most %d): make them runnable", skipped, maxSkipped)
	}
	if len(blocks) < 4 {
		t.Fatalf("only %d runnable shell blocks found", len(blocks))
	}

	bin := kehuBinary(t)
	dir := t.TempDir()
	binDir, work := filepath.Join(dir, "bin"), filepath.Join(dir, "work")
	for _, d := range []string{binDir, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(bin, filepath.Join(binDir, "kehu")); err != nil {
		t.Fatal(err)
	}
	// curl as pasted, but an HTTP error status fails the block.
	shim := fmt.Sprintf("#!/bin/sh\nexec %q --fail-with-body --max-time 60 \"$@\"\n", realCurl)
	if err := os.WriteFile(filepath.Join(binDir, "curl"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}

	demo := exec.Command(bin, "demo", "--addr", "127.0.0.1:0", "--customers", "2000")
	demo.Dir = work
	demo.Env = append(os.Environ(), "KEHU_LOG_LEVEL=warn")
	out, err := demo.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var demoErr bytes.Buffer
	demo.Stderr = &demoErr
	if err := demo.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = demo.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- demo.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = demo.Process.Kill()
		}
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if !sent && strings.Contains(sc.Text(), "kehu demo is running at") {
				ready <- true
				sent = true
			}
		}
		if !sent {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("kehu demo ended: %s", demoErr.String())
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("kehu demo did not start: %s", demoErr.String())
	}
	if _, err := os.Stat(filepath.Join(work, "kehu-data", "demo.env")); err != nil {
		t.Fatalf("kehu demo wrote no env file: %v", err)
	}

	var script strings.Builder
	for i, b := range blocks {
		fmt.Fprintf(&script, "echo '::block %d %s:%d' >&2\n%s\n", i, strings.TrimPrefix(b.file, "../../"), b.line, b.text)
	}
	sh := exec.Command(bash, "-eo", "pipefail", "-c", script.String())
	sh.Dir = work
	sh.Env = append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stdout, stderr bytes.Buffer
	sh.Stdout, sh.Stderr = &stdout, &stderr
	if err := sh.Run(); err != nil {
		last := "before the first block"
		if m := regexp.MustCompile(`::block \d+ (\S+)`).FindAllStringSubmatch(stderr.String(), -1); len(m) > 0 {
			last = m[len(m)-1][1]
		}
		tail := func(s string) string {
			if len(s) > 3000 {
				return "…" + s[len(s)-3000:]
			}
			return s
		}
		t.Fatalf("the README block at %s failed: %v\nstdout:\n%s\nstderr:\n%s", last, err, tail(stdout.String()), tail(stderr.String()))
	}
	if n := strings.Count(stderr.String(), "::block "); n != len(blocks) {
		t.Fatalf("%d of %d blocks ran", n, len(blocks))
	}
}
