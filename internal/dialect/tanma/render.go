package tanma

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// renderer shows customers as 探马's search results: every catalogue field
// under its id as a string key, beside the camelCase keys of 探马's result
// example (README.md, "Result rendering").
type renderer struct {
	cat      *store.Catalog
	staff    map[int64]model.Staff
	deptPath map[int64]string // department id → "root/…/name"
	stages   map[int64]string
	tags     map[int64]string
	point    *model.Field // the custom field keyed point_credit, if any
	now      time.Time    // for followTimeType (due or overdue)
	pools    map[int64]*model.Pool
}

func (h *Handler) renderer(rq *request, env *query.Env) (*renderer, error) {
	ctx, tid := rq.ctx, rq.client.TenantID
	rd := &renderer{now: time.Now(), cat: env.Catalog, staff: map[int64]model.Staff{}, deptPath: map[int64]string{}, stages: map[int64]string{}, tags: map[int64]string{}}
	staff, err := h.svc.Store.StaffList(ctx, tid)
	if err != nil {
		return nil, err
	}
	for _, s := range staff {
		rd.staff[s.ID] = s
	}
	depts, err := h.svc.Store.Departments(ctx, tid)
	if err != nil {
		return nil, err
	}
	for _, d := range depts { // parents come first (path order)
		p := d.Name
		if parent, ok := rd.deptPath[d.ParentID]; ok && d.ParentID != 0 {
			p = parent + "/" + d.Name
		}
		rd.deptPath[d.ID] = p
	}
	for name, id := range env.StageIDs {
		rd.stages[id] = name
	}
	pools, err := h.svc.Store.Pools(ctx, tid)
	if err != nil {
		return nil, err
	}
	rd.pools = make(map[int64]*model.Pool, len(pools))
	for _, p := range pools {
		rd.pools[p.ID] = p
	}
	for name, ids := range env.TagIDs {
		for _, id := range ids {
			rd.tags[id] = name
		}
	}
	if f := env.Catalog.ByKey["point_credit"]; f != nil && !f.System {
		rd.point = f
	}
	return rd, nil
}

