// Package webhook delivers a tenant's change feed to the URLs it subscribed,
// per the Standard Webhooks specification: each delivery is a POST with
// webhook-id (stable across retries), webhook-timestamp and
// webhook-signature (v1,base64(HMAC-SHA256(id.timestamp.body)) with the
// subscription's whsec_ secret, signed by the standard-webhooks library).
//
// The flow has two halves, both inside `kehu serve` and both coordinated
// through the database, so nothing is lost when a node dies:
//
//   - From the feed cursor (one node at a time, under the "webhook-fanout"
//     lease): a subscription's position is a cursor in its tenant's
//     gap-free change feed. A pass reads the events after it that the
//     subscription wants (kinds, project; filter on the customer), posts
//     each itself — a customer's events one after another, customers at
//     once — and in one transaction for all subscriptions moves the
//     cursors and logs the outcomes. A write therefore does nothing per
//     subscription: it writes its event row, as without subscriptions. A
//     delivery that succeeds is logged as a row without payload and
//     without attempt row (batched, in the pass's transaction); a node
//     killed mid-pass moves no cursor, and the next holder sends the pass
//     again under the same ids (store.DeliveryID: epoch and position), so
//     delivery is at least once and a receiver can drop duplicates.
//   - Retries (every node): a failed first attempt becomes a pending
//     delivery with its payload, and so does every later event of that
//     customer while one is pending (the pass leaves that customer alone),
//     which keeps each customer's changes in order. Any node claims due
//     pending deliveries with a lease on the row, posts them and records
//     each attempt; only the earliest pending delivery of a (subscription,
//     customer) is due. Failures and timeouts are retried with exponential
//     backoff and jitter (each delay between half and all of its step) for
//     up to RetryFor (3 days), after which the
//     delivery fails and the subscription is disabled, with a
//     webhook.disabled event in the feed. A subscription whose receiver is
//     down (more than a thousand customers pending) has the pass queue all
//     its events instead of trying them, and the retry loop drains them.
//
// The pass bounds its own attempts (2 s each, new ones started for 3 s):
// a receiver slower than that gets its deliveries from the retry loop
// with the full timeout, and does not hold up other subscriptions' passes
// for longer. Redelivering a delivery logged without payload renders it
// again from the feed; a replay moves the cursor back and starts a new
// epoch (new ids). The feed's retention keeps what lies after an enabled
// subscription's cursor.
//
// Outbound requests time out, never follow redirects to another host, and
// refuse loopback, link-local, private and other non-public addresses
// (checked on the resolved address at connect time, so DNS cannot steer
// around it) unless the administrator allows private targets.
package webhook

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/secret"
	"github.com/kehu/kehu/internal/store"
)

// Service manages subscriptions and runs delivery.
type Service struct {
	Store  *store.Store
	Keys   *secret.Keyring
	Engine *query.Engine
	Log    *slog.Logger
	// AllowPrivate lets subscriptions target loopback, link-local and
	// private addresses (kehu serve --webhook-allow-private).
	AllowPrivate bool
	// Timeout bounds one delivery attempt (10 s when zero).
	Timeout time.Duration
	// RetryFor is how long a failing delivery is retried (3 days when zero).
	RetryFor time.Duration
	// Backoff is the first retry delay, doubled per attempt up to MaxBackoff
	// (defaults 5 s and 6 h); each delay is drawn at random between half
	// and all of it (jitter), so failing receivers are not hit in step.
	Backoff, MaxBackoff time.Duration
	// Workers is how many deliveries a node posts at once (32 when zero).
	Workers int
	// Now is the clock (time.Now when nil); tests move it.
	Now func() time.Time

	once   sync.Once
	client *http.Client
	wake   chan struct{}
	direct chan struct{} // bounds the fan-out's own attempts at once (Workers)
	stats  *metrics

	signMu  sync.Mutex
	signers map[string]*standardwebhooks.Webhook // by sealed secret
}

// New returns a service with the defaults.
func New(st *store.Store, keys *secret.Keyring, eng *query.Engine, log *slog.Logger) *Service {
	return &Service{Store: st, Keys: keys, Engine: eng, Log: log}
}

