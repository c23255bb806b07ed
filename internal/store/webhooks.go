package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
)

// Webhook subscriptions, their deliveries and attempts (migrations 0011
// and 0020; package webhook's doc describes the flow: deliveries derived
// from each subscription's feed cursor, rows only as the log and for
// retries). Secrets are stored sealed; package webhook seals and opens
// them.

const webhookColumns = `tenant_id, id, project_id, url, kinds, filter, format, enabled, disabled_reason, disabled_at, position, failures, created_at, updated_at, epoch`

// WebhookRow is a subscription with its sealed secret.
type WebhookRow struct {
	model.Webhook
	Epoch  int64 // replays so far (see DeliveryID)
	Sealed []byte
}

func scanWebhook(sc interface{ Scan(...any) error }, w *WebhookRow, withSecret bool) error {
	var project sql.NullInt64
	var kinds string
	var enabled, disabledAt, created, updated int64
	dest := []any{&w.TenantID, &w.ID, &project, &w.URL, &kinds, &w.Filter, &w.Format, &enabled, &w.DisabledReason,
		&disabledAt, &w.Position, &w.Failures, &created, &updated, &w.Epoch}
	if withSecret {
		dest = append(dest, &w.Sealed)
	}
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	w.ProjectID = project.Int64
	w.Kinds = splitKinds(kinds)
	w.Enabled = enabled != 0
	if disabledAt != 0 {
		t := model.FromMillis(disabledAt)
		w.DisabledAt = &t
	}
	w.CreatedAt, w.UpdatedAt = model.FromMillis(created), model.FromMillis(updated)
	return nil
}

