package tanma_test

import (
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/testenv"
)

func TestSearchValidation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		fx := newFixture(t, e)
		f := func(key string) string { return id(fx.f[key].ID) }
		item := func(name, op, values string) string {
			return `{"conditions":{"conditionItems":[{"name":` + name + `,"op":` + op + `,"values":` + values + `}]}}`
		}
		p := "conditions.conditionItems[0]"
		for _, tc := range []struct {
			name, body string
			code       int
			frags      []string
		}{
			{"not JSON", `{"pageNo":1,}`, 40400, []string{"不是合法的JSON", `"pageNo"`}},
			{"truncated", `{"pageNo":1`, 40400, []string{"不完整"}},
			{"array body", `[1]`, 40400, []string{"JSON对象"}},
			{"trailing data", `{} {}`, 40400, []string{"多余"}},
			{"unknown parameter ignored", `{"pageNo":1,"sortBy":"x"}`, 0, nil},
			{"customerId wrong type", `{"customerId":true}`, 40402, []string{"customerId", "整数"}},
			{"customerId not numeric", `{"customerId":"abc"}`, 40402, []string{"customerId"}},
			{"customerId fractional", `{"customerId":1.5}`, 40402, []string{"customerId"}},
			{"searchKey object", `{"searchKey":{}}`, 40402, []string{"searchKey", "字符串"}},
			{"searchKey number read as text", `{"searchKey":13025141200}`, 0, nil},
			{"searchKey too long", `{"searchKey":"` + strings.Repeat("长", 101) + `"}`, 40403, []string{"searchKey", "100"}},
			{"role wrong type", `{"role":true}`, 40402, []string{"role"}},
			{"role out of range", `{"role":"3"}`, 40403, []string{"role", "负责人"}},
			{"salesIdList not an array", `{"salesIdList":"1"}`, 40402, []string{"salesIdList", "数组"}},
			{"salesIdList element", `{"salesIdList":[1,"ZhangLei"]}`, 40402, []string{"salesIdList[1]"}},
			{"departmentIdList wrong type", `{"departmentIdList":{}}`, 40402, []string{"departmentIdList"}},
			{"createTime not an object", `{"createTime":"2022-12-13"}`, 40402, []string{"createTime", "对象"}},
			{"createTime.start wrong type", `{"createTime":{"start":[20221213]}}`, 40402, []string{"createTime.start", "字符串"}},
			{"createTime.start number read as text", `{"createTime":{"start":20221213}}`, 40402, []string{"createTime.start", "yyyy-MM-dd HH:mm:ss"}},
			{"createTime.end format", `{"createTime":{"end":"2022/12/19 23:59"}}`, 40402, []string{"createTime.end", "yyyy-MM-dd HH:mm:ss"}},
			{"createTime unknown member ignored", `{"createTime":{"from":"2022-12-13"}}`, 0, nil},
			{"createTime reversed", `{"createTime":{"start":"2022-12-19 00:00:00","end":"2022-12-13 00:00:00"}}`, 40403, []string{"createTime"}},
			{"qwCustomerTime format", `{"qwCustomerTime":{"start":"yesterday","end":null}}`, 40402, []string{"qwCustomerTime.start"}},
			{"creditCode wrong type", `{"creditCode":{"a":1}}`, 40402, []string{"creditCode"}},
			{"pageNo wrong type", `{"pageNo":"first"}`, 40402, []string{"pageNo"}},
			{"pageNo zero", `{"pageNo":0}`, 40403, []string{"pageNo"}},
			{"pageSize zero", `{"pageSize":0}`, 40403, []string{"pageSize", "1000"}},
			{"pageSize too large", `{"pageSize":1001}`, 40403, []string{"pageSize", "1000"}},
			{"pageSize wrong type", `{"pageSize":[10]}`, 40402, []string{"pageSize"}},
			{"conditions not an object", `{"conditions":[]}`, 40402, []string{"conditions", "对象"}},
			{"conditionOp out of range", `{"conditions":{"conditionOp":3,"conditionItems":[]}}`, 40403, []string{"conditions.conditionOp"}},
			{"conditionOp wrong type", `{"conditions":{"conditionOp":"and"}}`, 40402, []string{"conditions.conditionOp"}},
			{"conditionItems not an array", `{"conditions":{"conditionItems":{}}}`, 40402, []string{"conditions.conditionItems", "数组"}},
			{"item unknown member ignored", `{"conditions":{"conditionItems":[{"name":"tagIds","op":6,"values":[1],"x":1,"type":null}]}}`, 0, nil},
			{"item name wrong type", item(`true`, `0`, `[1]`), 40402, []string{p + ".name"}},
			{"item name missing", `{"conditions":{"conditionItems":[{"op":0,"values":[1]}]}}`, 40406, []string{p + ".name"}},
			{"unknown field id", item(`987654321`, `0`, `["x"]`), 40401, []string{p + ".name", "987654321"}},
			{"unknown field name", item(`"shoeSize"`, `0`, `["x"]`), 40401, []string{p + ".name", "shoeSize"}},
			{"bad op code", item(f("note"), `11`, `["x"]`), 40405, []string{p + ".op", "11"}},
			{"negative op code", item(f("note"), `-1`, `["x"]`), 40405, []string{p + ".op"}},
			{"op wrong type", item(f("note"), `"eq"`, `["x"]`), 40402, []string{p + ".op"}},
			{"gt on text", item(f("note"), `7`, `["x"]`), 40405, []string{p + ".op", "大于", "单行文本"}},
			{"range on text", item(f("note"), `null`, `["a","b"]`), 40405, []string{p + ".op", "区间"}},
			{"contains on number", item(f("ratio"), `6`, `[1]`), 40405, []string{p + ".op"}},
			{"tags op on select", item(f("grade"), `7`, `[1]`), 40405, []string{p + ".op", "单选"}},
			{"empty on department", item(`"department"`, `4`, `[]`), 40405, []string{p + ".op"}},
			{"values not an array", item(f("note"), `2`, `"x"`), 40402, []string{p + ".values", "数组"}},
			{"values empty", item(f("note"), `2`, `[]`), 40406, []string{p + ".values"}},
			{"value null", item(f("note"), `2`, `[null]`), 40402, []string{p + ".values[0]"}},
			{"value object", item(f("note"), `0`, `[{"a":1}]`), 40402, []string{p + ".values[0]"}},
			{"number value", item(f("ratio"), `7`, `["lots"]`), 40402, []string{p + ".values[0]", "数值"}},
			{"gt takes one value", item(f("ratio"), `7`, `[1,2]`), 40403, []string{p + ".values"}},
			{"range takes two values", item(f("ratio"), `null`, `[1]`), 40403, []string{p + ".values", "2 个值"}},
			{"range reversed", item(f("ratio"), `null`, `[5,1]`), 40403, []string{p + ".values"}},
			{"date format", item(f("signDate"), `null`, `["2022-13-01","2022-12-19"]`), 40402, []string{p + ".values[0]", "yyyy-MM-dd"}},
			{"datetime format", item(f("visitAt"), `9`, `["noon"]`), 40402, []string{p + ".values[0]"}},
			{"MM-dd in a range", item(f("anniversary"), `null`, `["09-01","09-04"]`), 40402, []string{p + ".values[0]"}},
			{"unknown option", item(f("grade"), `2`, `["Z"]`), 40402, []string{p + ".values", "Z"}},
			{"platform tag id matches nothing", item(`"contentTagIds"`, `6`, `["d430ec9166e511edb71d00163e06cc86:2l"]`), 0, nil},
			{"bool value", item(f("vip"), `0`, `["maybe"]`), 40402, []string{p + ".values[0]"}},
			{"phone contains needs digits", item(`"phone"`, `2`, `["abc"]`), 40402, []string{p + ".values[0]"}},
			{"point_credit missing", item(`"point_credit"`, `7`, `["11"]`), 0, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := call(t, e, "/api/v3/customer/search", tc.body)
				if tc.code == 0 {
					r.ok(t, nil)
					return
				}
				r.fails(t, tc.code, tc.frags...)
			})
		}
	})
}

