package query_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
)

// Hostile strings as field labels, option labels, tag, group and stage
// names and values: they go through create and search on both databases
// and find exactly the customer that holds them, and never reach SQL text.
var hostile = []string{
	`'; DROP TABLE customers; --`,
	`" OR "1"="1`,
	`x') OR ('1'='1`,
	`Robert'); DELETE FROM customer_grams;--`,
	`50%_off\ 'quoted'`,
	`$1 ? $2 ?? :name @p1`,
	`𠀀𠀁 rare'--`,
	`emoji 😀"; --`,
	`/* comment */ UNION SELECT 1`,
	`back\\slash\'`,
}

func TestSQLInjection(t *testing.T) {
	forEachDB(t, func(t *testing.T, st *store.Store) {
		fx := newTenant(t, st, `tenant'; --`)
		ctx := fx.ctx
		fx.field("f_text", hostile[0], model.TypeText)
		fx.field("f_select", hostile[1], model.TypeSelect, hostile...)
		fx.field("f_area", hostile[2], model.TypeArea)
		fx.field("f_multi", hostile[3], model.TypeMultiSelect, hostile...)
		group, err := st.CreateTagGroup(ctx, fx.tenant, hostile[4])
		fx.must(err)
		var tags, stages []int64
		for _, h := range hostile {
			tag, err := st.CreateTag(ctx, fx.tenant, group.ID, h)
			fx.must(err)
			tags = append(tags, tag.ID)
			stage, err := st.CreateStage(ctx, fx.tenant, h)
			fx.must(err)
			stages = append(stages, stage.ID)
		}
		var ids []int64
		for i, h := range hostile {
			c := fx.create(&crm.CustomerInput{
				Name: crm.Ptr(h), Address: crm.Ptr(h), Remark: crm.Ptr("remark " + h), Company: crm.Ptr(h + " Ltd"),
				StageID: crm.Ptr(stages[i]), TagIDs: &[]int64{tags[i]},
				Fields: map[string]json.RawMessage{
					"f_text":   rawJSON(h),
					"f_select": rawJSON(h),
					"f_area":   rawJSON(map[string]string{"code": fmt.Sprint(110100 + i), "label": h}),
					"f_multi":  rawJSON([]string{h}),
				},
			})
			ids = append(ids, c.ID)
		}
		decoy := fx.create(&crm.CustomerInput{Name: crm.Ptr("plain"), Address: crm.Ptr("plain")})
		env := fx.env()
		world := fx.world()
		all, err := st.CustomersByIDs(ctx, fx.tenant, append(slices.Clone(ids), decoy.ID))
		fx.must(err)

		for i, h := range hostile {
			exact := []*cond.Node{
				leaf("name", cond.OpEq, h),
				leaf("name", cond.OpContains, h),
				leaf("name", cond.OpIn, h, "nobody"),
				leaf("address", cond.OpEq, h),
				leaf("address", cond.OpContains, h),
				leaf("remark", cond.OpEndsWith, h),
				leaf("company", cond.OpStartsWith, h),
				leaf("f_text", cond.OpEq, h),
				leaf("f_text", cond.OpContains, h),
				leaf(fmt.Sprint(fx.fields["f_text"].ID), cond.OpIn, h),
				leaf("f_select", cond.OpEq, h),
				leaf("f_multi", cond.OpHasAll, h),
				leaf("f_area", cond.OpEq, h),
				leaf("f_area", cond.OpContains, h),
				leaf("tags", cond.OpEq, h),
				leaf("stage", cond.OpEq, h),
				and(leaf("name", cond.OpEq, h), not(leaf("address", cond.OpNeq, h))),
			}
			for _, n := range exact {
				got, total, err := searchAll(ctx, fx.eng, env, fx.tenant, n)
				if err != nil {
					t.Errorf("%s: %v", render(n), err)
					continue
				}
				if len(got) != 1 || got[0] != ids[i] || total != 1 {
					t.Errorf("%s: got %v (total %d), want only %d", render(n), got, total, ids[i])
				}
				// The value travels as an argument only.
				p, err := fx.eng.Build(&query.Request{TenantID: fx.tenant, Filter: n, PageSize: 10}, env)
				fx.must(err)
				for _, sqlText := range []string{p.SQL, p.CountSQL} {
					if strings.Contains(sqlText, h) {
						t.Errorf("%s: the value appears in the SQL text: %s", render(n), sqlText)
					}
				}
			}
			// Negations and fragments agree with Eval.
			for _, n := range []*cond.Node{
				leaf("name", cond.OpNotContains, h),
				leaf("address", cond.OpNeq, h),
				leaf("f_text", cond.OpNotIn, h),
				leaf("name", cond.OpContains, string([]rune(h)[:len([]rune(h))/2])),
				leaf("tags", cond.OpHasNone, h),
			} {
				checkAgainstEval(t, fx, env, world, all, n)
			}
		}

		// NUL, other control characters and invalid UTF-8 in search values
		// can never match a stored value (writes reject them); they must be
		// refused as a client error or match nothing, never break a query.
		for _, v := range []string{"a\x00b", "\x00", "'\x00--", "x\x01y", "\xff\xfe", "ok\xc3"} {
			for _, n := range []*cond.Node{
				leaf("address", cond.OpEq, v),
				leaf("address", cond.OpContains, v),
				leaf("name", cond.OpEq, v),
				leaf("name", cond.OpContains, v),
				leaf("f_text", cond.OpIn, v),
				leaf("f_area", cond.OpContains, v),
				leaf("email", cond.OpStartsWith, v),
				leaf("pinyin", cond.OpStartsWith, v),
			} {
				got, _, err := searchAll(ctx, fx.eng, env, fx.tenant, n)
				var qe *query.Error
				switch {
				case errors.As(err, &qe):
				case err != nil:
					t.Errorf("%q: %s: not a client error: %v", v, render(n), err)
				case len(got) != 0:
					t.Errorf("%q: %s: matched %v", v, render(n), got)
				}
			}
		}

		// Nothing was dropped or deleted along the way.
		res, err := fx.eng.SearchWith(ctx, &query.Request{TenantID: fx.tenant, PageSize: 100}, env)
		fx.must(err)
		if res.Total != int64(len(hostile)+1) {
			t.Errorf("%d customers left, want %d", res.Total, len(hostile)+1)
		}
		got, _, err := searchAll(ctx, fx.eng, env, fx.tenant, leaf("name", cond.OpContains, "Robert"))
		fx.must(err)
		if len(got) != 1 {
			t.Errorf("name grams damaged: %v", got)
		}
	})
}

// checkAgainstEval runs n through the engine and through Eval over cs.
func checkAgainstEval(t *testing.T, fx *tenantFixture, env *query.Env, w *query.World, cs []*model.Customer, n *cond.Node) {
	t.Helper()
	got, total, err := searchAll(fx.ctx, fx.eng, env, fx.tenant, n)
	if err != nil {
		t.Errorf("%s: %v", render(n), err)
		return
	}
	rn, err := query.Resolve(n, env)
	if err != nil {
		t.Errorf("%s: %v", render(n), err)
		return
	}
	var want []int64
	for _, c := range cs {
		if query.Eval(rn, c, w) {
			want = append(want, c.ID)
		}
	}
	if a, b := idDiff(got, want); len(a)+len(b) > 0 || total != int64(len(want)) {
		t.Errorf("%s: engine %v (total %d), Eval %v", render(n), got, total, want)
	}
}
