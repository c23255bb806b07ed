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

// TestMaskedWriteBack: a masked caller that writes back what it read (in
// any of the forms the APIs render it) leaves the stored values alone,
// through UpdateCustomer and Bulk.Patch; a real new value still changes
// them, and a masked value that is not the stored one's rendering is
// refused like any other invalid value.
func TestMaskedWriteBack(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	svc := crm.New(st, "CN", crm.China)
	tn, _ := st.CreateTenant(ctx, "maskback")
	work := &model.Field{Key: "workPhone", Label: "工作电话", Type: model.TypePhone}
	if err := st.CreateField(ctx, tn.ID, work); err != nil {
		t.Fatal(err)
	}
	sales, _ := st.RoleByKey(ctx, tn.ID, model.RoleSales)
	m := &model.Staff{Name: "李", RoleID: sales.ID}
	if err := st.CreateStaff(ctx, tn.ID, m); err != nil {
		t.Fatal(err)
	}
	sys := crm.SystemCaller(tn.ID, model.Actor{})
	c, err := svc.CreateCustomer(ctx, sys, &crm.CustomerInput{Name: crm.Ptr("张三"), OwnerID: crm.Ptr(m.ID),
		Phone: crm.Ptr("13812345678"), Phones: &[]string{"13900002222"}, Email: crm.Ptr("zhangsan@example.com"),
		IDNumber: crm.Ptr("440106199001011234"), HomePhone: crm.Ptr("021-61234567"),
		Fields: map[string]json.RawMessage{"workPhone": json.RawMessage(`"13900001111"`)}})
	if err != nil {
		t.Fatal(err)
	}
	who, err := svc.StaffCaller(ctx, tn.ID, m.ID, model.ViaNative, "")
	if err != nil {
		t.Fatal(err)
	}
	stored := func() *model.Customer {
		t.Helper()
		full, err := st.Customer(ctx, tn.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return full
	}
	check := func(what string, full *model.Customer, remark string) {
		t.Helper()
		vals, _ := full.CustomValues()
		if full.Phone != "+8613812345678" || len(full.Phones) != 1 || full.Phones[0] != "+8613900002222" ||
			full.Email != "zhangsan@example.com" || full.IDNumber != "440106199001011234" || full.HomePhone != "021-61234567" ||
			vals[itoa(work.ID)] != "+8613900001111" || full.Remark != remark {
			t.Errorf("%s: stored %+v %v", what, full, vals)
		}
	}
	for i, form := range []struct{ phone, second, work string }{
		{"+86138****5678", "+86139****2222", "+86139****1111"}, // native
		{"138****5678", "139****2222", "139****1111"},          // 达实, Yeastar, 探马: the national number
	} {
		remark := "round trip " + itoa(int64(i))
		in := &crm.CustomerInput{Name: crm.Ptr("张三"), Phone: crm.Ptr(form.phone), Phones: &[]string{form.second},
			Email: crm.Ptr("Z***@example.com"), IDNumber: crm.Ptr("4401**********1234"), HomePhone: crm.Ptr("021-****4567"),
			Remark: crm.Ptr(remark), Fields: map[string]json.RawMessage{"workPhone": json.RawMessage(`"` + form.work + `"`)}}
		if _, err := svc.UpdateCustomer(ctx, who, c.ID, in); err != nil {
			t.Fatalf("round trip %v: %v", form, err)
		}
		check("UpdateCustomer "+form.phone, stored(), remark)
		if len(in.Fields) != 1 || in.Phone == nil {
			t.Errorf("the caller's input was changed: %+v", in)
		}
	}
	// Bulk.Patch (batch upsert, the importer) decides the same way.
	b, err := svc.NewBulk(ctx, who)
	if err != nil {
		t.Fatal(err)
	}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.CustomerForUpdate(ctx, tn.ID, c.ID)
		if err != nil {
			return err
		}
		nc, changed, err := b.Patch(ctx, old, &crm.CustomerInput{Phone: crm.Ptr("138****5678"), Email: crm.Ptr("z***@example.com")})
		if err != nil || changed || nc != old {
			t.Errorf("Bulk.Patch with the masked values: changed %v, %v", changed, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A masked value that is not the stored number's is no value at all.
	if _, err := svc.UpdateCustomer(ctx, who, c.ID, &crm.CustomerInput{Phone: crm.Ptr("137****5678")}); err == nil {
		t.Error("a foreign masked phone was accepted")
	}
	// A real new number changes it.
	if _, err := svc.UpdateCustomer(ctx, who, c.ID, &crm.CustomerInput{Phone: crm.Ptr("13700007777")}); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got.Phone != "+8613700007777" {
		t.Errorf("new phone: %q", got.Phone)
	}
	// A caller who may unmask never reads a masked value: for it a starred
	// value is just invalid.
	if _, err := svc.UpdateCustomer(ctx, sys, c.ID, &crm.CustomerInput{Phone: crm.Ptr("+86137****7777")}); err == nil {
		t.Error("an unmasked caller's starred phone was accepted")
	}
}
