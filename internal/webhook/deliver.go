package webhook

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kehu/kehu/internal/background"
	"github.com/kehu/kehu/internal/store"
)

// claimBatch is how many deliveries a node claims at once.
const claimBatch = 128

// Run fans out and delivers until ctx is done, then waits for the
// attempts in flight (their context is cancelled: an attempt cut short is
// recorded as failed and retried). kehu serve runs it on every node.
func (s *Service) Run(ctx context.Context) {
	s.init()
	var wg sync.WaitGroup
	wg.Add(2)
	// Each loop survives a panic of its own (logged, counted, restarted).
	go func() { defer wg.Done(); background.Loop(ctx, s.Log, "webhook-fanout", s.runFanOut) }()
	go func() { defer wg.Done(); s.runDelivery(ctx) }()
	wg.Wait()
}

// poke wakes this node's delivery loop.
func (s *Service) poke() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) runFanOut(ctx context.Context) {
	cache := map[int64]*compiled{}
	t := time.NewTimer(0)
	defer t.Stop()
	var heldUntil time.Time // when the lease this node renewed last runs out
	for {
		signal := s.Store.FeedSignal()
		select {
		case <-ctx.Done():
			return
		case <-signal:
			select { // let the rest of a burst arrive
			case <-ctx.Done():
				return
			case <-time.After(fanoutCoalesce):
			}
		case <-t.C:
		}
		more := false
		held, err := true, error(nil)
		if time.Until(heldUntil) < fanoutLease*2/3 {
			// Renew (or take) the lease; while two thirds of it are left
			// this node still holds it and writes nothing for it.
			start := time.Now()
			if held, err = s.Store.TryLease(ctx, "webhook-fanout", fanoutLease); held {
				heldUntil = start.Add(fanoutLease)
			}
		}
		if err == nil && held {
			more, err = s.fanOut(ctx, cache)
		}
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("webhook fan-out", slog.Any("error", err))
		}
		next := time.Second // other nodes' feed signals may not reach us; a lease may free up
		if more {
			next = 0
		}
		t.Reset(next)
	}
}

// deliveryLanes is how many claim → post → record cycles a node runs at
// once: while one lane waits for its receivers or its recording, another
// claims and posts the next batch. A customer's deliveries still go out in
// order: only the earliest pending delivery of a (subscription, customer)
// can be claimed, and it stays pending until its lane recorded it.
const deliveryLanes = 4

// runDelivery runs the lanes, each of which survives a panic of its own
// (logged, counted, restarted) like the fan-out loop.
func (s *Service) runDelivery(ctx context.Context) {
	workers := s.Workers
	if workers <= 0 {
		workers = 32
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for range deliveryLanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			background.Loop(ctx, s.Log, "webhook-delivery", func(ctx context.Context) { s.runLane(ctx, sem) })
		}()
	}
	wg.Wait()
}

func (s *Service) runLane(ctx context.Context, sem chan struct{}) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
		n, err := s.deliverBatch(ctx, sem)
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("webhook delivery", slog.Any("error", err))
		}
		next := 500 * time.Millisecond // deliveries other nodes' fan-out made, retries coming due
		if n == claimBatch {
			next = 0
		} else if n > 0 {
			next = 20 * time.Millisecond // the next of a customer's deliveries is due now
		}
		t.Reset(next)
	}
}

// deliverBatch claims due deliveries, posts them (at most cap(sem) at
// once), records every outcome in one transaction and returns how many it
// claimed.
func (s *Service) deliverBatch(ctx context.Context, sem chan struct{}) (int, error) {
	now := s.now()
	// Look before claiming: a claim is a write transaction (on SQLite the
	// one writer API writes wait for), an idle poll need not be.
	if due, err := s.Store.AnyDue(ctx, now); err != nil || !due {
		return 0, err
	}
	claimed, err := s.Store.ClaimDeliveries(ctx, now, 2*s.timeout()+30*time.Second, claimBatch)
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	if len(claimed) == claimBatch {
		s.poke() // more are due: another lane claims them while this one posts
	}
	results := make([]store.DeliveryResult, len(claimed))
	var wg sync.WaitGroup
	for i := range claimed {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			d := &claimed[i]
			// A panic in one attempt is that attempt's failure (retried
			// like any other), not the end of the node.
			if pe := background.Guard(s.Log, "webhook-attempt", func() { results[i] = s.attempt(ctx, d) }); pe != nil {
				now := time.Now()
				results[i] = store.DeliveryResult{TenantID: d.TenantID, WebhookID: d.WebhookID, DeliveryID: d.ID, Attempt: d.Attempts + 1,
					At: now, FirstAt: cmp.Or(d.FirstAt, now), Err: truncate(pe.Error(), 500), NextAt: now.Add(s.backoff(d.Attempts + 1))}
			}
		}(i)
	}
	wg.Wait()
	// Record even when shutting down: the attempts happened.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.Store.RecordAttempts(rctx, results); err != nil {
		return len(claimed), err
	}
	for i, r := range results {
		s.stats.observe(&claimed[i], r)
		if r.GiveUp {
			s.giveUp(rctx, r)
		}
	}
	return len(claimed), nil
}

// giveUp disables the subscription of a delivery that failed for good,
// with a webhook.disabled event (once: DisableWebhook does nothing to a
// disabled subscription).
func (s *Service) giveUp(ctx context.Context, r store.DeliveryResult) {
	if r.Lost {
		return // the event left the feed: that delivery fails, not the subscription
	}
	reason := fmt.Sprintf("delivery %d failed for %s (%d attempts; last: %s)", r.DeliveryID, s.retryFor(), r.Attempt, lastOutcome(r))
	if ok, err := s.Store.DisableWebhook(ctx, r.TenantID, r.WebhookID, reason); err != nil {
		s.Log.Warn("disable webhook", slog.Int64("webhook", r.WebhookID), slog.Any("error", err))
	} else if ok {
		s.Log.Warn("webhook disabled after persistent failure", slog.Int64("tenant", r.TenantID), slog.Int64("webhook", r.WebhookID), slog.String("reason", reason))
	}
}