func (s *Service) init() {
	s.once.Do(func() {
		s.wake = make(chan struct{}, 1)
		s.direct = make(chan struct{}, cmp.Or(max(s.Workers, 0), 32))
		s.stats = newMetrics()
		s.client = s.newClient()
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
	})
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) timeout() time.Duration  { return cmpOr(s.Timeout, 10*time.Second) }
func (s *Service) retryFor() time.Duration { return cmpOr(s.RetryFor, 72*time.Hour) }

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Kinds a subscription may ask for.
var validKinds = []string{model.EventAdd, model.EventEdit, model.EventDelete, model.EventWebhookDisabled}

// Input is what a user sets on a subscription; nil fields are unchanged
// (on create: defaults).
type Input struct {
	URL       *string   `json:"url"`
	Kinds     *[]string `json:"kinds"`
	Filter    *string   `json:"filter"`
	Format    *string   `json:"format"`
	Enabled   *bool     `json:"enabled"`
	ProjectID *int64    `json:"projectId"`
	// After is the feed position to start from (create only): by default
	// the subscription starts with the changes after it was created.
	After *int64 `json:"after"`
	// Secret is the signing secret to use instead of a drawn one (create
	// only): a subscription moved from another sender keeps its
	// receiver's verification key. whsec_ and 24 to 64 bytes in base64,
	// as the Standard Webhooks specification has it.
	Secret *string `json:"secret"`
}

// invalid is a client mistake in a subscription, naming the field.
func invalid(field, msg string) error {
	return &model.FieldError{Field: field, Code: "invalid", Msg: msg}
}

func sealAAD(tenantID int64) []byte { return []byte(fmt.Sprintf("webhook-secret/%d", tenantID)) }

// checkSecret accepts a caller's secret in the Standard Webhooks form.
func checkSecret(v string) error {
	b64, ok := strings.CutPrefix(v, "whsec_")
	if !ok {
		return invalid("secret", "must start with whsec_ (a Standard Webhooks secret)")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) < 24 || len(key) > 64 {
		return invalid("secret", "must be whsec_ and 24 to 64 bytes in base64")
	}
	return nil
}

// NewSecret draws a Standard Webhooks secret: whsec_ and 32 random bytes
// in base64.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// Create validates in and stores a new subscription of the caller's tenant
// (a project-bound caller's subscriptions are bound to its project). The
// returned subscription carries its secret, shown this once. Every call of
// the service is crm.WebhookAccess's to allow.
func (s *Service) Create(ctx context.Context, caller *model.Caller, in *Input) (*model.Webhook, error) {
	s.init()
	if err := crm.WebhookAccess(caller); err != nil {
		return nil, err
	}
	w := &model.Webhook{TenantID: caller.TenantID, ProjectID: caller.ProjectID, Format: model.WebhookNative, Enabled: true,
		Kinds: []string{model.EventAdd, model.EventEdit, model.EventDelete}}
	if in.URL == nil {
		return nil, invalid("url", "is required")
	}
	if in.ProjectID != nil && *in.ProjectID != 0 {
		if caller.ProjectID != 0 && *in.ProjectID != caller.ProjectID {
			return nil, &model.PermissionError{}
		}
		if _, err := s.Store.Project(ctx, caller.TenantID, *in.ProjectID); err != nil {
			if errors.Is(err, model.ErrNotFound) {
				return nil, invalid("projectId", "no such project")
			}
			return nil, err
		}
		w.ProjectID = *in.ProjectID
	}
	if err := s.apply(ctx, w, in); err != nil {
		return nil, err
	}
	if in.After != nil {
		if *in.After < 0 {
			return nil, invalid("after", "must be a feed position (0 for the whole feed)")
		}
		w.Position = *in.After
	} else {
		p, err := s.Store.LastPosition(ctx, caller.TenantID)
		if err != nil {
			return nil, err
		}
		w.Position = p
	}
	w.Secret = NewSecret()
	if in.Secret != nil {
		if err := checkSecret(*in.Secret); err != nil {
			return nil, err
		}
		w.Secret = *in.Secret
	}
	if err := s.Store.CreateWebhook(ctx, w, s.Keys.Seal(w.Secret, sealAAD(w.TenantID))); err != nil {
		return nil, err
	}
	return w, nil
}

