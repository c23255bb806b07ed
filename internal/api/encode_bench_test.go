package api

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
)

// BenchmarkEncodeCustomer encodes one customer as GET /v1/customers/{id}
// and the list pages do (custom values already keyed by field key).
func BenchmarkEncodeCustomer(b *testing.B) {
	t := time.UnixMilli(1700000000000).UTC()
	c := &model.Customer{ID: 1 << 40, ProjectID: 1 << 41, Name: "张伟7", Phone: "+8613812345678", Email: "user7@example.com",
		Company: "深圳示例科技有限公司", Address: "广东省深圳市南山区科技园南区 8 栋", Remark: "重要客户", Status: 1, OwnerID: 1 << 42,
		TagIDs: []int64{1 << 43, 1<<43 + 1}, StageID: 1 << 44, Sex: 1, Age: 37, LastFollowAt: t, CreatedAt: t, UpdatedAt: t,
		CreatedBy: "kh1_abcdefghijklmnopqrst", CreatedByName: "demo client", UpdatedBy: "kh1_abcdefghijklmnopqrst", UpdatedByName: "demo client"}
	fields := map[string]any{"level": "A", "budget": json.Number("1200")}
	b.Run("members", func(b *testing.B) { // what the handlers write (writeCustomer, the search pages)
		o := customerOut{Customer: c, Fields: fields}
		buf := make([]byte, 0, 4096)
		b.ReportAllocs()
		for b.Loop() {
			buf = o.append(buf[:0])
		}
	})
	b.Run("encoding-json", func(b *testing.B) { // the tagged struct it replaced
		ref := customerRef{Customer: c, Fields: fields}
		var buf bytes.Buffer
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(ref); err != nil {
				b.Fatal(err)
			}
		}
	})
}
