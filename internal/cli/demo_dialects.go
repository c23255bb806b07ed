package cli

import (
	"time"

	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/dialect/yeastar"
)

// dialectHints are the platform dialects' demo commands, in the order the
// dialects are listed everywhere (达实, 探马, Yeastar).
func dialectHints(c demoCreds) []demoHint {
	var out []demoHint
	for _, f := range []func(base, id, secret string, project int64, now time.Time) [][2]string{dashi.DemoHints, tanma.DemoHints, yeastar.DemoHints} {
		for _, h := range f(c.Base, c.ClientID, c.Secret, c.ProjectID, c.Now) {
			out = append(out, demoHint{Title: h[0], Command: h[1]})
		}
	}
	return out
}
