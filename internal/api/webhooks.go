package api

import (
	"net/http"
	"strconv"

	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/webhook"
)

// Webhook subscriptions: /v1/webhooks (see package webhook for delivery).

// webhookCaller is the request's caller: a signed-in staff member's, or
// the API client's (with the role of the staff member it acts as).
func (h *Handler) webhookCaller(r *http.Request) (*model.Caller, error) {
	if cl := callerOf(r.Context()); cl.session != nil {
		return cl.session.Caller, nil
	}
	return h.Svc.ClientCaller(r.Context(), callerOf(r.Context()).client, model.ViaNative, r.RemoteAddr)
}

func (h *Handler) decodeWebhook(r *http.Request) (*webhook.Input, error) {
	body, err := httpx.ReadBody(r, httpx.MaxBody)
	if err != nil {
		return nil, err
	}
	var in webhook.Input
	if err := httpx.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

func (h *Handler) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	caller, err := h.webhookCaller(r)
	if err != nil {
		return err
	}
	ws, err := h.Webhooks.List(r.Context(), caller)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, map[string]any{"data": ws})
	return nil
}

func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request) error {
	in, err := h.decodeWebhook(r)
	if err != nil {
		return err
	}
	caller, err := h.webhookCaller(r)
	if err != nil {
		return err
	}
	wh, err := h.Webhooks.Create(r.Context(), caller, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/webhooks/"+strconv.FormatInt(wh.ID, 10))
	httpx.WriteJSON(w, 201, wh)
	return nil
}

func (h *Handler) getWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	caller, err := h.webhookCaller(r)
	if err != nil {
		return err
	}
	wh, err := h.Webhooks.Get(r.Context(), caller, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, wh)
	return nil
}

func (h *Handler) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := h.decodeWebhook(r)
	if err != nil {
		return err
	}
	caller, err := h.webhookCaller(r)
	if err != nil {
		return err
	}
	wh, err := h.Webhooks.Update(r.Context(), caller, id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, wh)
	return nil
}

func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	caller, err := h.webhookCaller(r)
	if err != nil {
		return err
	}
	if err := h.Webhooks.Delete(r.Context(), caller, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	caller, err := h.webhookCaller(r)
	if err != nil {
		return err
	}
	wh, err := h.Webhooks.RotateSecret(r.Context(), caller, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, wh)
	return nil
}

func (h *Handler) webhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return problem(400, "out_of_range", "limit", "limit must be from 1 to 1000")
		}
		limit = n
	}
	var before int64
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return problem(400, "invalid", "before", "before must be a feed position (the next of the previous page)")
		}
		before = n
	}
	caller, err := h.webhookCaller(r)
	if err != nil {
		return err
	}
	ds, err := h.Webhooks.Deliveries(r.Context(), caller, id, q.Get("status"), before, limit)
	if err != nil {
		return err
	}
	out := map[string]any{"data": ds}
	if len(ds) == limit {
		out["next"] = ds[len(ds)-1].Position
	}
	httpx.WriteJSON(w, 200, out)
	return nil
}

func deliveryID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("delivery"), 10, 64)
	if err != nil || id <= 0 {
		return 0, problem(400, "invalid", "delivery", "the delivery id in the path must be a positive integer")
	}
	return id, nil
}

func (h *Handler) webhookDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	did, err := deliveryID(r)
	if err != nil {
		return err
	}
	caller, err := h.webhookCaller(r)
	if err != nil {
		return err
	}
	d, err := h.Webhooks.Delivery(r.Context(), caller, id, did)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, d)
	return nil
}

func (h *Handler) redeliverWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	did, err := deliveryID(r)
	if err != nil {
		return err
	}
	caller, err := h.webhookCaller(r)
	if err != nil {
		return err
	}
	if err := h.Webhooks.Redeliver(r.Context(), caller, id, did); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (h *Handler) replayWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	body, err := httpx.ReadBody(r, httpx.MaxBody)
	if err != nil {
		return err
	}
	var in struct {
		After *int64 `json:"after"`
	}
	if err := httpx.DecodeJSON(body, &in); err != nil {
		return err
	}
	if in.After == nil {
		return problem(400, "required", "after", "after (the feed position to replay from) is required")
	}
	caller, err := h.webhookCaller(r)
	if err != nil {
		return err
	}
	if err := h.Webhooks.Replay(r.Context(), caller, id, *in.After); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}
