package yeastar

import (
	"testing"
	"time"

	"github.com/kehu/kehu/internal/model"
)

// benchCustomer is a demo-like customer with every Customer_Info field set.
func benchCustomer() *model.Customer {
	t := time.UnixMilli(1700000000000).UTC()
	return &model.Customer{ID: 1 << 40, FirstName: "伟", LastName: "张", Company: "深圳示例科技有限公司",
		Email: "user7@example.com", BusinessPhone: "+862161234567", Phone: "+8613812345678", HomePhone: "+861012345678",
		Fax: "+865921234567", PostalCode: "518000", Street: "科技园南区 8 栋", City: "深圳", State: "广东", Country: "中国",
		Remark: "重要客户", CreatedAt: t, UpdatedAt: t}
}

// BenchmarkPresent encodes one Customer_Info as a list page does.
func BenchmarkPresent(b *testing.B) {
	c := benchCustomer()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendInfo(buf[:0], c)
	}
}
