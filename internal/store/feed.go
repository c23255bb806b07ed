package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kehu/kehu/internal/background"
	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store/postgres"
)

// This file is the change feed: customer_events rows written in the same
// transaction as every customer change, numbered with feed positions in
// commit order (see the package doc), read by position, with a
// signal that wakes long-polling readers when new positions exist.

// Origin is who makes a transaction's changes and through which API.
type Origin struct {
	Actor model.Actor
	Via   model.Via
}

// SetOrigin records who makes this transaction's changes; every event it
// writes carries it. Without an actor an event names the customer's
// created/updated-by.
func (t *Tx) SetOrigin(o Origin) { t.origin = o }

type originKey struct{}

// WithOrigin returns ctx carrying o: transactions begun with it start with
// that origin (the HTTP layer tags each request with its API this way).
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

func originOf(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}

// WithActor returns ctx whose transactions record a as the actor of their
// changes, keeping the API the context already names (the HTTP layer's) or
// else via. crm writes every caller's changes this way, so an event names
// who made it whatever the kind (a delete has no updated-by to fall back on).
func WithActor(ctx context.Context, a model.Actor, via model.Via) context.Context {
	o := originOf(ctx)
	o.Actor = a
	if o.Via == "" {
		o.Via = via
	}
	return WithOrigin(ctx, o)
}

// sequenceBatch is how many events one numbering statement takes.
const sequenceBatch = 10000

// feedChannel is the PostgreSQL LISTEN/NOTIFY channel the sequencer
// signals after it numbered events.
const feedChannel = "kehu_feed"

// feedHub wakes readers waiting for new feed positions and the local
// sequencer when this process wrote events.
type feedHub struct {
	mu   sync.Mutex
	ch   chan struct{} // closed and replaced on every broadcast
	kick chan struct{} // capacity 1: "events written, number them"
}

func newFeedHub() *feedHub {
	return &feedHub{ch: make(chan struct{}), kick: make(chan struct{}, 1)}
}

func (h *feedHub) signal() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ch
}

func (h *feedHub) broadcast() {
	h.mu.Lock()
	close(h.ch)
	h.ch = make(chan struct{})
	h.mu.Unlock()
}

// FeedSignal returns a channel closed when new feed positions may exist.
// Take it before reading the feed, then wait on it when the read came back
// empty: a change between the read and the wait still wakes the waiter.
// Changes made by other processes are signalled through PostgreSQL
// LISTEN/NOTIFY while RunFeed runs; waiters should also re-read now and
// then (SQLite written by another process, a lost notification).
func (s *Store) FeedSignal() <-chan struct{} { return s.feed.signal() }

// feedWritten runs after a transaction with events committed.
func (s *Store) feedWritten() {
	if s.dialect == SQLite {
		s.feed.broadcast() // already numbered in the transaction
		return
	}
	select {
	case s.feed.kick <- struct{}{}:
	default:
	}
}

// addEvent appends a change event in the current transaction. old is the
// customer before an edit (nil for add and delete); cat names custom fields
// in the changes (nil: by id).
func (t *Tx) addEvent(ctx context.Context, old, c *model.Customer, kind string, cat *Catalog) error {
	return t.addEventWith(ctx, old, c, kind, cat, nil)
}

