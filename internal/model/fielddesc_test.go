package model

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// TestSystemFieldDescs checks the descriptor table against itself and
// against Customer: ids in order, unique keys and columns, and Ref pointing
// at the Customer attribute whose json tag is the native wire name (the
// native API encodes Customer by its tags).
func TestSystemFieldDescs(t *testing.T) {
	keys, cols := map[string]bool{}, map[string]bool{}
	var c Customer
	base := uintptr(unsafe.Pointer(&c))
	ct := reflect.TypeOf(c)
	for i := range SystemFieldDescs {
		d := &SystemFieldDescs[i]
		if d.ID != int64(i+1) || SystemFieldDesc(d.ID) != d {
			t.Errorf("%s: id %d at position %d", d.Key, d.ID, i)
		}
		if keys[d.Key] {
			t.Errorf("duplicate key %s", d.Key)
		}
		keys[d.Key] = true
		if d.Column != "" {
			if cols[d.Column] {
				t.Errorf("duplicate column %s", d.Column)
			}
			cols[d.Column] = true
			if d.Ref == nil {
				t.Errorf("%s has a column but no Ref", d.Key)
			}
		}
		if d.Ref == nil {
			if d.Wire.Native != "" {
				t.Errorf("%s: native wire name %q without a Ref", d.Key, d.Wire.Native)
			}
			continue
		}
		off := reflect.ValueOf(d.Ref(&c)).Pointer() - base
		var tag string
		for j := 0; j < ct.NumField(); j++ {
			if ct.Field(j).Offset == off {
				tag, _, _ = strings.Cut(ct.Field(j).Tag.Get("json"), ",")
			}
		}
		if tag != d.Wire.Native {
			t.Errorf("%s: Ref's json tag is %q, Wire.Native %q", d.Key, tag, d.Wire.Native)
		}
		// Get and Set round-trip a non-zero value.
		var v any = int64(7)
		switch d.Ref(&c).(type) {
		case *string:
			v = "x"
		case *[]int64:
			continue
		}
		var c2 Customer
		d.Set(&c2, v)
		if got := d.Get(&c2); got != v {
			t.Errorf("%s: Set %v, Get %v", d.Key, v, got)
		}
	}
	if len(SystemFields) != len(SystemFieldDescs) || MaxSystemFieldID != len(SystemFieldDescs) {
		t.Errorf("SystemFields %d, descriptors %d, MaxSystemFieldID %d", len(SystemFields), len(SystemFieldDescs), MaxSystemFieldID)
	}
}
