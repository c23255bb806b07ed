package server

import (
	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/dialect/yeastar"
	"github.com/kehu/kehu/internal/model"
)

func init() {
	dialects = append(dialects,
		func(d *Deps) Mount {
			return Mount{Via: model.ViaDashi, Patterns: dashi.Patterns, Handler: dashi.NewHandler(d.Svc, d.Auth, d.Log)}
		},
		func(d *Deps) Mount {
			return Mount{Via: model.ViaTanma, Patterns: tanma.Patterns, Handler: tanma.NewHandler(d.Svc, d.Auth, d.Log)}
		},
		func(d *Deps) Mount {
			return Mount{Via: model.ViaYeastar, Patterns: yeastar.Patterns, Handler: yeastar.NewHandler(d.Svc, d.Auth, d.Log)}
		},
	)
}