// addEventWith is addEvent with further changes the customer row does not
// show (a follow-up written: followups.go).
func (t *Tx) addEventWith(ctx context.Context, old, c *model.Customer, kind string, cat *Catalog, extra []model.Change) error {
	var data []byte
	at := c.UpdatedAt
	if kind != model.EventDelete {
		data = Snapshot(c)
	} else {
		at = time.Now()
	}
	var changes []model.Change
	switch kind {
	case model.EventAdd:
		changes = Diff(nil, c, cat)
	case model.EventEdit:
		changes = Diff(old, c, cat)
	case model.EventDelete:
		changes = Diff(c, nil, cat) // what was deleted, for the history
	}
	changes = append(changes, extra...)
	var ch string
	if len(changes) > 0 {
		b, _ := json.Marshal(changes)
		ch = string(b)
	}
	actor := t.actorFor(c, kind)
	pos, err := t.eventPosition(ctx)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO customer_events (`+eventInsertCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.TenantID, idgen.Next(), nullInt(c.ProjectID), c.ID, kind, string(data), model.Millis(at),
		actor.ID, actor.Name, actor.Kind, string(t.origin.Via), ch, t.note.action, t.note.reason, pos)
	if err != nil {
		return fmt.Errorf("store: add event: %w", err)
	}
	t.events++
	return nil
}

// eventInsertCols are the columns an event is written with.
const eventInsertCols = "tenant_id, id, project_id, customer_id, kind, data, created_at, actor_id, actor_name, actor_kind, via, changes, action, reason, position"

// eventPositions counts the feed positions a SQLite transaction gives its
// events as it writes them (eventPosition).
type eventPositions struct {
	loaded     bool
	last, next int64 // feed_sequence's last when read; the last one given
}

// eventPosition is the feed position of the next event the transaction
// writes: on SQLite the next number after feed_sequence's last, counted
// within the transaction — its BEGIN IMMEDIATE holds the database's one
// write lock, so nothing else numbers meanwhile, and the numbers commit or
// vanish with the events (runTx records the last one) —; nil on
// PostgreSQL, whose writers commit concurrently and out of draw order, so
// committed events are numbered afterwards (sequencePG). Numbered at
// insert, SQLite's events are written once: numbering them at commit
// (sequence) rewrote every row of the transaction, snapshot and all — 6 %
// of a recycling pass's CPU.
func (t *Tx) eventPosition(ctx context.Context) (any, error) {
	if t.s.dialect != SQLite {
		return nil, nil
	}
	if !t.pos.loaded {
		if err := t.queryRow(ctx, `SELECT last FROM feed_sequence WHERE id = 1`).Scan(&t.pos.last); err != nil {
			return nil, fmt.Errorf("store: feed sequence: %w", err)
		}
		t.pos.next, t.pos.loaded = t.pos.last, true
	}
	t.pos.next++
	return t.pos.next, nil
}

// finishPositions records, at commit on SQLite, the last feed position the
// transaction gave, and numbers the events written without one (none, but
// for a crashed load's: sequence).
func (t *Tx) finishPositions(ctx context.Context) error {
	if t.pos.loaded && t.pos.next > t.pos.last {
		if _, err := t.exec(ctx, `UPDATE feed_sequence SET last = ? WHERE id = 1`, t.pos.next); err != nil {
			return fmt.Errorf("store: feed sequence: %w", err)
		}
	}
	if given := int(t.pos.next - t.pos.last); t.events > given {
		if _, err := t.s.sequence(ctx, t.tx); err != nil {
			return err
		}
	}
	return nil
}

// eventNote is the action and reason the next events of a transaction
// carry (pool actions: which one, and why).
type eventNote struct{ action, reason string }

// SetEventNote makes the events this transaction writes from now on carry
// action and reason (a pool claim, a recycle and its rule); empty strings
// clear it.
func (t *Tx) SetEventNote(action, reason string) { t.note = eventNote{action, reason} }

// EventNote is the transaction's event note (SetEventNote).
func (t *Tx) EventNote() (action, reason string) { return t.note.action, t.note.reason }

// AddEvent appends a change event without field changes (for callers that
// record a change the store did not make itself).
func (t *Tx) AddEvent(ctx context.Context, c *model.Customer, kind string) error {
	return t.addEvent(ctx, nil, c, kind, nil)
}

func (t *Tx) actorFor(c *model.Customer, kind string) model.Actor {
	if t.origin.Actor != (model.Actor{}) {
		return t.origin.Actor
	}
	var a model.Actor
	switch kind {
	case model.EventAdd:
		a = model.Actor{ID: c.CreatedBy, Name: c.CreatedByName}
	case model.EventEdit:
		a = model.Actor{ID: c.UpdatedBy, Name: c.UpdatedByName}
	}
	switch t.origin.Via {
	case model.ViaNative, model.ViaDashi, model.ViaTanma, model.ViaYeastar:
		if a.ID != "" {
			a.Kind = model.ActorClient // the four APIs write as their client
		}
	}
	return a
}

// bulkEventRow is the customer_events row of a bulk-inserted customer (no
// snapshot, no changes: a million copies would double the database).
func (t *Tx) bulkEventRow(ctx context.Context, c *model.Customer) ([]any, error) {
	a := t.actorFor(c, model.EventAdd)
	pos, err := t.eventPosition(ctx)
	if err != nil {
		return nil, err
	}
	t.events++
	return []any{c.TenantID, idgen.Next(), nullInt(c.ProjectID), c.ID, model.EventAdd, "", model.Millis(c.UpdatedAt),
		a.ID, a.Name, a.Kind, string(t.origin.Via), pos}, nil
}

const bulkEventCols = "tenant_id, id, project_id, customer_id, kind, data, created_at, actor_id, actor_name, actor_kind, via, position"

// sequence numbers committed events that have no position yet, in draw
// order, continuing from feed_sequence, and returns how many it numbered.
// The caller holds the numbering lock: on SQLite the write transaction
// itself, on PostgreSQL the feed_sequence row (sequencePG).
func (s *Store) sequence(ctx context.Context, q querier) (int, error) {
	order := "draw"
	if s.dialect == SQLite {
		// One writer at a time: every unnumbered row is a bulk load's
		// (or a crashed one's), and ids grow within a process.
		order = "id"
	}
	total := 0
	for {
		var last int64
		if err := q.QueryRowContext(ctx, `SELECT last FROM feed_sequence WHERE id = 1`).Scan(&last); err != nil {
			return total, fmt.Errorf("store: feed sequence: %w", err)
		}
		res, err := q.ExecContext(ctx, s.Rebind(`UPDATE customer_events SET position = ? + n.rn
FROM (SELECT tenant_id, id, row_number() OVER (ORDER BY `+order+`) AS rn
      FROM (SELECT tenant_id, id, `+order+` FROM customer_events WHERE position IS NULL ORDER BY `+order+` LIMIT `+fmt.Sprint(sequenceBatch)+`) AS b) AS n
WHERE customer_events.tenant_id = n.tenant_id AND customer_events.id = n.id`), last)
		if err != nil {
			return total, fmt.Errorf("store: number events: %w", s.translate(err))
		}
		n, _ := res.RowsAffected()
		if n == 0 {
			return total, nil
		}
		if _, err := q.ExecContext(ctx, s.Rebind(`UPDATE feed_sequence SET last = ? WHERE id = 1`), last+n); err != nil {
			return total, fmt.Errorf("store: feed sequence: %w", err)
		}
		total += int(n)
		if n < sequenceBatch {
			return total, nil
		}
	}
}

// SequenceFeed numbers every committed event that has no position yet and
// returns how many it numbered. Any process may call it at any time; on
// PostgreSQL one call at a time does the work and the others wait for it
// (a step takes milliseconds), then number what is left.
func (s *Store) SequenceFeed(ctx context.Context) (int, error) {
	if s.dialect == SQLite {
		n := 0
		err := s.InTx(ctx, func(t *Tx) error {
			var err error
			n, err = s.sequence(ctx, t.tx)
			return err
		})
		if n > 0 {
			s.feed.broadcast()
		}
		return n, err
	}
	return s.sequencePG(ctx)
}

// sequencePG runs one numbering step on PostgreSQL: lock feed_sequence
// (waiting for another node's step), number, notify, commit. Read
// committed matters: each statement after the lock sees every transaction
// that committed before it — including the previous step's numbers.
func (s *Store) sequencePG(ctx context.Context) (int, error) {
	tx, err := s.w.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return 0, fmt.Errorf("store: begin: %w", s.translate(err))
	}
	defer tx.Rollback()
	var last int64
	err = tx.QueryRowContext(ctx, `SELECT last FROM feed_sequence WHERE id = 1 FOR UPDATE`).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("store: feed sequence: %w", err)
	}
	n, err := s.sequence(ctx, tx)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, '')`, feedChannel); err != nil {
		return 0, fmt.Errorf("store: notify: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: commit feed positions: %w", s.translate(err))
	}
	s.feed.broadcast()
	return n, nil
}