func TestPointCreditRequiresField(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		call(t, e, "/api/v3/add-clue", `{"customerName":"甲"}`).ok(t, nil)
		// A tenant without a point_credit field: 探马's built-in field has no
		// data here, so the condition matches nothing; a write names it.
		names, total := searchNames(t, e, `{"conditions":{"conditionItems":[{"name":"point_credit","op":7,"values":["11"]}]}}`)
		if total != 0 || len(names) != 0 {
			t.Errorf("point_credit without field: %v", names)
		}
		call(t, e, "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"point_credit","fieldValue":1}]}`).fails(t, 40401, "point_credit")
		// creditCode without a creditCode field matches nothing, no error.
		names, total = searchNames(t, e, `{"creditCode":"91350100M000100Y43"}`)
		if total != 0 || len(names) != 0 {
			t.Errorf("creditCode without field: %v", names)
		}
	})
}

func TestWriteValidation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		fx := newFixture(t, e)
		existing := call(t, e, "/api/v3/add-clue", `{"customerName":"已有客户","mobiles":["13812345678"]}`)
		var existingID int64
		existing.ok(t, &existingID)
		for _, tc := range []struct {
			name, path, body string
			code             int
			frags            []string
		}{
			{"add-clue not JSON", "/api/v3/add-clue", `{"customerName":"x"`, 40400, nil},
			{"add-clue no name", "/api/v3/add-clue", `{"mobiles":["13812345678"]}`, 40406, []string{"customerName"}},
			{"add-clue name wrong type", "/api/v3/add-clue", `{"customerName":{"a":1}}`, 40402, []string{"customerName"}},
			{"add-clue bad phone", "/api/v3/add-clue", `{"customerName":"x","mobiles":["13812345678","12"]}`, 40402, []string{"mobiles[1]"}},
			{"add-clue bad first phone", "/api/v3/add-clue", `{"customerName":"x","mobiles":["","abc"]}`, 40402, []string{"mobiles[1]"}},
			{"add-clue unknown alias", "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"shoeSize","fieldValue":1}]}`, 40401, []string{"fields[0].alias", "shoeSize"}},
			{"add-clue bad option", "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"grade","fieldValue":"Z"}]}`, 40402, []string{"fields[0].fieldValue"}},
			{"add-clue bad date", "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"signDate","fieldValue":"yesterday"}]}`, 40402, []string{"fields[0].fieldValue"}},
			{"add-clue too long", "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"note","fieldValue":"` + strings.Repeat("字", 201) + `"}]}`, 40402, []string{"fields[0].fieldValue"}},
			{"add-clue two values for one", "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"note","fieldValue":["a","b"]}]}`, 40403, []string{"fields[0].fieldValue"}},
			{"add-clue duplicate alias", "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"note","fieldValue":"a"},{"alias":"` + id(fx.f["note"].ID) + `","fieldValue":"b"}]}`, 40402, []string{"fields[1].alias", "fields[0]"}},
			{"add-clue name twice", "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"name","fieldValue":"y"}]}`, 40402, []string{"fields[0].alias", "customerName"}},
			{"add-clue read-only field", "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"createdAt","fieldValue":"2022-01-01"}]}`, 40402, []string{"fields[0]", "只读"}},
			{"add-clue unknown stage", "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"sales_stage","fieldValue":999}]}`, 40402, []string{"fields[0].fieldValue"}},
			{"add-clue unknown tag", "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"tagIds","fieldValue":["没有这个标签"]}]}`, 40402, []string{"fields[0].fieldValue[0]"}},
			{"add-clue both value forms", "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"note","fieldValue":"a","values":["a"]}]}`, 40402, []string{"fields[0]"}},
			{"add-clue no value", "/api/v3/add-clue", `{"customerName":"x","fields":[{"alias":"note"}]}`, 40406, []string{"fields[0].fieldValue"}},
			{"update no id", "/api/v3/customer/update-by-id", `{"fields":[{"alias":"note","values":["a"]}]}`, 40406, []string{"customerId"}},
			{"update id wrong type", "/api/v3/customer/update-by-id", `{"customerId":[1],"fields":[{"alias":"note","values":["a"]}]}`, 40402, []string{"customerId"}},
			{"update no fields", "/api/v3/customer/update-by-id", `{"customerId":` + id(existingID) + `}`, 40406, []string{"fields"}},
			{"update empty fields", "/api/v3/customer/update-by-id", `{"customerId":` + id(existingID) + `,"fields":[]}`, 40406, []string{"fields"}},
			{"update missing customer", "/api/v3/customer/update-by-id", `{"customerId":42,"fields":[{"alias":"note","values":["a"]}]}`, 40404, []string{"customerId", "42"}},
			{"update bad value", "/api/v3/customer/update-by-id", `{"customerId":` + id(existingID) + `,"fields":[{"alias":"ratio","values":["many"]}]}`, 40402, []string{"fields[0].values"}},
			{"update clears name", "/api/v3/customer/update-by-id", `{"customerId":` + id(existingID) + `,"fields":[{"alias":"name","values":[]}]}`, 40406, []string{"fields[0].values"}},
			{"update bad phone", "/api/v3/customer/update-by-id", `{"customerId":` + id(existingID) + `,"fields":[{"alias":3,"values":["13800000000","x1"]}]}`, 40402, []string{"fields[0].values[1]"}},
			{"info no alias", "/api/v3/common/customer/info", `{"value":"x"}`, 40406, []string{"alias"}},
			{"info both names", "/api/v3/common/customer/info", `{"alias":"note","fieldId":2,"value":"x"}`, 40402, []string{"alias", "fieldId"}},
			{"info no value", "/api/v3/common/customer/info", `{"alias":"note"}`, 40406, []string{"value"}},
			{"info bad value", "/api/v3/common/customer/info", `{"alias":"ratio","value":"many"}`, 40402, []string{"value", "数值"}},
			{"info unknown field", "/api/v3/common/customer/info", `{"fieldId":123456789,"value":"x"}`, 40401, []string{"fieldId"}},
			{"echo not JSON", "/api/v3/echo", `{"a":}`, 40400, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				call(t, e, tc.path, tc.body).fails(t, tc.code, tc.frags...)
			})
		}
	})
}

func TestDuplicatePhone(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		var first int64
		call(t, e, "/api/v3/add-clue", `{"customerName":"甲","mobiles":["13812345678"]}`).ok(t, &first)
		// Not unique by default: a second customer may share the number.
		call(t, e, "/api/v3/add-clue", `{"customerName":"乙","mobiles":["13912345678"]}`).ok(t, nil)
		if err := e.Store.SetSystemFieldUnique(t.Context(), e.Tenant.ID, 3, true); err != nil {
			t.Fatal(err)
		}
		r := call(t, e, "/api/v3/add-clue", `{"customerName":"丙","mobiles":["+86 138 1234 5678"]}`)
		r.fails(t, 40417, "13812345678")
		var data struct {
			CustomerID int64 `json:"customerId"`
		}
		_ = jsonUnmarshal(r.Data, &data)
		if data.CustomerID != first {
			t.Errorf("40417 data names customer %d, want %d", data.CustomerID, first)
		}
		var second int64
		call(t, e, "/api/v3/add-clue", `{"customerName":"丁"}`).ok(t, &second)
		call(t, e, "/api/v3/customer/update-by-id", `{"customerId":`+id(second)+`,"fields":[{"alias":"mobiles","values":["13812345678"]}]}`).fails(t, 40417)
	})
}

func TestDuplicateUniqueFields(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		ctx := t.Context()
		for _, f := range []*model.Field{
			{Key: "wechatPhone", Label: "微信手机号", Type: model.TypePhone, Unique: true},
			{Key: "memberNo", Label: "会员号", Type: model.TypeText, Unique: true},
		} {
			if err := e.Store.CreateField(ctx, e.Tenant.ID, f); err != nil {
				t.Fatal(err)
			}
		}
		var first int64
		call(t, e, "/api/v3/add-clue", `{"customerName":"甲","fields":[{"alias":"wechatPhone","fieldValue":"13812345678"},{"alias":"memberNo","fieldValue":"M001"}]}`).ok(t, &first)
		r := call(t, e, "/api/v3/add-clue", `{"customerName":"乙","fields":[{"alias":"memberNo","fieldValue":"M002"},{"alias":"wechatPhone","fieldValue":"138 1234 5678"}]}`)
		r.fails(t, 40417, "fields[1].fieldValue", "13812345678")
		r = call(t, e, "/api/v3/add-clue", `{"customerName":"丙","fields":[{"alias":"memberNo","fieldValue":"M001"}]}`)
		r.fails(t, 40418, "fields[0].fieldValue", "M001")
		var data struct {
			CustomerID int64 `json:"customerId"`
		}
		_ = jsonUnmarshal(r.Data, &data)
		if data.CustomerID != first {
			t.Errorf("40418 data names %d, want %d", data.CustomerID, first)
		}
	})
}

func TestKeysWinOverAliases(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *testenv.Env) {
		// The demo tenant has a custom date field keyed "birthday": it, not
		// the bornDate alias, is what "birthday" names.
		if err := e.Store.CreateField(t.Context(), e.Tenant.ID, &model.Field{Key: "birthday", Label: "生日", Type: model.TypeDate}); err != nil {
			t.Fatal(err)
		}
		call(t, e, "/api/v3/add-clue", `{"customerName":"甲","fields":[{"alias":"birthday","fieldValue":"2000-01-01"}]}`).ok(t, nil)
		names, _ := searchNames(t, e, `{"conditions":{"conditionItems":[{"name":"birthday","op":0,"values":["01-01"]}]}}`)
		if len(names) != 1 {
			t.Errorf("custom birthday: %v", names)
		}
		names, _ = searchNames(t, e, `{"conditions":{"conditionItems":[{"name":"bornDate","op":4,"values":[]}]}}`)
		if len(names) != 1 {
			t.Errorf("bornDate stays empty: %v", names)
		}
	})
}
