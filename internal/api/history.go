package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
)

// customerHistory answers GET /v1/customers/{id}/history?after=POSITION&limit=N:
// the customer's changes, oldest first, with who made them, through which
// API and the fields they changed.
func (h *Handler) customerHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	after, limit := int64(0), 100
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return problem(400, "invalid", "after", "after must be a position (the next of the previous page, or 0)")
		}
		after = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return problem(400, "out_of_range", "limit", "limit must be from 1 to 1000")
		}
		limit = n
	}
	caller, err := h.webhookCaller(r)
	if err != nil {
		return err
	}
	evs, err := h.Svc.History(r.Context(), caller, id, after, limit)
	if err != nil {
		return err
	}
	type entry struct {
		Position int64          `json:"position"`
		Time     time.Time      `json:"time"`
		Kind     string         `json:"kind"`
		Actor    model.Actor    `json:"actor"`
		Via      model.Via      `json:"via,omitempty"`
		Changes  []model.Change `json:"changes"`
		Action   string         `json:"action,omitempty"` // a pool action (pool.claim …)
		Reason   string         `json:"reason,omitempty"`
	}
	out := make([]entry, 0, len(evs))
	next := after
	for _, e := range evs {
		ch := e.Changes
		if ch == nil {
			ch = []model.Change{}
		}
		out = append(out, entry{Position: e.Position, Time: e.CreatedAt, Kind: e.Kind, Actor: e.Actor, Via: e.Via, Changes: ch, Action: e.Action, Reason: e.Reason})
		next = e.Position
	}
	httpx.WriteJSON(w, 200, map[string]any{"data": out, "next": next})
	return nil
}
