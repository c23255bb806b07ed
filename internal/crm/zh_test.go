package crm

import "testing"

// TestZhMessage pins the translation of crm's and the query engine's
// messages for Chinese readers (the import report, 探马's envelope).
func TestZhMessage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`phone: "12345" is not a valid phone number (region CN)`, `手机号："12345" 不是有效的电话号码（没有国家码时按地区 CN）`},
		{`邮箱: "a@" is not a valid email address`, `邮箱："a@" 不是有效的邮箱地址`},
		{`name: is required`, `姓名：必填`},
		{`is 300 characters long; the limit is 100`, `长 300 个字符，最多 100 个`},
		{`value 1: want digits to search phone numbers by`, `第 1 个值：按电话号码搜索需要数字`},
		{`operator not supported for bool fields (allowed: eq, neq)`, `bool 类型的字段不支持此操作符（可用：eq, neq）`},
		{`phone "+8613800000001" already belongs to customer 42`, `手机号 "+8613800000001" 已属于客户 42`},
		{`备注: "a: b" is not an option of this field`, `备注："a: b" 不是该字段的选项`},
		{`something new`, `something new`}, // no rule: kept, not lost
	} {
		if got := ZhMessage(tc.in); got != tc.want {
			t.Errorf("ZhMessage(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
