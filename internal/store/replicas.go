package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store/postgres"
)

// Read replicas (kehu serve --db-replica, PostgreSQL streaming standbys).
//
// Read-only work — searches, counts, exports, customer pages — may run on a
// replica; everything else (every write, and every read that decides
// something: credentials, nonces, idempotency records, leases, the caches'
// version checks) stays on the primary. The caller marks the reads with
// ReadOnly; nothing else is ever routed.
//
// A client always reads its own writes, on every node: after a write
// transaction of a session commits, the primary's WAL insert position is
// stored in read_fences (one row per tenant and session, on the primary:
// nodes keep no state). ReadOnly reads that fence from the primary and picks
// a replica whose pg_last_wal_replay_lsn() has reached it; a replica that
// has not, is down, or is not a standby is passed over, and when none
// qualifies the reads go to the primary. So a replica may lag behind other
// clients' writes (by ReplicaMaxLag at most, while the prober runs), never
// behind the reader's own. The fence costs one upsert on the primary per
// write transaction, and only when replicas are configured.

// ReplicaMaxLag is how far behind the primary a replica may be and still
// serve clients that have not written (measured by RunReplicaProbe).
const ReplicaMaxLag = 10 * time.Second

// replicaRetry is how long a replica that failed stays passed over before
// it is tried again.
const replicaRetry = 5 * time.Second

type replica struct {
	db   *sql.DB
	name string // the DSN without its password

	replayed  atomic.Uint64 // highest replay LSN seen; 0 until a probe succeeded
	downUntil atomic.Int64  // unix ns: passed over until then
	lagging   atomic.Bool   // the prober found it more than ReplicaMaxLag behind
	reads     atomic.Int64  // reads routed here

	mu      sync.Mutex
	lastErr string // why it was last passed over, for /readyz
}

// replicaSet is the store's replicas and the routing counters.
type replicaSet struct {
	list         []*replica
	next         atomic.Uint64 // round robin
	primaryReads atomic.Int64  // ReadOnly reads that went to the primary
	fenceErrors  atomic.Int64
	retries      atomic.Int64 // read-only work run again on the primary (RetryOnPrimary)
}

func openReplicas(dsns []string) (*replicaSet, error) {
	rs := &replicaSet{}
	for _, dsn := range dsns {
		db, err := postgres.OpenReplica(dsn)
		if err != nil {
			rs.close()
			return nil, fmt.Errorf("store: replica %s: %w", redact(dsn), err)
		}
		rs.list = append(rs.list, &replica{db: db, name: redact(dsn)})
	}
	return rs, nil
}

func (rs *replicaSet) close() error {
	var err error
	for _, r := range rs.list {
		err = errors.Join(err, r.db.Close())
	}
	return err
}

// HasReplicas reports whether read replicas are configured.
func (s *Store) HasReplicas() bool { return s.replicas != nil && len(s.replicas.list) > 0 }

// Sessions: whose writes a read must see.

type sessionKey struct{}

type session struct {
	tenant int64
	key    string
}

// WithSession returns ctx whose write transactions raise the read fence of
// (tenantID, key) — the caller's Session() — so that the session's later
// reads, on any node, never go to a replica that has not replayed them.
// An empty key is no session.
func WithSession(ctx context.Context, tenantID int64, key string) context.Context {
	if key == "" {
		return ctx
	}
	return context.WithValue(ctx, sessionKey{}, session{tenantID, key})
}

// raiseFence records the primary's WAL position after a committed write of
// ctx's session. It runs after the commit, so the position is past the
// commit record (the insert position, not the flush position: with
// synchronous_commit off the commit may not be flushed yet, and a replica
// only replays what was flushed).
func (s *Store) raiseFence(ctx context.Context) {
	if !s.HasReplicas() {
		return
	}
	se, ok := ctx.Value(sessionKey{}).(session)
	if !ok {
		return
	}
	_, err := s.w.ExecContext(context.WithoutCancel(ctx), `INSERT INTO read_fences (tenant_id, session, lsn) VALUES ($1, $2, pg_current_wal_insert_lsn())
		ON CONFLICT (tenant_id, session) DO UPDATE SET lsn = GREATEST(read_fences.lsn, EXCLUDED.lsn)`, se.tenant, se.key)
	if err != nil {
		// The write is committed and answered; only a replica that lags
		// right now could hide it from this session's next read.
		s.replicas.fenceErrors.Add(1)
		slog.WarnContext(ctx, "store: recording the read fence failed", slog.Int64("tenant", se.tenant), slog.Any("error", err))
	}
}

// Routing.

type routeKey struct{}

