package platsync

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
)

// dashi reads 达实AIoT's 分页查询客户信息 (the seed's page call) after a signed
// visitor token (GET /api/justauth/generate/v1/visitor/token, hmac-sha256
// over appid, sign_method and timestamp). Tokens live 7 hours; kehu asks for
// a new one after 6, or when the platform says the token expired.
type dashi struct {
	t       *transport
	base    string
	appID   string
	secret  string
	project string // the platform's project id (required by its customer calls)

	mu       sync.Mutex
	token    string
	tokenAt  time.Time
	projects map[string]int64 // platform project name → kehu project, when --project is not given
}

const dashiTokenLife = 6 * time.Hour

func (d *dashi) pageSizes() (int, int) { return 1000, 4000 }
func (d *dashi) filtersSince() bool    { return false }

// dashiErr is 达实's error body.
type dashiErr struct {
	Msg    string `json:"msg"`
	Code   flex   `json:"code"`
	Status string `json:"status"`
}

func (d *dashi) check(status int, _ http.Header, body []byte, want func() bool) verdict {
	if status == 200 {
		if !want() {
			return garbage(body, "")
		}
		return verdict{}
	}
	var e dashiErr
	if err := json.Unmarshal(body, &e); err != nil || e.Status == "" {
		return garbage(body, "HTTP "+strconv.Itoa(status))
	}
	ve := &Error{Status: status, Code: e.Status, Msg: e.Msg}
	switch e.Status {
	case "TOKEN_EXPIRED", "TOKEN_INVALID":
		ve.Kind = kindAuth
		return verdict{err: ve, reauth: true}
	case "USER_NOT_EXIST", "SIGN_ERROR":
		ve.Kind = kindAuth
		return verdict{err: ve}
	case "TIMESTAMP_EXPIRED":
		ve.Kind = kindAuth
		ve.Msg += " — this machine's clock is more than 20 minutes off the platform's"
		return verdict{err: ve}
	case "INTERNAL_ERROR", "SERVICE_UNAVAILABLE", "TOO_MANY_REQUESTS", "RATE_LIMITED":
		ve.Kind = kindTransient
		return verdict{err: ve, retry: true}
	}
	ve.Kind = kindRefused
	if status == 401 {
		ve.Kind = kindAuth
	}
	return verdict{err: ve}
}

func (d *dashi) begin(ctx context.Context, r *run) error {
	if d.project == "" {
		return model.Invalid("source-project", "达实 needs the platform's project id (--source-project): its customer calls require ?project=")
	}
	return d.auth(ctx)
}

// auth signs a fresh token request: a timestamp of now, never reused.
func (d *dashi) auth(ctx context.Context) error {
	var tok struct {
		Token string `json:"token"`
	}
	_, err := d.t.do(ctx, "token", func(ctx context.Context) (*http.Request, error) {
		ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
		const method = "hmac-sha256"
		mac := hmac.New(sha256.New, []byte(d.secret))
		mac.Write([]byte("appid=" + d.appID + "&sign_method=" + method + "&timestamp=" + ts))
		q := url.Values{"appid": {d.appID}, "sign_method": {method}, "timestamp": {ts}, "sign": {hex.EncodeToString(mac.Sum(nil))}}
		return http.NewRequestWithContext(ctx, http.MethodGet, d.base+"/api/justauth/generate/v1/visitor/token?"+q.Encode(), nil)
	}, func(status int, h http.Header, body []byte) verdict {
		return d.check(status, h, body, func() bool { return json.Unmarshal(body, &tok) == nil && tok.Token != "" })
	}, nil)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.token, d.tokenAt = tok.Token, time.Now()
	d.mu.Unlock()
	return nil
}

func (d *dashi) bearer(ctx context.Context) (string, error) {
	d.mu.Lock()
	tok, at := d.token, d.tokenAt
	d.mu.Unlock()
	if tok == "" || time.Since(at) > dashiTokenLife {
		if err := d.auth(ctx); err != nil {
			return "", err
		}
		d.mu.Lock()
		tok = d.token
		d.mu.Unlock()
	}
	return tok, nil
}

type dashiPage struct {
	TotalCount flex              `json:"totalCount"`
	Data       []json.RawMessage `json:"data"`
}

