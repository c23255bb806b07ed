package query_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// Targeted checks of rules the property test takes for granted: Eval sees
// the resolved tree, so what Resolve rewrites (relative dates, tag names)
// is checked here against independent definitions.

// TestRelativeDates checks the ranges Resolve computes for today … nextDays
// against calendar definitions in the tenant's time zone, on datetime and
// date fields, for "now" values on week, month, year and leap-day edges.
func TestRelativeDates(t *testing.T) {
	cat := &store.Catalog{Fields: map[int64]*model.Field{}, ByKey: map[string]*model.Field{}}
	for i := range model.SystemFields {
		f := model.SystemFields[i]
		cat.Fields[f.ID] = &f
		cat.ByKey[f.Key] = &f
	}
	date := &model.Field{ID: 5000, Key: "d", Type: model.TypeDate, Sortable: true}
	cat.Fields[date.ID], cat.ByKey[date.Key] = date, date

	// civil day number of t in Shanghai.
	day := func(t time.Time) int {
		y, m, d := t.In(shanghai).Date()
		return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	}
	monday := func(t time.Time) int { return day(t) - (int(t.In(shanghai).Weekday())+6)%7 }
	month := func(t time.Time) int { y, m, _ := t.In(shanghai).Date(); return y*12 + int(m) - 1 }
	year := func(t time.Time) int { return t.In(shanghai).Year() }
	in := func(op cond.Op, n int, t, now time.Time) bool {
		switch op {
		case cond.OpToday:
			return day(t) == day(now)
		case cond.OpYesterday:
			return day(t) == day(now)-1
		case cond.OpThisWeek:
			return monday(t) == monday(now)
		case cond.OpThisMonth:
			return month(t) == month(now)
		case cond.OpLastMonth:
			return month(t) == month(now)-1
		case cond.OpThisYear:
			return year(t) == year(now)
		case cond.OpLastYear:
			return year(t) == year(now)-1
		case cond.OpLastDays:
			return day(now)-(n-1) <= day(t) && day(t) <= day(now)
		case cond.OpNextDays:
			return day(now) <= day(t) && day(t) <= day(now)+n-1
		}
		panic(op)
	}
	nows := []time.Time{
		fixedNow,
		time.Date(2025, 1, 1, 0, 0, 0, 0, shanghai),                 // new year, midnight
		time.Date(2024, 12, 31, 23, 59, 59, 999e6, shanghai),        // last ms of a year
		time.Date(2024, 2, 29, 12, 0, 0, 0, shanghai),               // leap day
		time.Date(2024, 3, 31, 8, 0, 0, 0, shanghai),                // a Sunday, month end
		time.Date(2024, 4, 1, 0, 0, 0, 0, shanghai),                 // a Monday, month start
		time.Date(2025, 1, 5, 23, 30, 0, 0, shanghai),               // Sunday night
		time.Date(2024, 6, 15, 20, 0, 0, 0, time.UTC),               // UTC evening = next day in Shanghai
		time.Date(2023, 3, 1, 0, 0, 0, 0, shanghai).Add(-time.Hour), // Feb 28 of a common year
	}
	for _, now := range nows {
		env := &query.Env{Catalog: cat, Now: now}
		for _, op := range relOps {
			for _, n := range []int{1, 2, 7, 31, 366} {
				if n > 1 && op != cond.OpLastDays && op != cond.OpNextDays {
					continue
				}
				var vals []any
				if op == cond.OpLastDays || op == cond.OpNextDays {
					vals = []any{num(n)}
				}
				for _, field := range []string{"createdAt", "d"} {
					rn, err := query.Resolve(leaf(field, op, vals...), env)
					if err != nil {
						t.Fatalf("%s %s %d: %v", field, op, n, err)
					}
					l := rn.Leaf
					if l.Op != cond.OpBetween || len(l.Values) != 2 {
						t.Fatalf("%s %s: resolved to %s %v", field, op, l.Op, l.Values)
					}
					lo, hi := l.Values[0].(float64), l.Values[1].(float64)
					// Every 3 hours over ±2 years, plus each range edge ±1 ms.
					var samples []time.Time
					for h := -2 * 366 * 24; h <= 2*366*24; h += 3 {
						samples = append(samples, now.Add(time.Duration(h)*time.Hour))
					}
					if field == "createdAt" {
						for _, edge := range []float64{lo, hi} {
							for _, d := range []int64{-1, 0, 1} {
								samples = append(samples, time.UnixMilli(int64(edge)+d))
							}
						}
					}
					for _, s := range samples {
						x := float64(s.UnixMilli())
						if field == "d" {
							x, _ = store.DateNumber(s.In(shanghai).Format("2006-01-02"))
						}
						if got, want := lo <= x && x <= hi, in(op, n, s, now); got != want {
							t.Errorf("now %v: %s %s %d at %v: resolved range [%v, %v] says %v, calendar says %v",
								now, field, op, n, s.In(shanghai), lo, hi, got, want)
							break
						}
					}
				}
			}
		}
	}
}

