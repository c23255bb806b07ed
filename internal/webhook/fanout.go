package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kehu/kehu/internal/background"
	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// fanoutBatch is how many feed events one fan-out step reads per
// subscription.
const fanoutBatch = 500

// fanoutLease is the lease under which one node delivers from the feed;
// its holder renews it before a pass once a third of it has passed, and a
// pass posts for at most directBudget plus one directTimeout, so a live
// holder keeps it and a dead one is replaced within this long.
const fanoutLease = 10 * time.Second

// fanoutCoalesce is how long the fan-out lets new events gather after a
// signal before it reads them: a burst of writes becomes one pass and one
// transaction instead of one per write, which on SQLite would each make
// the next API write wait for the writer.
const fanoutCoalesce = 100 * time.Millisecond

// directTimeout bounds an attempt the fan-out makes itself (the delivery
// timeout when that is shorter): a receiver slower than this gets the
// delivery from the retry loop, with the full timeout, instead of holding
// up the pass of every subscription.
const directTimeout = 2 * time.Second

// directBudget is how long a pass starts new attempts; events not tried
// by then are queued as pending deliveries (due now) for the retry loop.
const directBudget = 3 * time.Second

// pendingLimit is how many customers with pending deliveries a
// subscription may have for the fan-out to post its events itself; above
// it (a receiver that is down) every event is queued, as before the
// cursor design, and the retry loop drains the queue.
const pendingLimit = 1000

// filterCache keeps compiled filters per subscription between passes.
type compiled struct {
	filter string
	node   *query.RNode
	world  *query.World
	at     time.Time
}

// fanOut runs one pass over every enabled subscription — each one's step
// at once, so a slow receiver holds up the others for at most
// directBudget + directTimeout — recorded in one transaction, and reports
// whether some subscription had a full batch (more events wait).
func (s *Service) fanOut(ctx context.Context, cache map[int64]*compiled) (bool, error) {
	subs, err := s.Store.EnabledWebhooks(ctx)
	if err != nil {
		return false, err
	}
	cats := map[int64]*store.Catalog{}
	matchers := make([]*compiled, len(subs))
	for i := range subs {
		w := &subs[i].Webhook
		if cats[w.TenantID] == nil {
			if cats[w.TenantID], err = s.Store.LoadCatalog(ctx, w.TenantID); err != nil {
				return false, err
			}
		}
		if w.Filter != "" {
			c := cache[w.ID]
			if c == nil || c.filter != w.Filter || time.Since(c.at) > time.Minute {
				if c, err = s.compile(ctx, w.TenantID, w.Filter); err != nil {
					// The catalogue changed under the filter (a field was
					// deleted): nothing matches until the filter is fixed.
					c = &compiled{filter: w.Filter, at: time.Now()}
				}
				cache[w.ID] = c
			}
			matchers[i] = c
		}
	}
	// Subscriptions at the same place in the same feed (a tenant's, from
	// the same cursor, the same project and kinds) read it once, and an
	// event rendered in one format is rendered once per pass.
	pc := &pass{events: map[string][]model.Event{}, payloads: map[payloadKey][]byte{}}
	for i := range subs {
		w := &subs[i]
		k := feedKey(w)
		if _, ok := pc.events[k]; ok {
			continue
		}
		evs, err := s.Store.Events(ctx, w.TenantID, store.EventFilter{After: w.Position, Limit: fanoutBatch, ProjectID: w.ProjectID, Kinds: w.Kinds})
		if err != nil {
			return false, err
		}
		pc.events[k] = evs
	}
	deadline := time.Now().Add(directBudget)
	found := make([]*store.FanOutStep, len(subs))
	full := make([]bool, len(subs))
	var wg sync.WaitGroup
	for i := range subs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w := &subs[i]
			// A panic in one subscription's step skips that subscription
			// this pass, like an error.
			var err error
			if pe := background.Guard(s.Log, "webhook-fanout-step", func() {
				found[i], full[i], err = s.fanOutOne(ctx, w, pc, matchers[i], cats[w.TenantID], deadline)
			}); pe != nil {
				err = pe
			}
			if err != nil && ctx.Err() == nil {
				s.Log.Warn("webhook fan-out", slog.Int64("webhook", w.ID), slog.Any("error", err))
			}
		}(i)
	}
	wg.Wait()
	if ctx.Err() != nil {
		return false, ctx.Err() // the cursors stay: what was posted is posted again (at least once)
	}
	more := false
	var steps []store.FanOutStep
	for i, st := range found {
		if st != nil {
			steps = append(steps, *st)
			more = more || full[i]
		}
	}
	if len(steps) == 0 {
		return false, nil
	}
	moved, err := s.Store.FanOut(ctx, steps)
	if err != nil {
		return false, err
	}
	queued := false
	for i, st := range steps {
		if !moved[i] {
			continue
		}
		for _, d := range st.Deliveries {
			if d.Tried == nil || !d.Tried.OK {
				queued = true
			}
			if d.Tried == nil {
				continue
			}
			s.stats.observe(nil, *d.Tried)
			if d.Tried.GiveUp {
				s.giveUp(ctx, *d.Tried)
			}
		}
	}
	if queued {
		s.poke()
	}
	return more, nil
}