// unsequenced reports whether committed events wait for a position.
func (s *Store) unsequenced(ctx context.Context) (bool, error) {
	ok, err := s.exists(ctx, unsequencedSQL(s.dialect))
	if err != nil && s.dialect == SQLite && strings.Contains(err.Error(), "no such index") {
		// A fresh bulk load drops the events' indexes until it ends.
		return s.exists(ctx, unsequencedSQL(Postgres))
	}
	return ok, err
}

// unsequencedSQL is unsequenced's query. SQLite without statistics (no
// ANALYZE, as bench and bulk-loaded databases are) walks a covering index
// of every event instead of the partial index of the unsequenced few: at a
// million events, 0.25 s a poll and 44 % of a bench's CPU (issue 14's
// deep-page profile), so the partial index is named.
func unsequencedSQL(dialect string) string {
	if dialect == SQLite {
		return `SELECT 1 FROM customer_events INDEXED BY customer_events_unsequenced WHERE position IS NULL LIMIT 1`
	}
	return `SELECT 1 FROM customer_events WHERE position IS NULL LIMIT 1`
}

// RunFeed keeps the feed moving until ctx is done: it numbers events soon
// after this process (or, within a poll interval, any other) commits them,
// and on PostgreSQL listens for other nodes' numbering to wake this node's
// long-polling readers. kehu serve runs it; several nodes may run it at once.
func (s *Store) RunFeed(ctx context.Context, log *slog.Logger) {
	var wg sync.WaitGroup
	if s.dialect == Postgres {
		wg.Add(1)
		// A panic in the listener is logged and counted and the
		// listener restarted; the caller's Loop guards the rest.
		go func() {
			defer wg.Done()
			background.Loop(ctx, log, "feed-listen", func(ctx context.Context) { s.listenFeed(ctx, log) })
		}()
	}
	poll := 250 * time.Millisecond
	if s.dialect == SQLite {
		poll = time.Second // numbered at commit; this catches loads and other processes
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-s.feed.kick:
			s.runSequencer(ctx, log, true)
		case <-t.C:
			s.runSequencer(ctx, log, false)
		}
	}
	wg.Wait()
}