// apply validates and applies in's settings to w.
func (s *Service) apply(ctx context.Context, w *model.Webhook, in *Input) error {
	if in.URL != nil {
		if err := s.checkURL(*in.URL); err != nil {
			return err
		}
		w.URL = *in.URL
	}
	if in.Kinds != nil {
		kinds := []string{}
		for _, k := range *in.Kinds {
			if !slices.Contains(validKinds, k) {
				return invalid("kinds", fmt.Sprintf("%q is not an event kind (add, edit, delete, webhook.disabled)", k))
			}
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) == 0 {
			return invalid("kinds", "name at least one event kind")
		}
		w.Kinds = kinds
	}
	if in.Format != nil {
		if *in.Format != model.WebhookNative && *in.Format != model.WebhookDashi {
			return invalid("format", `must be "native" or "dashi"`)
		}
		w.Format = *in.Format
	}
	if in.Filter != nil {
		f := strings.TrimSpace(*in.Filter)
		if f != "" {
			if _, err := s.compile(ctx, w.TenantID, f); err != nil {
				return invalid("filter", err.Error())
			}
		}
		w.Filter = f
	}
	if in.Enabled != nil {
		w.Enabled = *in.Enabled
		if !w.Enabled && w.DisabledAt == nil {
			now := time.Now().UTC().Truncate(time.Millisecond)
			w.DisabledAt = &now
		}
	}
	return nil
}