func splitKinds(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// CreateWebhook stores a new subscription starting after position
// w.Position (assigns w.ID and the times).
func (s *Store) CreateWebhook(ctx context.Context, w *model.Webhook, sealed []byte) error {
	w.ID = idgen.Next()
	now := time.Now().UTC().Truncate(time.Millisecond)
	w.CreatedAt, w.UpdatedAt = now, now
	_, err := s.w.ExecContext(ctx, s.Rebind(`INSERT INTO webhooks (`+webhookColumns+`, secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		w.TenantID, w.ID, nullInt(w.ProjectID), w.URL, strings.Join(w.Kinds, ","), w.Filter, w.Format, boolInt(w.Enabled), w.DisabledReason, 0,
		w.Position, 0, model.Millis(now), model.Millis(now), 0, sealed)
	if err != nil {
		return fmt.Errorf("store: create webhook: %w", s.translate(err))
	}
	return nil
}

// Webhooks lists a tenant's subscriptions (projectID != 0: that project's).
func (s *Store) Webhooks(ctx context.Context, tenantID, projectID int64) ([]model.Webhook, error) {
	q := `SELECT ` + webhookColumns + ` FROM webhooks WHERE tenant_id = ?`
	args := []any{tenantID}
	if projectID != 0 {
		q += ` AND project_id = ?`
		args = append(args, projectID)
	}
	rows, err := s.query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: webhooks: %w", err)
	}
	defer rows.Close()
	out := []model.Webhook{}
	for rows.Next() {
		var w WebhookRow
		if err := scanWebhook(rows, &w, false); err != nil {
			return nil, err
		}
		out = append(out, w.Webhook)
	}
	return out, rows.Err()
}

// Webhook reads one subscription with its sealed secret.
func (s *Store) Webhook(ctx context.Context, tenantID, id int64) (*WebhookRow, error) {
	var w WebhookRow
	err := scanWebhook(s.queryRow(ctx, `SELECT `+webhookColumns+`, secret FROM webhooks WHERE tenant_id = ? AND id = ?`, tenantID, id), &w, true)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("webhook %d", id))
	}
	return &w, nil
}

// EnabledWebhooks lists every enabled subscription of every tenant, with
// sealed secrets (for fan-out).
func (s *Store) EnabledWebhooks(ctx context.Context) ([]WebhookRow, error) {
	rows, err := s.query(ctx, `SELECT `+webhookColumns+`, secret FROM webhooks WHERE enabled = 1 ORDER BY tenant_id, id`)
	if err != nil {
		return nil, fmt.Errorf("store: enabled webhooks: %w", err)
	}
	defer rows.Close()
	var out []WebhookRow
	for rows.Next() {
		var w WebhookRow
		if err := scanWebhook(rows, &w, true); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// UpdateWebhook rewrites a subscription's settings (url, kinds, filter,
// format, enabled; sealed when not nil). Enabling clears the reason.
func (s *Store) UpdateWebhook(ctx context.Context, w *model.Webhook, sealed []byte) error {
	w.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
	if w.Enabled {
		w.DisabledReason, w.DisabledAt = "", nil
	}
	q := `UPDATE webhooks SET url = ?, kinds = ?, filter = ?, format = ?, enabled = ?, disabled_reason = ?, disabled_at = ?, updated_at = ?`
	var disabledAt int64
	if w.DisabledAt != nil {
		disabledAt = model.Millis(*w.DisabledAt)
	}
	args := []any{w.URL, strings.Join(w.Kinds, ","), w.Filter, w.Format, boolInt(w.Enabled), w.DisabledReason, disabledAt, model.Millis(w.UpdatedAt)}
	if sealed != nil {
		q += `, secret = ?`
		args = append(args, sealed)
	}
	res, err := s.w.ExecContext(ctx, s.Rebind(q+` WHERE tenant_id = ? AND id = ?`), append(args, w.TenantID, w.ID)...)
	if err != nil {
		return fmt.Errorf("store: update webhook: %w", s.translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: webhook %d: %w", w.ID, model.ErrNotFound)
	}
	return nil
}

// DeleteWebhook removes a subscription with its deliveries and attempts.
func (s *Store) DeleteWebhook(ctx context.Context, tenantID, id int64) error {
	return s.InTx(ctx, func(t *Tx) error {
		res, err := t.exec(ctx, `DELETE FROM webhooks WHERE tenant_id = ? AND id = ?`, tenantID, id)
		if err != nil {
			return fmt.Errorf("store: delete webhook: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: webhook %d: %w", id, model.ErrNotFound)
		}
		for _, table := range []string{"webhook_deliveries", "webhook_attempts"} {
			if _, err := t.exec(ctx, `DELETE FROM `+table+` WHERE tenant_id = ? AND webhook_id = ?`, tenantID, id); err != nil {
				return fmt.Errorf("store: delete webhook: %w", err)
			}
		}
		return nil
	})
}

// ReplayWebhook moves a subscription back (or forward) to feed position
// after: the events after it are delivered again, as new deliveries (a
// new epoch: new ids).
func (s *Store) ReplayWebhook(ctx context.Context, tenantID, id, after int64) error {
	res, err := s.w.ExecContext(ctx, s.Rebind(`UPDATE webhooks SET position = ?, epoch = epoch + 1, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		after, model.Millis(time.Now()), tenantID, id)
	if err != nil {
		return fmt.Errorf("store: replay webhook: %w", s.translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: webhook %d: %w", id, model.ErrNotFound)
	}
	return nil
}

// DeliveryID is the id (and webhook-id) of a subscription's delivery of
// the event at position, in the subscription's epoch (replays so far):
// the same whenever the event is sent again for the same reason — a retry,
// a redelivery, a resend after the node that sent it died before moving
// the cursor — so receivers can drop duplicates, and new after a replay.
// Bit 52 keeps these apart from the idgen ids of deliveries queued before
// migration 0020 (below 2^52 until 2058); 12 bits of epoch (wrapping: a
// replay 4,096 replays later overwrites its log row), 40 of position.
func DeliveryID(epoch, position int64) int64 {
	return 1<<52 | (epoch&0xfff)<<40 | position&(1<<40-1)
}

// NewDelivery is one event a fan-out step passes on to a subscription.
type NewDelivery struct {
	Position, EventID, CustomerID int64
	Kind, Payload                 string
	At                            time.Time // the event's time: lag is measured from it
	// Tried is the attempt the fan-out made itself; nil when it did not
	// post the event (the customer has an earlier delivery pending, or the
	// subscription is in queue mode), which then becomes a pending
	// delivery due now. A successful attempt is logged as a delivered row
	// without payload (a redelivery renders it again from the feed) and
	// without an attempt row (the row's last_* columns are that attempt);
	// a failed one becomes a pending delivery with its attempt logged,
	// due at Tried.NextAt.
	Tried *DeliveryResult
}

// FanOutStep is one subscription's part of a fan-out pass: its cursor
// moves from From to To (within Epoch) and Deliveries are logged or
// queued.
type FanOutStep struct {
	Webhook    *model.Webhook
	Epoch      int64
	From, To   int64
	Deliveries []NewDelivery
}

// FanOut records the steps of a pass in one transaction (one write for
// every subscription, however many: on SQLite each write transaction
// holds the one writer the API's writes wait for). A step whose
// subscription is no longer at (Epoch, From) (a replay or another node's
// fan-out moved it) or no longer enabled writes nothing; FanOut reports
// which steps moved.
func (s *Store) FanOut(ctx context.Context, steps []FanOutStep) ([]bool, error) {
	moved := make([]bool, len(steps))
	queued := 0
	err := s.InTx(ctx, func(t *Tx) error {
		queued = 0
		var rows, attempts [][]any
		failures := map[[2]int64]int64{}
		now := model.Millis(time.Now())
		for i, st := range steps {
			w := st.Webhook
			res, err := t.exec(ctx, `UPDATE webhooks SET position = ? WHERE tenant_id = ? AND id = ? AND position = ? AND epoch = ? AND enabled = 1`,
				st.To, w.TenantID, w.ID, st.From, st.Epoch)
			if err != nil {
				return fmt.Errorf("store: fan out: %w", err)
			}
			n, _ := res.RowsAffected()
			moved[i] = n == 1
			if !moved[i] {
				continue
			}
			for _, d := range st.Deliveries {
				id := DeliveryID(st.Epoch, d.Position)
				row := []any{w.TenantID, w.ID, id, d.Position, d.EventID, d.CustomerID, d.Kind, d.Payload,
					model.DeliveryPending, int64(0), now, int64(0), int64(0), int64(0), "", int64(0), model.Millis(d.At)}
				if r := d.Tried; r != nil {
					row[9], row[11], row[13], row[14], row[15] = int64(r.Attempt), model.Millis(r.At), int64(r.Code), r.Err, r.Latency.Milliseconds()
					switch {
					case r.OK:
						row[7], row[8], row[12] = "", model.DeliveryDelivered, model.Millis(r.At)
					case r.GiveUp:
						row[8], row[12] = model.DeliveryFailed, model.Millis(r.At)
					default:
						row[10] = model.Millis(r.NextAt)
					}
					if !r.OK {
						failures[[2]int64{w.TenantID, w.ID}]++
						attempts = append(attempts, []any{w.TenantID, w.ID, id, r.Attempt, model.Millis(r.At), r.Code, r.Latency.Milliseconds(), r.Err})
					}
				}
				if row[8] == model.DeliveryPending {
					queued++
				}
				rows = append(rows, row)
			}
		}
		// ON CONFLICT: a row of this id exists when the epoch wrapped (see
		// DeliveryID); the old log entry gives way.
		if err := t.insertRows(ctx, "webhook_deliveries", "tenant_id, webhook_id, id, position, event_id, customer_id, kind, payload, status, attempts, next_at, first_at, done_at, last_code, last_error, last_latency, created_at",
			` ON CONFLICT (tenant_id, webhook_id, id) DO UPDATE SET position = excluded.position, event_id = excluded.event_id, customer_id = excluded.customer_id,
  kind = excluded.kind, payload = excluded.payload, status = excluded.status, attempts = excluded.attempts, next_at = excluded.next_at, lease_until = 0,
  first_at = excluded.first_at, done_at = excluded.done_at, last_code = excluded.last_code, last_error = excluded.last_error,
  last_latency = excluded.last_latency, created_at = excluded.created_at`, rows); err != nil {
			return err
		}
		return t.logAttempts(ctx, attempts, failures)
	})
	if err != nil {
		return nil, err
	}
	s.analyzeQueue(ctx, queued)
	return moved, nil
}

// PendingCustomers lists up to limit customers (0: events without one)
// with a pending delivery of a subscription: the fan-out queues their new
// events behind it instead of posting them, which keeps each customer's
// deliveries in order. A read on the pending index.
func (s *Store) PendingCustomers(ctx context.Context, tenantID, webhookID int64, limit int) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT DISTINCT customer_id FROM webhook_deliveries WHERE tenant_id = ? AND webhook_id = ? AND status = 'pending' LIMIT ?`,
		tenantID, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: pending customers: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// analyzeQueue refreshes PostgreSQL's statistics of webhook_deliveries
// each time this process has doubled the rows it queued (1,000, 2,000,
// 4,000, …: a few ANALYZEs over a table's life). The queue grows from
// empty in seconds when a subscription replays the feed or writes burst,
// and until autovacuum analyzes it (up to a minute later) the planner
// takes it for empty: the batched state update of RecordAttempts then
// joined its VALUES to every row of the subscription, not to the primary
// key — seconds per batch instead of milliseconds.
func (s *Store) analyzeQueue(ctx context.Context, added int) {
	if s.dialect != Postgres || added == 0 {
		return
	}
	n := s.queued.Add(int64(added))
	last := s.analyzedAt.Load()
	if n < max(1000, 2*last) || !s.analyzedAt.CompareAndSwap(last, n) {
		return
	}
	if _, err := s.w.ExecContext(ctx, `ANALYZE webhook_deliveries`); err != nil && ctx.Err() == nil {
		s.analyzedAt.Store(last) // try again with the next batch
	}
}

// ClaimedDelivery is a delivery a node has claimed, with what it needs to
// post it.
type ClaimedDelivery struct {
	model.WebhookDelivery
	TenantID int64
	FirstAt  time.Time // first attempt (zero before the first)
	URL      string
	Sealed   []byte
}

// ClaimDeliveries claims up to limit due deliveries of enabled
// subscriptions for lease: for each (subscription, customer) only the
// earliest pending delivery is due, so a customer's deliveries go out in
// order. Claims are conditional updates, so two nodes never claim one
// delivery; a claim expires after lease.
//
// "Earliest pending" is a correlated MIN, not NOT EXISTS: PostgreSQL turns
// NOT EXISTS into an anti-join whose plan follows the table's statistics,
// and a queue that grows from empty in seconds (a replay, a burst of
// writes) was planned as if empty — an unparameterized inner scan of every
// pending row per candidate, minute-long claims until autovacuum analyzed
// the table. A scalar subquery stays a per-row subplan on the
// (tenant, webhook, customer, position) pending index whatever the
// statistics say.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]ClaimedDelivery, error) {
	nowMs := model.Millis(now)
	lock := ""
	if s.dialect == Postgres {
		lock = ` FOR UPDATE OF d SKIP LOCKED`
	}
	var out []ClaimedDelivery
	err := s.InTx(ctx, func(t *Tx) error {
		out = out[:0]
		rows, err := t.query(ctx, `SELECT d.tenant_id, d.webhook_id, d.id, d.position, d.event_id, d.customer_id, d.kind, d.payload, d.attempts, d.first_at, d.created_at, w.url, w.secret
FROM webhook_deliveries d JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id
WHERE d.status = 'pending' AND d.next_at <= ? AND d.lease_until < ? AND w.enabled = 1
  AND d.position = (SELECT MIN(e.position) FROM webhook_deliveries e WHERE e.tenant_id = d.tenant_id AND e.webhook_id = d.webhook_id
                    AND e.customer_id = d.customer_id AND e.status = 'pending')
ORDER BY d.next_at LIMIT ?`+lock, nowMs, nowMs, limit)
		if err != nil {
			return fmt.Errorf("store: claim deliveries: %w", err)
		}
		for rows.Next() {
			var c ClaimedDelivery
			var first, created int64
			if err := rows.Scan(&c.TenantID, &c.WebhookID, &c.ID, &c.Position, &c.EventID, &c.CustomerID, &c.Kind, &c.Payload,
				&c.Attempts, &first, &created, &c.URL, &c.Sealed); err != nil {
				rows.Close()
				return err
			}
			if first != 0 {
				c.FirstAt = model.FromMillis(first)
			}
			c.CreatedAt = model.FromMillis(created)
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// One conditional UPDATE per subscription in the batch (not one per
		// delivery): on PostgreSQL the rows are locked already (SKIP
		// LOCKED), on SQLite this transaction is the only writer, and the
		// condition keeps a claim exclusive either way.
		bySub := map[[2]int64][]any{}
		var subs [][2]int64
		for _, c := range out {
			k := [2]int64{c.TenantID, c.WebhookID}
			if bySub[k] == nil {
				subs = append(subs, k)
			}
			bySub[k] = append(bySub[k], c.ID)
		}
		claimed := map[int64]bool{}
		for _, k := range subs {
			ids := bySub[k]
			rows, err := t.query(ctx, `UPDATE webhook_deliveries SET lease_until = ? WHERE tenant_id = ? AND webhook_id = ? AND id IN (`+placeholders(len(ids))+`)
  AND lease_until < ? AND status = 'pending' RETURNING id`, append(append([]any{model.Millis(now.Add(lease)), k[0], k[1]}, ids...), nowMs)...)
			if err != nil {
				return fmt.Errorf("store: claim deliveries: %w", err)
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				claimed[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("store: claim deliveries: %w", err)
			}
		}
		kept := out[:0]
		for _, c := range out {
			if claimed[c.ID] {
				kept = append(kept, c)
			}
		}
		out = kept
		return nil
	})
	return out, err
}

// DeliveryResult is the outcome of one attempt.
type DeliveryResult struct {
	TenantID, WebhookID, DeliveryID int64
	Attempt                         int
	At                              time.Time
	Code                            int
	Latency                         time.Duration
	Err                             string
	OK                              bool
	NextAt                          time.Time // when not OK and not given up
	GiveUp                          bool      // not OK and out of retries: the delivery fails for good
	Lost                            bool      // with GiveUp: the event left the feed (the subscription stays enabled)
	FirstAt                         time.Time
}

// RecordAttempts writes the outcomes of a batch of attempts in one
// transaction: the attempt log, the deliveries' state and the
// subscriptions' failure counts.
func (s *Store) RecordAttempts(ctx context.Context, rs []DeliveryResult) error {
	if len(rs) == 0 {
		return nil
	}
	return s.InTx(ctx, func(t *Tx) error {
		attempts := make([][]any, 0, len(rs))
		states := make([][]any, 0, len(rs))
		failures := map[[2]int64]int64{}
		for _, r := range rs {
			attempts = append(attempts, []any{r.TenantID, r.WebhookID, r.DeliveryID, r.Attempt, model.Millis(r.At), r.Code, r.Latency.Milliseconds(), r.Err})
			status, next, done := model.DeliveryPending, model.Millis(r.NextAt), int64(0)
			switch {
			case r.OK:
				status, done = model.DeliveryDelivered, model.Millis(r.At)
			case r.GiveUp:
				status, done = model.DeliveryFailed, model.Millis(r.At)
			}
			if !r.OK {
				failures[[2]int64{r.TenantID, r.WebhookID}]++
			}
			states = append(states, []any{r.TenantID, r.WebhookID, r.DeliveryID, status, int64(r.Attempt), next, model.Millis(r.FirstAt), done,
				int64(r.Code), r.Err, r.Latency.Milliseconds()})
		}
		if err := t.updateDeliveries(ctx, states); err != nil {
			return err
		}
		return t.logAttempts(ctx, attempts, failures)
	})
}

// logAttempts writes a pass's attempt rows (tenant, webhook, delivery,
// attempt, at, code, latency, error) and adds its failures to each
// subscription's count (keyed by tenant and webhook): the last step of both
// the feed's pass (FanOut) and the retry loop's (RecordAttempts).
func (t *Tx) logAttempts(ctx context.Context, attempts [][]any, failures map[[2]int64]int64) error {
	if err := t.insertRows(ctx, "webhook_attempts", "tenant_id, webhook_id, delivery_id, attempt, at, code, latency, error", " ON CONFLICT DO NOTHING", attempts); err != nil {
		return err
	}
	for k, n := range failures {
		if _, err := t.exec(ctx, `UPDATE webhooks SET failures = failures + ? WHERE tenant_id = ? AND id = ?`, n, k[0], k[1]); err != nil {
			return fmt.Errorf("store: count failures: %w", err)
		}
	}
	return nil
}

// deliveryStateRow is the VALUES row of updateDeliveries: the key, then
// status, attempts, next_at, first_at, done_at, last_code, last_error,
// last_latency (typed, so PostgreSQL knows the columns' types).
const deliveryStateRow = `(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT),
 CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT))`

// updateDeliveries writes the state of many deliveries with one UPDATE …
// FROM (VALUES …) per chunk instead of one statement per delivery: on
// PostgreSQL every statement is a round trip, and the recording of a batch
// was most of the delivery's time. VALUES columns are column1…columnN on
// both databases.
func (t *Tx) updateDeliveries(ctx context.Context, rows [][]any) error {
	const width = 11
	per := maxBindVars / width
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		b.WriteString(`UPDATE webhook_deliveries SET status = v.column4, attempts = v.column5, next_at = v.column6, lease_until = 0, first_at = v.column7,
  done_at = v.column8, last_code = v.column9, last_error = v.column10, last_latency = v.column11
FROM (VALUES `)
		args := make([]any, 0, len(chunk)*width)
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(deliveryStateRow)
			args = append(args, r...)
		}
		b.WriteString(`) AS v
WHERE webhook_deliveries.tenant_id = v.column1 AND webhook_deliveries.webhook_id = v.column2 AND webhook_deliveries.id = v.column3`)
		if _, err := t.exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("store: record deliveries: %w", err)
		}
	}
	return nil
}

// DisableWebhook disables an enabled subscription with a reason and writes
// a webhook.disabled event to the tenant's feed in the same transaction;
// it reports false when the subscription was not enabled.
func (s *Store) DisableWebhook(ctx context.Context, tenantID, id int64, reason string) (bool, error) {
	done := false
	err := s.InTx(ctx, func(t *Tx) error {
		now := time.Now().UTC().Truncate(time.Millisecond)
		res, err := t.exec(ctx, `UPDATE webhooks SET enabled = 0, disabled_reason = ?, disabled_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND enabled = 1`,
			reason, model.Millis(now), model.Millis(now), tenantID, id)
		if err != nil {
			return fmt.Errorf("store: disable webhook: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		var url string
		var project sql.NullInt64
		if err := t.queryRow(ctx, `SELECT url, project_id FROM webhooks WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(&url, &project); err != nil {
			return err
		}
		data, _ := json.Marshal(map[string]any{"webhookId": id, "url": url, "reason": reason, "disabledAt": now})
		pos, err := t.eventPosition(ctx)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO customer_events (tenant_id, id, project_id, customer_id, kind, data, created_at, via, position) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)`,
			tenantID, idgen.Next(), project, model.EventWebhookDisabled, string(data), model.Millis(now), string(model.ViaSystem), pos); err != nil {
			return fmt.Errorf("store: webhook disabled event: %w", err)
		}
		t.events++
		done = true
		return nil
	})
	return done, err
}

// Redeliver makes a delivery due again now, with a fresh retry window. A
// delivery the fan-out made without an attempt row (delivered at the
// first attempt) gets that row first, so its log keeps the attempt.
func (s *Store) Redeliver(ctx context.Context, tenantID, webhookID, id int64) error {
	return s.InTx(ctx, func(t *Tx) error {
		if _, err := t.exec(ctx, `INSERT INTO webhook_attempts (tenant_id, webhook_id, delivery_id, attempt, at, code, latency, error)