func lastOutcome(r store.DeliveryResult) string {
	if r.Code != 0 {
		return "HTTP " + strconv.Itoa(r.Code)
	}
	return r.Err
}

// attempt posts one delivery and says what happened and what is next.
func (s *Service) attempt(ctx context.Context, d *store.ClaimedDelivery) store.DeliveryResult {
	return s.attemptWithin(ctx, d, s.timeout())
}

// attemptWithin is attempt with the given timeout.
func (s *Service) attemptWithin(ctx context.Context, d *store.ClaimedDelivery, timeout time.Duration) store.DeliveryResult {
	r := store.DeliveryResult{TenantID: d.TenantID, WebhookID: d.WebhookID, DeliveryID: d.ID, Attempt: d.Attempts + 1, At: s.now(), FirstAt: d.FirstAt}
	if r.FirstAt.IsZero() {
		r.FirstAt = r.At
	}
	start := time.Now() // latency on the real clock, whatever Now says
	if d.Payload == "" {
		// Logged without payload (delivered by the fan-out) and now
		// redelivered: render it again from the feed.
		if err := s.rerender(ctx, d); err != nil {
			r.Err, r.GiveUp, r.Lost = truncate(err.Error(), 500), true, errors.Is(err, errLost)
			if !r.Lost {
				r.GiveUp, r.NextAt = false, r.At.Add(s.backoff(r.Attempt))
			}
			return r
		}
	}
	code, err := s.post(ctx, d, r.At, timeout)
	r.Latency = time.Since(start)
	r.Code = code
	if err == nil && code >= 200 && code < 300 {
		r.OK = true
		return r
	}
	if err != nil {
		r.Err = truncate(err.Error(), 500)
	} else {
		r.Err = "HTTP " + strconv.Itoa(code)
	}
	if r.At.Sub(r.FirstAt) >= s.retryFor() {
		r.GiveUp = true
		return r
	}
	r.NextAt = r.At.Add(s.backoff(r.Attempt))
	return r
}

// backoff is the delay before the retry after the given attempt:
// Backoff·2^(attempt−1) capped at MaxBackoff, drawn uniformly from its
// upper half (jitter).
func (s *Service) backoff(attempt int) time.Duration {
	base, maxD := cmpOr(s.Backoff, 5*time.Second), cmpOr(s.MaxBackoff, 6*time.Hour)
	d := base
	for i := 1; i < attempt && d < maxD; i++ {
		d *= 2
	}
	d = min(d, maxD)
	return d/2 + rand.N(d/2+1)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// post sends the delivery, signed, and returns the response status.
func (s *Service) post(ctx context.Context, d *store.ClaimedDelivery, at time.Time, timeout time.Duration) (int, error) {
	wh, err := s.signer(d)
	if err != nil {
		return 0, err
	}
	id := MessageID(d.ID)
	body := []byte(d.Payload)
	sig, err := wh.Sign(id, at, body)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kehu-webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // keep the connection reusable, read no more
	return resp.StatusCode, nil
}

// MessageID is the webhook-id of a delivery: the same for every attempt,
// so receivers can drop duplicates.
func MessageID(deliveryID int64) string { return "msg_" + strconv.FormatInt(deliveryID, 10) }

// errLost is a redelivery whose event is no longer in the feed.
var errLost = errors.New("webhook: the event is no longer in the feed (retention); nothing to redeliver")

// rerender fills in the payload of a delivery logged without one, from its
// event in the feed, in the subscription's format.
func (s *Service) rerender(ctx context.Context, d *store.ClaimedDelivery) error {
	w, err := s.Store.Webhook(ctx, d.TenantID, d.WebhookID)
	if err != nil {
		return err
	}
	evs, err := s.Store.Events(ctx, d.TenantID, store.EventFilter{After: d.Position - 1, Limit: 1})
	if err != nil {
		return err
	}
	if len(evs) == 0 || evs[0].ID != d.EventID {
		return errLost
	}
	cat, err := s.Store.LoadCatalog(ctx, d.TenantID)
	if err != nil {
		return err
	}
	b, err := s.render(ctx, &w.Webhook, &evs[0], cat)
	if err != nil {
		return err
	}
	d.Payload = string(b)
	return nil
}

// signer is the signer of a delivery's subscription, opened from its
// sealed secret once and kept by that sealed text (a rotated secret is
// another text): opening and decoding it for every attempt was work done
// twice per write with two subscriptions.
func (s *Service) signer(d *store.ClaimedDelivery) (*standardwebhooks.Webhook, error) {
	k := string(d.Sealed)
	s.signMu.Lock()
	wh := s.signers[k]
	s.signMu.Unlock()
	if wh != nil {
		return wh, nil
	}
	secret, err := s.Keys.Open(d.Sealed, sealAAD(d.TenantID))
	if err != nil {
		return nil, errors.New("webhook: cannot open the subscription's secret (was the key changed?)")
	}
	if wh, err = standardwebhooks.NewWebhook(secret); err != nil {
		return nil, fmt.Errorf("webhook: secret: %w", err)
	}
	s.signMu.Lock()
	if s.signers == nil || len(s.signers) >= 4096 {
		s.signers = map[string]*standardwebhooks.Webhook{} // bounded: start over
	}
	s.signers[k] = wh
	s.signMu.Unlock()
	return wh, nil
}
