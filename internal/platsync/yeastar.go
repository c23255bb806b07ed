package platsync

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kehu/kehu/internal/crm"
)

// yeastar reads Yeastar YCM's GET /dm/open_api/v1/customers, 50 a page in
// customerId order (new customers go to the end, so pages do not shift),
// with an OAuth client-credentials token; an expired access token is
// refreshed with the refresh token, and when that fails too the client
// credentials are used again. Every request carries a User-Agent, as
// Yeastar requires.
type yeastar struct {
	t      *transport
	base   string
	appID  string
	secret string

	mu      sync.Mutex
	access  string
	refresh string
	expires time.Time
}

func (y *yeastar) pageSizes() (int, int) { return 50, 50 }
func (y *yeastar) filtersSince() bool    { return false }

type yeastarEnvelope struct {
	Status  string          `json:"status"`
	ErrCode flex            `json:"errcode"`
	ErrMsg  string          `json:"errmsg"`
	Data    json.RawMessage `json:"data"`
}

func (y *yeastar) check(status int, body []byte, isToken bool, want func() bool) verdict {
	var env yeastarEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return garbage(body, "HTTP "+strconv.Itoa(status))
	}
	if status == 200 && env.Status != "Failed" {
		if !want() {
			return garbage(body, "")
		}
		return verdict{}
	}
	if env.Status != "Failed" {
		return garbage(body, "HTTP "+strconv.Itoa(status))
	}
	ve := &Error{Status: status, Code: env.ErrCode.str(), Msg: env.ErrMsg}
	switch ve.Code {
	case "10004":
		ve.Kind = kindAuth
		return verdict{err: ve, reauth: !isToken}
	case "10001", "10002", "10003", "40001", "429":
		// 10001 internal error; 1000x/40001 are Yeastar P-Series' busy
		// and frequency-limit codes.
		ve.Kind = kindTransient
		return verdict{err: ve, retry: true}
	}
	ve.Kind = kindRefused
	if status == 401 || status == 403 {
		ve.Kind = kindAuth
	}
	return verdict{err: ve}
}

func (y *yeastar) begin(ctx context.Context, r *run) error { return y.grant(ctx, false) }

type yeastarToken struct {
	Access    string `json:"access_token"`
	Refresh   string `json:"refresh_token"`
	ExpiresIn flex   `json:"expires_in"`
}

// grant gets a token pair: with the refresh token when asked and one is
// held, else with the client credentials.
func (y *yeastar) grant(ctx context.Context, useRefresh bool) error {
	y.mu.Lock()
	refresh := y.refresh
	y.mu.Unlock()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {y.appID}, "client_secret": {y.secret}}
	if useRefresh && refresh != "" {
		form = url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
	}
	var tok yeastarToken
	_, err := y.t.do(ctx, "token", func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, y.base+"/dm/open_api/oauth/token", strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}, func(status int, _ http.Header, body []byte) verdict {
		if status == 200 {
			tok = yeastarToken{}
			if json.Unmarshal(body, &tok) != nil || tok.Access == "" {
				return garbage(body, "")
			}
			return verdict{}
		}
		return y.check(status, body, true, func() bool { return false })
	}, nil)
	if err != nil {
		if useRefresh && refresh != "" {
			return y.grant(ctx, false) // the refresh token is dead too: start over
		}
		return err
	}
	secs, _ := tok.ExpiresIn.int64()
	if secs <= 0 {
		secs = 1800
	}
	y.mu.Lock()
	y.access, y.refresh = tok.Access, tok.Refresh
	y.expires = time.Now().Add(time.Duration(secs)*time.Second - time.Minute)
	y.mu.Unlock()
	return nil
}

func (y *yeastar) bearer(ctx context.Context) (string, error) {
	y.mu.Lock()
	tok, exp := y.access, y.expires
	y.mu.Unlock()
	if tok == "" || time.Now().After(exp) {
		if err := y.grant(ctx, true); err != nil {
			return "", err
		}
		y.mu.Lock()
		tok = y.access
		y.mu.Unlock()
	}
	return tok, nil
}

