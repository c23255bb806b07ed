package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/webhook"
)

// The webhook pages: the tenant's subscriptions (/webhooks) and one
// subscription with its delivery log (/webhooks/{id}, webhook_log.go).
// Every read and change is package webhook's, the calls /v1/webhooks
// makes, and crm.WebhookAccess decides who may (admin.manage for staff):
// the pages decide nothing themselves. Changes are plain forms answered
// with a redirect; a secret is shown once, in the answer that drew it.

// webhookRoutes are the webhook pages' lines of the route table.
func (h *Handler) webhookRoutes() []route {
	r := func(p string, fn func(h *Handler) handlerFunc) route { return route{Pattern: p, Fn: fn} }
	return []route{
		r("GET /webhooks", func(h *Handler) handlerFunc { return h.webhooksPage }),
		r("POST /webhooks", func(h *Handler) handlerFunc { return h.createWebhook }),
		r("GET /webhooks/{id}", func(h *Handler) handlerFunc { return h.webhookPage }),
		r("POST /webhooks/{id}", func(h *Handler) handlerFunc { return h.updateWebhook }),
		r("POST /webhooks/{id}/enabled", func(h *Handler) handlerFunc { return h.enableWebhook }),
		r("POST /webhooks/{id}/rotate", func(h *Handler) handlerFunc { return h.rotateWebhook }),
		r("POST /webhooks/{id}/delete", func(h *Handler) handlerFunc { return h.deleteWebhook }),
		r("POST /webhooks/{id}/replay", func(h *Handler) handlerFunc { return h.replayWebhook }),
		r("POST /webhooks/{id}/deliveries/{delivery}/redeliver", func(h *Handler) handlerFunc { return h.redeliverWebhook }),
	}
}

// webhookKinds are the event kinds a subscription may ask for, in the
// order the forms offer them.
var webhookKinds = []string{model.EventAdd, model.EventEdit, model.EventDelete, model.EventWebhookDisabled}

// checkOption is one checkbox or select option of a form.
type checkOption struct {
	Value, Label string
	Checked      bool
}

// webhookForm is what the create and edit forms show: the values sent
// (after a refused submit) or the subscription's.
type webhookForm struct {
	URL, Filter, Format, After string
	ProjectID                  int64
	Kinds                      []checkOption
	Formats                    []checkOption
	Projects                   []checkOption // create only: "" is every project
}

// webhookRow is a subscription as the list shows it.
type webhookRow struct {
	W        model.Webhook
	Kinds    string // labels, joined
	Project  string // "" for every project
	Pending  int64
	Oldest   time.Time // the oldest pending delivery's event
	Behind   bool      // the feed has events after its position
	Disabled string    // why it is disabled ("" when enabled)
}

type webhooksData struct {
	Rows []webhookRow
	Head int64 // the tenant's last feed position
	Form webhookForm
}

func (h *Handler) webhookService() (*webhook.Service, error) {
	if h.Webhooks == nil {
		return nil, model.ErrNotFound // a console without delivery (tests of other pages)
	}
	return h.Webhooks, nil
}

// kindsLabel names kinds in the page's language.
func kindsLabel(t func(string, ...any) string, kinds []string) string {
	out := make([]string, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, t("webhooks.kind."+k))
	}
	return strings.Join(out, "、")
}

// formOf fills the form's choices for the values in f (kinds chosen:
// checked; nil chooses the default kinds).
func (h *Handler) formOf(r *http.Request, f webhookForm, kinds []string, projects []model.Project) webhookForm {
	t := h.messages.translator(langOf(r))
	if kinds == nil {
		kinds = []string{model.EventAdd, model.EventEdit, model.EventDelete}
	}
	f.Kinds = nil
	for _, k := range webhookKinds {
		f.Kinds = append(f.Kinds, checkOption{Value: k, Label: t("webhooks.kind." + k), Checked: slices.Contains(kinds, k)})
	}
	if f.Format == "" {
		f.Format = model.WebhookNative
	}
	f.Formats = []checkOption{
		{Value: model.WebhookNative, Label: t("webhooks.format.native"), Checked: f.Format == model.WebhookNative},
		{Value: model.WebhookDashi, Label: t("webhooks.format.dashi"), Checked: f.Format == model.WebhookDashi},
	}
	f.Projects = []checkOption{{Value: "", Label: t("webhooks.allProjects"), Checked: f.ProjectID == 0}}
	for _, p := range projects {
		f.Projects = append(f.Projects, checkOption{Value: strconv.FormatInt(p.ID, 10), Label: p.Name, Checked: p.ID == f.ProjectID})
	}
	return f
}

