package dashi

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

// MaxPageSize is the platform's page limit ("每页最多4000条").
const MaxPageSize = query.MaxPageSize

// maxBody bounds the JSON body of the customer endpoints.
const maxBody = 1 << 20

// pageRequest is the body of the customer page call.
type pageRequest struct {
	PageSize, PageIndex int
	Name, Phone         string
	Start, End          int64 // epoch ms, inclusive; 0: no bound
	Statuses            []int
}

// parsePage reads the page body as Jackson would: unknown members are
// ignored (and noted), null is "not given"; wrong types and out-of-range
// values are PARAM_ERRORs naming the field.
func parsePage(ctx context.Context, body []byte) (*pageRequest, error) {
	members, err := readObject(body)
	if err != nil {
		return nil, err
	}
	p := &pageRequest{}
	var haveSize, haveIndex bool
	var unknown []string
	defer func() { noteUnknown(ctx, unknown) }()
	for _, m := range members {
		switch m.Key {
		case "pageSize":
			n, ok, err := intValue(m.Key, m.Raw, 1, MaxPageSize)
			if err != nil {
				return nil, err
			}
			p.PageSize, haveSize = int(n), ok
		case "pageIndex":
			n, ok, err := intValue(m.Key, m.Raw, 1, math.MaxInt32)
			if err != nil {
				return nil, err
			}
			p.PageIndex, haveIndex = int(n), ok
		case "name", "phone":
			s, _, err := stringValue(m.Key, m.Raw)
			if err != nil {
				return nil, err
			}
			if m.Key == "name" {
				p.Name = strings.TrimSpace(s)
			} else {
				p.Phone = strings.TrimSpace(s)
			}
		case "creationTimeStart", "creationTimeEnd":
			n, _, err := intValue(m.Key, m.Raw, 0, math.MaxInt64)
			if err != nil {
				return nil, err
			}
			if m.Key == "creationTimeStart" {
				p.Start = n
			} else {
				p.End = n
			}
		case "customerStatus":
			elems, _, err := arrayValue(m.Key, m.Raw)
			if err != nil {
				return nil, err
			}
			for i, e := range elems {
				n, ok, err := intValue(m.Key+"["+strconv.Itoa(i)+"]", e, model.StatusNormal, model.StatusDisabled)
				if err != nil {
					return nil, err
				}
				if ok && !slices.Contains(p.Statuses, int(n)) {
					p.Statuses = append(p.Statuses, int(n))
				}
			}
		default:
			unknown = append(unknown, m.Key)
		}
	}
	switch {
	case !haveSize:
		return nil, paramError("pageSize：必填（1 到 %d）", MaxPageSize)
	case !haveIndex:
		return nil, paramError("pageIndex：必填（第一页为 1）")
	case p.Start != 0 && p.End != 0 && p.Start > p.End:
		return nil, paramError("creationTimeStart：不能晚于 creationTimeEnd")
	}
	return p, nil
}

// filter translates the page body into kehu's condition tree, scoped to
// the page's project: the project's customers only (customers without a
// project are seen only by unbound callers, through the other APIs).
func (p *pageRequest) filter(projectID int64) *cond.Node {
	leaf := func(pos, field string, op cond.Op, vals ...any) *cond.Node {
		return &cond.Node{Leaf: &cond.Cond{Field: field, Op: op, Values: vals, Pos: pos}}
	}
	num := func(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }
	and := []*cond.Node{leaf("project", "projectId", cond.OpEq, num(projectID))}
	if p.Name != "" {
		and = append(and, leaf("name", "name", cond.OpContains, p.Name))
	}
	if p.Phone != "" {
		// Normalised to E.164 by the engine; a value that is no valid
		// number stays as typed and so matches nothing.
		and = append(and, leaf("phone", "phone", cond.OpEq, p.Phone))
	}
	if p.Start != 0 {
		and = append(and, leaf("creationTimeStart", "createdAt", cond.OpGte, num(p.Start)))
	}
	if p.End != 0 {
		and = append(and, leaf("creationTimeEnd", "createdAt", cond.OpLte, num(p.End)))
	}
	if len(p.Statuses) > 0 {
		var vals []any
		for _, s := range p.Statuses {
			vals = append(vals, num(int64(s)))
		}
		and = append(and, leaf("customerStatus", "status", cond.OpIn, vals...))
	}
	return &cond.Node{And: and}
}

// page implements POST …/customer/page.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, cl *model.Client) error {
	proj, err := h.project(r, cl)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	p, err := parsePage(r.Context(), body)
	if err != nil {
		return err
	}
	req := &query.Request{
		Filter:   p.filter(proj.ID),
		Sort:     []query.SortSpec{{Field: "createdAt", Desc: true}}, // then id, descending
		PageSize: p.PageSize,
		Page:     p.PageIndex,
		Total:    query.TotalExact,
		Stream:   true,
	}
	res, err := h.svc.Search(r.Context(), whoOf(r), req, nil)
	if err != nil {
		return err
	}
	defer res.Close()
	// Rows go out as they are loaded (a 4,000-row page is never whole in
	// memory); a failure after the first bytes aborts the connection
	// (httpx.PageWriter), as the README describes.
	pw := httpx.NewPageWriter(w, r, 200, "application/json; charset=utf-8")
	pw.B = appendPageHead(pw.B, p.PageIndex, p.PageSize, res.Total, res.Len())
	i := 0
	err = res.Each(r.Context(), func(c *model.Customer) error {
		pw.B = appendPageRow(pw.B, i, c, proj.Name)
		i++
		return pw.Flush()
	})
	if err != nil {
		return pw.Fail(err)
	}
	pw.B = append(pw.B, "]}\n"...)
	pw.End()
	return nil
}

// project resolves the project query parameter of a customer call: the
// first non-empty value, a project of the token's tenant, and the client's
// own project if it is bound to one. Other query parameters (instance, a
// cache buster such as _t=…) are ignored, as Spring ignores them.
func (h *Handler) project(r *http.Request, cl *model.Client) (*model.Project, error) {
	q := r.URL.Query()
	raw := param(q, "project")
	if raw == "" {
		return nil, paramError("缺少查询参数 project")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return nil, paramError("project 须为项目ID（正整数），收到 %q", raw)
	}
	if _, err := crm.DefaultProject(whoOf(r), id); err != nil {
		return nil, err
	}
	p, err := h.st.Project(r.Context(), cl.TenantID, id)
	if errors.Is(err, model.ErrNotFound) {
		return nil, fail(404, StatusProjectNotExist, "项目 %d 不存在", id)
	}
	return p, err
}

func readBody(r *http.Request) ([]byte, error) {
	return httpx.ReadBody(r, maxBody)
}

// pagesOf is totalPage: ceil(total / size), 0 when there are no rows.
func pagesOf(total int64, size int) int64 {
	if total <= 0 || size <= 0 {
		return 0
	}
	return (total + int64(size) - 1) / int64(size)
}
