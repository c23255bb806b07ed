package crm_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/kehu/kehu/internal/cond"
	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
	"github.com/kehu/kehu/internal/store"
	"github.com/kehu/kehu/internal/storetest"
)

func TestMaskFormats(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"+8613812345678", "+86138****5678"},
		{"+862161234567", "+86216***4567"},
		{"021-12345678 x9", "021-*****678 x9"},
		{"+14155550123", "+141****0123"},
		{"12345", "***45"},
		{"", ""},
	} {
		if got := crm.MaskPhone(c.in); got != c.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := crm.MaskEmail("zhangsan@example.com"); got != "z***@example.com" {
		t.Errorf("MaskEmail: %q", got)
	}
	if got := crm.MaskEmail("张三@例子.cn"); got != "张***@例子.cn" {
		t.Errorf("MaskEmail non-ASCII: %q", got)
	}
	if got := crm.MaskIDNumber("440106199001011234"); got != "4401**********1234" {
		t.Errorf("MaskIDNumber: %q", got)
	}
	if got := crm.MaskIDNumber("AB1234"); got != "A****4" {
		t.Errorf("MaskIDNumber short: %q", got)
	}
}

// TestMaskedCaller: a caller without customer.unmask reads masked values,
// finds a customer by the whole phone and by its last four digits, and is
// refused fragments and sorts that would read the hidden digits back.
func TestMaskedCaller(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	svc := crm.New(st, "CN", crm.China)
	tn, _ := st.CreateTenant(ctx, "mask")
	work := &model.Field{Key: "workPhone", Label: "工作电话", Type: model.TypePhone}
	if err := st.CreateField(ctx, tn.ID, work); err != nil {
		t.Fatal(err)
	}
	ro, _ := st.RoleByKey(ctx, tn.ID, model.RoleReadOnly)
	m := &model.Staff{Name: "钱", RoleID: ro.ID}
	if err := st.CreateStaff(ctx, tn.ID, m); err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateCustomer(ctx, crm.SystemCaller(tn.ID, model.Actor{}), &crm.CustomerInput{Name: crm.Ptr("张三"),
		Phone: crm.Ptr("13812345678"), Email: crm.Ptr("zhangsan@example.com"), IDNumber: crm.Ptr("440106199001011234"),
		Fields: map[string]json.RawMessage{"workPhone": json.RawMessage(`"13900001111"`)}})
	if err != nil {
		t.Fatal(err)
	}
	who, err := svc.StaffCaller(ctx, tn.ID, m.ID, model.ViaNative, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.Customer(ctx, who, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	vals, _ := got.CustomValues()
	if got.Phone != "+86138****5678" || got.Email != "z***@example.com" || got.IDNumber != "4401**********1234" ||
		vals[itoa(work.ID)] != "+86139****1111" {
		t.Fatalf("masked read: %+v %v", got, vals)
	}
	if full, _ := st.Customer(ctx, tn.ID, c.ID); full.Phone != "+8613812345678" {
		t.Fatalf("masking changed the stored customer: %+v", full)
	}
	search := func(f *cond.Node, sort ...query.SortSpec) (*query.Result, error) {
		return svc.Search(ctx, who, &query.Request{Filter: f, Sort: sort, PageSize: 10, Total: query.TotalExact}, nil)
	}
	leaf := func(field string, op cond.Op, v ...any) *cond.Node {
		return &cond.Node{Leaf: &cond.Cond{Field: field, Op: op, Values: v}}
	}
	for _, f := range []*cond.Node{leaf("phone", cond.OpEq, "138 1234 5678"), leaf("phone", cond.OpEndsWith, "5678"),
		leaf("email", cond.OpEq, "zhangsan@example.com"), leaf("idNumber", cond.OpIn, "440106199001011234")} {
		res, err := search(f)
		if err != nil || res.Total != 1 || res.Customers[0].Phone != "+86138****5678" {
			t.Errorf("whole-value search %+v: %v %+v", f.Leaf, err, res)
		}
	}
	var fe *model.FieldError
	for _, f := range []*cond.Node{leaf("phone", cond.OpStartsWith, "1381"), leaf("phone", cond.OpEndsWith, "45678"),
		leaf("email", cond.OpContains, "zhang"), {Not: leaf("idNumber", cond.OpContains, "1990")}, leaf("workPhone", cond.OpContains, "0000")} {
		if _, err := search(f); !errors.As(err, &fe) || fe.Code != "masked_field" {
			t.Errorf("fragment search %+v by a masked caller: %v", f, err)
		}
	}
	if _, err := search(nil, query.SortSpec{Field: "phone"}); !errors.As(err, &fe) || fe.Code != "masked_field" {
		t.Errorf("sort by phone by a masked caller: %v", err)
	}
	// A caller who may unmask sees everything.
	admin := crm.SystemCaller(tn.ID, model.Actor{})
	if full, _ := svc.Customer(ctx, admin, c.ID); full.Phone != "+8613812345678" {
		t.Errorf("unmasked caller: %+v", full)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
