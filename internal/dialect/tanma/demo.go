package tanma

import (
	"fmt"
	"time"
)

// DemoHints returns titled, ready-to-paste commands for `kehu demo`. The
// first defines a shell function that signs at call time (timestamp from
// `date +%s%3N`, signature from sha256sum, or shasum on macOS); the others
// call it. projectID and now are unused: 探马 signs every request afresh.
func DemoHints(base, clientID, secret string, projectID int64, now time.Time) [][2]string {
	fn := fmt.Sprintf(`tanma() { TS=$(date +%%s%%3N); case "$TS" in *[!0-9]*) TS=$(date +%%s)000;; esac; `+
		`SIGN=$(printf '%%s' "%s${TS}$2%s" | { sha256sum 2>/dev/null || shasum -a 256; } | cut -d' ' -f1); `+
		`curl -s -X POST "%s$1" -H 'appId: %s' -H "timestamp: $TS" -H "sign: $SIGN" -H 'Content-Type: application/json' --data-raw "$2"; echo; }`,
		clientID, secret, base, clientID)
	return [][2]string{
		{"探马: define tanma PATH BODY (signs each call: sha256(appId + timestamp + body + appKey))", fn},
		{"探马: advanced search, keyword 张, 2 per page", `tanma /api/v3/customer/search '{"searchKey":"张","pageNo":1,"pageSize":2}'`},
		{"探马: the field catalogue (ids to use in conditions)", `tanma /api/v2/customer/list-fields '{}'`},
	}
}
