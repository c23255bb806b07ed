package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// fanoutBatch is how many feed events one fan-out step reads per
// subscription.
const fanoutBatch = 500

// fanoutLease is the lease under which one node turns events into
// deliveries; its holder renews it once a third of it has passed, so a
// dead holder is replaced within this long.
const fanoutLease = 10 * time.Second

// fanoutCoalesce is how long the fan-out lets new events gather after a
// signal before it reads them: a burst of writes becomes one fan-out
// transaction, one claim and one recording instead of three per write,
// which on SQLite would each make the next API write wait for the writer.
const fanoutCoalesce = 100 * time.Millisecond

// filterCache keeps compiled filters per subscription between passes.
type compiled struct {
	filter string
	node   *query.RNode
	world  *query.World
	at     time.Time
}

// fanOut runs one pass over every enabled subscription, recorded in one
// transaction, and reports whether some subscription had a full batch
// (more events wait).
func (s *Service) fanOut(ctx context.Context, cache map[int64]*compiled) (bool, error) {
	subs, err := s.Store.EnabledWebhooks(ctx)
	if err != nil {
		return false, err
	}
	more := false
	cats := map[int64]*store.Catalog{}
	var steps []store.FanOutStep
	for i := range subs {
		w := &subs[i].Webhook
		st, full, err := s.fanOutOne(ctx, w, cache, cats)
		if err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			s.Log.Warn("webhook fan-out", slog.Int64("webhook", w.ID), slog.Any("error", err))
			continue
		}
		if st != nil {
			steps = append(steps, *st)
			more = more || full
		}
	}
	if len(steps) == 0 {
		return false, nil
	}
	moved, err := s.Store.FanOut(ctx, steps)
	if err != nil {
		return false, err
	}
	for i, st := range steps {
		if moved[i] && len(st.Deliveries) > 0 {
			s.poke()
			break
		}
	}
	return more, nil
}

// fanOutOne renders the deliveries of one subscription's next events (nil
// when there are none) and reports whether it read a full batch.
func (s *Service) fanOutOne(ctx context.Context, w *model.Webhook, cache map[int64]*compiled, cats map[int64]*store.Catalog) (*store.FanOutStep, bool, error) {
	evs, err := s.Store.Events(ctx, w.TenantID, store.EventFilter{After: w.Position, Limit: fanoutBatch, ProjectID: w.ProjectID, Kinds: w.Kinds})
	if err != nil || len(evs) == 0 {
		return nil, false, err
	}
	var match *compiled
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
		match = c
	}
	cat := cats[w.TenantID]
	if cat == nil {
		if cat, err = s.Store.LoadCatalog(ctx, w.TenantID); err != nil {
			return nil, false, err
		}
		cats[w.TenantID] = cat
	}
	ds := make([]store.NewDelivery, 0, len(evs))
	for _, e := range evs {
		if match != nil && !matches(match, &e, cat) {
			continue
		}
		payload, err := s.render(ctx, w, &e, cat)
		if err != nil {
			return nil, false, fmt.Errorf("event %d: %w", e.ID, err)
		}
		ds = append(ds, store.NewDelivery{Position: e.Position, EventID: e.ID, CustomerID: e.CustomerID, Kind: e.Kind,
			Payload: string(payload), At: e.CreatedAt})
	}
	return &store.FanOutStep{Webhook: w, From: w.Position, To: evs[len(evs)-1].Position, Deliveries: ds}, len(evs) == fanoutBatch, nil
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
