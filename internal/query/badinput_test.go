package query_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// Bad input is a *query.Error (an API answers 400) that names what is
// wrong; it never reaches the database as a failing statement.
func TestBadInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		fx := newTenant(t, st, "bad input")
		fx.field("f_select", "等级", model.TypeSelect, "金牌", "银牌")
		fx.field("f_multi", "兴趣", model.TypeMultiSelect, "red", "blue")
		fx.field("f_date", "日期", model.TypeDate)
		fx.field("f_datetime", "时间", model.TypeDateTime)
		fx.field("f_bool", "是否", model.TypeBool)
		fx.field("f_number", "金额", model.TypeNumber)
		grp, err := st.CreateTagGroup(fx.ctx, fx.tenant, "g")
		fx.must(err)
		_, err = st.CreateTag(fx.ctx, fx.tenant, grp.ID, "VIP")
		fx.must(err)
		for i := range 5 {
			fx.create(&crm.CustomerInput{Name: crm.Ptr("客户" + string(rune('A'+i)))})
		}
		env := fx.env()

		search := func(req *query.Request) error {
			if req.TenantID == 0 {
				req.TenantID = fx.tenant
			}
			if req.PageSize == 0 {
				req.PageSize = 10
			}
			_, err := fx.eng.SearchWith(fx.ctx, req, env)
			return err
		}
		// want: the substrings the message must contain (field, op, reason).
		bad := []struct {
			cond *cond.Node
			want []string
		}{
			{leaf("nosuch", cond.OpEq, "x"), []string{`"nosuch"`, "unknown field"}},
			{leaf("999999999", cond.OpEq, "x"), []string{`"999999999"`, "unknown field"}},
			{and(leaf("name", cond.OpEq, "x"), not(leaf("Name", cond.OpEq, "x"))), []string{`"Name"`, "unknown field"}},
			// Operators the field's type does not have.
			{leaf("age", cond.OpContains, num(1)), []string{`"age"`, "op contains", "not supported"}},
			{leaf("tags", cond.OpGt, num(1)), []string{`"tags"`, "op gt"}},
			{leaf("f_bool", cond.OpContains, "t"), []string{`"f_bool"`, "op contains"}},
			{leaf("pinyin", cond.OpNeq, "zs"), []string{`"pinyin"`, "op neq"}},
			{leaf("department", cond.OpIsEmpty), []string{`"department"`, "op isEmpty"}},
			{leaf("createdAt", cond.OpIn, num(1)), []string{`"createdAt"`, "op in"}},
			{leaf("name", cond.OpToday), []string{`"name"`, "op today"}},
			{leaf("f_multi", cond.OpGte, "red"), []string{`"f_multi"`, "op gte"}},
			{leaf("status", cond.OpHasAll, num(1)), []string{`"status"`, "op hasAll"}},
			{leaf("name", "like", "x"), []string{`"name"`, "op like"}},
			// Values of the wrong type or out of range.
			{leaf("age", cond.OpEq, "abc"), []string{`"age"`, "op eq", "want a number"}},
			{leaf("age", cond.OpEq, true), []string{`"age"`, "want a number"}},
			{leaf("f_number", cond.OpGt, "1e400"), []string{`"f_number"`, "want a number"}},
			{leaf("createdAt", cond.OpEq, true), []string{`"createdAt"`, "want a date-time"}},
			{leaf("createdAt", cond.OpGt, "yesterday"), []string{`"createdAt"`, "op gt", "date-time"}},
			{leaf("f_datetime", cond.OpEq, num("1.5")), []string{`"f_datetime"`, "epoch milliseconds"}},
			{leaf("f_date", cond.OpEq, "2025-13-01"), []string{`"f_date"`, "YYYY-MM-DD"}},
			{leaf("f_date", cond.OpEq, num(20250101)), []string{`"f_date"`, "YYYY-MM-DD"}},
			{leaf("f_select", cond.OpEq, "铂金"), []string{`"f_select"`, `no option "铂金"`}},
			{leaf("f_select", cond.OpIn, num(12345)), []string{`"f_select"`, "no option with id 12345"}},
			{leaf("status", cond.OpEq, num(3)), []string{`"status"`, "no option with id 3"}},
			{leaf("tags", cond.OpHasAny, "VIP", "钻石"), []string{`"tags"`, "value 2", `no tag named "钻石"`}},
			{leaf("tags", cond.OpHasAll, "VIP", "钻石"), []string{`"tags"`, "op hasAll", "钻石"}},
			{leaf("stage", cond.OpEq, "成交"), []string{`"stage"`, `no stage named "成交"`}},
			{leaf("owner", cond.OpEq, "张三"), []string{`"owner"`, "want an id"}},
			{leaf("department", cond.OpEq, "销售部"), []string{`"department"`, "want an id"}},
			{leaf("f_bool", cond.OpEq, "maybe"), []string{`"f_bool"`, "want true or false"}},
			{leaf("name", cond.OpEq, true), []string{`"name"`, "want a string"}},
			{leaf("name", cond.OpEq, nil), []string{`"name"`, "null"}},
			{leaf("name", cond.OpContains, strings.Repeat("长", 1001)), []string{`"name"`, "longer than 1000"}},
			{leaf("phone", cond.OpEndsWith, "abc"), []string{`"phone"`, "op endsWith", "digits"}},
			{leaf("address", cond.OpEq, "a\x00b"), []string{`"address"`, "control characters"}},
			{leaf("address", cond.OpContains, "\xff"), []string{`"address"`, "UTF-8"}},
			{leaf("createdAt", cond.OpLastDays, num(0)), []string{`"createdAt"`, "op lastDays", "between 1 and 36600"}},
			{leaf("createdAt", cond.OpNextDays, "soon"), []string{`"createdAt"`, "whole number of days"}},
			{leaf("age", cond.OpBetween, num(60), num(18)), []string{`"age"`, "op between", "lower bound first"}},
			{leaf("createdAt", cond.OpBetween, "2025-01-02", "2025-01-01"), []string{`"createdAt"`, "lower bound first"}},
			// Wrong number of values.
			{leaf("name", cond.OpIsEmpty, "x"), []string{`"name"`, "op isEmpty", "takes no value"}},
			{leaf("name", cond.OpEq), []string{`"name"`, "op eq", "exactly one value"}},
			{leaf("name", cond.OpEq, "a", "b"), []string{`"name"`, "exactly one value"}},
			{leaf("age", cond.OpBetween, num(1)), []string{`"age"`, "op between", "exactly two values"}},
			{leaf("tags", cond.OpHasAny), []string{`"tags"`, "op hasAny", "at least one value"}},
			{leaf("createdAt", cond.OpToday, "x"), []string{`"createdAt"`, "takes no value"}},
			{&cond.Node{}, []string{"empty condition"}},
		}
		for _, tc := range bad {
			err := search(&query.Request{Filter: tc.cond})
			var qe *query.Error
			if !errors.As(err, &qe) {
				t.Errorf("%s: want a *query.Error, got %v", renderPlain(tc.cond), err)
				continue
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q does not mention %q", renderPlain(tc.cond), err, w)
				}
			}
		}

		// Page sizes and page numbers.
		for _, size := range []int{0, -1, query.MaxPageSize + 1} {
			req := &query.Request{TenantID: fx.tenant, PageSize: size}
			_, err := fx.eng.SearchWith(fx.ctx, req, env)
			var qe *query.Error
			if !errors.As(err, &qe) || qe.Field != "pageSize" || !strings.Contains(err.Error(), "between 1 and 4000") {
				t.Errorf("pageSize %d: got %v", size, err)
			}
		}
		if err := search(&query.Request{PageSize: query.MaxPageSize}); err != nil {
			t.Errorf("pageSize %d: %v", query.MaxPageSize, err)
		}
		if err := search(&query.Request{Page: -1}); err == nil || !strings.Contains(err.Error(), "page") {
			t.Errorf("page -1: got %v", err)
		}

		// Sorts.
		for _, tc := range []struct {
			sort []query.SortSpec
			want string
		}{
			{[]query.SortSpec{{Field: "nosuch"}}, "unknown sort field"},
			{[]query.SortSpec{{Field: "name"}, {Field: "tags"}}, "cannot be sorted"},
			{[]query.SortSpec{{Field: "f_multi", Desc: true}}, "cannot be sorted"},
			{[]query.SortSpec{{Field: "department"}}, "cannot be sorted"},
		} {
			err := search(&query.Request{Sort: tc.sort})
			var qe *query.Error
			if !errors.As(err, &qe) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.sort[len(tc.sort)-1].Field) {
				t.Errorf("sort %v: got %v", tc.sort, err)
			}
		}

		// Cursors: garbage, forged, and one made for another sort.
		res, err := fx.eng.SearchWith(fx.ctx, &query.Request{TenantID: fx.tenant, PageSize: 2, Sort: []query.SortSpec{{Field: "name"}}}, env)
		fx.must(err)
		if res.NextCursor == "" {
			t.Fatal("no next cursor")
		}
		raw, err := base64.RawURLEncoding.DecodeString(res.NextCursor)
		fx.must(err)
		b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		forged := strings.Replace(string(raw), `"v":["`, `"v":[1,"`, 1)
		for _, tc := range []struct {
			name   string
			cursor string
			sort   []query.SortSpec
		}{
			{"not base64", "!!!", nil},
			{"padded base64", res.NextCursor + "==", []query.SortSpec{{Field: "name"}}},
			{"not json", b64("hello"), nil},
			{"empty object", b64("{}"), nil},
			{"wrong arity", b64(`{"v":[1,2,3],"s":"x"}`), nil},
			{"wrong fingerprint", b64(`{"v":[1],"s":"0"}`), nil},
			{"wrong value type", b64(strings.Replace(string(raw), `"v":["`, `"v":[["`, 1)), []query.SortSpec{{Field: "name"}}},
			{"extra value", b64(forged), []query.SortSpec{{Field: "name"}}},
			{"other direction", res.NextCursor, []query.SortSpec{{Field: "name", Desc: true}}},
			{"other field", res.NextCursor, []query.SortSpec{{Field: "company"}}},
			{"default sort", res.NextCursor, nil},
			{"extra key", res.NextCursor, []query.SortSpec{{Field: "name"}, {Field: "age"}}},
		} {
			err := search(&query.Request{PageSize: 2, Cursor: tc.cursor, Sort: tc.sort})
			var qe *query.Error
			if !errors.As(err, &qe) || qe.Field != "cursor" {
				t.Errorf("cursor %s: got %v", tc.name, err)
			}
		}
		// The same cursor under its own sort is fine, also with another page size.
		if err := search(&query.Request{PageSize: 3, Cursor: res.NextCursor, Sort: []query.SortSpec{{Field: "name"}}}); err != nil {
			t.Errorf("own cursor: %v", err)
		}
	})
}
