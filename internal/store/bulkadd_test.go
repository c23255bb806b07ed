package store_test

import (
	"encoding/json"
	"testing"

	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
)

// TestBulkAddChanges: a bulk add's fields are the customer now taken back
// through the old values of its later changes; after a delete, the
// delete's list of what the customer had; unknown when a later edit lacks
// its changes.
func TestBulkAddChanges(t *testing.T) {
	raw := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	null := json.RawMessage("null")
	now := &model.Customer{Name: "新名", Phone: "+8613900000001", Remark: "后来加的", Status: 1}
	edits := []model.Event{
		{Kind: model.EventEdit, Changes: []model.Change{{Field: "name", Old: raw("导入名"), New: raw("新名")}}},
		{Kind: model.EventEdit, Changes: []model.Change{{Field: "remark", Old: null, New: raw("后来加的")}}},
	}
	got := map[string]string{}
	chs, ok := store.BulkAddChanges(now, edits, nil)
	for _, c := range chs {
		got[c.Field] = string(c.Old) + " → " + string(c.New)
	}
	if !ok || len(got) != 2 || got["name"] != `null → "导入名"` || got["phone"] != `null → "+8613900000001"` {
		t.Fatalf("reconstructed %v (%v)", got, ok)
	}
	// Deleted: the delete event lists the fields as they were.
	del := model.Event{Kind: model.EventDelete, Changes: []model.Change{
		{Field: "name", Old: raw("新名"), New: null}, {Field: "phone", Old: raw("+8613900000001"), New: null}, {Field: "remark", Old: raw("后来加的"), New: null}}}
	chs, ok = store.BulkAddChanges(nil, append(edits, del), nil)
	if !ok || len(chs) != 2 || chs[0].Field != "name" || string(chs[0].New) != `"导入名"` {
		t.Fatalf("after delete %+v (%v)", chs, ok)
	}
	if _, ok := store.BulkAddChanges(now, []model.Event{{Kind: model.EventEdit}}, nil); ok {
		t.Fatal("an edit without changes: the add's values cannot be known")
	}
}