// fanOutOne is one subscription's step: it reads the events after its
// cursor, keeps those its filter matches, posts them itself (each
// customer's in order, customers at once) unless the customer has an
// earlier delivery pending, and returns what to record (nil when there
// are no new events) and whether it read a full batch. A customer whose
// attempt fails gets that delivery and its later events of the batch
// queued behind it, in order, for the retry loop.
func (s *Service) fanOutOne(ctx context.Context, w *store.WebhookRow, pc *pass, match *compiled, cat *store.Catalog, deadline time.Time) (*store.FanOutStep, bool, error) {
	evs := pc.events[feedKey(w)]
	if len(evs) == 0 {
		return nil, false, nil
	}
	ds := make([]store.NewDelivery, 0, len(evs))
	for _, e := range evs {
		if match != nil && !matches(match, &e, cat) {
			continue
		}
		payload, err := pc.render(ctx, s, &w.Webhook, &e, cat)
		if err != nil {
			return nil, false, fmt.Errorf("event %d: %w", e.ID, err)
		}
		ds = append(ds, store.NewDelivery{Position: e.Position, EventID: e.ID, CustomerID: e.CustomerID, Kind: e.Kind,
			Payload: string(payload), At: e.CreatedAt})
	}
	step := &store.FanOutStep{Webhook: &w.Webhook, Epoch: w.Epoch, From: w.Position, To: evs[len(evs)-1].Position, Deliveries: ds}
	if len(ds) == 0 {
		return step, len(evs) == fanoutBatch, nil
	}
	pending, err := s.Store.PendingCustomers(ctx, w.TenantID, w.ID, pendingLimit+1)
	if err != nil {
		return nil, false, err
	}
	if len(pending) > pendingLimit {
		return step, len(evs) == fanoutBatch, nil // queue mode: every delivery pending
	}
	blocked := make(map[int64]bool, len(pending))
	for _, c := range pending {
		blocked[c] = true
	}
	// Each customer's deliveries, in feed order.
	var order []int64
	byCustomer := map[int64][]int{}
	for i := range ds {
		c := ds[i].CustomerID
		if blocked[c] {
			continue
		}
		if byCustomer[c] == nil {
			order = append(order, c)
		}
		byCustomer[c] = append(byCustomer[c], i)
	}
	var wg sync.WaitGroup
	for _, c := range order {
		s.direct <- struct{}{}
		wg.Add(1)
		go func(idx []int) {
			defer wg.Done()
			defer func() { <-s.direct }()
			for _, i := range idx {
				if time.Now().After(deadline) || ctx.Err() != nil {
					return // the rest stays untried: queued, in order
				}
				d := &ds[i]
				cd := &store.ClaimedDelivery{TenantID: w.TenantID, URL: w.URL, Sealed: w.Sealed}
				cd.ID, cd.WebhookID, cd.Payload = store.DeliveryID(w.Epoch, d.Position), w.ID, d.Payload
				var r store.DeliveryResult
				if pe := background.Guard(s.Log, "webhook-attempt", func() { r = s.attemptWithin(ctx, cd, min(s.timeout(), directTimeout)) }); pe != nil {
					now := time.Now()
					r = store.DeliveryResult{TenantID: w.TenantID, WebhookID: w.ID, DeliveryID: cd.ID, Attempt: 1, At: now, FirstAt: now,
						Err: truncate(pe.Error(), 500), NextAt: now.Add(s.backoff(1))}
				}
				d.Tried = &r
				if !r.OK {
					return // this customer's later events wait behind the failure
				}
			}
		}(byCustomer[c])
	}
	wg.Wait()
	return step, len(evs) == fanoutBatch, nil
}

// pass is what the subscriptions' steps of one fan-out pass share: the
// feed reads (read before the steps start, then only read) and the
// rendered payloads.
type pass struct {
	events   map[string][]model.Event
	mu       sync.Mutex
	payloads map[payloadKey][]byte
}

type payloadKey struct {
	format  string
	eventID int64
}

// feedKey names what a subscription reads from the feed.
func feedKey(w *store.WebhookRow) string {
	return fmt.Sprintf("%d/%d/%d/%s", w.TenantID, w.Position, w.ProjectID, strings.Join(w.Kinds, ","))
}

