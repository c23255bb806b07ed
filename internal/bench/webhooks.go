package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/webhook"
)

// WebhookResult is what the local receiver of --webhooks got while a
// workload's concurrent run lasted, and how far behind the feed delivery
// was when it ended: a run whose deliveries pile up to be sent after it
// would otherwise look cheaper than one that delivers as it goes.
type WebhookResult struct {
	Delivered int64   `json:"delivered"` // deliveries received (signature verified), all subscriptions
	PerSecond float64 `json:"perSecond"`
	Behind    int64   `json:"behindEvents"` // feed head minus the slowest subscription's cursor, at the end
	Pending   int64   `json:"pending"`      // deliveries queued for retry, at the end
}

// receiver is the bench's local webhook receiver: it verifies each
// delivery's signature with the subscription's secret, as an integrator
// would, counts it and answers 204.
type receiver struct {
	wh       *webhook.Service
	caller   *model.Caller
	srv      *http.Server
	ids      []int64
	verify   []*standardwebhooks.Webhook
	ok, bad  atomic.Int64
	tenantID int64
}

// subscribe starts a local receiver and gives the tenant n subscriptions
// to it (from the feed's head); stop deletes them and stops the receiver,
// so a later --skip-load run starts without them.
func subscribe(ctx context.Context, wh *webhook.Service, tenantID int64, n int) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{wh: wh, caller: crm.TenantCaller(tenantID, 0, model.ViaCLI), tenantID: tenantID}
	rc.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(rc.serve)}
	go func() { _ = rc.srv.Serve(ln) }()
	for i := 0; i < n; i++ {
		u := fmt.Sprintf("http://%s/hook/%d", ln.Addr(), i)
		w, err := wh.Create(ctx, rc.caller, &webhook.Input{URL: &u})
		if err != nil {
			rc.stop()
			return nil, fmt.Errorf("bench: webhook subscription: %w", err)
		}
		v, err := standardwebhooks.NewWebhook(w.Secret)
		if err != nil {
			rc.stop()
			return nil, err
		}
		rc.ids, rc.verify = append(rc.ids, w.ID), append(rc.verify, v)
	}
	return rc, nil
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	i, perr := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hook/"))
	if err != nil || perr != nil || i < 0 || i >= len(rc.verify) || rc.verify[i].Verify(body, r.Header) != nil {
		rc.bad.Add(1) // counted as failed requests of the run; 204 all the same, so kehu does not retry
	} else {
		rc.ok.Add(1)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) stop() {
	for _, id := range rc.ids {
		_ = rc.wh.Delete(context.Background(), rc.caller, id)
	}
	_ = rc.srv.Close()
}

type receiverMark struct {
	at time.Time
	ok int64
}

// mark notes the count before a run (nil receiver: nothing).
func (rc *receiver) mark() receiverMark {
	if rc == nil {
		return receiverMark{}
	}
	return receiverMark{time.Now(), rc.ok.Load()}
}

// since is what arrived after m, and where the cursors stand now.
func (rc *receiver) since(ctx context.Context, m receiverMark) *WebhookResult {
	if rc == nil {
		return nil
	}
	r := &WebhookResult{Delivered: rc.ok.Load() - m.ok}
	if s := time.Since(m.at).Seconds(); s > 0 {
		r.PerSecond = float64(r.Delivered) / s
	}
	q, head, err := rc.wh.Queues(ctx, rc.caller)
	if err != nil {
		return r
	}
	subs, err := rc.wh.List(ctx, rc.caller)
	if err != nil {
		return r
	}
	for _, w := range subs {
		r.Behind = max(r.Behind, head-w.Position)
		r.Pending += int64(q[w.ID].Pending)
	}
	return r
}
