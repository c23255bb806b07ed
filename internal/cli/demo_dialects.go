package cli

import (
	"time"

	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/dialect/yeastar"
)

func init() {
	for _, f := range []func(base, id, secret string, project int64, now time.Time) [][2]string{dashi.DemoHints, tanma.DemoHints, yeastar.DemoHints} {
		demoHints = append(demoHints, func(c demoCreds) []demoHint {
			var out []demoHint
			for _, h := range f(c.Base, c.ClientID, c.Secret, c.ProjectID, c.Now) {
				out = append(out, demoHint{Title: h[0], Command: h[1]})
			}
			return out
		})
	}
}
