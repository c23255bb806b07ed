package pgtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Replicated is a private PostgreSQL primary with one streaming hot
// standby, for tests of read replicas. Both run as the same unprivileged
// user as the shared cluster; the standby is made with `pg_basebackup -R`
// (a real base backup and streaming replication, not a copy of files).
type Replicated struct {
	// Primary and Standby are DSNs of the same database on each server.
	Primary, Standby string

	primary, standby *cluster
}

// replicatedDB is the database NewReplicated creates on the primary.
const replicatedDB = "kehu_repl"

// NewReplicated starts a fresh primary and a hot standby streaming from it
// (each on its own loopback port, in its own directory), creates one empty
// database and returns both DSNs once the standby has replayed its
// creation. Both servers stop in t.Cleanup. Skips or fails like NewDatabase
// when the server binaries are missing.
func NewReplicated(t testing.TB) *Replicated {
	t.Helper()
	r, err := startReplicated()
	if err != nil {
		failStart(t, err)
	}
	t.Cleanup(func() {
		if err := r.standby.stop(); err != nil {
			t.Logf("pgtest: stopping standby: %v", err)
		}
		if err := r.primary.stop(); err != nil {
			t.Logf("pgtest: stopping primary: %v", err)
		}
	})
	return r
}

// small keeps the two extra servers light next to the shared cluster.
const small = " -c shared_buffers=32MB -c max_connections=100"

func startReplicated() (_ *Replicated, err error) {
	p, err := newClusterDir()
	if err != nil {
		return nil, err
	}
	r := &Replicated{primary: p}
	defer func() {
		if err != nil {
			if r.standby != nil {
				_ = r.standby.stop()
			}
			_ = p.stop()
		}
	}()
	if err := p.initdb(); err != nil {
		return nil, err
	}
	// wal_level=replica and max_wal_senders are PostgreSQL's defaults, and
	// initdb --auth=trust lets 127.0.0.1 open replication connections.
	if err := p.startOnFreePort(small + " -c wal_level=replica -c max_wal_senders=5"); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := p.createDatabase(ctx, replicatedDB); err != nil {
		return nil, err
	}

	s, err := newClusterDir()
	if err != nil {
		return nil, err
	}
	r.standby = s
	// -R writes standby.signal and primary_conninfo; -X stream copies the
	// WAL written during the backup; -c fast checkpoints at once.
	out, err := s.run(3*time.Minute, "pg_basebackup", "-D", s.dataDir, "-h", "127.0.0.1", "-p", fmt.Sprint(p.port),
		"-U", superuser, "-R", "-X", "stream", "-c", "fast", "--no-sync")
	if err != nil {
		return nil, fmt.Errorf("pg_basebackup from port %d failed: %v\n%s", p.port, err, out)
	}
	if err := s.startOnFreePort(small + " -c hot_standby=on"); err != nil {
		return nil, err
	}
	r.Primary, r.Standby = p.dsn(replicatedDB), s.dsn(replicatedDB)
	if err := r.waitCaughtUp(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// waitCaughtUp waits until the standby has replayed everything the primary
// has written so far.
func (r *Replicated) waitCaughtUp(ctx context.Context) error {
	var target string
	if err := r.primary.admin(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&target)
	}); err != nil {
		return err
	}
	for {
		var done bool
		err := r.standby.admin(ctx, func(c *pgx.Conn) error {
			return c.QueryRow(ctx, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", target).Scan(&done)
		})
		if err == nil && done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("standby did not replay up to %s: %v (last error %v)\n%s", target, ctx.Err(), err, r.standby.logTail())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// WaitCaughtUp waits (up to a minute) until the standby has replayed every
// write the primary has made so far.
func (r *Replicated) WaitCaughtUp(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.waitCaughtUp(ctx); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// PauseReplay stops the standby applying WAL (pg_wal_replay_pause): it
// keeps answering, frozen at what it has replayed, as a lagging replica.
func (r *Replicated) PauseReplay(t testing.TB) { r.standbyExec(t, "SELECT pg_wal_replay_pause()") }

// ResumeReplay lets the standby apply WAL again.
func (r *Replicated) ResumeReplay(t testing.TB) { r.standbyExec(t, "SELECT pg_wal_replay_resume()") }

func (r *Replicated) standbyExec(t testing.TB, q string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.standby.admin(ctx, func(c *pgx.Conn) error { _, err := c.Exec(ctx, q); return err }); err != nil {
		t.Fatalf("pgtest: standby %s: %v", q, err)
	}
}

// StopStandby shuts the standby down (immediate mode): its port refuses
// connections until StartStandby.
func (r *Replicated) StopStandby(t testing.TB) {
	t.Helper()
	if out, err := r.standby.run(time.Minute, "pg_ctl", "-D", r.standby.dataDir, "-m", "immediate", "-w", "stop"); err != nil {
		t.Fatalf("pgtest: stopping standby: %v\n%s", err, out)
	}
}

// StartStandby starts the stopped standby again on its old port; it
// resumes streaming from the primary.
func (r *Replicated) StartStandby(t testing.TB) {
	t.Helper()
	if err := r.standby.start(small + " -c hot_standby=on"); err != nil {
		t.Fatalf("pgtest: restarting standby: %v", err)
	}
}

// StandbyLog is the end of the standby's server log, for failure messages.
func (r *Replicated) StandbyLog() string { return r.standby.logTail() }
