package dashi

import (
	"fmt"
	"strconv"
	"time"
)

// DemoHints returns titled, ready-to-paste commands for `kehu demo`.
//
// The token call must carry a timestamp within 20 minutes of the server
// time, and each signed URL works once, so the first hint signs at paste
// time in the shell (seconds × 1000 plus a random millisecond is a valid
// 13-digit timestamp on every platform's date and differs between pastes;
// md5sum, or md5 -r on macOS); a second one shows the same call signed in
// Go at start-up, as a worked example that works once, within 20 minutes.
func DemoHints(base, clientID, secret string, projectID int64, now time.Time) [][2]string {
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	sign, _ := Sign(SignMD5, clientID, ts, secret)
	tokenURL := base + TokenPath
	project := strconv.FormatInt(projectID, 10)
	return [][2]string{
		{"达实AIoT: get a visitor token (md5 signature computed when you paste; valid 7 h)",
			fmt.Sprintf(`DASHI_TS=$(date +%%s%%3N 2>/dev/null); case $DASHI_TS in *[!0-9]*|'') DASHI_TS=$(( $(date +%%s) * 1000 + ${RANDOM:-0} %% 1000 ));; esac
DASHI_SIGN=$(printf '%%s' "appid=%s&sign_method=md5&timestamp=${DASHI_TS}%s" | { md5sum 2>/dev/null || md5 -r; } | cut -c1-32)
DASHI_TOKEN=$(curl -s "%s?appid=%s&sign_method=md5&sign=${DASHI_SIGN}&timestamp=${DASHI_TS}" | sed -E 's/.*"token":"([^"]+)".*/\1/')`,
				clientID, secret, tokenURL, clientID)},
		{fmt.Sprintf("达实AIoT: the same token call signed at start-up (timestamp %s; works once, until %s)", ts, now.Add(MaxSkew).Format("15:04 -07:00")),
			fmt.Sprintf(`curl -s '%s?appid=%s&sign_method=md5&sign=%s&timestamp=%s'`, tokenURL, clientID, sign, ts)},
		{"达实AIoT: customer page — name contains 张, status 1 (normal), 2 per page, newest first",
			fmt.Sprintf(`curl -s -X POST "%s%s?project=%s" -H "Authorization: Bearer $DASHI_TOKEN" -H 'Content-Type: application/json' -d '{"pageSize":2,"pageIndex":1,"name":"张","customerStatus":[1]}'`,
				base, PagePath, project)},
		{"达实AIoT: add a customer (answers the new id)",
			fmt.Sprintf(`curl -s -X POST "%s%s?project=%s" -H "Authorization: Bearer $DASHI_TOKEN" -H 'Content-Type: application/json' -d '{"name":"张三丰","sex":1,"companyNames":"武当科技有限公司","customerStatus":1}'`,
				base, AddPath, project)},
	}
}