func (s *Store) runSequencer(ctx context.Context, log *slog.Logger, kicked bool) {
	if !kicked {
		pending, err := s.unsequenced(ctx)
		if err != nil || !pending {
			if err != nil && ctx.Err() == nil {
				log.Warn("feed: check for unnumbered events", slog.Any("error", err))
			}
			if s.dialect == SQLite {
				// Another process may have written and numbered events.
				s.feed.broadcast()
			}
			return
		}
	}
	if _, err := s.SequenceFeed(ctx); err != nil && ctx.Err() == nil {
		log.Warn("feed: number events", slog.Any("error", err))
	}
}

// listenFeed holds a PostgreSQL connection that LISTENs for other nodes'
// numbering and wakes this node's readers; it reconnects after errors.
func (s *Store) listenFeed(ctx context.Context, log *slog.Logger) {
	for ctx.Err() == nil {
		err := s.listenOnce(ctx)
		s.feed.broadcast() // readers re-read after any gap in listening
		if ctx.Err() != nil {
			return
		}
		log.Warn("feed: listen for notifications", slog.Any("error", err))
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (s *Store) listenOnce(ctx context.Context) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc, err := postgres.RawConn(dc)
		if err != nil {
			return err
		}
		if err := pc.Exec(ctx, "LISTEN "+feedChannel); err != nil {
			return err
		}
		defer func() {
			// Leave the pooled connection as we found it.
			uctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = pc.Exec(uctx, "UNLISTEN "+feedChannel)
		}()
		for {
			if err := pc.WaitForNotification(ctx); err != nil {
				return err
			}
			s.feed.broadcast()
		}
	})
}

