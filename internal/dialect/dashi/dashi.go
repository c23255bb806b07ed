// Package dashi speaks 达实AIoT's customer open API on kehu's store: the
// signed visitor-token call, the customer page and customer add endpoints,
// the platform's {msg, code, status} errors and its add/edit/delete domain
// events. It only translates; rules live in internal/crm. See README.md.
package dashi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
)

// Patterns are the ServeMux patterns this dialect answers.
var Patterns = []string{"/api/justauth/", "/api/open/"}

// NewHandler returns the dialect's handler.
func NewHandler(svc *crm.Service, au *auth.Service, log *slog.Logger) http.Handler {
	return http.NotFoundHandler() // replaced by the implementation
}

// DemoHints returns titled, ready-to-paste commands for `kehu demo`.
func DemoHints(base, clientID, secret string, projectID int64, now time.Time) [][2]string {
	return nil
}
