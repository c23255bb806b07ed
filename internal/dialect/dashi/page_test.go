package dashi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/model"
)

// seedPageBody is the request body of the seed's curl example, verbatim.
const seedPageBody = `{
    "pageSize": 10,
    "pageIndex": 1,
    "customerStatus": [
        1
    ],
    "name": "张三",
    "creationTimeStart": 1688976234763,
    "phone": "130251412",
    "creationTimeEnd": 1699976234763
}`

// fullCustomer sets every field the add call takes.
const fullCustomer = `{
  "name": "张三",
  "phone": "138 1234 5678",
  "idType": 1,
  "idNumber": "110101199003071234",
  "sex": "1",
  "age": 34,
  "companyIds": ["1001", 1002],
  "companyNames": "深圳达实智能股份有限公司",
  "spaceIds": ["2001"],
  "paths": ["/1/2/2001"],
  "customerGradeId": "3",
  "customerTypeId": 4,
  "contractName": "李四",
  "contractPhone": "0755-2652 5166",
  "address": "深圳市南山区高新南一道",
  "email": "ZhangSan@Example.com",
  "remark": "第一行\n第二行 \"引号\"",
  "bornDate": 636739200000,
  "nativePlace": "广东深圳",
  "nation": "汉族",
  "marriage": 2,
  "education": 5,
  "profession": "工程师",
  "speciality": "围棋",
  "interest": "登山",
  "character": "开朗",
  "postalCode": "518057",
  "jobNum": "E0001",
  "facePhoto": "https://example.com/face/1.jpg",
  "openId": "o-123",
  "unionId": "u-456",
  "managementForms": "在营",
  "managementFormsId": 7,
  "customerStatus": 1
}`

var volatile = []string{"id", "projectId", "creationTime", "lastModificationTime", "creatorUserId", "lastModifierUserId"}

// TestPageGolden replays the seed's request verbatim (its duplicated empty
// project parameter and empty instance included), and shows a customer
// with every field set.
func TestPageGolden(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		tok := e.token(t, e.Client)
		// A 张三 created inside the seed's time range: the seed's phone
		// "130251412" is not a valid number, so it still matches nothing.
		e.Svc.Now = func() time.Time { return time.UnixMilli(1690000000000) }
		e.mustAdd(t, tok, `{"name":"张三","phone":"13025141200"}`)
		e.Svc.Now = nil

		status, body := e.page(t, tok, "project="+e.project()+"&project=&instance=", seedPageBody)
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		golden(t, "page_seed", body)

		// The same request without the invalid phone finds the customer.
		noPhone := strings.Replace(seedPageBody, `"phone": "130251412",`, "", 1)
		if p := e.mustPage(t, tok, noPhone); p.TotalCount != 1 || p.Data[0]["phone"] != "13025141200" {
			t.Fatalf("want the one 张三, got %+v", p)
		}

		e.mustAdd(t, tok, fullCustomer)
		status, body = e.page(t, tok, "project="+e.project(), `{"pageSize":"1","pageIndex":"1","phone":"+86 138-1234-5678"}`)
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		golden(t, "page_full", scrub(body, volatile...))
	})
}

// TestPageShape checks the 46 fields in the seed's order with the schema's
// types, for a customer with nothing set but its name.
func TestPageShape(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		tok := e.token(t, e.Client)
		id := e.mustAdd(t, tok, `{"name":"王五"}`)
		_, body := e.page(t, tok, "project="+e.project(), `{"pageSize":10,"pageIndex":1}`)
		var raw struct{ Data []json.RawMessage }
		if err := json.Unmarshal(body, &raw); err != nil || len(raw.Data) != 1 {
			t.Fatalf("%v %s", err, body)
		}
		d := json.NewDecoder(strings.NewReader(string(raw.Data[0])))
		d.UseNumber()
		d.Token()
		var keys []string
		vals := map[string]any{}
		for d.More() {
			k, _ := d.Token()
			var v any
			d.Decode(&v)
			keys = append(keys, k.(string))
			vals[k.(string)] = v
		}
		if !slices.Equal(keys, dashi.FieldOrder) || len(keys) != 46 {
			t.Fatalf("fields:\n got %v\nwant %v", keys, dashi.FieldOrder)
		}
		for _, k := range keys {
			switch v := vals[k].(type) {
			case json.Number:
				if k == "id" && v.String() != strconv.FormatInt(id, 10) {
					t.Errorf("id = %s, want %d", v, id)
				}
			case string:
				if k == "name" && v != "王五" || k == "projectName" && v != "测试园区" {
					t.Errorf("%s = %q", k, v)
				}
			case []any:
				if len(v) != 0 {
					t.Errorf("%s = %v, want []", k, v)
				}
			default:
				t.Errorf("%s is %T (%v); want a number, string or array", k, v, v)
			}
		}
		for _, k := range []string{"companyIds", "spaceIds", "spaceNames", "paths"} {
			if _, ok := vals[k].([]any); !ok {
				t.Errorf("%s is not an array", k)
			}
		}
		if vals["customerStatus"].(json.Number) != "1" {
			t.Errorf("customerStatus = %v, want 1 (the default)", vals["customerStatus"])
		}
	})
}