SELECT tenant_id, webhook_id, id, attempts, done_at, last_code, last_latency, last_error FROM webhook_deliveries
WHERE tenant_id = ? AND webhook_id = ? AND id = ? AND attempts > 0 AND done_at > 0 ON CONFLICT DO NOTHING`, tenantID, webhookID, id); err != nil {
			return fmt.Errorf("store: redeliver: %w", err)
		}
		res, err := t.exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_at = ?, lease_until = 0, first_at = 0, done_at = 0
WHERE tenant_id = ? AND webhook_id = ? AND id = ?`, model.Millis(time.Now()), tenantID, webhookID, id)
		if err != nil {
			return fmt.Errorf("store: redeliver: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: delivery %d: %w", id, model.ErrNotFound)
		}
		return nil
	})
}

const deliveryColumns = `id, webhook_id, position, event_id, customer_id, kind, status, attempts, next_at, created_at, done_at, last_code, last_error, last_latency, payload`

func scanDelivery(sc interface{ Scan(...any) error }) (model.WebhookDelivery, error) {
	var d model.WebhookDelivery
	var next, created, done int64
	err := sc.Scan(&d.ID, &d.WebhookID, &d.Position, &d.EventID, &d.CustomerID, &d.Kind, &d.Status, &d.Attempts, &next, &created, &done,
		&d.LastCode, &d.LastError, &d.LastLatency, &d.Payload)
	if err != nil {
		return d, err
	}
	d.CreatedAt = model.FromMillis(created)
	if d.Status == model.DeliveryPending {
		t := model.FromMillis(next)
		d.NextAt = &t
	}
	if done != 0 {
		t := model.FromMillis(done)
		d.DoneAt = &t
	}
	return d, nil
}

