package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/model"
)

// The subscription page: its settings and actions, and its delivery log,
// newest first, a page at a time, filtered by status.

// deliveriesPage is how many deliveries the log shows at once.
const deliveriesPage = 50

// deliveryRow is one delivery of the log.
type deliveryRow struct {
	D       model.WebhookDelivery
	Kind    string // label
	Status  string // label
	Latency string // "" when never attempted
	When    time.Time
}

type webhookData struct {
	W        model.Webhook
	Kinds    string
	Project  string
	Disabled string // why it is disabled ("" when enabled)
	Pending  int64
	Oldest   time.Time
	Head     int64
	// Secret is the whsec_ secret, only in the answer that drew it.
	Secret   string
	Form     webhookForm
	EditOpen bool // the settings form is open (a refused edit)
	Notice   string
	// The log.
	Status     string
	Statuses   []checkOption
	Deliveries []deliveryRow
	Older      string // the next page's address ("" on the last)
	Newest     string // the first page's address when this is a later one
}

func (h *Handler) webhookData(r *http.Request, id int64, secret string) (*webhookData, error) {
	svc, err := h.webhookService()
	if err != nil {
		return nil, err
	}
	ctx, who := r.Context(), callerOf(r)
	wh, err := svc.Get(ctx, who, id)
	if err != nil {
		return nil, err
	}
	queues, head, err := svc.Queues(ctx, who)
	if err != nil {
		return nil, err
	}
	t := h.messages.translator(langOf(r))
	d := &webhookData{W: *wh, Kinds: kindsLabel(t, wh.Kinds), Head: head, Secret: secret,
		Pending: queues[id].Pending, Oldest: queues[id].Oldest}
	if wh.ProjectID != 0 {
		projects, err := h.Svc.Projects(ctx, who)
		if err != nil {
			return nil, err
		}
		for _, p := range projects {
			if p.ID == wh.ProjectID {
				d.Project = p.Name
			}
		}
		if d.Project == "" {
			d.Project = "#" + strconv.FormatInt(wh.ProjectID, 10)
		}
	}
	if !wh.Enabled {
		d.Disabled = disabledText(t, wh)
	}
	d.Form = h.formOf(r, webhookForm{URL: wh.URL, Filter: wh.Filter, Format: wh.Format, ProjectID: wh.ProjectID}, wh.Kinds, nil)
	switch s := r.URL.Query().Get("saved"); s {
	case "settings", "enabled", "disabled", "replay", "redeliver":
		d.Notice = t("webhooks.done." + s)
	}

	q := r.URL.Query()
	d.Status = q.Get("status")
	switch d.Status {
	case "", model.DeliveryPending, model.DeliveryDelivered, model.DeliveryFailed:
	default:
		d.Status = ""
	}
	d.Statuses = []checkOption{{Value: "", Label: t("webhooks.status.all"), Checked: d.Status == ""}}
	for _, s := range []string{model.DeliveryPending, model.DeliveryDelivered, model.DeliveryFailed} {
		d.Statuses = append(d.Statuses, checkOption{Value: s, Label: t("webhooks.status." + s), Checked: d.Status == s})
	}
	var before int64
	if v := q.Get("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 1 {
			before = 0
		}
	}
	ds, err := svc.Deliveries(ctx, who, id, d.Status, before, deliveriesPage)
	if err != nil {
		return nil, err
	}
	for _, x := range ds {
		row := deliveryRow{D: x, Kind: t("webhooks.kind." + x.Kind), Status: t("webhooks.status." + x.Status), When: x.CreatedAt}
		if x.Attempts > 0 {
			row.Latency = strconv.FormatInt(x.LastLatency, 10) + " ms"
		}
		if x.DoneAt != nil {
			row.When = *x.DoneAt
		}
		d.Deliveries = append(d.Deliveries, row)
	}
	page := func(before int64) string {
		v := url.Values{}
		if d.Status != "" {
			v.Set("status", d.Status)
		}
		if before > 0 {
			v.Set("before", strconv.FormatInt(before, 10))
		}
		u := "/webhooks/" + strconv.FormatInt(id, 10)
		if len(v) > 0 {
			u += "?" + v.Encode()
		}
		return u + "#log"
	}
	if len(ds) == deliveriesPage {
		d.Older = page(ds[len(ds)-1].Position)
	}
	if before > 0 {
		d.Newest = page(0)
	}
	return d, nil
}

// GET /webhooks/{id}?status=&before=: the subscription and its log.
func (h *Handler) webhookPage(w http.ResponseWriter, r *http.Request) error {
	id, err := webhookID(r)
	if err != nil {
		return err
	}
	return h.showWebhook(w, r, id, "", http.StatusOK)
}

func (h *Handler) showWebhook(w http.ResponseWriter, r *http.Request, id int64, secret string, status int) error {
	d, err := h.webhookData(r, id, secret)
	if err != nil {
		return err
	}
	return h.renderWebhook(w, r, status, d, "")
}

func (h *Handler) renderWebhook(w http.ResponseWriter, r *http.Request, status int, d *webhookData, msg string) error {
	p := h.page(r, d)
	p.Title, p.Error, p.Saved = d.W.URL, msg, false // the notice says what was saved
	return h.renderPage(w, r, status, "webhook", p)
}

// POST /webhooks/{id}/replay: after=POSITION; the feed's events after it
// are delivered again, as new deliveries.
func (h *Handler) replayWebhook(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.webhookService()
	if err != nil {
		return err
	}
	id, err := webhookID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	after, err := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("after")), 10, 64)
	if err != nil {
		err = model.Invalid("after", "must be a feed position (0 for the whole feed)")
	} else {
		err = svc.Replay(r.Context(), callerOf(r), id, after)
	}
	if err != nil {
		status, msg, ok := h.refused(r, err)
		if !ok {
			return err
		}
		d, err := h.webhookData(r, id, "")
		if err != nil {
			return err
		}
		return h.renderWebhook(w, r, status, d, msg)
	}
	return back(w, r, id, "replay")
}

// POST /webhooks/{id}/deliveries/{delivery}/redeliver: that delivery
// again, now.
func (h *Handler) redeliverWebhook(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.webhookService()
	if err != nil {
		return err
	}
	id, err := webhookID(r)
	if err != nil {
		return err
	}
	did, err := pathID(r, "delivery")
	if err != nil {
		return err
	}
	if err := svc.Redeliver(r.Context(), callerOf(r), id, did); err != nil {
		return err
	}
	return back(w, r, id, "redeliver")
}
