package tanma_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/testenv"
)

// behaviourFixture creates four customers whose values cover every op.
//
//	       owner  collabs  tags       stage  note          grade hobbies  signDate    anniversary visitAt              ratio vip   created
//	张三   张磊   王强     VIP        新入库 hello world   A     h1,h2    2022-01-10  1990-09-01  2022-12-19 08:00:00  5     true  2024-03-01 10:00
//	李四   李娜   张磊     老客户     跟进中 HELLO there   B     h3       2022-02-20  1985-09-03  2022-12-20 00:00:00  10    false 2024-03-02 23:59:59.5
//	王五   王强   -        VIP,展会   -      -             -     -        -           -           -                    15.5  -     2024-03-03 00:00
//	赵六   -      李娜     -          成交   world         C     h1       2022-03-31  2000-02-29  2022-12-19 23:59:59  0     -     2024-02-29 12:00
func behaviourFixture(t *testing.T, e *testenv.Env) *fixture {
	fx := newFixture(t, e)
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05.000", s, fixedNow.Location())
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	fx.create(t, at("2024-03-01 10:00:00.000"), &crm.CustomerInput{Name: crm.Ptr("张三"), Phone: crm.Ptr("13800000001"),
		Company: crm.Ptr("甲公司"), Remark: crm.Ptr("老朋友"), OwnerID: crm.Ptr(fx.staff["张磊"]), CollaboratorIDs: &[]int64{fx.staff["王强"]},
		TagIDs: &[]int64{fx.tags["VIP"]}, StageID: crm.Ptr(fx.stages["新入库"]),
		Fields: fields(map[string]any{"note": "hello world", "grade": "A", "hobbies": []string{"h1", "h2"}, "signDate": "2022-01-10",
			"anniversary": "1990-09-01", "visitAt": "2022-12-19 08:00:00", "ratio": 5, "vip": true, "mobile2": "15100000001",
			"region": map[string]string{"code": "110101", "label": "北京市/北京市/东城区"}, "creditCode": "91350100M000100Y43"})})
	fx.create(t, at("2024-03-02 23:59:59.500"), &crm.CustomerInput{Name: crm.Ptr("李四"), Phone: crm.Ptr("13900000002"),
		Company: crm.Ptr("乙公司"), OwnerID: crm.Ptr(fx.staff["李娜"]), CollaboratorIDs: &[]int64{fx.staff["张磊"]},
		TagIDs: &[]int64{fx.tags["老客户"]}, StageID: crm.Ptr(fx.stages["跟进中"]),
		Fields: fields(map[string]any{"note": "HELLO there", "grade": "B", "hobbies": []string{"h3"}, "signDate": "2022-02-20",
			"anniversary": "1985-09-03", "visitAt": "2022-12-20 00:00:00", "ratio": 10, "vip": false,
			"region": map[string]string{"code": "310101", "label": "上海市/上海市/黄浦区"}})})
	fx.create(t, at("2024-03-03 00:00:00.000"), &crm.CustomerInput{Name: crm.Ptr("王五"), Remark: crm.Ptr("张三介绍"),
		OwnerID: crm.Ptr(fx.staff["王强"]), TagIDs: &[]int64{fx.tags["VIP"], fx.tags["展会"]},
		Fields: fields(map[string]any{"ratio": 15.5})})
	fx.create(t, at("2024-02-29 12:00:00.000"), &crm.CustomerInput{Name: crm.Ptr("赵六"), Phone: crm.Ptr("13700000004"),
		CollaboratorIDs: &[]int64{fx.staff["李娜"]}, StageID: crm.Ptr(fx.stages["成交"]),
		Fields: fields(map[string]any{"note": "world", "grade": "C", "hobbies": []string{"h1"}, "signDate": "2022-03-31",
			"anniversary": "2000-02-29", "visitAt": "2022-12-19 23:59:59", "ratio": 0})})
	return fx
}

