// Package yeastar speaks Yeastar YCM's customer open API on kehu's store: the
// OAuth token call (client credentials and refresh), the customers list, get,
// create, full-replace update and bulk delete, in the {data, requestId,
// status, time} envelope. It only translates; rules live in internal/crm.
package yeastar

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
)

// Patterns are the ServeMux patterns this dialect answers.
var Patterns = []string{"/dm/open_api/"}

// NewHandler returns the dialect's handler.
func NewHandler(svc *crm.Service, au *auth.Service, log *slog.Logger) http.Handler {
	return http.NotFoundHandler() // replaced by the implementation
}

// DemoHints returns titled, ready-to-paste commands for `kehu demo`.
func DemoHints(base, clientID, secret string, projectID int64, now time.Time) [][2]string {
	return nil
}