// TestPageFilters: each filter of the seed alone and combined, paging and
// the sort order, on customers created at known times.
func TestPageFilters(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tok := e.token(t, e.Client)
		t0 := time.Date(2023, 7, 1, 9, 0, 0, 0, crm.China)
		at := func(day int) int64 { return t0.AddDate(0, 0, day).UnixMilli() }
		for i, c := range []struct{ name, phone, status string }{
			{"张三", "13812345678", "1"},
			{"张三丰", "13912345678", "2"},
			{"李四", "+1 415-555-2671", "1"},
			{"王五", "", "1"},
			{"张伟", "13712345678", "1"},
			{"小张", "13612345678", "2"},
		} {
			e.Svc.Now = func() time.Time { return time.UnixMilli(at(i)) }
			e.mustAdd(t, tok, fmt.Sprintf(`{"name":%q,"phone":%q,"customerStatus":%s}`, c.name, c.phone, c.status))
		}
		e.Svc.Now = nil
		// Another project's customers do not show up (tenant-wide ones do:
		// see TestPageShowsCustomersWithoutProject).
		other, err := e.Store.CreateProject(ctx, e.Tenant.ID, "另一个园区")
		if err != nil {
			t.Fatal(err)
		}
		if st, b := e.add(t, tok, "project="+strconv.FormatInt(other.ID, 10), `{"name":"张三","phone":"13812345678"}`); st != 200 {
			t.Fatalf("%d %s", st, b)
		}
		all := []string{"小张", "张伟", "王五", "李四", "张三丰", "张三"} // creationTime descending
		for _, tc := range []struct {
			name, body string
			want       []string
		}{
			{"no filter", `{"pageSize":10,"pageIndex":1}`, all},
			{"name one character", `{"pageSize":10,"pageIndex":1,"name":"张"}`, []string{"小张", "张伟", "张三丰", "张三"}},
			{"name two characters", `{"pageSize":10,"pageIndex":1,"name":"张三"}`, []string{"张三丰", "张三"}},
			{"name padded", `{"pageSize":10,"pageIndex":1,"name":" 三丰 "}`, []string{"张三丰"}},
			{"name no match", `{"pageSize":10,"pageIndex":1,"name":"赵"}`, nil},
			{"phone national", `{"pageSize":10,"pageIndex":1,"phone":"13812345678"}`, []string{"张三"}},
			{"phone spaced", `{"pageSize":10,"pageIndex":1,"phone":"138 1234 5678"}`, []string{"张三"}},
			{"phone +86 dashed", `{"pageSize":10,"pageIndex":1,"phone":"+86 138-1234-5678"}`, []string{"张三"}},
			{"phone E.164", `{"pageSize":10,"pageIndex":1,"phone":"+8613812345678"}`, []string{"张三"}},
			{"phone 0086", `{"pageSize":10,"pageIndex":1,"phone":"008613812345678"}`, []string{"张三"}},
			{"phone full-width", `{"pageSize":10,"pageIndex":1,"phone":"１３８１２３４５６７８"}`, []string{"张三"}},
			{"phone US", `{"pageSize":10,"pageIndex":1,"phone":"+1 (415) 555-2671"}`, []string{"李四"}},
			{"phone invalid matches nothing", `{"pageSize":10,"pageIndex":1,"phone":"130251412"}`, nil},
			{"phone a fragment matches nothing", `{"pageSize":10,"pageIndex":1,"phone":"1381234"}`, nil},
			{"creation range inclusive", fmt.Sprintf(`{"pageSize":10,"pageIndex":1,"creationTimeStart":%d,"creationTimeEnd":%d}`, at(1), at(3)), []string{"王五", "李四", "张三丰"}},
			{"creation range as strings", fmt.Sprintf(`{"pageSize":10,"pageIndex":1,"creationTimeStart":"%d","creationTimeEnd":"%d"}`, at(1)+1, at(3)-1), []string{"李四"}},
			{"creation start only", fmt.Sprintf(`{"pageSize":10,"pageIndex":1,"creationTimeStart":%d}`, at(4)), []string{"小张", "张伟"}},
			{"creation end only", fmt.Sprintf(`{"pageSize":10,"pageIndex":1,"creationTimeEnd":%d}`, at(0)), []string{"张三"}},
			{"creation zero means unset", `{"pageSize":10,"pageIndex":1,"creationTimeStart":0,"creationTimeEnd":0}`, all},
			{"status disabled", `{"pageSize":10,"pageIndex":1,"customerStatus":[2]}`, []string{"小张", "张三丰"}},
			{"status both", `{"pageSize":10,"pageIndex":1,"customerStatus":[1,2]}`, all},
			{"status repeated", `{"pageSize":10,"pageIndex":1,"customerStatus":[2,"2",2]}`, []string{"小张", "张三丰"}},
			{"status as strings", `{"pageSize":10,"pageIndex":1,"customerStatus":["1"]}`, []string{"张伟", "王五", "李四", "张三"}},
			{"status empty list", `{"pageSize":10,"pageIndex":1,"customerStatus":[]}`, all},
			{"nulls are unset", `{"pageSize":10,"pageIndex":1,"name":null,"phone":null,"customerStatus":null,"creationTimeStart":null}`, all},
			{"combined", fmt.Sprintf(`{"pageSize":10,"pageIndex":1,"name":"张","customerStatus":[1],"creationTimeEnd":%d}`, at(4)), []string{"张伟", "张三"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := e.mustPage(t, tok, tc.body)
				if got := p.names(); !slices.Equal(got, tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
				if p.TotalCount != int64(len(tc.want)) || p.PageIndex != 1 || p.PageSize != 10 {
					t.Fatalf("totalCount %d pageIndex %d pageSize %d", p.TotalCount, p.PageIndex, p.PageSize)
				}
			})
		}

		t.Run("phone shown national for China, E.164 elsewhere", func(t *testing.T) {
			p := e.mustPage(t, tok, `{"pageSize":10,"pageIndex":1,"customerStatus":[1]}`)
			got := map[string]any{}
			for _, c := range p.Data {
				got[c["name"].(string)] = c["phone"]
			}
			want := map[string]any{"张伟": "13712345678", "王五": "", "李四": "+14155552671", "张三": "13812345678"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})

		t.Run("totals and pages", func(t *testing.T) {
			for _, tc := range []struct {
				size, index          int
				want                 []string
				totalCount, totalPag int64
			}{
				{4, 1, all[:4], 6, 2},
				{4, 2, all[4:], 6, 2},
				{4, 3, nil, 6, 2},
				{6, 1, all, 6, 1},
				{1, 6, all[5:], 6, 6},
				{4000, 1, all, 6, 1},
			} {
				p := e.mustPage(t, tok, fmt.Sprintf(`{"pageSize":%d,"pageIndex":"%d"}`, tc.size, tc.index))
				if got := p.names(); !slices.Equal(got, tc.want) || p.TotalCount != tc.totalCount || p.TotalPage != tc.totalPag ||
					p.PageSize != tc.size || p.PageIndex != tc.index {
					t.Errorf("size %d index %d: got %v total %d pages %d, want %v %d %d", tc.size, tc.index, got,
						p.TotalCount, p.TotalPage, tc.want, tc.totalCount, tc.totalPag)
				}
			}
		})

		t.Run("pages walk every row once", func(t *testing.T) {
			for size := 1; size <= 4; size++ {
				seen := map[string]int{}
				var order []string
				for index := 1; ; index++ {
					p := e.mustPage(t, tok, fmt.Sprintf(`{"pageSize":%d,"pageIndex":%d}`, size, index))
					if len(p.Data) == 0 {
						if int64(index-1) != p.TotalPage {
							t.Fatalf("size %d: ran out at page %d, totalPage %d", size, index, p.TotalPage)
						}
						break
					}
					for _, c := range p.Data {
						seen[c["id"].(json.Number).String()]++
						order = append(order, c["name"].(string))
					}
				}
				if len(seen) != len(all) || !slices.Equal(order, all) {
					t.Fatalf("size %d: walked %v (%d distinct)", size, order, len(seen))
				}
			}
		})
	})
}