func TestConditionOps(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		fx := behaviourFixture(t, e)
		f := func(key string) string { return id(fx.f[key].ID) }
		o := func(key string) string { return id(fx.opt[key]) }
		tag := func(n string) string { return id(fx.tags[n]) }
		stage := func(n string) string { return id(fx.stages[n]) }
		all := []string{"张三", "李四", "王五", "赵六"}
		for _, tc := range []struct {
			field, op, values string
			want              []string
		}{
			// text
			{f("note"), "0", `["world"]`, []string{"赵六"}},
			{f("note"), "1", `["world"]`, []string{"张三", "李四", "王五"}},
			{f("note"), "2", `["hello"]`, []string{"张三", "李四"}},
			{f("note"), "2", `["there","world"]`, []string{"张三", "李四", "赵六"}},
			{f("note"), "3", `["hello"]`, []string{"王五", "赵六"}},
			{f("note"), "3", `["hello","world"]`, []string{"王五"}},
			{f("note"), "4", `[]`, []string{"王五"}},
			{f("note"), "5", `[]`, []string{"张三", "李四", "赵六"}},
			{`"name"`, "2", `["张"]`, []string{"张三"}},
			{`2`, "0", `["李四","赵六"]`, []string{"李四", "赵六"}},
			// phone (system, type 8) and a custom phone
			{`"phone"`, "2", `["0000000"]`, []string{"张三", "李四", "赵六"}},
			{`"mobiles"`, "0", `["138 0000 0001"]`, []string{"张三"}},
			{`3`, "4", `[]`, []string{"王五"}},
			{f("mobile2"), "2", `["100000001"]`, []string{"张三"}},
			// area
			{f("region"), "2", `[110101]`, []string{"张三"}},
			{f("region"), "2", `["上海市/上海市/黄浦区"]`, []string{"李四"}},
			{f("region"), "0", `[110101,"上海市/上海市/黄浦区"]`, []string{"张三", "李四"}},
			{f("region"), "3", `["110101"]`, []string{"李四", "王五", "赵六"}},
			{f("region"), "4", `[]`, []string{"王五", "赵六"}},
			// select, by option id or label
			{f("grade"), "0", `[` + o("grade/A") + `]`, []string{"张三"}},
			{f("grade"), "2", `["B"]`, []string{"李四"}},
			{f("grade"), "1", `[` + o("grade/A") + `]`, []string{"李四", "王五", "赵六"}},
			{f("grade"), "3", `["A","B"]`, []string{"王五", "赵六"}},
			{f("grade"), "4", `[]`, []string{"王五"}},
			{f("grade"), "5", `[]`, []string{"张三", "李四", "赵六"}},
			{f("grade"), "6", `["` + o("grade/C") + `"]`, []string{"赵六"}},
			// multiselect
			{f("hobbies"), "0", `[` + o("hobbies/h1") + `]`, []string{"张三", "赵六"}},
			{f("hobbies"), "2", `["h2","h3"]`, []string{"张三", "李四"}},
			{f("hobbies"), "6", `["h3"]`, []string{"李四"}},
			{f("hobbies"), "1", `["h1"]`, []string{"李四", "王五"}},
			{f("hobbies"), "3", `["h1","h3"]`, []string{"王五"}},
			{f("hobbies"), "4", `[]`, []string{"王五"}},
			{f("hobbies"), "5", `[]`, []string{"张三", "李四", "赵六"}},
			// tags: tagIds and contentTagIds are both kehu's tags, by id or name
			{`"tagIds"`, "6", `[` + tag("VIP") + `]`, []string{"张三", "王五"}},
			{`"contentTagIds"`, "6", `["` + tag("展会") + `"]`, []string{"王五"}},
			{`"tagIds"`, "6", `["老客户"]`, []string{"李四"}},
			{`"tagIds"`, "1", `[` + tag("VIP") + `]`, []string{"李四", "赵六"}},
			{`"tagIds"`, "4", `[]`, []string{"赵六"}},
			{`"contentTagIds"`, "5", `[]`, []string{"张三", "李四", "王五"}},
			// stage
			{`"sales_stage"`, "2", `[` + stage("新入库") + `]`, []string{"张三"}},
			{`"sales_stage"`, "0", `["跟进中"]`, []string{"李四"}},
			{`"sales_stage"`, "3", `[` + stage("新入库") + `,"跟进中"]`, []string{"王五", "赵六"}},
			{`"sales_stage"`, "4", `[]`, []string{"王五"}},
			// bool (a 是/否 select: 1/0)
			{f("vip"), "0", `[1]`, []string{"张三"}},
			{f("vip"), "2", `["0"]`, []string{"李四"}},
			{f("vip"), "1", `[1]`, []string{"李四", "王五", "赵六"}},
			{f("vip"), "4", `[]`, []string{"王五", "赵六"}},
			{f("vip"), "5", `[]`, []string{"张三", "李四"}},
			// number
			{f("ratio"), "7", `["5"]`, []string{"李四", "王五"}},
			{f("ratio"), "8", `[10]`, []string{"张三", "赵六"}},
			{f("ratio"), "9", `[10]`, []string{"李四", "王五"}},
			{f("ratio"), "10", `["5"]`, []string{"张三", "赵六"}},
			{f("ratio"), "null", `[5,10]`, []string{"张三", "李四"}},
			{f("ratio"), "null", `[null,"5"]`, []string{"张三", "赵六"}},
			{f("ratio"), "null", `["10",""]`, []string{"李四", "王五"}},
			{f("ratio"), "null", `[null,null]`, all},
			{f("ratio"), "0", `[0,"15.5"]`, []string{"王五", "赵六"}},
			{f("ratio"), "2", `["5"]`, []string{"张三"}},
			{f("ratio"), "1", `[5]`, []string{"李四", "王五", "赵六"}},
			{f("ratio"), "4", `[]`, nil},
			// date
			{f("signDate"), "null", `["2022-01-10","2022-02-20"]`, []string{"张三", "李四"}},
			{f("signDate"), "7", `["2022-02-20"]`, []string{"赵六"}},
			{f("signDate"), "8", `["2022-02-20"]`, []string{"张三"}},
			{f("signDate"), "9", `["2022-02-20"]`, []string{"李四", "赵六"}},
			{f("signDate"), "10", `["2022-02-20 18:00:00"]`, []string{"张三", "李四"}},
			{f("signDate"), "0", `["2022-03-31"]`, []string{"赵六"}},
			{f("signDate"), "1", `["2022-03-31"]`, []string{"张三", "李四", "王五"}},
			{f("signDate"), "4", `[]`, []string{"王五"}},
			// date by day of year ("MM-dd", the seed's 30751)
			{f("anniversary"), "2", `["09-01","09-02"]`, []string{"张三"}},
			{f("anniversary"), "2", `["09-01","09-03","02-29"]`, []string{"张三", "李四", "赵六"}},
			{f("anniversary"), "0", `["1985-09-03"]`, []string{"李四"}},
			{f("anniversary"), "3", `["09-01"]`, []string{"李四", "王五", "赵六"}},
			// date-time: a bare date or a second means all of it
			{f("visitAt"), "null", `["2022-12-19","2022-12-19"]`, []string{"张三", "赵六"}},
			{f("visitAt"), "null", `["2022-12-19 08:00:00","2022-12-19 23:59:59"]`, []string{"张三", "赵六"}},
			{f("visitAt"), "null", `["2022-12-19 08:00:01","2022-12-20"]`, []string{"李四", "赵六"}},
			{f("visitAt"), "7", `["2022-12-19"]`, []string{"李四"}},
			{f("visitAt"), "9", `["2022-12-19 23:59:59"]`, []string{"李四", "赵六"}},
			{f("visitAt"), "8", `["2022-12-19 08:00:00"]`, nil},
			{f("visitAt"), "10", `["2022-12-19 08:00:00"]`, []string{"张三"}},
			{f("visitAt"), "0", `["2022-12-19"]`, []string{"张三", "赵六"}},
			{f("visitAt"), "1", `["2022-12-19"]`, []string{"李四", "王五"}},
			{f("visitAt"), "4", `[]`, []string{"王五"}},
			// system date-time by 探马 name
			{`"createTime"`, "null", `["2024-03-01","2024-03-02"]`, []string{"张三", "李四"}},
			{`10`, "7", `["2024-03-02 23:59:59"]`, []string{"王五"}},
			// department subtree (owner) and staff
			{`"department"`, "0", `[` + id(fx.depts["销售部"]) + `]`, []string{"张三", "李四"}},
			{`"salesId"`, "1", `[` + id(fx.staff["张磊"]) + `]`, []string{"李四", "王五", "赵六"}},
		} {
			name := fmt.Sprintf("%s op %s %s", strings.Trim(tc.field, `"`), tc.op, tc.values)
			t.Run(name, func(t *testing.T) {
				body := `{"pageSize":100,"conditions":{"conditionOp":1,"conditionItems":[{"name":` + tc.field + `,"op":` + tc.op + `,"values":` + tc.values + `}]}}`
				got, total := searchNames(t, e, body)
				if !slices.Equal(got, tc.want) || total != int64(len(tc.want)) {
					t.Errorf("got %v (total %d), want %v", got, total, tc.want)
				}
			})
		}
	})
}

