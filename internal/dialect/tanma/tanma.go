// Package tanma speaks 探马SCRM's customer open API on kehu's store: per-request
// sha256 signatures, the advanced customer search, the field catalogue, lead
// creation, update by id, lookup and echo, all in the {code, message, data}
// envelope. It only translates; rules live in internal/crm. See README.md.
package tanma

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/kehu/kehu/internal/auth"
	"github.com/kehu/kehu/internal/crm"
)

// Patterns are the ServeMux patterns this dialect answers.
var Patterns = []string{"/api/v3/", "/api/v2/"}

// NewHandler returns the dialect's handler.
func NewHandler(svc *crm.Service, au *auth.Service, log *slog.Logger) http.Handler {
	return http.NotFoundHandler() // replaced by the implementation
}

// DemoHints returns titled, ready-to-paste commands for `kehu demo`.
func DemoHints(base, clientID, secret string, projectID int64, now time.Time) [][2]string {
	return nil
}