// TestSharedTagNames: a tag name used in two groups stands for either tag;
// hasAll over names needs every name, not every tag behind a name.
func TestSharedTagNames(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		fx := newTenant(t, st, "tags")
		tag := func(group int64, name string) int64 {
			tg, err := st.CreateTag(fx.ctx, fx.tenant, group, name)
			fx.must(err)
			return tg.ID
		}
		g1, err := st.CreateTagGroup(fx.ctx, fx.tenant, "等级")
		fx.must(err)
		g2, err := st.CreateTagGroup(fx.ctx, fx.tenant, "来源")
		fx.must(err)
		vip1, golf, vip2 := tag(g1.ID, "VIP"), tag(g1.ID, "golf"), tag(g2.ID, "VIP")
		mk := func(name string, tags ...int64) int64 {
			return fx.create(&crm.CustomerInput{Name: crm.Ptr(name), TagIDs: &tags}).ID
		}
		c1 := mk("c1", vip1, golf)
		c2 := mk("c2", vip2, golf)
		c3 := mk("c3", vip1, vip2)
		c4 := mk("c4", golf)
		c5 := mk("c5")
		env := fx.env()
		for _, tc := range []struct {
			cond *cond.Node
			want []int64
		}{
			{leaf("tags", cond.OpHasAll, "VIP", "golf"), []int64{c1, c2}},
			{leaf("tags", cond.OpHasAll, "VIP"), []int64{c1, c2, c3}},
			{leaf("tags", cond.OpHasAll, "VIP", "VIP"), []int64{c1, c2, c3}},
			{leaf("tags", cond.OpHasAll, num(vip1), num(vip2)), []int64{c3}},
			{leaf("tags", cond.OpHasAll, num(vip1), "golf"), []int64{c1}},
			{leaf("tags", cond.OpHasAny, "VIP"), []int64{c1, c2, c3}},
			{leaf("tags", cond.OpEq, "VIP"), []int64{c1, c2, c3}},
			{leaf("tags", cond.OpHasNone, "VIP"), []int64{c4, c5}},
			{not(leaf("tags", cond.OpHasAll, "VIP", "golf")), []int64{c3, c4, c5}},
			{leaf("tags", cond.OpIsEmpty), []int64{c5}},
		} {
			got, total, err := searchAll(fx.ctx, fx.eng, env, fx.tenant, tc.cond)
			fx.must(err)
			if !slices.Equal(sortedIDs(got), sortedIDs(tc.want)) || total != int64(len(tc.want)) {
				t.Errorf("%s: got %v (total %d), want %v", render(tc.cond), got, total, tc.want)
			}
		}
	})
}

