package crm_test

import (
	"testing"

	"github.com/kehu/kehu/internal/crm"
)

// TestZhTransportMessages: the transport's English messages (lenient
// decoder, body reader, classification) come out Chinese for the platform
// faces, values and field names kept as sent.
func TestZhTransportMessages(t *testing.T) {
	for en, zh := range map[string]string{
		`expected an integer, got a string "ten"`:                   `应为整数，收到字符串 "ten"`,
		`expected an array, got an object`:                          `应为数组，收到对象`,
		`expected a string, got a boolean true`:                     `应为字符串，收到布尔值 true`,
		`must be between 1 and 4000, got 4001`:                      `须在 1 到 4000 之间，收到 4001`,
		`the request body must be a JSON object, got an array`:      `请求体应为 JSON 对象，收到数组`,
		`the request body is empty; a JSON object is expected`:      `请求体为空，应为 JSON 对象`,
		`malformed JSON at line 1, column 5: invalid character '}'`: `JSON 格式错误（第 1 行第 5 列）`,
		`malformed JSON`:                                       `JSON 格式错误`,
		`unexpected data after the JSON value`:                 `JSON 值之后有多余的数据`,
		`"+8613812345678" already belongs to customer 42`:      `"+8613812345678" 已属于客户 42`,
		`this client lacks the customers:write scope`:          `此客户端没有 customers:write 权限范围`,
		`this client is bound to project 7`:                    `此客户端绑定在项目 7，不能访问其他项目`,
		`the token has expired; request a new one`:             `令牌已过期，请重新获取`,
		`expected a string or an integer id, got a number 1.5`: `应为字符串或整数 ID，收到数字 1.5`,
	} {
		if got := crm.ZhMessage(en); got != zh {
			t.Errorf("ZhMessage(%q) = %q, want %q", en, got, zh)
		}
	}
}
