package crm

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/kehu/kehu/internal/model"
)

// TestSystemRefCoversDescriptors: every system field a client writes (a
// column, not id, not read-only) has a CustomerInput member, of the
// attribute's type, whose json name is the field's native wire name.
func TestSystemRefCoversDescriptors(t *testing.T) {
	var in CustomerInput
	base := uintptr(unsafe.Pointer(&in))
	it := reflect.TypeOf(in)
	for i := range model.SystemFieldDescs {
		d := &model.SystemFieldDescs[i]
		ref := in.SystemRef(d.ID)
		writable := d.Column != "" && d.ID != model.FieldID && !d.ReadOnly && !d.ImportOnly
		if !writable {
			if ref != nil {
				t.Errorf("%s is not written by clients but has an input member", d.Key)
			}
			continue
		}
		if ref == nil {
			t.Errorf("%s: no CustomerInput member (add it and a case to SystemRef)", d.Key)
			continue
		}
		// **T in the input, *T' on the customer: T must be the attribute's type.
		want := reflect.TypeOf(d.Ref(&model.Customer{})).Elem()
		if got := reflect.TypeOf(ref).Elem().Elem(); got != want {
			t.Errorf("%s: input member is %v, the customer's attribute %v", d.Key, got, want)
		}
		off := reflect.ValueOf(ref).Pointer() - base
		var tag string
		for j := 0; j < it.NumField(); j++ {
			if it.Field(j).Offset == off {
				tag, _, _ = strings.Cut(it.Field(j).Tag.Get("json"), ",")
			}
		}
		if tag != d.Wire.Native {
			t.Errorf("%s: input json name %q, native wire name %q", d.Key, tag, d.Wire.Native)
		}
	}
}
