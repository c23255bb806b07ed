package store

import (
	"fmt"
	"time"

	"github.com/kehu/kehu/internal/model"
)

// maxSlots bounds the scan slots of one kind (nullable strings, nullable
// integers, times) that system fields may take.
const maxSlots = 12

var slotsUsed struct{ strs, ints, millis int }

func takeSlot(n *int, key string) int {
	if *n == maxSlots {
		panic("store: out of scan slots for system field " + key + ": raise maxSlots")
	}
	*n++
	return *n - 1
}

// sys is the customers column of system field id, built from its
// descriptor: the attribute its Ref points at, written as is or as NULL
// when empty (model.EmptyNull), times as epoch milliseconds, id lists as
// JSON arrays. Columns that scan straight into the Customer need no fin.
func sys(id int64) column {
	d := model.SystemFieldDesc(id)
	if d == nil || d.Column == "" || d.Ref == nil {
		panic(fmt.Sprintf("store: system field %d has no column", id))
	}
	ref := d.Ref
	col := column{name: d.Column}
	switch ref(&model.Customer{}).(type) {
	case *string:
		if d.Empty != model.EmptyNull {
			col.arg = func(c *model.Customer) any { return *ref(c).(*string) }
			col.dest = func(c *model.Customer, _ *scanTmp) any { return ref(c) }
			break
		}
		i := takeSlot(&slotsUsed.strs, d.Key)
		col.arg = func(c *model.Customer) any { return nullStr(*ref(c).(*string)) }
		col.dest = func(_ *model.Customer, t *scanTmp) any { return &t.strs[i] }
		col.fin = func(c *model.Customer, t *scanTmp) { *ref(c).(*string) = t.strs[i].String }
	case *int64:
		if d.Empty != model.EmptyNull {
			col.arg = func(c *model.Customer) any { return *ref(c).(*int64) }
			col.dest = func(c *model.Customer, _ *scanTmp) any { return ref(c) }
			break
		}
		i := takeSlot(&slotsUsed.ints, d.Key)
		col.arg = func(c *model.Customer) any { return nullInt(*ref(c).(*int64)) }
		col.dest = func(_ *model.Customer, t *scanTmp) any { return &t.ints[i] }
		col.fin = func(c *model.Customer, t *scanTmp) { *ref(c).(*int64) = t.ints[i].Int64 }
	case *int:
		if d.Empty == model.EmptyNull {
			panic("store: nullable int system field " + d.Key + ": use an int64 attribute")
		}
		col.arg = func(c *model.Customer) any { return *ref(c).(*int) }
		col.dest = func(c *model.Customer, _ *scanTmp) any { return ref(c) }
	case *time.Time:
		i := takeSlot(&slotsUsed.millis, d.Key)
		col.arg = func(c *model.Customer) any { return model.Millis(*ref(c).(*time.Time)) }
		col.dest = func(_ *model.Customer, t *scanTmp) any { return &t.millis[i] }
		col.fin = func(c *model.Customer, t *scanTmp) { *ref(c).(*time.Time) = model.FromMillis(t.millis[i]) }
	case *[]int64:
		i := takeSlot(&slotsUsed.strs, d.Key)
		col.arg = func(c *model.Customer) any { return jsonList(*ref(c).(*[]int64)) }
		col.dest = func(_ *model.Customer, t *scanTmp) any { return &t.strs[i] }
		col.fin = func(c *model.Customer, t *scanTmp) { *ref(c).(*[]int64) = fromJSONList[int64](t.strs[i]) }
	default:
		panic("store: system field " + d.Key + " has an attribute type the store cannot hold")
	}
	return col
}