// TestPhoneAndIntegerEdges pins the phone fragment and whole-number rules
// on both databases with hand-written expectations.
func TestPhoneAndIntegerEdges(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		fx := newTenant(t, st, "edges")
		fx.field("f_phone", "电话", model.TypePhone)
		mk := func(name, phone string, age int, custom string) int64 {
			in := &crm.CustomerInput{Name: crm.Ptr(name), Phone: crm.Ptr(phone), Age: crm.Ptr(age)}
			if custom != "" {
				in.Fields = map[string]json.RawMessage{"f_phone": rawJSON(custom)}
			}
			return fx.create(in).ID
		}
		a := mk("a", "13812345678", 30, "13900001111")
		b := mk("b", "+1 415 555 2671", 31, "")
		c := mk("c", "", 0, "")
		env := fx.env()
		for _, tc := range []struct {
			cond *cond.Node
			want []int64
		}{
			{leaf("phone", cond.OpStartsWith, "+86 138"), []int64{a}},
			{leaf("phone", cond.OpStartsWith, "86"), []int64{a}},
			{leaf("phone", cond.OpStartsWith, "1"), []int64{a, b}},  // +1…, and the national +86 1…
			{leaf("phone", cond.OpStartsWith, "138"), []int64{a}},   // typed without +86: the national number
			{leaf("phone", cond.OpStartsWith, "8613"), []int64{a}},  // with the country code
			{leaf("phone", cond.OpStartsWith, "+138"), []int64{a}},  // digits count, the + is not a country code
			{leaf("phone", cond.OpContains, "1381234"), []int64{a}}, // a contains of the national digits
			{leaf("phone", cond.OpEndsWith, "56-78"), []int64{a}},
			{not(leaf("phone", cond.OpEndsWith, "5678")), []int64{b, c}},
			{leaf("phone", cond.OpContains, "555"), []int64{b}},
			{leaf("phone", cond.OpEq, "138-1234-5678"), []int64{a}},
			{leaf("f_phone", cond.OpStartsWith, "+86139"), []int64{a}},
			{not(leaf("f_phone", cond.OpEndsWith, "1111")), []int64{b, c}},
			{leaf("age", cond.OpEq, num(30.5)), nil},
			{leaf("age", cond.OpNeq, num(30.5)), []int64{a, b, c}},
			{leaf("age", cond.OpGt, num(30.5)), []int64{b}},
			{leaf("age", cond.OpGte, num(30.5)), []int64{b}},
			{leaf("age", cond.OpLt, num(30.5)), []int64{a}},
			{leaf("age", cond.OpLte, num(30.5)), []int64{a}},
			{leaf("age", cond.OpBetween, num(29.5), num(30.5)), []int64{a}},
			{leaf("age", cond.OpBetween, num(30.2), num(30.8)), nil},
			{leaf("age", cond.OpIn, num(30.5), num(31)), []int64{b}},
			{leaf("age", cond.OpGt, num("1e300")), nil},
			{leaf("age", cond.OpLt, num("1e300")), []int64{a, b}},
			{leaf("age", cond.OpGt, num("-1e300")), []int64{a, b}},
			{leaf("createdAt", cond.OpGt, num("9223372036854775807")), nil},
			{leaf("createdAt", cond.OpLt, num("9223372036854775807")), []int64{a, b, c}},
		} {
			got, total, err := searchAll(fx.ctx, fx.eng, env, fx.tenant, tc.cond)
			if err != nil {
				t.Errorf("%s: %v", render(tc.cond), err)
				continue
			}
			if !slices.Equal(sortedIDs(got), sortedIDs(tc.want)) || total != int64(len(tc.want)) {
				t.Errorf("%s: got %v (total %d), want %v", render(tc.cond), got, total, tc.want)
			}
		}
	})
}