// customer renders one result; role is "1" (owner) or "2" (collaborator),
// as the search asked.
func (rd *renderer) customer(c *model.Customer, role string) map[string]any {
	m := map[string]any{}
	vals, _ := c.CustomValues() // undecodable custom values are left out, not fatal
	for _, f := range rd.cat.Fields {
		if !listed(f) {
			continue
		}
		key := strconv.FormatInt(f.ID, 10)
		if f.System {
			m[key] = rd.systemValue(f, c)
		} else if v, ok := vals[key]; ok && v != nil {
			m[key] = customValue(f, v)
		}
	}
	owner, hasOwner := rd.staff[c.OwnerID]
	var ownerID, ownerName any
	mainFollows := []any{}
	salesDepts := "[]"
	if c.OwnerID != 0 {
		ownerID = c.OwnerID
		if hasOwner {
			ownerName = owner.Name
		}
		mainFollows = append(mainFollows, rd.follow(c.OwnerID))
		salesDepts = rd.deptNames([]int64{c.OwnerID})
	}
	shareFollows := []any{}
	var helperNames []string
	for _, id := range c.CollaboratorIDs {
		shareFollows = append(shareFollows, rd.follow(id))
		if s, ok := rd.staff[id]; ok {
			helperNames = append(helperNames, s.Name)
		}
	}
	var stageID, stageName any
	if c.StageID != 0 {
		stageID = c.StageID
		if n, ok := rd.stages[c.StageID]; ok {
			stageName = n
		}
	}
	var tagIDs, tags any
	if len(c.TagIDs) > 0 {
		ids := make([]int64, 0, len(c.TagIDs))
		list := make([]itemOut, 0, len(c.TagIDs))
		for _, id := range c.TagIDs {
			ids = append(ids, id)
			list = append(list, itemOut{ID: id, Name: rd.tags[id]})
		}
		tagIDs, tags = ids, list
	}
	var birthday any
	if c.BornDate != 0 {
		birthday = model.FromMillis(c.BornDate).In(shanghai).Format(dateLayout)
	}
	var pointCredit any
	if rd.point != nil {
		if v, ok := vals[strconv.FormatInt(rd.point.ID, 10)]; ok {
			pointCredit = v
		}
	}
	var project any
	if c.ProjectID != 0 {
		project = c.ProjectID
	}
	customerStatus := 0
	if c.Status == model.StatusDisabled {
		customerStatus = 1
	}
	// Filled from kehu's customer.
	m["id"] = c.ID
	m["customerId"] = c.ID
	m["customerSalesInfoId"] = c.ID
	m["name"] = c.Name
	m["mobiles"] = rd.phones(c)
	m["corpName"] = nullIfEmpty(c.Company)
	m["createTime"] = formatTime(c.CreatedAt)
	m["getCreateTime"] = formatTime(c.CreatedAt)
	m["getUpdateTime"] = formatTime(c.UpdatedAt)
	m["salesId"] = ownerID
	m["salesName"] = ownerName
	m["salesDeptNames"] = salesDepts
	m["mainFollows"] = mainFollows
	m["shareFollows"] = shareFollows
	m["helperSalesName"] = strings.Join(helperNames, ",")
	m["helperSalesDeptNames"] = rd.deptNames(c.CollaboratorIDs)
	m["salesStage"] = stageID
	m["salesStageName"] = stageName
	m["tagIds"] = tagIDs
	m["tags"] = tags
	m["customerStatus"] = customerStatus
	m["role"] = role
	m["birthday"] = birthday
	m["unionId"] = nullIfEmpty(c.UnionID)
	m["customerRepoId"] = project
	m["pointCredit"] = pointCredit
	// Constants: every kehu customer is a customer (not a lead in a pool),
	// created or imported, personal, not deleted.
	m["isCustomer"] = 1
	m["customerType"] = 1
	m["deleted"] = 0
	m["salesDeleted"] = c.OwnerID != 0 && !hasOwner
	// From kehu's follow-ups (跟进记录).
	m["lastFollowUserId"], m["lastFollowUserName"] = nil, nil
	if c.LastFollowUserID != 0 {
		m["lastFollowUserId"] = c.LastFollowUserID
		if s, ok := rd.staff[c.LastFollowUserID]; ok {
			m["lastFollowUserName"] = s.Name
		}
	}
	m["followTimeType"] = followTimeType(c, rd.now)
	rd.pool(m, c)
	// 探马 data kehu does not keep (企业微信, open sea, chats, journeys):
	// defaults of the example's types.
	for _, k := range []string{"salesStageEndName", "pvTagId",
		"customerAbandonReason", "toSalesName", "openSeaTransferRecordId", "shareFirst", "remainingProtectionReason",
		"salesStageSub", "contentType", "rollOutType", "wechatAvatar", "pointScore", "companyId",
		"friendType", "externalUserId", "customerAbandon", "salesStageEnd", "lastRequestSent", "toId", "shield",
		"shareSource", "deleteStatus", "qwRemark", "corpNameShort", "toType", "qwSalesId", "fromId",
		"areaId", "wechatNickname", "location", "salesStageSubName", "stageFlowId"} {
		m[k] = nil
	}
	for _, k := range []string{"customerAllocateSource", "replyChatCount", "sendChatCount",
		"groupSize", "signNum"} {
		m[k] = 0
	}
	for _, k := range []string{"followRepeat", "isFailReason", "requestSent", "isFriend", "phoneRepeat", "openSeaEditable"} {
		m[k] = false
	}
	for _, k := range []string{"recoveryReasons", "groupList", "contentTags"} {
		m[k] = []any{}
	}
	m["areaValue"] = ""
	m["channelState"] = ""
	m["toSalesDeptNames"] = "[]"
	return m
}

// followTimeType is the state of the customer's next follow-up: 0 none
// planned, 1 planned and not yet due, 2 overdue (the planned time passed
// without a newer follow-up).
func followTimeType(c *model.Customer, now time.Time) int {
	switch {
	case c.NextFollowAt.IsZero():
		return 0
	case c.NextFollowAt.After(now):
		return 1
	}
	return 2
}

// follow is one entry of mainFollows / shareFollows.
func (rd *renderer) follow(staffID int64) map[string]any {
	var name any
	if s, ok := rd.staff[staffID]; ok {
		name = s.Name
	}
	return map[string]any{"salesId": staffID, "salesName": name, "followDeptNames": rd.deptNames([]int64{staffID}),
		"isFriend": false, "salesAvatar": nil}
}

// deptNames is the JSON-encoded list (a string, as 探马 sends it) of the
// department paths of the given staff.
func (rd *renderer) deptNames(staffIDs []int64) string {
	names := []string{}
	for _, id := range staffIDs {
		if s, ok := rd.staff[id]; ok && s.DepartmentID != 0 {
			if p, ok := rd.deptPath[s.DepartmentID]; ok {
				names = append(names, p)
			}
		}
	}
	b, _ := json.Marshal(names)
	return string(b)
}

func (rd *renderer) phones(c *model.Customer) []string {
	out := []string{}
	if c.Phone != "" {
		out = append(out, displayPhone(c.Phone))
	}
	for _, p := range c.Phones {
		out = append(out, displayPhone(p))
	}
	return out
}

