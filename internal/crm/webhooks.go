package crm

import "github.com/kehu/kehu/internal/model"

// WebhookAccess decides who may see and manage webhook subscriptions,
// their delivery log, redeliveries and replays: a subscription receives
// every change of the tenant (or of its project) with full values, like
// the raw change feed, and its log holds the payloads' positions and the
// receivers' answers. So a staff member (signed in, or an API client
// acting as one) needs admin.manage; API clients acting as the tenant may
// (their scopes gate each route, as for the feed); the CLI may.
func WebhookAccess(caller *model.Caller) error {
	if err := checkCaller(caller); err != nil {
		return err
	}
	if caller.AsStaff() {
		return need(caller, model.PermAdmin)
	}
	return nil
}

// CanManageWebhooks reports WebhookAccess as a yes or no, for offering the
// console's webhook pages (the webhook calls still check).
func CanManageWebhooks(caller *model.Caller) bool {
	return caller != nil && WebhookAccess(caller) == nil
}
