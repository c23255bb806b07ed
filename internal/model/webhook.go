package model

import "time"

// Webhook is a subscription: the changes of a tenant (or one project of
// it) posted to URL, signed per Standard Webhooks.
type Webhook struct {
	ID        int64    `json:"id"`
	TenantID  int64    `json:"tenantId"`
	ProjectID int64    `json:"projectId,omitempty"` // 0: every project (and customers outside any)
	URL       string   `json:"url"`
	Kinds     []string `json:"kinds"`            // event kinds delivered: add, edit, delete, webhook.disabled
	Filter    string   `json:"filter,omitempty"` // condition language, on the customer after the change
	Format    string   `json:"format"`           // WebhookNative or WebhookDashi
	Enabled   bool     `json:"enabled"`
	// DisabledReason says why kehu disabled the subscription (empty when
	// enabled, or disabled by a user).
	DisabledReason string     `json:"disabledReason,omitempty"`
	DisabledAt     *time.Time `json:"disabledAt,omitempty"`
	// Position is the subscription's cursor: the feed position up to which
	// its events have been delivered, or queued for retry behind a failure.
	Position  int64     `json:"position"`
	Failures  int64     `json:"failures"`         // failed attempts, ever
	Secret    string    `json:"secret,omitempty"` // whsec_…, shown when created
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Webhook payload formats.
const (
	WebhookNative = "native" // {"type":"customer.edit","timestamp":…,"data":<the /v1/events item>}
	WebhookDashi  = "dashi"  // 达实 domain event: {"id","topic":"{tenant}/proj_{id}/v1-business-model-customer","type","time","data"}
)

// EventWebhookDisabled is the kind of the event kehu writes to the feed
// when it disables a subscription after persistent failure.
const EventWebhookDisabled = "webhook.disabled"

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // given up: retried for the whole retry window
)

// WebhookDelivery is one event owed to one subscription, with the outcome
// of its last attempt.
type WebhookDelivery struct {
	ID          int64            `json:"id"` // also the webhook-id header
	WebhookID   int64            `json:"webhookId"`
	Position    int64            `json:"position"`
	EventID     int64            `json:"eventId"`
	CustomerID  int64            `json:"customerId,omitempty"`
	Kind        string           `json:"kind"`
	Status      string           `json:"status"`
	Attempts    int              `json:"attempts"`
	NextAt      *time.Time       `json:"nextAttemptAt,omitempty"`
	CreatedAt   time.Time        `json:"createdAt"`
	DoneAt      *time.Time       `json:"doneAt,omitempty"`
	LastCode    int              `json:"lastResponseCode,omitempty"`
	LastError   string           `json:"lastError,omitempty"`
	LastLatency int64            `json:"lastLatencyMs,omitempty"`
	Payload     string           `json:"-"`
	AttemptLog  []WebhookAttempt `json:"attemptLog,omitempty"`
}

// WebhookAttempt is one try of a delivery.
type WebhookAttempt struct {
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	Code    int       `json:"responseCode,omitempty"` // 0: no response
	Latency int64     `json:"latencyMs"`
	Error   string    `json:"error,omitempty"`
}
