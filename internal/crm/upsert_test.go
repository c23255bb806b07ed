package crm_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

// TestBulkAndMatch: Bulk validates like CreateCustomer/UpdateCustomer,
// Patch tells unchanged writes apart, and match keys are normalised the
// way writes are.
func TestBulkAndMatch(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	tn, _ := st.CreateTenant(ctx, "crm")
	member := &model.Field{Key: "memberNo", Label: "会员号", Type: model.TypeText, Unique: true}
	if err := st.CreateField(ctx, tn.ID, member); err != nil {
		t.Fatal(err)
	}
	svc := crm.New(st, "CN", crm.China)
	b, err := svc.NewBulk(ctx, crm.SystemCaller(tn.ID, model.Actor{ID: "t"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Prepare(ctx, &crm.CustomerInput{Phone: crm.Ptr("13800000001")}); !crm.IsNameRequired(err) {
		t.Fatalf("create without a name: %v", err)
	}
	if _, err := b.Normalize(ctx, &crm.CustomerInput{Phone: crm.Ptr("13800000001")}); err != nil {
		t.Fatalf("patch without a name: %v", err)
	}
	if _, err := b.Prepare(ctx, &crm.CustomerInput{Name: crm.Ptr("x"), OwnerID: crm.Ptr(int64(42))}); err == nil {
		t.Fatal("unknown owner accepted")
	}
	if _, err := b.Prepare(ctx, &crm.CustomerInput{Name: crm.Ptr("x"), ProjectID: crm.Ptr(int64(42))}); err == nil {
		t.Fatal("unknown project accepted")
	}
	in := &crm.CustomerInput{Name: crm.Ptr("张三"), Phone: crm.Ptr("138 0000 0001"), Email: crm.Ptr("ZS@Example.com"),
		IDNumber: crm.Ptr("11010519491231002x"), Fields: map[string]json.RawMessage{"memberNo": json.RawMessage(`" M-7 "`)}}
	c, err := b.Prepare(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var fields []*model.Field
	for _, k := range []string{"phone", "email", "idNumber", "memberNo"} {
		f, err := crm.MatchField(b.Catalog, k)
		if err != nil {
			t.Fatal(err)
		}
		fields = append(fields, f)
	}
	keys := crm.KeysOf(c, fields)
	want := []string{"phone +8613800000001", "email zs@example.com", "idNumber 11010519491231002X", "memberNo m-7"}
	if len(keys) != len(want) {
		t.Fatalf("keys %v", keys)
	}
	for i, k := range keys {
		if k.String() != want[i] {
			t.Fatalf("key %d = %q, want %q", i, k, want[i])
		}
	}
	for i, raw := range []any{"+86 138-0000-0001", "zs@EXAMPLE.com", "11010519491231002x", "M-7"} {
		k, err := svc.NormalizeKey(b.Catalog, fields[i], raw)
		if err != nil || k != keys[i] {
			t.Fatalf("NormalizeKey(%v) = %v %v, want %v", raw, k, err, keys[i])
		}
	}
	if _, err := crm.MatchField(b.Catalog, "name"); err == nil {
		t.Fatal("matching on a field that is not unique was accepted")
	}
	c.ID = 1
	if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertCustomer(ctx, c, b.Catalog) }); err != nil {
		t.Fatal(err)
	}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		for i, k := range keys {
			ids, err := b.FindTx(ctx, tx, k, 2)
			if err != nil || len(ids) != 1 || ids[0] != 1 {
				t.Fatalf("FindTx %d %v: %v %v", i, k, ids, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	found, err := b.FindMany(ctx, fields[2], []string{"11010519491231002X", "nope"})
	if err != nil || len(found) != 1 || found["11010519491231002X"][0] != 1 {
		t.Fatalf("FindMany id number: %v %v", found, err)
	}
	old, _ := st.Customer(ctx, tn.ID, 1)
	if _, changed, err := b.Patch(ctx, old, &crm.CustomerInput{Name: crm.Ptr(" 张三 "), Email: crm.Ptr("zs@example.com"),
		Fields: map[string]json.RawMessage{"memberNo": json.RawMessage(`"M-7"`)}}); err != nil || changed {
		t.Fatalf("same values: changed %v %v", changed, err)
	}
	nc, changed, err := b.Patch(ctx, old, &crm.CustomerInput{Remark: crm.Ptr("new")})
	if err != nil || !changed || nc.Remark != "new" || nc.Name != "张三" || old.Remark != "" {
		t.Fatalf("patch: %v %v %+v", changed, err, nc)
	}
	set := &crm.CustomerInput{Name: crm.Ptr("x")}
	crm.SetKey(set, fields[3], "M-8")
	crm.SetKey(set, fields[0], "13800000009")
	if *set.Phone != "13800000009" || string(set.Fields["memberNo"]) != `"M-8"` {
		t.Fatalf("SetKey: %+v", set)
	}
}