func TestSearchParameters(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		fx := behaviourFixture(t, e)
		staff := func(n string) string { return id(fx.staff[n]) }
		dept := func(n string) string { return id(fx.depts[n]) }
		grade := `{"name":` + id(fx.f["grade"].ID) + `,"op":0,"values":[` + id(fx.opt["grade/A"]) + `]}`
		vip := `{"name":"tagIds","op":6,"values":[` + id(fx.tags["VIP"]) + `]}`
		open := `{"name":` + id(fx.f["ratio"].ID) + `,"op":null,"values":[null,null]}`
		all := []string{"张三", "李四", "王五", "赵六"}
		for _, tc := range []struct {
			name, body string
			want       []string
		}{
			{"no parameters", `{}`, all},
			{"customerId number", `{"customerId":` + id(fx.cust["李四"]) + `}`, []string{"李四"}},
			{"customerId string", `{"customerId":"` + id(fx.cust["李四"]) + `"}`, []string{"李四"}},
			{"customerId unknown", `{"customerId":1}`, nil},
			{"searchKey name or remark", `{"searchKey":"张"}`, []string{"张三", "王五"}},
			{"searchKey phone suffix", `{"searchKey":"0002"}`, []string{"李四"}},
			{"searchKey full phone", `{"searchKey":"13800000001"}`, []string{"张三"}},
			{"searchKey formatted phone", `{"searchKey":"+86 138 0000 0001"}`, []string{"张三"}},
			{"searchKey company", `{"searchKey":"甲公司"}`, []string{"张三"}},
			{"searchKey remark", `{"searchKey":"老朋友"}`, []string{"张三"}},
			{"searchKey pinyin", `{"searchKey":"zs"}`, []string{"张三"}},
			{"searchKey blank", `{"searchKey":"  "}`, all},
			{"owner by default", `{"salesIdList":[` + staff("张磊") + `]}`, []string{"张三"}},
			{"role 1 owner", `{"role":"1","salesIdList":["` + staff("张磊") + `"]}`, []string{"张三"}},
			{"role 2 collaborator", `{"role":"2","salesIdList":[` + staff("张磊") + `]}`, []string{"李四"}},
			{"role 2 number", `{"role":2,"salesIdList":[` + staff("李娜") + `,` + staff("王强") + `]}`, []string{"张三", "赵六"}},
			{"role alone", `{"role":"2"}`, all},
			{"department subtree", `{"departmentIdList":[` + dept("销售部") + `]}`, []string{"张三", "李四"}},
			{"department leaf", `{"departmentIdList":["` + dept("华东组") + `"]}`, []string{"张三"}},
			{"department root", `{"departmentIdList":[` + dept("总部") + `]}`, []string{"张三", "李四", "王五"}},
			{"collaborators' departments", `{"role":"2","departmentIdList":[` + dept("销售部") + `]}`, []string{"李四", "赵六"}},
			{"collaborators' departments 2", `{"role":2,"departmentIdList":[` + dept("市场部") + `]}`, []string{"张三"}},
			{"staff or department", `{"salesIdList":[` + staff("王强") + `],"departmentIdList":[` + dept("华东组") + `]}`, []string{"张三", "王五"}},
			{"createTime seconds, end second inclusive", `{"createTime":{"start":"2024-03-01 00:00:00","end":"2024-03-02 23:59:59"}}`, []string{"张三", "李四"}},
			{"createTime dates, whole end day", `{"createTime":{"start":"2024-03-01","end":"2024-03-02"}}`, []string{"张三", "李四"}},
			{"createTime start only", `{"createTime":{"start":"2024-03-02 23:59:59","end":null}}`, []string{"李四", "王五"}},
			{"createTime end only", `{"createTime":{"end":"2024-02-29"}}`, []string{"赵六"}},
			{"createTime empty bounds", `{"createTime":{"start":"","end":null}}`, all},
			{"qw times null", `{"qwCustomerTime":{"start":null,"end":null},"qwLastFollowTypes":{"start":null,"end":null}}`, all},
			{"qw time set: kehu has no WeCom data", `{"qwCustomerTime":{"start":"2022-12-01 00:00:00","end":null}}`, nil},
			{"creditCode", `{"creditCode":"91350100M000100Y43"}`, []string{"张三"}},
			{"creditCode other", `{"creditCode":"X"}`, nil},
			{"conditionOp 1 AND", `{"conditions":{"conditionOp":1,"conditionItems":[` + grade + `,` + vip + `]}}`, []string{"张三"}},
			{"conditionOp 0 AND", `{"conditions":{"conditionOp":0,"conditionItems":[` + grade + `,` + vip + `]}}`, []string{"张三"}},
			{"conditionOp absent AND", `{"conditions":{"conditionItems":[` + grade + `,` + vip + `]}}`, []string{"张三"}},
			{"conditionOp 2 OR", `{"conditions":{"conditionOp":2,"conditionItems":[` + grade + `,` + vip + `]}}`, []string{"张三", "王五"}},
			{"conditionOp 2 OR string", `{"conditions":{"conditionOp":"2","conditionItems":[` + grade + `,` + vip + `]}}`, []string{"张三", "王五"}},
			{"OR with an open range is everything", `{"conditions":{"conditionOp":2,"conditionItems":[` + grade + `,` + open + `]}}`, all},
			{"AND with an open range", `{"conditions":{"conditionOp":1,"conditionItems":[` + grade + `,` + open + `]}}`, []string{"张三"}},
			{"no items", `{"conditions":{"conditionOp":1,"conditionItems":[]}}`, all},
			{"parameters AND conditions", `{"searchKey":"张","conditions":{"conditionOp":2,"conditionItems":[` + grade + `,` + vip + `]}}`, []string{"张三", "王五"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total := searchNames(t, e, tc.body)
				if !slices.Equal(got, tc.want) || total != int64(len(tc.want)) {
					t.Errorf("got %v (total %d), want %v", got, total, tc.want)
				}
			})
		}
		t.Run("role rendered", func(t *testing.T) {
			var page struct {
				Data []map[string]any `json:"data"`
			}
			call(t, e, "/api/v3/customer/search", `{"role":"2","salesIdList":[`+staff("张磊")+`]}`).ok(t, &page)
			if len(page.Data) != 1 || page.Data[0]["role"] != "2" {
				t.Errorf("role: %v", page.Data)
			}
		})
	})
}