// TestPageErrors: malformed requests and project problems, each answering
// its status and writing nothing.
func TestPageErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tok := e.token(t, e.Client)
		projB, err := e.Store.CreateProject(ctx, e.Tenant.ID, "B 园区")
		if err != nil {
			t.Fatal(err)
		}
		bound := e.NewClient(t, e.Tenant.ID, e.Project.ID)
		boundTok := e.token(t, bound)
		_, otherClient := e.NewTenant(t, "other tenant", -1) // bound to a new project of its own tenant
		otherProject := strconv.FormatInt(otherClient.ProjectID, 10)
		noRead := e.NewClient(t, e.Tenant.ID, 0, model.ScopeWrite)
		noReadTok := e.token(t, noRead)

		p := "project=" + e.project()
		ok := `{"pageSize":10,"pageIndex":1}`
		before := e.eventCount(t)
		for _, tc := range []struct {
			name, token, query, body string
			code                     int
			status, msg              string
		}{
			{"missing project", tok, "", ok, 400, dashi.StatusParamError, "project"},
			{"only empty projects", tok, "project=&project=&instance=", ok, 400, dashi.StatusParamError, "project"},
			{"non-numeric project", tok, "project=abc", ok, 400, dashi.StatusParamError, "project"},
			{"nonexistent project", tok, "project=371344636432453", ok, 404, dashi.StatusProjectNotExist, "371344636432453"},
			{"another tenant's project", tok, "project=" + otherProject, ok, 404, dashi.StatusProjectNotExist, otherProject},
			{"bound client asks another project", boundTok, "project=" + strconv.FormatInt(projB.ID, 10), ok, 403, dashi.StatusNoPermission, "绑定"},
			{"client without read scope", noReadTok, p, ok, 403, dashi.StatusNoPermission, "customers:read"},
			{"pageSize 0", tok, p, `{"pageSize":0,"pageIndex":1}`, 400, dashi.StatusParamError, "pageSize"},
			{"pageSize 4001", tok, p, `{"pageSize":4001,"pageIndex":1}`, 400, dashi.StatusParamError, "pageSize"},
			{"pageSize missing", tok, p, `{"pageIndex":1}`, 400, dashi.StatusParamError, "pageSize"},
			{"pageSize null", tok, p, `{"pageSize":null,"pageIndex":1}`, 400, dashi.StatusParamError, "pageSize"},
			{"pageSize fraction", tok, p, `{"pageSize":1.5,"pageIndex":1}`, 400, dashi.StatusParamError, "pageSize"},
			{"pageSize word", tok, p, `{"pageSize":"ten","pageIndex":1}`, 400, dashi.StatusParamError, "pageSize"},
			{"pageSize boolean", tok, p, `{"pageSize":true,"pageIndex":1}`, 400, dashi.StatusParamError, "pageSize"},
			{"pageIndex 0", tok, p, `{"pageSize":10,"pageIndex":0}`, 400, dashi.StatusParamError, "pageIndex"},
			{"pageIndex missing", tok, p, `{"pageSize":10}`, 400, dashi.StatusParamError, "pageIndex"},
			{"pageIndex too large", tok, p, `{"pageSize":10,"pageIndex":2147483648}`, 400, dashi.StatusParamError, "pageIndex"},
			{"name too long", tok, p, `{"pageSize":10,"pageIndex":1,"name":"` + strings.Repeat("张", 1001) + `"}`, 400, dashi.StatusParamError, "name"},
			{"customerStatus not a list", tok, p, `{"pageSize":10,"pageIndex":1,"customerStatus":1}`, 400, dashi.StatusParamError, "customerStatus"},
			{"customerStatus 3", tok, p, `{"pageSize":10,"pageIndex":1,"customerStatus":[1,3]}`, 400, dashi.StatusParamError, "customerStatus[1]"},
			{"customerStatus object", tok, p, `{"pageSize":10,"pageIndex":1,"customerStatus":[{}]}`, 400, dashi.StatusParamError, "customerStatus[0]"},
			{"creationTimeStart word", tok, p, `{"pageSize":10,"pageIndex":1,"creationTimeStart":"yesterday"}`, 400, dashi.StatusParamError, "creationTimeStart"},
			{"creationTimeEnd negative", tok, p, `{"pageSize":10,"pageIndex":1,"creationTimeEnd":-1}`, 400, dashi.StatusParamError, "creationTimeEnd"},
			{"creation range reversed", tok, p, `{"pageSize":10,"pageIndex":1,"creationTimeStart":2,"creationTimeEnd":1}`, 400, dashi.StatusParamError, "creationTimeStart"},
			{"malformed JSON", tok, p, `{"pageSize":10,"pageIndex":1,}`, 400, dashi.StatusParamError, "JSON"},
			{"truncated JSON", tok, p, `{"pageSize":10,`, 400, dashi.StatusParamError, "JSON"},
			{"array body", tok, p, `[{"pageSize":10}]`, 400, dashi.StatusParamError, "JSON 对象"},
			{"trailing data", tok, p, ok + ` {}`, 400, dashi.StatusParamError, "之后"},
			{"empty body", tok, p, ``, 400, dashi.StatusParamError, "为空"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body := e.page(t, tc.token, tc.query, tc.body)
				wantError(t, status, body, tc.code, tc.status, tc.msg)
			})
		}
		if n := e.eventCount(t); n != before {
			t.Fatalf("%d customer writes happened", n-before)
		}
		t.Run("error envelope golden", func(t *testing.T) {
			_, body := e.page(t, tok, p, `{"pageSize":10,"pageIndex":1,"customerStatus":[1,{}]}`)
			golden(t, "error_wrong_type", body)
		})
		t.Run("bound client on its own project", func(t *testing.T) {
			if status, body := e.page(t, boundTok, p+"&timestamp=1&instance=x", ok); status != 200 {
				t.Fatalf("%d %s", status, body)
			}
		})
	})
}