// ReadOnly returns ctx whose reads (the store's queries, Query and
// QueryRow) run on a replica that has replayed every write of session
// (tenantID, key), or on the primary when no replica qualifies. Call it
// for read-only work only; without replicas it returns ctx unchanged. The
// choice is made once: a ctx already routed keeps its route.
func (s *Store) ReadOnly(ctx context.Context, tenantID int64, key string) context.Context {
	if !s.HasReplicas() {
		return ctx
	}
	if _, ok := ctx.Value(routeKey{}).(*replica); ok {
		return ctx
	}
	rs := s.replicas
	need, err := s.fence(ctx, tenantID, key)
	if err != nil {
		return Primary(ctx)
	}
	n := uint64(len(rs.list))
	start := rs.next.Add(1)
	for i := range n {
		r := rs.list[(start+i)%n]
		if r.usable(ctx, need) {
			return context.WithValue(ctx, routeKey{}, r)
		}
	}
	return Primary(ctx)
}

// Primary returns ctx whose reads run on the primary, whatever a caller
// up the stack chose (the caches' version checks must see the newest
// counters).
func Primary(ctx context.Context) context.Context {
	if r, ok := ctx.Value(routeKey{}).(*replica); ok && r == nil {
		return ctx
	}
	return context.WithValue(ctx, routeKey{}, (*replica)(nil))
}

// fence is the session's last write position (0: none recorded).
func (s *Store) fence(ctx context.Context, tenantID int64, key string) (uint64, error) {
	if key == "" {
		return 0, nil
	}
	var lsn string
	err := s.w.QueryRowContext(ctx, `SELECT lsn::text FROM read_fences WHERE tenant_id = $1 AND session = $2`, tenantID, key).Scan(&lsn)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return parseLSN(lsn)
}

// usable reports whether r may serve a read that must see position need.
func (r *replica) usable(ctx context.Context, need uint64) bool {
	if time.Now().UnixNano() < r.downUntil.Load() || r.lagging.Load() {
		return false
	}
	if got := r.replayed.Load(); got != 0 && got >= need {
		return true // replay only moves forward
	}
	got, err := r.probe(ctx)
	if err != nil {
		return false
	}
	return got >= need
}

// probe asks r how far it has replayed; an error marks it down.
func (r *replica) probe(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var standby bool
	var lsn sql.NullString
	err := r.db.QueryRowContext(ctx, `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text`).Scan(&standby, &lsn)
	switch {
	case err != nil:
		r.down(err)
		return 0, err
	case !standby || !lsn.Valid:
		err = errors.New("not a streaming standby (pg_is_in_recovery() is false)")
		r.down(err)
		return 0, err
	}
	v, err := parseLSN(lsn.String)
	if err != nil {
		r.down(err)
		return 0, err
	}
	for {
		old := r.replayed.Load()
		if v <= old || r.replayed.CompareAndSwap(old, v) {
			break
		}
	}
	return max(v, r.replayed.Load()), nil
}

func (r *replica) down(err error) {
	r.downUntil.Store(time.Now().Add(replicaRetry).UnixNano())
	r.replayed.Store(0) // a replica rebuilt meanwhile may be behind what it said
	r.mu.Lock()
	first := r.lastErr == ""
	r.lastErr = err.Error()
	r.mu.Unlock()
	if first {
		slog.Warn("store: read replica passed over; its reads go to the primary", slog.String("replica", r.name), slog.Any("error", err))
	}
}

func (r *replica) up() {
	r.mu.Lock()
	was := r.lastErr
	r.lastErr = ""
	r.mu.Unlock()
	if was != "" {
		slog.Info("store: read replica serving again", slog.String("replica", r.name))
	}
}

// replicaFailed reports whether err from a replica means "run it on the
// primary instead": the replica is unreachable or shutting down (marked
// down), or cancelled the statement in a conflict with recovery.
func (s *Store) replicaFailed(r *replica, err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if postgres.Retryable(err) {
		return true
	}
	var o *model.Overloaded
	if errors.As(postgres.Translate(err), &o) {
		r.down(err)
		return true
	}
	return false
}

// RetryOnPrimary reports whether err, which ended read-only work that ctx
// routed to a replica, means "run it again on the primary": the replica
// failed after the work had begun (it stopped mid-result, or cancelled the
// statement in a conflict with recovery), which routedQuery cannot see at
// the statement's start. The replica is passed over as if it had failed to
// start the statement. Only work that has not answered anything yet may be
// run again (crm's searches build their results before answering).
func (s *Store) RetryOnPrimary(ctx context.Context, err error) bool {
	r, ok := ctx.Value(routeKey{}).(*replica)
	if !ok || r == nil || s.replicas == nil || ctx.Err() != nil {
		return false
	}
	if !s.replicaFailed(r, err) {
		return false
	}
	s.replicas.retries.Add(1)
	return true
}