// systemValue is a listed system field's value in the form custom fields
// of its type take, read through the field's descriptor: phones and tags as
// lists, times "yyyy-MM-dd HH:mm:ss", an unset stage or age null.
func (rd *renderer) systemValue(f *model.Field, c *model.Customer) any {
	switch f.ID {
	case model.FieldPhone:
		return rd.phones(c)
	case model.FieldTags:
		ids := []int64{}
		return append(ids, c.TagIDs...)
	}
	d := model.SystemFieldDesc(f.ID)
	if d == nil {
		return nil
	}
	switch v := d.Get(c).(type) {
	case string:
		return v
	case int64:
		switch {
		case f.Type == model.TypeDateTime:
			return formatTime(model.FromMillis(v))
		case f.Type == model.TypeSelect:
			return v // 0 is an option like the others
		case v == 0 && d.Empty != model.EmptyBlank:
			return nil
		}
		return v
	}
	return nil
}

// customValue renders a stored custom value (model.FieldType's canonical
// form) for 探马: option ids stay ids, dates "yyyy-MM-dd", date-times
// "yyyy-MM-dd HH:mm:ss", phones a list, bools 1/0, areas their label.
func customValue(f *model.Field, v any) any {
	switch f.Type {
	case model.TypePhone:
		if s, ok := v.(string); ok {
			return []string{displayPhone(s)}
		}
	case model.TypeDateTime:
		if n, ok := v.(json.Number); ok {
			if ms, err := n.Int64(); err == nil {
				return formatTime(model.FromMillis(ms))
			}
		}
	case model.TypeBool:
		if b, ok := v.(bool); ok {
			if b {
				return 1
			}
			return 0
		}
	case model.TypeArea:
		if m, ok := v.(map[string]any); ok {
			if l, _ := m["label"].(string); l != "" {
				return l
			}
			code, _ := m["code"].(string)
			return code
		}
	}
	return v
}

// displayPhone shows a mainland China number as dialled at home, as 探马
// does: mobiles and 400/800 numbers without +86, landlines with their
// trunk 0 (+862162345678 → 02162345678). Other numbers stay in E.164.
func displayPhone(p string) string {
	rest, ok := strings.CutPrefix(p, "+86")
	if !ok {
		return p
	}
	switch {
	case len(rest) == 11 && rest[0] == '1',
		len(rest) == 10 && (strings.HasPrefix(rest, "400") || strings.HasPrefix(rest, "800")):
		return rest
	}
	return "0" + rest
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// enterSeaTypes are 探马's enterSeaType codes for how a customer last
// entered a pool (model.PoolEntry*), with the reason shown when kehu has
// none recorded; 4 (新建/导入) is a customer that never entered one.
var enterSeaTypes = map[string]struct {
	code   int
	reason string
}{
	model.PoolEntryFollow: {1, "超期未跟进"}, model.PoolEntryDeal: {2, "超期未成交"}, model.PoolEntryRelease: {3, "主动放弃"},
	"": {4, "新建/导入"}, model.PoolEntryImport: {4, "新建/导入"}, model.PoolEntryMove: {5, "转移至公海"},
	// kehu's date rule (合同到期) has no type of its own in 探马: a
	// contract that ran out without a renewal is a deal not made.
	model.PoolEntryDate: {2, "合同到期"},
}

// pool fills 探马's open-sea (公海) members from the customer's pool state:
// toOpenSeaName the pool it is in; enterSeaType/enterSeaReason how it last
// entered one; abandonTime when; protect, protectedTime (the end, epoch ms)
// and remainingProtectionTime (ms left) while protected after a claim;
// customerRecovery the whole days until its pool recycles it ("0": due,
// "-1": no rule will).
func (rd *renderer) pool(m map[string]any, c *model.Customer) {
	m["toOpenSeaName"] = nil
	if p := rd.pools[c.PoolID]; p != nil {
		m["toOpenSeaName"] = p.Name
	}
	e, ok := enterSeaTypes[c.PoolEntry]
	if !ok {
		e = enterSeaTypes[""]
	}
	m["enterSeaType"] = e.code
	m["enterSeaReason"] = e.reason
	if c.PoolReason != "" {
		m["enterSeaReason"] = c.PoolReason
	}
	m["abandonTime"] = nil
	if !c.PoolEnteredAt.IsZero() {
		m["abandonTime"] = formatTime(c.PoolEnteredAt)
	}
	m["protect"], m["protectedTime"], m["remainingProtectionTime"] = 0, 0, nil
	if c.OwnerID != 0 && rd.now.Before(c.ProtectedUntil) {
		m["protect"], m["protectedTime"] = 1, model.Millis(c.ProtectedUntil)
		m["remainingProtectionTime"] = c.ProtectedUntil.Sub(rd.now).Milliseconds()
	}
	m["customerRecovery"] = "-1"
	if at, ok := crm.RecycleAt(rd.pools[c.HomePoolID], rd.cat, c); ok {
		days := int64(0)
		if left := at.Sub(rd.now); left > 0 {
			days = int64((left + 24*time.Hour - 1) / (24 * time.Hour))
		}
		m["customerRecovery"] = strconv.FormatInt(days, 10)
	}
}