// EventFilter selects feed events.
type EventFilter struct {
	After      int64    // positions greater than this
	Limit      int      // at most this many
	ProjectID  int64    // 0: every project (and none)
	CustomerID int64    // 0: every customer
	Kinds      []string // empty: every kind
}

// Events returns up to f.Limit numbered events of a tenant after position
// f.After, in position order: the feed. On PostgreSQL it first numbers
// events that are committed but not yet numbered, so the feed moves even
// where no RunFeed runs.
func (s *Store) Events(ctx context.Context, tenantID int64, f EventFilter) ([]model.Event, error) {
	if s.dialect == Postgres {
		if pending, err := s.unsequenced(ctx); err == nil && pending {
			if _, err := s.SequenceFeed(ctx); err != nil {
				return nil, err
			}
		}
	}
	q := `SELECT ` + eventColumns + ` FROM customer_events WHERE tenant_id = ? AND position > ?`
	args := []any{tenantID, f.After}
	q, args = f.where(q, args)
	return s.scanEvents(ctx, tenantID, q+` ORDER BY position LIMIT ?`, append(args, max(f.Limit, 1))...)
}

func (f EventFilter) where(q string, args []any) (string, []any) {
	if f.ProjectID != 0 {
		q += ` AND project_id = ?`
		args = append(args, f.ProjectID)
	}
	if f.CustomerID != 0 {
		q += ` AND customer_id = ?`
		args = append(args, f.CustomerID)
	}
	if len(f.Kinds) > 0 {
		q += ` AND kind IN (` + placeholders(len(f.Kinds)) + `)`
		for _, k := range f.Kinds {
			args = append(args, k)
		}
	}
	return q, args
}

// LastPosition is the newest position of a tenant's feed (0 when empty):
// where a consumer that only wants what happens from now on starts.
func (s *Store) LastPosition(ctx context.Context, tenantID int64) (int64, error) {
	var p sql.NullInt64
	err := s.queryRow(ctx, `SELECT MAX(position) FROM customer_events WHERE tenant_id = ?`, tenantID).Scan(&p)
	return p.Int64, err
}

const eventColumns = `id, position, project_id, customer_id, kind, data, created_at, actor_id, actor_name, actor_kind, via, changes, action, reason`

func (s *Store) scanEvents(ctx context.Context, tenantID int64, q string, args ...any) ([]model.Event, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: events: %w", err)
	}
	defer rows.Close()
	var out []model.Event
	for rows.Next() {
		e := model.Event{TenantID: tenantID}
		var project, position sql.NullInt64
		var data, via, changes string
		var created int64
		if err := rows.Scan(&e.ID, &position, &project, &e.CustomerID, &e.Kind, &data, &created,
			&e.Actor.ID, &e.Actor.Name, &e.Actor.Kind, &via, &changes, &e.Action, &e.Reason); err != nil {
			return nil, err
		}
		e.Position = position.Int64
		e.ProjectID = project.Int64
		e.Data = []byte(data)
		e.CreatedAt = model.FromMillis(created)
		e.Via = model.Via(via)
		if changes != "" {
			if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
				return nil, fmt.Errorf("store: event %d changes: %w", e.ID, err)
			}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if len(out[i].Changes) == 0 {
			continue
		}
		cat, err := s.LoadCatalog(ctx, tenantID) // cached: one lookup per read
		if err != nil {
			return nil, err
		}
		for j := range out[i:] {
			cat.LabelChanges(out[i+j].Changes)
		}
		break
	}
	return out, nil
}