// routedQuery runs q on ctx's replica (ok true), or says to run it on the
// primary: ctx is not read-only work, or was routed to the primary, or the
// replica failed to start it.
func (s *Store) routedQuery(ctx context.Context, q string, args ...any) (*sql.Rows, bool, error) {
	r, present := ctx.Value(routeKey{}).(*replica)
	if !present || s.replicas == nil {
		return nil, false, nil
	}
	if r == nil {
		s.replicas.primaryReads.Add(1)
		return nil, false, nil
	}
	rows, err := r.db.QueryContext(ctx, q, args...)
	if s.replicaFailed(r, err) {
		s.replicas.primaryReads.Add(1)
		return nil, false, nil
	}
	r.reads.Add(1)
	return rows, true, err
}

func (s *Store) routedQueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	r, present := ctx.Value(routeKey{}).(*replica)
	if !present || s.replicas == nil {
		return nil
	}
	if r == nil {
		s.replicas.primaryReads.Add(1)
		return nil
	}
	row := r.db.QueryRowContext(ctx, q, args...)
	if s.replicaFailed(r, row.Err()) {
		s.replicas.primaryReads.Add(1)
		return nil
	}
	r.reads.Add(1)
	return row
}

// The prober.

// RunReplicaProbe checks every replica once a second until ctx ends: one
// that answers again is used again, and one more than ReplicaMaxLag behind
// the primary is passed over even for sessions that wrote nothing (a
// replica stopped replaying must not serve hour-old pages). kehu serve runs
// it on every node.
func (s *Store) RunReplicaProbe(ctx context.Context) {
	if !s.HasReplicas() {
		return
	}
	type sample struct {
		at  time.Time
		lsn uint64
	}
	var samples []sample // primary positions of the last ReplicaMaxLag+
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		var p string
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := s.w.QueryRowContext(qctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&p)
		cancel()
		now := time.Now()
		if v, perr := parseLSN(p); err == nil && perr == nil {
			samples = append(samples, sample{now, v})
		}
		for len(samples) > 1 && now.Sub(samples[1].at) > ReplicaMaxLag {
			samples = samples[1:] // keep one sample at least ReplicaMaxLag old
		}
		for _, r := range s.replicas.list {
			got, err := r.probe(ctx)
			if err != nil {
				continue
			}
			r.downUntil.Store(0)
			r.up()
			// Lagging: it has not replayed what the primary had written
			// ReplicaMaxLag ago.
			r.lagging.Store(len(samples) > 0 && now.Sub(samples[0].at) >= ReplicaMaxLag && got < samples[0].lsn)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// ReplicaState is one replica as /readyz and the metrics report it.
type ReplicaState struct {
	Name     string `json:"name"`
	Status   string `json:"status"` // "ready", "lagging" or "down"
	Replayed string `json:"replayedLsn,omitempty"`
	Error    string `json:"error,omitempty"`
	Reads    int64  `json:"-"`
}

// Replicas checks every replica now (for /readyz).
func (s *Store) Replicas(ctx context.Context) []ReplicaState {
	if !s.HasReplicas() {
		return nil
	}
	out := make([]ReplicaState, len(s.replicas.list))
	for i, r := range s.replicas.list {
		st := ReplicaState{Name: r.name, Status: "ready", Reads: r.reads.Load()}
		got, err := r.probe(ctx)
		switch {
		case err != nil:
			st.Status, st.Error = "down", err.Error()
		case r.lagging.Load():
			st.Status = "lagging"
		default:
			r.downUntil.Store(0)
			r.up()
		}
		if got != 0 {
			st.Replayed = formatLSN(got)
		}
		out[i] = st
	}
	return out
}

// ReadRoutes counts ReadOnly reads by where they ran: on each replica (in
// --db-replica order) and on the primary (no replica qualified).
func (s *Store) ReadRoutes() (replicas []int64, primary int64) {
	if !s.HasReplicas() {
		return nil, 0
	}
	for _, r := range s.replicas.list {
		replicas = append(replicas, r.reads.Load())
	}
	return replicas, s.replicas.primaryReads.Load()
}

// ReplicaRetries counts read-only work that a replica failed part-way and
// that ran again on the primary.
func (s *Store) ReplicaRetries() int64 {
	if !s.HasReplicas() {
		return 0
	}
	return s.replicas.retries.Load()
}

// parseLSN reads PostgreSQL's "XXXXXXXX/YYYYYYYY" WAL position.
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("store: bad WAL position %q", s)
	}
	return h<<32 | l, nil
}

func formatLSN(v uint64) string { return fmt.Sprintf("%X/%X", v>>32, v&0xFFFFFFFF) }