// Update changes a subscription's settings.
func (s *Service) Update(ctx context.Context, caller *model.Caller, id int64, in *Input) (*model.Webhook, error) {
	s.init()
	row, err := s.get(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	if in.ProjectID != nil || in.After != nil {
		field := "projectId"
		if in.After != nil {
			field = "after"
		}
		return nil, invalid(field, "cannot be changed (replay moves the position; create another subscription for another project)")
	}
	if in.Secret != nil {
		return nil, invalid("secret", "cannot be changed here (POST /v1/webhooks/{id}/rotate-secret draws a new one)")
	}
	w := row.Webhook
	if err := s.apply(ctx, &w, in); err != nil {
		return nil, err
	}
	if err := s.Store.UpdateWebhook(ctx, &w, nil); err != nil {
		return nil, err
	}
	s.poke()
	return &w, nil
}

// RotateSecret gives a subscription a new secret and returns it.
func (s *Service) RotateSecret(ctx context.Context, caller *model.Caller, id int64) (*model.Webhook, error) {
	row, err := s.get(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	w := row.Webhook
	w.Secret = NewSecret()
	if err := s.Store.UpdateWebhook(ctx, &w, s.Keys.Seal(w.Secret, sealAAD(w.TenantID))); err != nil {
		return nil, err
	}
	return &w, nil
}

// get reads a subscription the caller may see (its tenant; its project
// when bound).
func (s *Service) get(ctx context.Context, caller *model.Caller, id int64) (*store.WebhookRow, error) {
	if err := crm.WebhookAccess(caller); err != nil {
		return nil, err
	}
	w, err := s.Store.Webhook(ctx, caller.TenantID, id)
	if err != nil {
		return nil, err
	}
	if caller.ProjectID != 0 && w.ProjectID != caller.ProjectID {
		return nil, fmt.Errorf("webhook %d: %w", id, model.ErrNotFound)
	}
	return w, nil
}

// Get reads one subscription (without its secret).
func (s *Service) Get(ctx context.Context, caller *model.Caller, id int64) (*model.Webhook, error) {
	w, err := s.get(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	return &w.Webhook, nil
}

// List lists the caller's subscriptions.
func (s *Service) List(ctx context.Context, caller *model.Caller) ([]model.Webhook, error) {
	if err := crm.WebhookAccess(caller); err != nil {
		return nil, err
	}
	return s.Store.Webhooks(ctx, caller.TenantID, caller.ProjectID)
}

// Delete removes a subscription and its delivery log.
func (s *Service) Delete(ctx context.Context, caller *model.Caller, id int64) error {
	if _, err := s.get(ctx, caller, id); err != nil {
		return err
	}
	return s.Store.DeleteWebhook(ctx, caller.TenantID, id)
}

// Deliveries is a subscription's delivery log, newest first.
func (s *Service) Deliveries(ctx context.Context, caller *model.Caller, id int64, status string, before int64, limit int) ([]model.WebhookDelivery, error) {
	if _, err := s.get(ctx, caller, id); err != nil {
		return nil, err
	}
	if status != "" && status != model.DeliveryPending && status != model.DeliveryDelivered && status != model.DeliveryFailed {
		return nil, invalid("status", "must be pending, delivered or failed")
	}
	return s.Store.Deliveries(ctx, caller.TenantID, id, status, before, limit)
}

// Delivery is one delivery with every attempt.
func (s *Service) Delivery(ctx context.Context, caller *model.Caller, id, deliveryID int64) (*model.WebhookDelivery, error) {
	if _, err := s.get(ctx, caller, id); err != nil {
		return nil, err
	}
	return s.Store.Delivery(ctx, caller.TenantID, id, deliveryID)
}

// Redeliver sends a delivery again (delivered, failed or pending), now.
func (s *Service) Redeliver(ctx context.Context, caller *model.Caller, id, deliveryID int64) error {
	if _, err := s.get(ctx, caller, id); err != nil {
		return err
	}
	if err := s.Store.Redeliver(ctx, caller.TenantID, id, deliveryID); err != nil {
		return err
	}
	s.poke()
	return nil
}

// Replay delivers the feed again from position after (as new deliveries).
func (s *Service) Replay(ctx context.Context, caller *model.Caller, id, after int64) error {
	if _, err := s.get(ctx, caller, id); err != nil {
		return err
	}
	if after < 0 {
		return invalid("after", "must be a feed position (0 for the whole feed)")
	}
	return s.Store.ReplayWebhook(ctx, caller.TenantID, id, after)
}

// checkURL accepts absolute http(s) URLs; a literal address that is not
// public is refused here already unless private targets are allowed (names
// are checked when connecting).
func (s *Service) checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return invalid("url", "must be an absolute http:// or https:// URL without credentials")
	}
	if len(raw) > 2000 {
		return invalid("url", "is longer than 2000 characters")
	}
	if a, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil && !s.AllowPrivate && !public(a) {
		return invalid("url", "targets a loopback, link-local or private address; the administrator can allow that with --webhook-allow-private")
	}
	if !s.AllowPrivate && strings.EqualFold(u.Hostname(), "localhost") {
		return invalid("url", "targets localhost; the administrator can allow that with --webhook-allow-private")
	}
	return nil
}

// cgnat is 100.64.0.0/10, shared address space, not public.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// public reports whether a is an address the internet routes to a
// receiver: not loopback, link-local, private (incl. unique local IPv6),
// unspecified, multicast or carrier-grade NAT.
func public(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && !a.IsLoopback() && !a.IsPrivate() && !a.IsLinkLocalUnicast() && !a.IsLinkLocalMulticast() &&
		!a.IsInterfaceLocalMulticast() && !a.IsMulticast() && !a.IsUnspecified() && !cgnat.Contains(a)
}

// errNotPublic refuses a connection to an address that is not public.
var errNotPublic = errors.New("webhook: the target resolves to a loopback, link-local or private address (not allowed)")

// HTTPClient is the outbound client deliveries use.
func (s *Service) HTTPClient() *http.Client {
	s.init()
	return s.client
}

// newClient is the outbound client: its own transport without proxies from
// the environment, a dial check on the resolved address, the attempt
// timeout, and redirects only within the same host (three at most).
func (s *Service) newClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !s.AllowPrivate {
		d.ControlContext = func(_ context.Context, network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !public(ap.Addr()) {
				return errNotPublic
			}
			return nil
		}
	}
	tr := &http.Transport{DialContext: d.DialContext, ForceAttemptHTTP2: true, MaxIdleConns: 256, MaxIdleConnsPerHost: 64,
		IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: s.timeout()}
	return &http.Client{Transport: tr, Timeout: s.timeout(), CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("webhook: more than 3 redirects")
		}
		if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
			return fmt.Errorf("webhook: redirect to another host (%s) refused", req.URL.Host)
		}
		return nil
	}}
}