// LabelChanges names, in changes as stored, the options of select and
// multi-select values (OldLabel/NewLabel; deleted options stay readable by
// id, so old history keeps its labels) and the custom fields recorded by id
// (a delete's changes) by their keys. Labels are looked up when read, so a
// relabelled option shows its current label.
func (c *Catalog) LabelChanges(chs []model.Change) {
	for i := range chs {
		ch := &chs[i]
		name, custom := strings.CutPrefix(ch.Field, "fields.")
		f := c.Field(name)
		if f == nil || f.System == custom {
			continue
		}
		if custom {
			ch.Field = "fields." + f.Key
		}
		if f.Type == model.TypeSelect || f.Type == model.TypeMultiSelect {
			ch.OldLabel, ch.NewLabel = optionLabels(f, ch.Old), optionLabels(f, ch.New)
		}
	}
}

// optionLabels is the label of an option id, or the labels of an array of
// them, as JSON; nil for null and for values that are not option ids. An id
// the field never had keeps its number as its label.
func optionLabels(f *model.Field, raw json.RawMessage) json.RawMessage {
	label := func(id int64) string {
		if o, ok := f.OptionByID(id); ok {
			return o.Label
		}
		return strconv.FormatInt(id, 10)
	}
	var one int64
	if json.Unmarshal(raw, &one) == nil && string(raw) != "null" {
		b, _ := json.Marshal(label(one))
		return b
	}
	var many []int64
	if json.Unmarshal(raw, &many) == nil && many != nil {
		out := make([]string, len(many))
		for i, id := range many {
			out[i] = label(id)
		}
		b, _ := json.Marshal(out)
		return b
	}
	return nil
}

// diffSkip are the bookkeeping keys of a customer's JSON that are not
// changes of their own.
var diffSkip = map[string]bool{"id": true, "updatedAt": true, "updatedBy": true, "updatedByName": true,
	"createdAt": true, "createdBy": true, "createdByName": true}

// BulkAddChanges reconstructs the changes of an add written without them (a
// bulk add: imports, kehu sync, bench loads write the event row only, so a
// million of them do not double the database): the customer as it is now
// (c; nil once deleted) taken back through the old values of every change
// recorded after the add (later, in feed order), as a Diff from nothing.
// It reports false when that is not known: a later edit without its
// changes, so the values it changed are not recoverable.
func BulkAddChanges(c *model.Customer, later []model.Event, cat *Catalog) ([]model.Change, bool) {
	state := flatCustomer(c, cat)
	for i := len(later) - 1; i >= 0; i-- {
		e := &later[i]
		switch e.Kind {
		case model.EventDelete:
			// The delete lists every field the customer had, old → null.
			state = map[string]json.RawMessage{}
			for _, ch := range e.Changes {
				state[ch.Field] = ch.Old
			}
		case model.EventEdit:
			if len(e.Changes) == 0 && e.Action == "" {
				return nil, false
			}
			for _, ch := range e.Changes {
				if len(ch.Old) == 0 || string(ch.Old) == "null" {
					delete(state, ch.Field)
				} else {
					state[ch.Field] = ch.Old
				}
			}
		default: // another add of the same customer: not something kehu writes
			return nil, false
		}
	}
	return diffFlat(nil, state), true
}

// flatCustomer is a customer's JSON as one map, custom fields under
// "fields.<key>" (nil: empty), without the bookkeeping keys.
func flatCustomer(x *model.Customer, cat *Catalog) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if x == nil {
		return m
	}
	b, _ := json.Marshal(x)
	_ = json.Unmarshal(b, &m)
	for k := range diffSkip {
		delete(m, k)
	}
	var custom map[string]json.RawMessage
	if len(x.Custom) > 0 && json.Unmarshal(x.Custom, &custom) == nil {
		for id, v := range custom {
			m["fields."+customKey(cat, id)] = v
		}
	}
	return m
}

// Diff lists the fields that differ between old (nil for a new customer)
// and c (nil for a deleted one), system fields under their JSON names and custom fields under their
// keys (ids when cat is nil or the field is gone), in a stable order.
func Diff(old, c *model.Customer, cat *Catalog) []model.Change {
	var a, b map[string]json.RawMessage
	if old != nil {
		a = flatCustomer(old, cat)
	}
	if c != nil {
		b = flatCustomer(c, cat)
	}
	return diffFlat(a, b)
}