// TestBlankFragments: a fragment of only whitespace (space, tab, U+3000,
// with or without invisible characters) finds the values with whitespace
// inside them on every text field — as the remark always did — and never
// every value; its negation is the exact complement. National phone
// prefixes with the trunk 0 find landlines.
func TestBlankFragments(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		fx := newTenant(t, st, "blank")
		mk := func(name, company, email, remark, phone string) int64 {
			in := &crm.CustomerInput{Name: crm.Ptr(name), Company: crm.Ptr(company), Email: crm.Ptr(email), Remark: crm.Ptr(remark)}
			if phone != "" {
				in.Phone = crm.Ptr(phone)
			}
			return fx.create(in).ID
		}
		a := mk("émile Brown", "深圳 示例", "e@example.com", "两个 词", "0755 8888 1234")
		b := mk("张三", "示例", "", "一词", "")
		c := mk("Li　Lei", "", "l@example.com", "", "")
		env := fx.env()
		for _, tc := range []struct {
			cond *cond.Node
			want []int64
		}{
			{leaf("name", cond.OpContains, " "), []int64{a, c}},
			{leaf("name", cond.OpContains, "\t"), []int64{a, c}},
			{leaf("name", cond.OpContains, "\u3000"), []int64{a, c}},
			{leaf("name", cond.OpContains, " \u200b"), []int64{a, c}},
			{leaf("name", cond.OpNotContains, " "), []int64{b}},
			{leaf("name", cond.OpStartsWith, " "), nil}, // names are trimmed
			{leaf("name", cond.OpEndsWith, " "), nil},
			{leaf("name", cond.OpContains, "e  B"), []int64{a}}, // inner whitespace collapses
			{leaf("name", cond.OpContains, "Brown "), []int64{a}},
			{leaf("company", cond.OpContains, " "), []int64{a}},
			{leaf("company", cond.OpNotContains, " "), []int64{b, c}},
			{leaf("email", cond.OpContains, " "), nil},
			{leaf("email", cond.OpNotContains, " "), []int64{a, b, c}},
			{leaf("remark", cond.OpContains, " "), []int64{a}},
			{leaf("phone", cond.OpStartsWith, "0755"), []int64{a}},
			{leaf("phone", cond.OpStartsWith, "755"), []int64{a}},
			{leaf("phone", cond.OpStartsWith, "86755"), []int64{a}},
		} {
			got, total, err := searchAll(fx.ctx, fx.eng, env, fx.tenant, tc.cond)
			if err != nil {
				t.Errorf("%s: %v", render(tc.cond), err)
				continue
			}
			if !slices.Equal(sortedIDs(got), sortedIDs(tc.want)) || total != int64(len(tc.want)) {
				t.Errorf("%s: got %v (total %d), want %v", render(tc.cond), got, total, tc.want)
			}
		}
	})
}

// TestDeletedTag: deleting a tag takes it off every customer, in the
// record as well as in the index, so a later write of the customer does
// not bring it back and Eval over the record agrees with the engine.
func TestDeletedTag(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		fx := newTenant(t, st, "deleted tag")
		g, err := st.CreateTagGroup(fx.ctx, fx.tenant, "g")
		fx.must(err)
		keep, err := st.CreateTag(fx.ctx, fx.tenant, g.ID, "keep")
		fx.must(err)
		gone, err := st.CreateTag(fx.ctx, fx.tenant, g.ID, "gone")
		fx.must(err)
		a := fx.create(&crm.CustomerInput{Name: crm.Ptr("a"), TagIDs: &[]int64{gone.ID, keep.ID}})
		b := fx.create(&crm.CustomerInput{Name: crm.Ptr("b"), TagIDs: &[]int64{gone.ID}})
		fx.must(st.DeleteTag(fx.ctx, fx.tenant, gone.ID))
		// A write that does not touch the tags.
		_, err = fx.svc.UpdateCustomer(fx.ctx, crm.SystemCaller(fx.tenant, model.Actor{ID: "t"}), a.ID, &crm.CustomerInput{Remark: crm.Ptr("edited")})
		fx.must(err)
		cs, err := st.CustomersByIDs(fx.ctx, fx.tenant, []int64{a.ID, b.ID})
		fx.must(err)
		if !slices.Equal(cs[0].TagIDs, []int64{keep.ID}) || len(cs[1].TagIDs) != 0 {
			t.Errorf("after deleting tag %d: tagIds %v and %v", gone.ID, cs[0].TagIDs, cs[1].TagIDs)
		}
		env := fx.env()
		w := fx.world()
		for _, n := range []*cond.Node{
			leaf("tags", cond.OpHasAny, num(gone.ID)),
			leaf("tags", cond.OpIsEmpty),
			leaf("tags", cond.OpHasAll, num(keep.ID)),
		} {
			checkAgainstEval(t, fx, env, w, cs, n)
		}
	})
}
