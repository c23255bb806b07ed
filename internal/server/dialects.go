package server

import (
	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/dialect/yeastar"
	"github.com/kehu/kehu/internal/model"
)

// dialects are the platform APIs the server mounts beside the native one,
// each at its own paths.
func dialects() []func(d *Deps) Mount {
	return []func(d *Deps) Mount{
		func(d *Deps) Mount {
			return Mount{Via: model.ViaDashi, Patterns: dashi.Patterns, Handler: dashi.NewHandler(d.Svc, d.Auth, d.Log)}
		},
		func(d *Deps) Mount {
			return Mount{Via: model.ViaTanma, Patterns: tanma.Patterns, Handler: tanma.NewHandler(d.Svc, d.Auth, d.Log)}
		},
		func(d *Deps) Mount {
			return Mount{Via: model.ViaYeastar, Patterns: yeastar.Patterns, Handler: yeastar.NewHandler(d.Svc, d.Auth, d.Log)}
		},
	}
}