// TestPageListsItsProjectOnly: the page for project P lists P's customers
// only — not those of another project, nor those without a project (which
// only unbound callers see, through the other APIs).
func TestPageListsItsProjectOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tok := e.token(t, e.Client)
		if _, err := e.Svc.CreateCustomer(ctx, crm.SystemCaller(e.Tenant.ID, model.Actor{}), &crm.CustomerInput{Name: crm.Ptr("全租户客户")}); err != nil {
			t.Fatal(err)
		}
		other, err := e.Store.CreateProject(ctx, e.Tenant.ID, "另一个园区")
		if err != nil {
			t.Fatal(err)
		}
		if st, b := e.add(t, tok, "project="+strconv.FormatInt(other.ID, 10), `{"name":"别的园区客户"}`); st != 200 {
			t.Fatalf("%d %s", st, b)
		}
		got := e.mustPage(t, tok, `{"pageSize":10,"pageIndex":1}`)
		if names := got.names(); len(names) != 0 || got.TotalCount != 0 {
			t.Fatalf("page shows %v (total %d), want nothing: neither the tenant-wide customer nor another project's", names, got.TotalCount)
		}
		e.mustAdd(t, tok, `{"name":"本园区客户"}`)
		got = e.mustPage(t, tok, `{"pageSize":10,"pageIndex":1}`)
		if names := got.names(); fmt.Sprint(names) != "[本园区客户]" || got.TotalCount != 1 {
			t.Fatalf("page shows %v (total %d), want the project's own customer", names, got.TotalCount)
		}
	})
}