func (h *Handler) webhooksData(r *http.Request, form webhookForm, kinds []string) (*webhooksData, error) {
	svc, err := h.webhookService()
	if err != nil {
		return nil, err
	}
	ctx, who := r.Context(), callerOf(r)
	ws, err := svc.List(ctx, who)
	if err != nil {
		return nil, err
	}
	queues, head, err := svc.Queues(ctx, who)
	if err != nil {
		return nil, err
	}
	projects, err := h.Svc.Projects(ctx, who)
	if err != nil {
		return nil, err
	}
	pname := map[int64]string{}
	for _, p := range projects {
		pname[p.ID] = p.Name
	}
	t := h.messages.translator(langOf(r))
	d := &webhooksData{Head: head, Form: h.formOf(r, form, kinds, projects)}
	for _, w := range ws {
		q := queues[w.ID]
		row := webhookRow{W: w, Kinds: kindsLabel(t, w.Kinds), Pending: q.Pending, Oldest: q.Oldest, Behind: w.Position < head}
		if w.ProjectID != 0 {
			row.Project = nameOf(pname, w.ProjectID)
		}
		if !w.Enabled {
			row.Disabled = disabledText(t, &w)
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

// disabledText says why a subscription is disabled: kehu's reason, or
// that someone turned it off.
func disabledText(t func(string, ...any) string, w *model.Webhook) string {
	if w.DisabledReason != "" {
		return w.DisabledReason
	}
	return t("webhooks.disabledByUser")
}

// GET /webhooks: the subscriptions and the form for a new one.
func (h *Handler) webhooksPage(w http.ResponseWriter, r *http.Request) error {
	d, err := h.webhooksData(r, webhookForm{}, nil)
	if err != nil {
		return err
	}
	return h.showWebhooks(w, r, http.StatusOK, d, "")
}

func (h *Handler) showWebhooks(w http.ResponseWriter, r *http.Request, status int, d *webhooksData, msg string) error {
	p := h.page(r, d)
	p.Title, p.Error = p.T("webhooks.title"), msg
	return h.renderPage(w, r, status, "webhooks", p)
}

// refused answers a form crm or webhook refused: a client mistake is shown
// on the page again (again, with what was sent), anything else is the
// error page.
func (h *Handler) refused(r *http.Request, err error) (int, string, bool) {
	status, msg := h.classify(r, err)
	if status >= 500 || status == http.StatusForbidden || status == http.StatusNotFound {
		return 0, "", false
	}
	return status, msg, true
}

// webhookInput reads the create and edit forms.
func webhookInput(r *http.Request) (*webhook.Input, webhookForm, []string) {
	f := r.PostForm
	form := webhookForm{URL: strings.TrimSpace(f.Get("url")), Filter: f.Get("filter"), Format: f.Get("format"), After: strings.TrimSpace(f.Get("after"))}
	kinds := f["kinds"]
	if kinds == nil {
		kinds = []string{} // none ticked: webhook says to name one
	}
	in := &webhook.Input{URL: &form.URL, Kinds: &kinds, Filter: &form.Filter}
	if form.Format != "" {
		in.Format = &form.Format
	}
	return in, form, kinds
}

// POST /webhooks: a new subscription; the answer is its page with the
// secret, shown this once.
func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.webhookService()
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in, form, kinds := webhookInput(r)
	if v := r.PostForm.Get("project"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return model.Invalid("projectId", "no such project")
		}
		in.ProjectID, form.ProjectID = &id, id
	}
	if form.After != "" {
		after, err := strconv.ParseInt(form.After, 10, 64)
		if err != nil {
			err = model.Invalid("after", "must be a feed position (0 for the whole feed)")
		} else {
			in.After = &after
		}
		if err != nil {
			return h.createRefused(w, r, form, kinds, err)
		}
	}
	wh, err := svc.Create(r.Context(), callerOf(r), in)
	if err != nil {
		return h.createRefused(w, r, form, kinds, err)
	}
	return h.showWebhook(w, r, wh.ID, wh.Secret, http.StatusCreated)
}

func (h *Handler) createRefused(w http.ResponseWriter, r *http.Request, form webhookForm, kinds []string, err error) error {
	status, msg, ok := h.refused(r, err)
	if !ok {
		return err
	}
	d, derr := h.webhooksData(r, form, kinds)
	if derr != nil {
		return derr
	}
	return h.showWebhooks(w, r, status, d, msg)
}

// webhookID is the {id} of the path.
func webhookID(r *http.Request) (int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, err
	}
	return id, nil
}

// back redirects to the subscription's page saying what was done.
func back(w http.ResponseWriter, r *http.Request, id int64, done string) error {
	http.Redirect(w, r, "/webhooks/"+strconv.FormatInt(id, 10)+"?saved="+url.QueryEscape(done), http.StatusSeeOther)
	return nil
}

// POST /webhooks/{id}: new settings (url, kinds, filter, format).
func (h *Handler) updateWebhook(w http.ResponseWriter, r *http.Request) error {
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
	in, form, kinds := webhookInput(r)
	if _, err := svc.Update(r.Context(), callerOf(r), id, in); err != nil {
		status, msg, ok := h.refused(r, err)
		if !ok {
			return err
		}
		d, err := h.webhookData(r, id, "")
		if err != nil {
			return err
		}
		form.ProjectID = d.W.ProjectID
		d.Form, d.EditOpen = h.formOf(r, form, kinds, nil), true
		return h.renderWebhook(w, r, status, d, msg)
	}
	return back(w, r, id, "settings")
}

// POST /webhooks/{id}/enabled: enabled=1 turns a subscription on (also
// one kehu disabled: it goes on from where it stopped), 0 off.
func (h *Handler) enableWebhook(w http.ResponseWriter, r *http.Request) error {
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
	on := r.PostForm.Get("enabled") == "1"
	if _, err := svc.Update(r.Context(), callerOf(r), id, &webhook.Input{Enabled: &on}); err != nil {
		return err
	}
	if on {
		return back(w, r, id, "enabled")
	}
	return back(w, r, id, "disabled")
}

// POST /webhooks/{id}/rotate: a new secret, shown this once; the old one
// stops signing.
func (h *Handler) rotateWebhook(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.webhookService()
	if err != nil {
		return err
	}
	id, err := webhookID(r)
	if err != nil {
		return err
	}
	wh, err := svc.RotateSecret(r.Context(), callerOf(r), id)
	if err != nil {
		return err
	}
	return h.showWebhook(w, r, id, wh.Secret, http.StatusOK)
}

// POST /webhooks/{id}/delete: the subscription and its delivery log.
func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.webhookService()
	if err != nil {
		return err
	}
	id, err := webhookID(r)
	if err != nil {
		return err
	}
	if err := svc.Delete(r.Context(), callerOf(r), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/webhooks?saved=deleted", http.StatusSeeOther)
	return nil
}
