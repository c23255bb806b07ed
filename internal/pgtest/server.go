package pgtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a private PostgreSQL cluster for one test, which the test may
// stop and start again (on the same port, so DSNs stay valid) to see what
// kehu does while its database is gone. It commits synchronously. It is
// stopped and removed when the test ends.
type Server struct {
	c  *cluster
	mu sync.Mutex
}

// NewServer starts a private cluster for t (a few seconds: initdb and
// start). It skips or fails like NewDatabase when the binaries are missing.
func NewServer(t testing.TB) *Server {
	t.Helper()
	c, err := startClusterWith(true)
	if err != nil {
		failStart(t, err)
	}
	t.Cleanup(func() {
		if err := c.stop(); err != nil {
			t.Logf("pgtest: stopping private cluster: %v", err)
		}
	})
	return &Server{c: c}
}

// NewDatabase creates an empty database on the server and returns its DSN.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := dbName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.c.createDatabase(ctx, name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return s.c.dsn(name)
}

// Stop shuts the server down. Immediate mode is a crash (every backend is
// killed, nothing is checkpointed; the next start runs crash recovery);
// otherwise a fast shutdown (sessions are ended, a checkpoint is written),
// as a service restart does.
func (s *Server) Stop(immediate bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	mode := "fast"
	if immediate {
		mode = "immediate"
	}
	out, err := s.c.run(time.Minute, "pg_ctl", "-D", s.c.dataDir, "-m", mode, "-w", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop -m %s: %v\n%s", mode, err, out)
	}
	return nil
}

// Start starts a stopped server again on its port and waits until it
// accepts connections (after crash recovery, if it was stopped immediately).
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := os.Stat(filepath.Join(s.c.dataDir, "postmaster.pid")); err == nil {
		return fmt.Errorf("pgtest: the server is running")
	}
	if err := s.c.start(""); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.c.admin(ctx, func(conn *pgx.Conn) error { return conn.Ping(ctx) }); err != nil {
		return fmt.Errorf("pgtest: restarted but unreachable: %w\n%s", err, s.c.logTail())
	}
	return nil
}