// render is Service.render, once per (format, event) in the pass.
func (pc *pass) render(ctx context.Context, s *Service, w *model.Webhook, e *model.Event, cat *store.Catalog) ([]byte, error) {
	k := payloadKey{w.Format, e.ID}
	pc.mu.Lock()
	b, ok := pc.payloads[k]
	pc.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := s.render(ctx, w, e, cat)
	if err != nil {
		return nil, err
	}
	pc.mu.Lock()
	pc.payloads[k] = b
	pc.mu.Unlock()
	return b, nil
}

// compile parses and resolves a filter against the tenant's catalogue.
func (s *Service) compile(ctx context.Context, tenantID int64, filter string) (*compiled, error) {
	n, err := cond.ParseString(filter, cond.Limits{})
	if err != nil {
		return nil, err
	}
	env, err := s.Engine.Env(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	rn, err := query.Resolve(n, env)
	if err != nil {
		return nil, err
	}
	wd := &query.World{StaffDept: map[int64]string{}, DeptPath: map[int64]string{}}
	if strings.Contains(filter, "epartment") {
		depts, err := s.Store.Departments(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		for _, d := range depts {
			wd.DeptPath[d.ID] = d.Path
		}
		staff, err := s.Store.StaffList(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		for _, m := range staff {
			if m.DepartmentID != 0 {
				wd.StaffDept[m.ID] = wd.DeptPath[m.DepartmentID]
			}
		}
	}
	return &compiled{filter: filter, node: rn, world: wd, at: time.Now()}, nil
}

// matches evaluates a subscription's filter on the customer of an event:
// as it is after an add or edit, as it was before a delete. Events that
// are not about a customer (webhook.disabled) always match.
func matches(c *compiled, e *model.Event, cat *store.Catalog) bool {
	if e.CustomerID == 0 {
		return true
	}
	if c.node == nil {
		return false
	}
	var cust *model.Customer
	switch {
	case len(e.Data) > 0:
		var err error
		if cust, err = store.DecodeSnapshot(e.Data, e.TenantID); err != nil {
			return false
		}
	case e.Kind == model.EventDelete:
		cust = beforeDelete(e, cat)
	default:
		return true // a bulk add without snapshot: delivered, the receiver reads the customer
	}
	return query.Eval(c.node, cust, c.world)
}

// beforeDelete rebuilds the deleted customer from the delete event's
// changes (old values).
func beforeDelete(e *model.Event, cat *store.Catalog) *model.Customer {
	sys := map[string]json.RawMessage{}
	custom := map[string]json.RawMessage{}
	for _, ch := range e.Changes {
		if k, ok := strings.CutPrefix(ch.Field, "fields."); ok {
			if f := cat.Field(k); f != nil {
				custom[strconv.FormatInt(f.ID, 10)] = ch.Old
			}
			continue
		}
		sys[ch.Field] = ch.Old
	}
	b, _ := json.Marshal(sys)
	c := &model.Customer{}
	_ = json.Unmarshal(b, c)
	c.ID, c.TenantID = e.CustomerID, e.TenantID
	if c.Status == 0 {
		c.Status = model.StatusNormal
	}
	if len(custom) > 0 {
		c.Custom, _ = json.Marshal(custom)
	}
	return c
}

// nativeEvent is the data of a native payload: the /v1/events item.
type nativeEvent struct {
	model.Event
	Customer any             `json:"customer,omitempty"`
	Info     json.RawMessage `json:"info,omitempty"` // webhook.disabled: which subscription and why
}

type customerOut struct {
	*model.Customer
	Fields map[string]any `json:"fields"`
}

// render is the body of a delivery in the subscription's format.
func (s *Service) render(ctx context.Context, w *model.Webhook, e *model.Event, cat *store.Catalog) ([]byte, error) {
	if w.Format == model.WebhookDashi && e.CustomerID != 0 {
		evs, err := dashi.Render(ctx, s.Store, []model.Event{*e})
		if err != nil {
			return nil, err
		}
		return json.Marshal(evs[0])
	}
	typ := "customer." + e.Kind
	out := nativeEvent{Event: *e}
	if e.CustomerID == 0 {
		typ = e.Kind
		out.Info = json.RawMessage(e.Data)
	} else if len(e.Data) > 0 {
		c, err := store.DecodeSnapshot(e.Data, e.TenantID)
		if err != nil {
			return nil, err
		}
		out.Customer = customerOut{Customer: c, Fields: cat.FieldsByKey(c.Custom)}
	}
	return json.Marshal(struct {
		Type      string      `json:"type"`
		Timestamp time.Time   `json:"timestamp"`
		Data      nativeEvent `json:"data"`
	}{typ, e.CreatedAt.UTC(), out})
}