type yeastarPage struct {
	Total flex              `json:"total"`
	List  []json.RawMessage `json:"list"`
}

func (y *yeastar) page(ctx context.Context, n, size int, _, _ time.Time) ([]json.RawMessage, int64, error) {
	var pg yeastarPage
	q := url.Values{"pageSize": {strconv.Itoa(size)}, "pageNumber": {strconv.Itoa(n)}, "sort": {"customerId"}}
	_, err := y.t.do(ctx, "page "+strconv.Itoa(n), func(ctx context.Context) (*http.Request, error) {
		tok, err := y.bearer(ctx)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, y.base+"/dm/open_api/v1/customers?"+q.Encode(), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		return req, nil
	}, func(status int, _ http.Header, body []byte) verdict {
		return y.check(status, body, false, func() bool {
			var env yeastarEnvelope
			pg = yeastarPage{}
			if json.Unmarshal(body, &env) != nil || json.Unmarshal(env.Data, &pg) != nil {
				return false
			}
			_, ok := pg.Total.int64()
			return ok && !pg.Total.null()
		})
	}, func(ctx context.Context) error { return y.grant(ctx, true) })
	if err != nil {
		return nil, 0, err
	}
	total, _ := pg.Total.int64()
	return pg.List, total, nil
}

// yeastarCustomer is the seed's Customer_Info. Empty fields are left out
// of Yeastar's JSON: a missing key is an empty value.
type yeastarCustomer struct {
	CustomerID     flex `json:"customerId"`
	FirstName      flex `json:"firstName"`
	LastName       flex `json:"lastName"`
	Company        flex `json:"company"`
	Email          flex `json:"email"`
	BusinessNumber flex `json:"businessNumber"`
	MobileNumber   flex `json:"mobileNumber"`
	HomeNumber     flex `json:"homeNumber"`
	FaxNumber      flex `json:"faxNumber"`
	ZipCode        flex `json:"zipCode"`
	Street         flex `json:"street"`
	City           flex `json:"city"`
	State          flex `json:"state"`
	Country        flex `json:"country"`
	Remark         flex `json:"remark"`
}

var yeastarKnown = jsonKeys(yeastarCustomer{})

func (y *yeastar) mapRecord(_ context.Context, r *run, raw json.RawMessage) *Record {
	rec := &Record{Hash: hashOf(raw)}
	var yc yeastarCustomer
	if err := json.Unmarshal(raw, &yc); err != nil {
		rec.Err = "不是客户对象：" + snippet(raw)
		return rec
	}
	r.countUnknown(raw, yeastarKnown)
	rec.ExternalID = yc.CustomerID.str()
	if rec.ExternalID == "" {
		rec.Err = "记录没有 customerId"
		return rec
	}
	rec.Name = crm.JoinName(yc.FirstName.str(), yc.LastName.str())
	rec.Phone = yc.MobileNumber.str()
	in := &crm.CustomerInput{}
	m := &mapper{rec: rec}
	// Exactly Yeastar's 14 fields: what kehu keeps beyond them (tags,
	// owner, custom fields) is never touched by a sync from Yeastar.
	for _, s := range []struct {
		dst **string
		v   flex
	}{{&in.FirstName, yc.FirstName}, {&in.LastName, yc.LastName}, {&in.Company, yc.Company}, {&in.Email, yc.Email},
		{&in.BusinessPhone, yc.BusinessNumber}, {&in.Phone, yc.MobileNumber}, {&in.HomePhone, yc.HomeNumber},
		{&in.Fax, yc.FaxNumber}, {&in.PostalCode, yc.ZipCode}, {&in.Street, yc.Street}, {&in.City, yc.City},
		{&in.State, yc.State}, {&in.Country, yc.Country}, {&in.Remark, yc.Remark}} {
		m.str(s.dst, s.v)
	}
	rec.In = in
	return rec
}
