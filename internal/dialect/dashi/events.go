package dashi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Event is a customer change as the platform's domain event
// (领域模型事件): add, edit or delete on the topic
// "{tenant}/proj_{projectId}/v1-business-model-customer". Data is the
// customer in the page call's 46-field shape, or {"id":…} for delete.
type Event struct {
	ID    int64           `json:"id"` // position in the feed (model.Event.Position): pass it back as afterID
	Topic string          `json:"topic"`
	Type  string          `json:"type"` // "add", "edit" or "delete"
	Time  int64           `json:"time"` // epoch ms of the change
	Data  json.RawMessage `json:"data"`

	TenantID   int64 `json:"-"`
	ProjectID  int64 `json:"-"` // 0 for customers outside every project
	CustomerID int64 `json:"-"`
}

// Topic is the domain event topic of a tenant's project.
func Topic(tenantID, projectID int64) string {
	return strconv.FormatInt(tenantID, 10) + "/proj_" + strconv.FormatInt(projectID, 10) + "/v1-business-model-customer"
}

// Feed renders kehu's durable change feed (customer_events rows, written
// in the same transaction as every customer write, whichever API made it)
// as the platform's domain events. Positions are gap-free (see package
// store): an event is delivered once it is committed and numbered, never
// skipped by one that commits later.
type Feed struct {
	st *store.Store
	// Batch is how many events Subscribe reads per poll.
	Batch int
}

// NewFeed returns a feed over st with batches of 100.
func NewFeed(st *store.Store) *Feed { return &Feed{st: st, Batch: 100} }

// MaxPoll is the most events one Poll returns.
const MaxPoll = 1000

// Poll returns up to limit (1 to MaxPoll) events of a tenant after afterID,
// oldest first.
func (f *Feed) Poll(ctx context.Context, tenantID, afterID int64, limit int) ([]Event, error) {
	limit = min(max(limit, 1), MaxPoll)
	rows, err := f.st.Events(ctx, tenantID, store.EventFilter{After: afterID, Limit: limit,
		Kinds: []string{model.EventAdd, model.EventEdit, model.EventDelete}})
	if err != nil {
		return nil, err
	}
	return Render(ctx, f.st, rows)
}

// Render turns feed events into domain events (webhook payloads use it too).
func Render(ctx context.Context, st *store.Store, rows []model.Event) ([]Event, error) {
	names := map[int64]string{}
	out := make([]Event, 0, len(rows))
	for _, r := range rows {
		e, err := render(ctx, st, r, names)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func render(ctx context.Context, st *store.Store, r model.Event, names map[int64]string) (Event, error) {
	tenantID := r.TenantID
	e := Event{ID: r.Position, Topic: Topic(tenantID, r.ProjectID), Type: r.Kind, Time: model.Millis(r.CreatedAt),
		TenantID: tenantID, ProjectID: r.ProjectID, CustomerID: r.CustomerID}
	if r.Kind == model.EventDelete {
		e.Data = json.RawMessage(`{"id":` + strconv.FormatInt(r.CustomerID, 10) + `}`)
		return e, nil
	}
	var c model.Customer
	if len(r.Data) == 0 {
		// Bulk adds carry no snapshot: the customer as it is now, or
		// just its id once it is gone.
		cur, err := st.Customer(ctx, tenantID, r.CustomerID)
		if errors.Is(err, model.ErrNotFound) {
			e.Data = json.RawMessage(`{"id":` + strconv.FormatInt(r.CustomerID, 10) + `}`)
			return e, nil
		}
		if err != nil {
			return e, err
		}
		c = *cur
	} else {
		snap, err := store.DecodeSnapshot(r.Data, tenantID)
		if err != nil {
			return e, fmt.Errorf("dashi: event %d: decode customer: %w", r.ID, err)
		}
		c = *snap
	}
	c.TenantID = tenantID
	name, ok := names[c.ProjectID]
	if !ok && c.ProjectID != 0 {
		p, err := st.Project(ctx, tenantID, c.ProjectID)
		switch {
		case err == nil:
			name = p.Name
		case !errors.Is(err, model.ErrNotFound):
			return e, err
		}
		names[c.ProjectID] = name
	}
	e.Data = appendCustomer(nil, &c, name)
	return e, nil
}

// Subscribe delivers the tenant's events after afterID to fn in order until
// ctx is done (it then returns ctx.Err()) or fn or a poll fails (that error
// is returned; resume from the last event fn accepted). When caught up it
// waits for the store's feed signal, or interval (1 s if not positive) at
// most, before polling again.
func (f *Feed) Subscribe(ctx context.Context, tenantID, afterID int64, interval time.Duration, fn func(Event) error) error {
	if interval <= 0 {
		interval = time.Second
	}
	batch := f.Batch
	if batch <= 0 {
		batch = 100
	}
	timer := time.NewTimer(interval)
	defer timer.Stop()
	for {
		signal := f.st.FeedSignal()
		evs, err := f.Poll(ctx, tenantID, afterID, batch)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		for _, e := range evs {
			if err := fn(e); err != nil {
				return err
			}
			afterID = e.ID
		}
		if len(evs) == batch {
			continue // more are waiting
		}
		timer.Reset(interval)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-signal:
		case <-timer.C:
		}
	}
}