func (d *dashi) page(ctx context.Context, n, size int, _, until time.Time) ([]json.RawMessage, int64, error) {
	body, _ := json.Marshal(map[string]any{"pageSize": size, "pageIndex": n, "creationTimeEnd": until.UnixMilli()})
	var pg dashiPage
	_, err := d.t.do(ctx, "page "+strconv.Itoa(n), func(ctx context.Context) (*http.Request, error) {
		tok, err := d.bearer(ctx)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost,
			d.base+"/api/open/customer/customer-manage/v1/customer/page?project="+url.QueryEscape(d.project), bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		return req, nil
	}, func(status int, h http.Header, b []byte) verdict {
		pg = dashiPage{}
		return d.check(status, h, b, func() bool {
			if json.Unmarshal(b, &pg) != nil || !bytes.Contains(b, []byte(`"data"`)) {
				return false
			}
			_, ok := pg.TotalCount.int64()
			return ok
		})
	}, func(ctx context.Context) error { return d.auth(ctx) })
	if err != nil {
		return nil, 0, err
	}
	total, _ := pg.TotalCount.int64()
	return pg.Data, total, nil
}

// dashiCustomer is the seed's 46 fields.
type dashiCustomer struct {
	ID                   flex `json:"id"`
	ProjectID            flex `json:"projectId"`
	ProjectName          flex `json:"projectName"`
	Name                 flex `json:"name"`
	Phone                flex `json:"phone"`
	IDType               flex `json:"idType"`
	IDNumber             flex `json:"idNumber"`
	Sex                  flex `json:"sex"`
	Age                  flex `json:"age"`
	CompanyIDs           flex `json:"companyIds"`
	CompanyNames         flex `json:"companyNames"`
	SpaceIDs             flex `json:"spaceIds"`
	SpaceNames           flex `json:"spaceNames"`
	Paths                flex `json:"paths"`
	CustomerGradeID      flex `json:"customerGradeId"`
	CustomerGradeName    flex `json:"customerGradeName"`
	CustomerTypeID       flex `json:"customerTypeId"`
	CustomerTypeName     flex `json:"customerTypeName"`
	ContractName         flex `json:"contractName"`
	ContractPhone        flex `json:"contractPhone"`
	Address              flex `json:"address"`
	Email                flex `json:"email"`
	Remark               flex `json:"remark"`
	BornDate             flex `json:"bornDate"`
	NativePlace          flex `json:"nativePlace"`
	Nation               flex `json:"nation"`
	Marriage             flex `json:"marriage"`
	Education            flex `json:"education"`
	Profession           flex `json:"profession"`
	Speciality           flex `json:"speciality"`
	Interest             flex `json:"interest"`
	Character            flex `json:"character"`
	PostalCode           flex `json:"postalCode"`
	JobNum               flex `json:"jobNum"`
	FacePhoto            flex `json:"facePhoto"`
	CreationTime         flex `json:"creationTime"`
	CreatorUserID        flex `json:"creatorUserId"`
	CreatorUserName      flex `json:"creatorUserName"`
	LastModificationTime flex `json:"lastModificationTime"`
	LastModifierUserID   flex `json:"lastModifierUserId"`
	LastModifierUserName flex `json:"lastModifierUserName"`
	OpenID               flex `json:"openId"`
	UnionID              flex `json:"unionId"`
	ManagementForms      flex `json:"managementForms"`
	ManagementFormsID    flex `json:"managementFormsId"`
	CustomerStatus       flex `json:"customerStatus"`
}

// dashiKnown are the keys mapRecord reads; any other key is counted as not
// mapped.
var dashiKnown = jsonKeys(dashiCustomer{})

