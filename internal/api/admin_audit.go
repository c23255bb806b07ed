package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/audit"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
)

// auditParams are the query parameters GET /v1/admin/audit accepts.
var auditParams = map[string]bool{"actor": true, "action": true, "target": true, "from": true, "to": true,
	"pageSize": true, "cursor": true, "tenant": true}

// shanghai is the calendar of bare dates in audit filters.
var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// listAudit serves GET /v1/admin/audit: the tenant's audit log, newest
// first, filtered by actor, action (exact or "area." prefix), target and
// time, paged with an opaque cursor.
func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		if !auditParams[k] {
			return problem(400, "unknown_parameter", k, "unknown query parameter "+strconv.Quote(k)+" (accepted: actor, action, target, from, to, pageSize, cursor, tenant)")
		}
	}
	tenant := tenantOf(r)
	if v := q.Get("tenant"); v != "" {
		// A super-administrator reads any tenant's log, and tenant 0: the
		// failures with client ids or logins that name no known tenant.
		if err := superAdmin(r); err != nil {
			return err
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return problem(400, "invalid", "tenant", "tenant must be a tenant id, or 0")
		}
		tenant = n
	}
	f := model.AuditFilter{ActorID: q.Get("actor"), Action: q.Get("action"), Target: q.Get("target"), Limit: 50}
	var err error
	if f.From, err = auditTime(q.Get("from"), "from", false); err != nil {
		return err
	}
	if f.To, err = auditTime(q.Get("to"), "to", true); err != nil {
		return err
	}
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return problem(400, "out_of_range", "pageSize", "pageSize must be from 1 to 500")
		}
		f.Limit = n
	}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 36, 64)
		if err != nil || n <= 0 {
			return problem(400, "invalid", "cursor", "cursor must be a nextCursor of an earlier page")
		}
		f.BeforeID = n
	}
	want := f.Limit
	f.Limit++ // one more tells whether there is a next page
	items, err := audit.Query(r.Context(), h.Store, tenant, f)
	if err != nil {
		return err
	}
	out := map[string]any{"pageSize": want}
	if len(items) > want {
		items = items[:want]
		out["nextCursor"] = strconv.FormatInt(items[want-1].ID, 36)
	}
	if items == nil {
		items = []model.AuditEntry{}
	}
	out["data"] = items
	httpx.WriteJSON(w, 200, out)
	return nil
}

// auditTime parses an RFC 3339 time or a date (a whole day in
// Asia/Shanghai: from its start, or to its end when end is set).
func auditTime(v, field string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, v, shanghai); err == nil && !strings.Contains(v, "T") {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	return time.Time{}, problem(400, "invalid", field, field+" must be an RFC 3339 time or a date (YYYY-MM-DD, Asia/Shanghai)")
}

// modelCaller is the request's caller in the shared access contract.
func modelCaller(r *http.Request) *model.Caller {
	if c := whoOf(r); c != nil {
		return c
	}
	return &model.Caller{Via: model.ViaNative, Addr: audit.AddrOf(r.Context())}
}