// diffFlat is Diff of two flattened customers (nil: none).
func diffFlat(a, b map[string]json.RawMessage) []model.Change {
	// A new or deleted customer: status 1 is the default, not news.
	if a == nil && string(b["status"]) == "1" {
		b = maps.Clone(b)
		delete(b, "status")
	}
	if b == nil && string(a["status"]) == "1" {
		a = maps.Clone(a)
		delete(a, "status")
	}
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sortStrings(keys)
	var out []model.Change
	for _, k := range keys {
		ov, nv := a[k], b[k]
		if string(ov) == string(nv) {
			continue
		}
		if ov == nil {
			ov = json.RawMessage("null")
		}
		if nv == nil {
			nv = json.RawMessage("null")
		}
		out = append(out, model.Change{Field: k, Old: ov, New: nv})
	}
	return out
}

func customKey(cat *Catalog, id string) string {
	if cat != nil {
		if f := cat.Field(id); f != nil && f.Key != "" {
			return f.Key
		}
	}
	return id
}

func sortStrings(s []string) {
	// Custom fields after system fields, each alphabetically.
	slices.SortFunc(s, func(x, y string) int {
		cx, cy := strings.HasPrefix(x, "fields."), strings.HasPrefix(y, "fields.")
		if cx != cy {
			if cx {
				return 1
			}
			return -1
		}
		return strings.Compare(x, y)
	})
}

// PruneEvents deletes numbered events written before cutoff, at most batch
// per statement until none are left, and returns how many it deleted: the
// retention of the feed and of customer history. Events a webhook
// subscription has yet to deliver are kept.
func (s *Store) PruneEvents(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	var total int64
	for {
		res, err := s.w.ExecContext(ctx, s.Rebind(`DELETE FROM customer_events WHERE (tenant_id, id) IN (
  SELECT tenant_id, id FROM customer_events WHERE created_at < ? AND position IS NOT NULL`+s.pruneKeep()+` LIMIT `+fmt.Sprint(batch)+`)`), model.Millis(cutoff))
		if err != nil {
			return total, fmt.Errorf("store: prune events: %w", s.translate(err))
		}
		n, _ := res.RowsAffected()
		total += n
		if n < int64(batch) || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

// pruneKeep is the condition that keeps events still owed to someone: an
// enabled webhook subscription delivers from the feed itself (its cursor
// is a position; only failures carry their payload), so what lies after
// its cursor stays.
func (s *Store) pruneKeep() string {
	return ` AND NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.tenant_id = customer_events.tenant_id AND w.enabled = 1 AND w.position < customer_events.position)`
}

// Snapshot is the JSON an event keeps of a customer: its JSON form plus its
// custom values (by field id) under "custom".
func Snapshot(c *model.Customer) []byte {
	b, _ := json.Marshal(c)
	if len(c.Custom) > 2 { // not {} or empty
		b = append(b[:len(b)-1], `,"custom":`...)
		b = append(b, c.Custom...)
		b = append(b, '}')
	}
	return b
}

// DecodeSnapshot reads an event's snapshot back into a customer.
func DecodeSnapshot(data []byte, tenantID int64) (*model.Customer, error) {
	var c struct {
		model.Customer
		Custom json.RawMessage `json:"custom"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	c.Customer.Custom = c.Custom
	c.Customer.TenantID = tenantID
	return &c.Customer, nil
}

// FieldsByKey renders custom values (by field id, as in Customer.Custom)
// keyed by field key, as the native API shows them; values of deleted
// fields are left out.
func (c *Catalog) FieldsByKey(custom json.RawMessage) map[string]any {
	out := map[string]any{}
	if len(custom) == 0 {
		return out
	}
	d := json.NewDecoder(strings.NewReader(string(custom)))
	d.UseNumber()
	var vals map[string]any
	if d.Decode(&vals) != nil {
		return out
	}
	for id, v := range vals {
		if f := c.Field(id); f != nil {
			out[f.Key] = v
		}
	}
	return out
}