func (d *dashi) mapRecord(ctx context.Context, r *run, raw json.RawMessage) *Record {
	rec := &Record{Hash: hashOf(raw)}
	var dc dashiCustomer
	if err := json.Unmarshal(raw, &dc); err != nil {
		rec.Err = "不是客户对象：" + snippet(raw)
		return rec
	}
	r.countUnknown(raw, dashiKnown)
	rec.ExternalID = dc.ID.str()
	if rec.ExternalID == "" {
		rec.Err = "记录没有 id"
		return rec
	}
	rec.Name, rec.Phone = dc.Name.str(), dc.Phone.str()
	in := &crm.CustomerInput{}
	m := &mapper{rec: rec}
	for _, s := range []struct {
		dst **string
		v   flex
	}{{&in.Name, dc.Name}, {&in.Phone, dc.Phone}, {&in.IDNumber, dc.IDNumber}, {&in.Company, dc.CompanyNames},
		{&in.GradeName, dc.CustomerGradeName}, {&in.TypeName, dc.CustomerTypeName}, {&in.ContactName, dc.ContractName},
		{&in.ContactPhone, dc.ContractPhone}, {&in.Address, dc.Address}, {&in.Email, dc.Email}, {&in.Remark, dc.Remark},
		{&in.NativePlace, dc.NativePlace}, {&in.Nation, dc.Nation}, {&in.Profession, dc.Profession},
		{&in.Speciality, dc.Speciality}, {&in.Interest, dc.Interest}, {&in.Character, dc.Character},
		{&in.PostalCode, dc.PostalCode}, {&in.JobNum, dc.JobNum}, {&in.FacePhoto, dc.FacePhoto}, {&in.OpenID, dc.OpenID},
		{&in.UnionID, dc.UnionID}, {&in.ManagementForms, dc.ManagementForms}} {
		m.str(s.dst, s.v)
	}
	m.small("idType", &in.IDType, dc.IDType)
	m.small("sex", &in.Sex, dc.Sex)
	m.small("age", &in.Age, dc.Age)
	m.small("marriage", &in.Marriage, dc.Marriage)
	m.small("education", &in.Education, dc.Education)
	m.list("companyIds", &in.CompanyIDs, dc.CompanyIDs)
	m.list("spaceIds", &in.SpaceIDs, dc.SpaceIDs)
	m.list("spaceNames", &in.SpaceNames, dc.SpaceNames)
	m.list("paths", &in.Paths, dc.Paths)
	m.num("customerGradeId", &in.GradeID, dc.CustomerGradeID)
	m.num("customerTypeId", &in.TypeID, dc.CustomerTypeID)
	m.num("managementFormsId", &in.ManagementFormsID, dc.ManagementFormsID)
	m.num("bornDate", &in.BornDate, dc.BornDate)
	if n, ok := dc.CustomerStatus.int64(); ok && n != 0 {
		// 0 is the schema's placeholder: not given, i.e. normal.
		st := int(n)
		in.Status = &st
	} else {
		st := model.StatusNormal
		in.Status = &st
	}
	if ms, ok := dc.CreationTime.int64(); ok && ms > 0 {
		rec.CreatedAt = time.UnixMilli(ms).UTC()
	}
	if ms, ok := dc.LastModificationTime.int64(); ok && ms > 0 {
		rec.Modified = time.UnixMilli(ms).UTC()
	}
	if id := dc.CreatorUserID.str(); id != "" {
		rec.CreatedBy, rec.CreatedByName = "dashi:"+id, dc.CreatorUserName.str()
	}
	if r.cfg.ProjectID == 0 {
		if name := strings.TrimSpace(dc.ProjectName.str()); name != "" {
			pid, err := d.projectByName(ctx, r, name)
			if err != nil {
				rec.Err = "项目 " + strconv.Quote(name) + "：" + crm.ZhMessage(err.Error())
				return rec
			}
			in.ProjectID = &pid
		}
	}
	rec.In = in
	return rec
}

// projectByName finds (or creates) the kehu project named like the
// platform's, when the sync was not told which kehu project to fill.
func (d *dashi) projectByName(ctx context.Context, r *run, name string) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.projects[name]; ok {
		return id, nil
	}
	if d.projects == nil {
		d.projects = map[string]int64{}
		ps, err := r.st().Projects(ctx, r.cfg.TenantID)
		if err != nil {
			return 0, err
		}
		for _, p := range ps {
			if _, dup := d.projects[p.Name]; !dup {
				d.projects[p.Name] = p.ID
			}
		}
		if id, ok := d.projects[name]; ok {
			return id, nil
		}
	}
	p, err := r.st().CreateProject(ctx, r.cfg.TenantID, name)
	if err != nil {
		return 0, err
	}
	d.projects[name] = p.ID
	r.org.changed() // crm's bulk validates projects against the list it loaded
	r.noteCatalog("project " + name)
	return p.ID, nil
}
