package ui

import (
	"embed"
	"net/http"
)

// The scripts of the import wizard and of the catalogue and administration
// forms (static files: the console's CSP allows no inline script).
//
//go:embed admin_static/*.js admin_static/*.css
var adminStaticFS embed.FS

// adminStatic serves admin_static/ at /static2/.
var adminStatic = http.StripPrefix("/static2/", http.FileServerFS(mustSub(adminStaticFS, "admin_static")))