// Deliveries is a subscription's delivery log, newest first: up to limit
// deliveries with position < before (0: from the newest), optionally of
// one status.
func (s *Store) Deliveries(ctx context.Context, tenantID, webhookID int64, status string, before int64, limit int) ([]model.WebhookDelivery, error) {
	q := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries WHERE tenant_id = ? AND webhook_id = ?`
	args := []any{tenantID, webhookID}
	if before > 0 {
		q += ` AND position < ?`
		args = append(args, before)
	}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	rows, err := s.query(ctx, q+` ORDER BY position DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	defer rows.Close()
	out := []model.WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Delivery reads one delivery with its attempt log.
func (s *Store) Delivery(ctx context.Context, tenantID, webhookID, id int64) (*model.WebhookDelivery, error) {
	d, err := scanDelivery(s.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE tenant_id = ? AND webhook_id = ? AND id = ?`, tenantID, webhookID, id))
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("delivery %d", id))
	}
	rows, err := s.query(ctx, `SELECT attempt, at, code, latency, error FROM webhook_attempts WHERE tenant_id = ? AND webhook_id = ? AND delivery_id = ? ORDER BY attempt`, tenantID, webhookID, id)
	if err != nil {
		return nil, fmt.Errorf("store: attempts: %w", err)
	}
	defer rows.Close()
	d.AttemptLog = []model.WebhookAttempt{}
	for rows.Next() {
		var a model.WebhookAttempt
		var at int64
		if err := rows.Scan(&a.Attempt, &at, &a.Code, &a.Latency, &a.Error); err != nil {
			return nil, err
		}
		a.At = model.FromMillis(at)
		d.AttemptLog = append(d.AttemptLog, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(d.AttemptLog) == 0 && d.Attempts > 0 && d.DoneAt != nil {
		// Delivered by the fan-out at the first attempt: the row is the log.
		d.AttemptLog = append(d.AttemptLog, model.WebhookAttempt{Attempt: d.Attempts, At: *d.DoneAt, Code: d.LastCode, Latency: d.LastLatency, Error: d.LastError})
	}
	return &d, nil
}

// WebhookStat is one subscription's queue, for metrics.
type WebhookStat struct {
	TenantID, WebhookID int64
	Pending             int64
	Oldest              time.Time // creation (event) time of the oldest pending delivery; zero when none
	Failures            int64
	Enabled             bool
	position            int64
}

// backlogCap bounds the count of a subscription's feed backlog in
// WebhookStats (a replay from position 0 of a large feed would count it
// all on every scrape).
const backlogCap = 100000

// WebhookStats reports every subscription's queue — pending deliveries
// plus, for an enabled one, the feed events after its cursor (up to
// backlogCap; not yet looked at, so before its kinds and filter) —, the
// creation time of the oldest of them, and failures.
func (s *Store) WebhookStats(ctx context.Context) ([]WebhookStat, error) {
	rows, err := s.query(ctx, `SELECT w.tenant_id, w.id, w.failures, w.enabled, w.position, COUNT(d.id), COALESCE(MIN(d.created_at), 0)
FROM webhooks w LEFT JOIN webhook_deliveries d ON d.tenant_id = w.tenant_id AND d.webhook_id = w.id AND d.status = 'pending'
GROUP BY w.tenant_id, w.id, w.failures, w.enabled, w.position`)
	if err != nil {
		return nil, fmt.Errorf("store: webhook stats: %w", err)
	}
	defer rows.Close()
	var out []WebhookStat
	for rows.Next() {
		var st WebhookStat
		var enabled, oldest int64
		if err := rows.Scan(&st.TenantID, &st.WebhookID, &st.Failures, &enabled, &st.position, &st.Pending, &oldest); err != nil {
			return nil, err
		}
		st.Enabled = enabled != 0
		if oldest != 0 {
			st.Oldest = model.FromMillis(oldest)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for i := range out {
		st := &out[i]
		if !st.Enabled {
			continue
		}
		var n, first int64
		if err := s.queryRow(ctx, `SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM (SELECT created_at FROM customer_events
WHERE tenant_id = ? AND position > ? ORDER BY position LIMIT ?) e`, st.TenantID, st.position, backlogCap).Scan(&n, &first); err != nil {
			return nil, fmt.Errorf("store: webhook backlog: %w", err)
		}
		st.Pending += n
		if first != 0 && (st.Oldest.IsZero() || model.FromMillis(first).Before(st.Oldest)) {
			st.Oldest = model.FromMillis(first)
		}
	}
	return out, nil
}

// AnyDue reports whether some pending delivery is due and unclaimed at now
// (of any subscription: a disabled one's make ClaimDeliveries find none): a
// read on the due index, so idle delivery loops poll without writing.
func (s *Store) AnyDue(ctx context.Context, now time.Time) (bool, error) {
	ms := model.Millis(now)
	return s.exists(ctx, `SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_at <= ? AND lease_until < ? LIMIT 1`, ms, ms)
}

// NextDue is when the earliest pending delivery of an enabled subscription
// is due (zero when none is pending).
func (s *Store) NextDue(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	err := s.queryRow(ctx, `SELECT MIN(d.next_at) FROM webhook_deliveries d JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id
WHERE d.status = 'pending' AND w.enabled = 1`).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, err
	}
	return model.FromMillis(next.Int64), nil
}
