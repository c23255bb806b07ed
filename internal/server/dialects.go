package server

import (
	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/dialect/yeastar"
)

func init() {
	dialects = append(dialects,
		func(d *Deps) Mount {
			return Mount{Patterns: dashi.Patterns, Handler: dashi.NewHandler(d.Svc, d.Auth, d.Log)}
		},
		func(d *Deps) Mount {
			return Mount{Patterns: tanma.Patterns, Handler: tanma.NewHandler(d.Svc, d.Auth, d.Log)}
		},
		func(d *Deps) Mount {
			return Mount{Patterns: yeastar.Patterns, Handler: yeastar.NewHandler(d.Svc, d.Auth, d.Log)}
		},
	)
}
