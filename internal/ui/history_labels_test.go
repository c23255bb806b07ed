package ui

import (
	"encoding/json"
	"testing"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// TestHistoryShowsOptionLabels: the customer page's history names a custom
// field by its label and select options by theirs (as History reads them),
// multi-select options joined; values without labels as stored.
func TestHistoryShowsOptionLabels(t *testing.T) {
	level := &model.Field{ID: 900, Key: "level", Label: "等级", Type: model.TypeSelect}
	claimed := &model.Field{ID: model.FieldClaimedAt, Key: "claimedAt", Label: "领取时间", Type: model.TypeDateTime, System: true}
	cat := &store.Catalog{Fields: map[int64]*model.Field{900: level, model.FieldClaimedAt: claimed},
		ByKey: map[string]*model.Field{"level": level, "claimedAt": claimed}}
	n := &names{}
	for _, c := range []struct {
		ch            model.Change
		field, od, nw string
	}{
		{model.Change{Field: "fields.level", Old: json.RawMessage(`1`), New: json.RawMessage(`2`), OldLabel: json.RawMessage(`"VIP"`), NewLabel: json.RawMessage(`"普通"`)}, "等级", "VIP", "普通"},
		{model.Change{Field: "fields.level", Old: json.RawMessage(`[1]`), New: json.RawMessage(`[1,2]`), OldLabel: json.RawMessage(`["茶"]`), NewLabel: json.RawMessage(`["茶","棋"]`)}, "等级", "茶", "茶、棋"},
		{model.Change{Field: "fields.level", Old: json.RawMessage(`null`), New: json.RawMessage(`"x"`)}, "等级", "", "x"},
		// Times as the page shows them (Asia/Shanghai), not as stored.
		{model.Change{Field: "claimedAt", Old: json.RawMessage(`null`), New: json.RawMessage(`"2026-12-04T19:24:55.53Z"`)}, "领取时间", "", "2026-12-05 03:24"},
		{model.Change{Field: "poolEnteredAt", New: json.RawMessage(`"2026-12-04T00:00:00Z"`)}, "进入公海时间", "", "2026-12-04 08:00"},
		{model.Change{Field: "poolEntry", New: json.RawMessage(`"recycle.date"`)}, "进入公海的方式", "", "到期自动回收"},
	} {
		got := changeOf(c.ch, cat, n, consoleMessages.translator("zh-CN"))
		if got.Field != c.field || got.Old != c.od || got.New != c.nw {
			t.Errorf("%+v: %+v", c.ch, got)
		}
	}
}
