package dashi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kehu/kehu/internal/idgen"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// Event is a customer change as the platform's domain event
// (领域模型事件): add, edit or delete on the topic
// "{tenant}/proj_{projectId}/v1-business-model-customer". Data is the
// customer in the page call's 46-field shape, or {"id":…} for delete.
type Event struct {
	ID    int64           `json:"id"` // position in the feed: pass it back as afterID
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
// as the platform's domain events.
type Feed struct {
	st *store.Store
	// Settle makes Subscribe hold back events younger than this. Event ids
	// are drawn inside the writing transaction, so on PostgreSQL a
	// concurrent writer can commit a smaller id just after a larger one was
	// read; waiting until ids are this old closes that window for
	// transactions shorter than Settle. Poll never holds back.
	Settle time.Duration
	// Batch is how many events Subscribe reads per poll.
	Batch int
}

// NewFeed returns a feed over st with a 1 s settle time and batches of 100.
func NewFeed(st *store.Store) *Feed { return &Feed{st: st, Settle: time.Second, Batch: 100} }

// MaxPoll is the most events one Poll returns.
const MaxPoll = 1000

// Poll returns up to limit (1 to MaxPoll) events of a tenant after afterID,
// oldest first.
func (f *Feed) Poll(ctx context.Context, tenantID, afterID int64, limit int) ([]Event, error) {
	limit = min(max(limit, 1), MaxPoll)
	rows, err := f.st.Events(ctx, tenantID, afterID, limit)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	out := make([]Event, 0, len(rows))
	for _, r := range rows {
		e := Event{ID: r.ID, Topic: Topic(tenantID, r.ProjectID), Type: r.Kind, Time: model.Millis(r.CreatedAt),
			TenantID: tenantID, ProjectID: r.ProjectID, CustomerID: r.CustomerID}
		if r.Kind == "delete" {
			// The row carries the customer's last update time; the id
			// carries when the delete was written.
			e.Time = idgen.Time(r.ID).UnixMilli()
			e.Data = json.RawMessage(`{"id":` + strconv.FormatInt(r.CustomerID, 10) + `}`)
			out = append(out, e)
			continue
		}
		var c model.Customer
		if err := json.Unmarshal(r.Data, &c); err != nil {
			return nil, fmt.Errorf("dashi: event %d: decode customer: %w", r.ID, err)
		}
		c.TenantID = tenantID
		name, ok := names[c.ProjectID]
		if !ok && c.ProjectID != 0 {
			p, err := f.st.Project(ctx, tenantID, c.ProjectID)
			switch {
			case err == nil:
				name = p.Name
			case !errors.Is(err, model.ErrNotFound):
				return nil, err
			}
			names[c.ProjectID] = name
		}
		e.Data = appendCustomer(nil, &c, name)
		out = append(out, e)
	}
	return out, nil
}

// Subscribe delivers the tenant's events after afterID to fn in order,
// polling every interval (1 s if not positive) when caught up, until ctx
// is done (it then returns ctx.Err()) or fn or a poll fails (that error is
// returned; resume from the last event fn accepted).
func (f *Feed) Subscribe(ctx context.Context, tenantID, afterID int64, interval time.Duration, fn func(Event) error) error {
	if interval <= 0 {
		interval = time.Second
	}
	batch := f.Batch
	if batch <= 0 {
		batch = 100
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		evs, err := f.Poll(ctx, tenantID, afterID, batch)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		held := false
		for _, e := range evs {
			if f.Settle > 0 && time.Since(idgen.Time(e.ID)) < f.Settle {
				held = true // later events wait too, to keep the order
				break
			}
			if err := fn(e); err != nil {
				return err
			}
			afterID = e.ID
		}
		next := interval
		if len(evs) == batch && !held {
			next = 0 // more are waiting
		} else if held {
			next = min(interval, f.Settle)
		}
		timer.Reset(next)
	}
}
