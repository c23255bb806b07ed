package platsync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// tanma reads 探马SCRM's 高级筛选接口 (POST /api/v3/customer/search, pageNo /
// pageSize) and its field catalogue (POST /api/v2/customer/list-fields).
// Every request is signed afresh: headers appId, timestamp (ms) and sign =
// sha256(appId + timestamp + body + appKey) over the exact body bytes.
type tanma struct {
	t      *transport
	base   string
	appID  string
	secret string

	fields  map[string]*tanmaTarget // platform field id → where its values go
	options map[string]map[string]int64
	tagIDs  map[string]string // platform tag id → name
	stageIn map[string]string // platform stage id → name
}

// tanmaTarget is where the values of one 探马 field go: a kehu system field
// (sys, a kehu key) or a kehu custom field.
type tanmaTarget struct {
	name   string // the platform's label, for messages
	sys    string
	field  *model.Field
	isBool bool
}

func (tm *tanma) pageSizes() (int, int) { return 100, 1000 }
func (tm *tanma) filtersSince() bool    { return true }

type tanmaEnvelope struct {
	Code    flex            `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

func (tm *tanma) check(status int, body []byte, want func(data json.RawMessage) bool) verdict {
	var env tanmaEnvelope
	if err := json.Unmarshal(body, &env); err != nil || env.Code.null() {
		return garbage(body, "HTTP "+strconv.Itoa(status))
	}
	code := env.Code.str()
	if code == "0" {
		if status != 200 || !want(env.Data) {
			return garbage(body, "")
		}
		return verdict{}
	}
	ve := &Error{Code: code, Msg: env.Message}
	switch code {
	case "1002", "1004":
		ve.Kind = kindAuth
	case "1003":
		ve.Kind = kindAuth
		ve.Msg += " — is this machine's clock right? 探马 accepts ±5 minutes"
	case "-1", "429", "1005", "1006":
		ve.Kind = kindTransient
		return verdict{err: ve, retry: true}
	default:
		ve.Kind = kindRefused
		if strings.Contains(env.Message, "频繁") || strings.Contains(env.Message, "限流") || strings.Contains(env.Message, "稍后") {
			ve.Kind = kindTransient
			return verdict{err: ve, retry: true}
		}
	}
	return verdict{err: ve}
}

// call signs and sends one POST; data receives the envelope's data.
func (tm *tanma) call(ctx context.Context, op, path string, body []byte, data func(json.RawMessage) bool) error {
	_, err := tm.t.do(ctx, op, func(ctx context.Context) (*http.Request, error) {
		ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
		sum := sha256.Sum256([]byte(tm.appID + ts + string(body) + tm.secret))
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, tm.base+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("appId", tm.appID)
		req.Header.Set("timestamp", ts)
		req.Header.Set("sign", hex.EncodeToString(sum[:]))
		req.Header.Set("Content-Type", "application/json")
		return req, nil
	}, func(status int, _ http.Header, b []byte) verdict { return tm.check(status, b, data) }, nil)
	return err
}

type tanmaField struct {
	ID     flex   `json:"id"`
	Name   string `json:"name"`
	Alias  string `json:"alias"`
	Type   flex   `json:"type"`
	System bool   `json:"system"`
	Items  []struct {
		ID   flex   `json:"id"`
		Name string `json:"name"`
	} `json:"items"`
}

// tanmaSystem are the kehu system keys a 探马 system field's alias may
// name, and what the sync does with their values (read from the field-id
// keys unless the record's camelCase keys carry them).
var tanmaSystem = map[string]bool{"name": true, "phone": true, "email": true, "company": true, "address": true, "remark": true,
	"status": true, "createdAt": true, "updatedAt": true, "tags": true, "stage": true, "sex": true, "idNumber": true,
	"bornDate": true, "externalId": true, "firstName": true, "lastName": true, "city": true, "state": true, "country": true,
	"postalCode": true, "street": true, "age": true, "idType": true, "marriage": true, "education": true}

var fieldKeyRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// begin reads list-fields and makes kehu's catalogue match: a custom field
// per 探马 custom field (same label, the alias as key when it is a valid
// kehu key), its options, every tag and every stage.
func (tm *tanma) begin(ctx context.Context, r *run) error {
	var list []tanmaField
	err := tm.call(ctx, "list-fields", "/api/v2/customer/list-fields", []byte("{}"), func(d json.RawMessage) bool {
		list = nil
		return json.Unmarshal(d, &list) == nil
	})
	if err != nil {
		return err
	}
	tm.fields, tm.options = map[string]*tanmaTarget{}, map[string]map[string]int64{}
	tm.tagIDs, tm.stageIn = map[string]string{}, map[string]string{}
	for _, f := range list {
		id := f.ID.str()
		if id == "" {
			continue
		}
		typ, _ := f.Type.int64()
		if f.System && (f.Alias == "lastFollowAt" || f.Alias == "nextFollowAt") {
			// Another kehu's follow-up state: kept from its follow-ups,
			// which 探马's API does not carry.
			r.noteUnmapped(fmt.Sprintf("field %s (%s): follow-up state, kept by kehu from follow-ups", id, f.Name))
			continue
		}
		if f.System && tanmaSystem[f.Alias] {
			tm.fields[id] = &tanmaTarget{name: f.Name, sys: f.Alias}
			switch f.Alias {
			case "tags":
				for _, it := range f.Items {
					tm.tagIDs[it.ID.str()] = it.Name
					if _, err := r.org.tag(ctx, it.Name); err != nil {
						return err
					}
				}
			case "stage":
				for _, it := range f.Items {
					tm.stageIn[it.ID.str()] = it.Name
					if _, err := r.org.stage(ctx, it.Name); err != nil {
						return err
					}
				}
			}
			continue
		}
		t, isBool := tanmaKehuType(int(typ), f)
		if t == "" {
			r.noteUnmapped(fmt.Sprintf("field %s (%s): 探马 type %s", id, f.Name, f.Type.str()))
			continue
		}
		var labels []string
		for _, it := range f.Items {
			labels = append(labels, it.Name)
		}
		key := f.Alias
		if !fieldKeyRe.MatchString(key) || isSystemKey(key) {
			key = "tanma_" + id
		}
		kf, err := r.org.field(ctx, key, "tanma_"+id, f.Name, t, labels)
		if err != nil {
			return err
		}
		if kf == nil {
			r.noteUnmapped(fmt.Sprintf("field %s (%s): kehu already has a field %q of another type", id, f.Name, key))
			continue
		}
		tm.fields[id] = &tanmaTarget{name: f.Name, field: kf, isBool: isBool}
		if len(f.Items) > 0 && !isBool {
			om := map[string]int64{}
			for _, it := range f.Items {
				for _, o := range kf.Options {
					if o.Label == it.Name && !o.Deleted {
						om[it.ID.str()] = o.ID
						break
					}
				}
			}
			tm.options[id] = om
		}
	}
	return nil
}

// tanmaKehuType maps 探马's catalogue type numbers (1 单行文本, 2 单选, 3 日期,
// 4 数值, 5 多行文本, 6 多选, 7 日期时间, 8 电话号码) to kehu's; a 单选 whose
// choices are exactly 是/否 is a yes/no field.
func tanmaKehuType(t int, f tanmaField) (model.FieldType, bool) {
	switch t {
	case 1:
		return model.TypeText, false
	case 2:
		if len(f.Items) == 2 {
			names := map[string]string{f.Items[0].ID.str(): f.Items[0].Name, f.Items[1].ID.str(): f.Items[1].Name}
			if names["1"] == "是" && names["0"] == "否" {
				return model.TypeBool, true
			}
		}
		return model.TypeSelect, false
	case 3:
		return model.TypeDate, false
	case 4:
		return model.TypeNumber, false
	case 5:
		return model.TypeTextarea, false
	case 6:
		return model.TypeMultiSelect, false
	case 7:
		return model.TypeDateTime, false
	case 8:
		return model.TypePhone, false
	}
	return "", false
}

var shanghai = time.FixedZone("CST", 8*3600)

const tanmaTime = "2006-01-02 15:04:05"

func (tm *tanma) page(ctx context.Context, n, size int, since, until time.Time) ([]json.RawMessage, int64, error) {
	req := map[string]any{"pageNo": n, "pageSize": size,
		"createTime": map[string]any{"start": nil, "end": until.In(shanghai).Format(tanmaTime)}}
	if !since.IsZero() {
		req["conditions"] = map[string]any{"conditionOp": 1, "conditionItems": []any{
			map[string]any{"name": "updateTime", "op": 9, "values": []string{since.In(shanghai).Format(tanmaTime)}}}}
	}
	body, _ := json.Marshal(req)
	var pg struct {
		TotalCount flex              `json:"totalCount"`
		Data       []json.RawMessage `json:"data"`
	}
	err := tm.call(ctx, "page "+strconv.Itoa(n), "/api/v3/customer/search", body, func(d json.RawMessage) bool {
		pg.Data = nil
		if json.Unmarshal(d, &pg) != nil || pg.TotalCount.null() {
			return false
		}
		_, ok := pg.TotalCount.int64()
		return ok
	})
	if err != nil {
		return nil, 0, err
	}
	total, _ := pg.TotalCount.int64()
	return pg.Data, total, nil
}

// tanmaIgnored are result keys that carry nothing kehu keeps: constants,
// 企业微信 / open-sea / chat data, and keys read through another key.
var tanmaIgnored = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`id customerId customerSalesInfoId name mobiles corpName createTime getCreateTime getUpdateTime
		salesId salesName salesDeptNames mainFollows shareFollows helperSalesName helperSalesDeptNames salesStage salesStageName
		tagIds tags customerStatus role birthday unionId customerRepoId pointCredit isCustomer customerType deleted enterSeaType
		enterSeaReason customerRecovery salesDeleted toOpenSeaName salesStageEndName remainingProtectionTime pvTagId
		customerAbandonReason toSalesName openSeaTransferRecordId shareFirst remainingProtectionReason salesStageSub contentType
		rollOutType lastFollowUserName pointScore companyId friendType customerAbandon salesStageEnd lastRequestSent toId shield
		shareSource deleteStatus abandonTime toType fromId lastFollowUserId areaId location salesStageSubName stageFlowId
		customerAllocateSource replyChatCount sendChatCount followTimeType groupSize protectedTime protect signNum followRepeat
		isFailReason requestSent isFriend phoneRepeat openSeaEditable recoveryReasons groupList contentTags areaValue channelState
		toSalesDeptNames`) {
		tanmaIgnored[k] = true
	}
}

type tanmaFollow struct {
	SalesID         flex `json:"salesId"`
	SalesName       flex `json:"salesName"`
	FollowDeptNames flex `json:"followDeptNames"`
}

type tanmaTag struct {
	ID   flex `json:"id"`
	Name flex `json:"name"`
}

func (tm *tanma) mapRecord(ctx context.Context, r *run, raw json.RawMessage) *Record {
	rec := &Record{Hash: hashOf(raw)}
	var obj map[string]flex
	if err := json.Unmarshal(raw, &obj); err != nil {
		rec.Err = "不是客户对象：" + snippet(raw)
		return rec
	}
	m := &mapper{rec: rec}
	in := &crm.CustomerInput{}
	rec.ExternalID = obj["customerId"].str()
	if rec.ExternalID == "" {
		rec.ExternalID = obj["id"].str()
	}
	if rec.ExternalID == "" {
		rec.Err = "记录没有 id"
		return rec
	}
	for k, v := range obj {
		if tanmaIgnored[k] || tm.fields[k] != nil {
			continue
		}
		if s := v.str(); !v.null() && s != "[]" && s != "{}" {
			r.countKey(k)
		}
	}
	// System values under their field ids.
	for id, t := range tm.fields {
		v, ok := obj[id]
		if !ok {
			continue
		}
		if t.field != nil {
			tm.custom(m, in, id, t, v)
			continue
		}
		switch t.sys {
		case "name":
			m.str(&in.Name, v)
		case "phone":
			if l, ok := v.strings(); ok {
				tm.phones(in, l)
			}
		case "email":
			m.str(&in.Email, v)
		case "company":
			m.str(&in.Company, v)
		case "address":
			m.str(&in.Address, v)
		case "remark":
			m.str(&in.Remark, v)
		case "idNumber":
			m.str(&in.IDNumber, v)
		case "firstName":
			m.str(&in.FirstName, v)
		case "lastName":
			m.str(&in.LastName, v)
		case "city":
			m.str(&in.City, v)
		case "state":
			m.str(&in.State, v)
		case "country":
			m.str(&in.Country, v)
		case "postalCode":
			m.str(&in.PostalCode, v)
		case "street":
			m.str(&in.Street, v)
		case "sex":
			m.small("sex", &in.Sex, v)
		case "age":
			m.small("age", &in.Age, v)
		case "idType":
			m.small("idType", &in.IDType, v)
		case "marriage":
			m.small("marriage", &in.Marriage, v)
		case "education":
			m.small("education", &in.Education, v)
		case "bornDate":
			if obj["birthday"].null() {
				zero := int64(0)
				in.BornDate = &zero
			} else if tt, err := time.ParseInLocation(tanmaTime, v.str(), shanghai); err == nil {
				ms := tt.UnixMilli()
				in.BornDate = &ms
			} else {
				m.drop(t.name, "%q 不是 yyyy-MM-dd HH:mm:ss", v.str())
			}
		case "externalId":
			if s := v.str(); s != "" && s != rec.ExternalID {
				m.drop(t.name, "%q：kehu 的外部ID 存的是探马客户 id", s)
			}
		}
	}
	if in.Name == nil {
		if v, ok := obj["name"]; ok {
			m.str(&in.Name, v)
		} else if v, ok := obj["customerName"]; ok {
			m.str(&in.Name, v)
		}
	}
	if in.Phone == nil {
		if l, ok := obj["mobiles"].strings(); ok && !obj["mobiles"].null() {
			tm.phones(in, l)
		}
	}
	if in.Company == nil {
		m.str(&in.Company, obj["corpName"])
	}
	if in.Name != nil {
		rec.Name = *in.Name
	}
	if in.Phone != nil {
		rec.Phone = *in.Phone
	}
	m.str(&in.UnionID, obj["unionId"])
	st := model.StatusNormal
	if n, _ := obj["customerStatus"].int64(); n == 1 {
		st = model.StatusDisabled
	}
	in.Status = &st
	if tt, err := time.ParseInLocation(tanmaTime, obj["createTime"].str(), shanghai); err == nil {
		rec.CreatedAt = tt.UTC()
	}
	if tt, err := time.ParseInLocation(tanmaTime, obj["getUpdateTime"].str(), shanghai); err == nil {
		rec.Modified = tt.UTC()
	}
	// Owner and collaborators by name, with their department paths.
	owner := int64(0)
	if name := strings.TrimSpace(obj["salesName"].str()); name != "" {
		id, err := r.org.staff(ctx, name, firstDept(obj["salesDeptNames"]))
		if err != nil {
			rec.Err = "负责人 " + name + "：" + err.Error()
			return rec
		}
		owner = id
	} else if !obj["salesId"].null() {
		m.drop("salesId", "员工 %s 在平台上没有名字", obj["salesId"].str())
	}
	in.OwnerID = &owner
	var follows []tanmaFollow
	_ = json.Unmarshal(obj["shareFollows"].raw, &follows)
	collab := []int64{}
	for _, f := range follows {
		name := strings.TrimSpace(f.SalesName.str())
		if name == "" {
			m.drop("shareFollows", "协作人 %s 在平台上没有名字", f.SalesID.str())
			continue
		}
		id, err := r.org.staff(ctx, name, firstDept(f.FollowDeptNames))
		if err != nil {
			rec.Err = "协作人 " + name + "：" + err.Error()
			return rec
		}
		collab = append(collab, id)
	}
	in.CollaboratorIDs = &collab
	// Stage and tags by name.
	stage := int64(0)
	stageName := strings.TrimSpace(obj["salesStageName"].str())
	if stageName == "" {
		stageName = tm.stageIn[obj["salesStage"].str()]
	}
	if stageName != "" {
		id, err := r.org.stage(ctx, stageName)
		if err != nil {
			rec.Err = "销售阶段 " + stageName + "：" + err.Error()
			return rec
		}
		stage = id
	} else if !obj["salesStage"].null() {
		m.drop("salesStage", "销售阶段 %s 在平台上没有名字", obj["salesStage"].str())
	}
	in.StageID = &stage
	tags := []int64{}
	var tagList []tanmaTag
	_ = json.Unmarshal(obj["tags"].raw, &tagList)
	names := map[string]bool{}
	for _, t := range tagList {
		if n := strings.TrimSpace(t.Name.str()); n != "" {
			names[n] = true
		} else if n := tm.tagIDs[t.ID.str()]; n != "" {
			names[n] = true
		}
	}
	if ids, ok := obj["tagIds"].strings(); ok {
		for _, id := range ids {
			if n := tm.tagIDs[id]; n != "" {
				names[n] = true
			} else if len(tagList) == 0 {
				m.drop("tagIds", "标签 %s 不在 list-fields 里", id)
			}
		}
	}
	for n := range names {
		id, err := r.org.tag(ctx, n)
		if err != nil {
			rec.Err = "标签 " + n + "：" + err.Error()
			return rec
		}
		tags = append(tags, id)
	}
	in.TagIDs = &tags
	rec.In = in
	return rec
}

func (tm *tanma) phones(in *crm.CustomerInput, l []string) {
	main := ""
	rest := []string{}
	if len(l) > 0 {
		main, rest = l[0], append(rest, l[1:]...)
	}
	in.Phone, in.Phones = &main, &rest
}

// custom converts a value of a 探马 custom field into kehu's input form.
func (tm *tanma) custom(m *mapper, in *crm.CustomerInput, id string, t *tanmaTarget, v flex) {
	if in.Fields == nil {
		in.Fields = map[string]json.RawMessage{}
	}
	key := t.field.Key
	if v.null() {
		in.Fields[key] = json.RawMessage("null")
		return
	}
	set := func(x any) {
		b, _ := json.Marshal(x)
		in.Fields[key] = b
	}
	switch t.field.Type {
	case model.TypeBool:
		switch v.str() {
		case "1", "true", "是":
			set(true)
		case "0", "false", "否":
			set(false)
		default:
			m.drop(t.name, "%q 不是 是/否", v.str())
		}
	case model.TypeSelect:
		if oid, ok := tm.options[id][v.str()]; ok {
			set(oid)
		} else {
			set(v.str()) // a label, or crm says why not
		}
	case model.TypeMultiSelect:
		l, ok := v.strings()
		if !ok {
			m.drop(t.name, "不是列表")
			return
		}
		out := []any{}
		for _, x := range l {
			if oid, ok := tm.options[id][x]; ok {
				out = append(out, oid)
			} else {
				out = append(out, x)
			}
		}
		set(out)
	case model.TypeDateTime:
		tt, err := time.ParseInLocation(tanmaTime, v.str(), shanghai)
		if err != nil {
			m.drop(t.name, "%q 不是 yyyy-MM-dd HH:mm:ss", v.str())
			return
		}
		set(tt.UnixMilli())
	case model.TypePhone:
		l, _ := v.strings()
		if len(l) == 0 {
			in.Fields[key] = json.RawMessage("null")
			return
		}
		set(l[0])
		for _, p := range l[1:] {
			m.drop(t.name, "%s：kehu 的电话字段只存一个号码", p)
		}
	case model.TypeNumber:
		in.Fields[key] = json.RawMessage(strings.TrimSpace(string(v.raw)))
	default:
		set(v.str())
	}
}

// firstDept reads 探马's JSON-encoded department list ("[\"总部/销售部\"]").
func firstDept(v flex) string {
	var list []string
	if err := json.Unmarshal([]byte(v.str()), &list); err != nil || len(list) == 0 {
		return ""
	}
	return strings.TrimSpace(list[0])
}