func TestPaging(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		fx := newFixture(t, e)
		start := time.Date(2024, 1, 1, 9, 0, 0, 0, fixedNow.Location())
		for i := 1; i <= 23; i++ {
			fx.create(t, start.Add(time.Duration(i)*time.Hour), &crm.CustomerInput{Name: crm.Ptr(fmt.Sprintf("客户%02d", i))})
		}
		type page struct {
			TotalCount int64            `json:"totalCount"`
			TotalPage  int64            `json:"totalPage"`
			PageNo     int              `json:"pageNo"`
			PageSize   int              `json:"pageSize"`
			Limit      any              `json:"limit"`
			Data       []map[string]any `json:"data"`
		}
		get := func(body string) page {
			var p page
			call(t, e, "/api/v3/customer/search", body).ok(t, &p)
			return p
		}
		p := get(`{}`)
		if p.TotalCount != 23 || p.TotalPage != 3 || p.PageNo != 1 || p.PageSize != 10 || len(p.Data) != 10 {
			t.Errorf("defaults: total %d pages %d no %d size %d len %d", p.TotalCount, p.TotalPage, p.PageNo, p.PageSize, len(p.Data))
		}
		if p.Data[0]["name"] != "客户23" || p.Data[9]["name"] != "客户14" {
			t.Errorf("newest first: %v … %v", p.Data[0]["name"], p.Data[9]["name"])
		}
		p = get(`{"pageNo":3,"pageSize":10}`)
		if len(p.Data) != 3 || p.Data[2]["name"] != "客户01" || p.TotalPage != 3 {
			t.Errorf("page 3: %d rows, pages %d", len(p.Data), p.TotalPage)
		}
		p = get(`{"pageNo":"4","pageSize":"10"}`)
		if len(p.Data) != 0 || p.TotalCount != 23 || p.PageNo != 4 {
			t.Errorf("past the end: %d rows, total %d", len(p.Data), p.TotalCount)
		}
		p = get(`{"pageNo":2,"pageSize":7}`)
		if len(p.Data) != 7 || p.TotalPage != 4 || p.Data[0]["name"] != "客户16" {
			t.Errorf("size 7 page 2: %d rows, pages %d, first %v", len(p.Data), p.TotalPage, p.Data[0]["name"])
		}
		p = get(`{"pageSize":1000}`)
		if len(p.Data) != 23 || p.TotalPage != 1 {
			t.Errorf("size 1000: %d rows", len(p.Data))
		}
		p = get(`{"searchKey":"不存在"}`)
		if p.TotalCount != 0 || p.TotalPage != 0 || p.Data == nil {
			t.Errorf("empty: %+v", p)
		}
	})
}
