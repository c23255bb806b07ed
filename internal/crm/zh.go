package crm

import (
	"regexp"
	"strings"

	"github.com/kehu/kehu/internal/model"
)

// Message languages (README "Languages"): the native API answers in
// English with the field named (a developer reads it); Chinese readers — the
// import report, whose headers are Chinese (行号, 结果, 原因, 列, 已有客户ID), and
// the clients of a Chinese platform API — get Chinese.
//
// Validation lives once, here, and its messages are English; ZhMessage
// translates them clause by clause for the Chinese faces. The rules below
// cover every message crm and the importer can give; a message without a
// rule (a new one) is kept as it is rather than lost, and the importer's
// TestReasonsAreChinese fails on it.

type zhRule struct {
	re   *regexp.Regexp
	repl string
}

var zhRules = func() []zhRule {
	kind := map[string]string{"project": "项目", "staff member": "员工", "stage": "销售阶段", "tag": "标签"}
	var rules []zhRule
	add := func(re, repl string) { rules = append(rules, zhRule{regexp.MustCompile(re), repl}) }
	add(`("(?:[^"\\]|\\.)*") is not a valid phone number \(region (\w+)\)`, `$1 不是有效的电话号码（没有国家码时按地区 $2）`)
	add(`("(?:[^"\\]|\\.)*") is not a valid phone number`, `$1 不是有效的电话号码`)
	add(`("(?:[^"\\]|\\.)*") is not a valid email address`, `$1 不是有效的邮箱地址`)
	add(`("(?:[^"\\]|\\.)*") is not an option of this field`, `$1 不是该字段的选项`)
	add(`("(?:[^"\\]|\\.)*") is not a customer id`, `$1 不是客户ID`)
	add(`^is required$`, `必填`)
	add(`: is required$`, `：必填`)
	add(`^is empty$`, `为空`)
	add(`: is empty$`, `：为空`)
	add(`is (\d+) characters long; the limit is (\d+)`, `长 $1 个字符，最多 $2 个`)
	add(`must be between (-?\d+) and (-?\d+)`, `须在 $1 到 $2 之间`)
	add(`no such custom field`, `没有这个自定义字段`)
	add(`may contain only digits, spaces and \+ - \( \) # \*`, `只能包含数字、空格和 + - ( ) # *`)
	add(`is not valid UTF-8`, `不是有效的 UTF-8 文本`)
	add(`contains control characters`, `含有控制字符`)
	add(`want a whole number, got ("(?:[^"\\]|\\.)*")`, `应为整数，而不是 $1`)
	add(`want a number`, `应为数字`)
	add(`want true or false`, `应为 是/否`)
	add(`want a date "YYYY-MM-DD", got ("(?:[^"\\]|\\.)*")`, `应为日期（如 2025-01-02、2025/1/2、2025年1月2日），而不是 $1`)
	add(`want a date "YYYY-MM-DD"`, `应为日期（如 2025-01-02）`)
	add(`want a date-time like "2025-01-02 15:04:05" or RFC 3339, got ("(?:[^"\\]|\\.)*")`, `应为日期时间（如 2025-01-02 15:04:05），而不是 $1`)
	add(`want epoch milliseconds or a date-time string`, `应为日期时间（如 2025-01-02 15:04:05）`)
	add(`want a date-time`, `应为日期时间`)
	add(`want an option id or label`, `应为选项ID或选项文字`)
	add(`want an email string`, `应为邮箱地址`)
	add(`want a phone number string`, `应为电话号码`)
	add(`want a string`, `应为文本`)
	add(`want \{"code":…,"label":…\}`, `应为地区（如 北京市/北京市/东城区 [110101]）`)
	add(`area code must be digits`, `地区编码须为数字`)
	add(`an id must be a positive integer`, `ID 须为正整数`)
	for en, zh := range kind {
		add(`several `+en+`s are named ("(?:[^"\\]|\\.)*"): write the id instead`, `有多个`+zh+`名为 $1，请写ID`)
		add(`no `+en+` named ("(?:[^"\\]|\\.)*")`, `没有名为 $1 的`+zh)
	}
	add(`project (\d+) does not exist`, `项目 $1 不存在`)
	add(`staff (\d+) does not exist`, `员工 $1 不存在`)
	add(`stage (\d+) does not exist`, `销售阶段 $1 不存在`)
	add(`tag (\d+) does not exist`, `标签 $1 不存在`)
	add(`this client may only import into project (\d+)`, `此客户端只能导入项目 $1`)
	add(`the rows go into pool ("(?:[^"\\]|\\.)*"), where customers have no owner: leave the owner empty`, `导入公海 $1 的客户没有负责人：请留空负责人`)
	add(`pool ("(?:[^"\\]|\\.)*") holds customers of project (\d+) only`, `公海 $1 只收项目 $2 的客户`)
	add(`is in the future: it is when the customer was last followed up`, `晚于当前时间：应为最后一次跟进的时间`)
	// the query engine (searches through a Chinese platform API)
	add(`^unknown field$`, `未知字段`)
	add(`operator not supported for (\w+) fields \(allowed: ([^)]*)\)`, `$1 类型的字段不支持此操作符（可用：$2）`)
	add(`needs exactly one value`, `需要一个值`)
	add(`needs exactly two values`, `需要两个值`)
	add(`needs at least one value`, `至少需要一个值`)
	add(`takes no value`, `不需要值`)
	add(`^unknown operator$`, `未知操作符`)
	add(`^value (\d+): `, `第 $1 个值：`)
	add(`want digits to search phone numbers by`, `按电话号码搜索需要数字`)
	add(`between needs the lower bound first`, `between 的下限须在前`)
	add(`string longer than (\d+) characters`, `文本超过 $1 个字符`)
	add(`want an id \(integer\)`, `应为 ID（整数）`)
	add(`null is not a value here \(use isEmpty\)`, `这里不能用 null（请用 isEmpty）`)
	add(`^unknown sort field$`, `未知的排序字段`)
	add(`^this field cannot be sorted on$`, `该字段不能排序`)
	// model.ConflictError: "<field> "<value>" already belongs to customer N"
	add(`^(\S+) ("(?:[^"\\]|\\.)*") already belongs to customer (\d+)$`, `$1 $2 已属于客户 $3`)
	add(`^(\S+) ("(?:[^"\\]|\\.)*") is already taken$`, `$1 $2 已被占用`)
	// the transport (httpx: the lenient decoder, the body reader, the
	// classification of errors) as it reaches a Chinese platform's client
	for en, zh := range map[string]string{"an integer": "整数", "a string": "字符串", "an array": "数组", "an object": "对象",
		"a number": "数字", "true or false": "true 或 false", "a string or an integer id": "字符串或整数 ID", "a JSON object": "JSON 对象"} {
		add(`expected `+en+`, got (?:JSON )?`, `应为`+zh+`，收到 `)
	}
	add(`must be between (-?\d+) and (-?\d+), got `, `须在 $1 到 $2 之间，收到 `)
	add(`须在 (-?\d+) 到 (-?\d+) 之间, got `, `须在 $1 到 $2 之间，收到 `)
	add(`the request body must be a JSON object, got `, `请求体应为 JSON 对象，收到 `)
	add(`收到 a string `, `收到字符串 `)
	add(`收到 a number `, `收到数字 `)
	add(`收到 a boolean `, `收到布尔值 `)
	add(`收到 an object$`, `收到对象`)
	add(`收到 an array$`, `收到数组`)
	add(`收到 nothing$`, `收到空值`)
	add(`^the request body is empty; a JSON object is expected$`, `请求体为空，应为 JSON 对象`)
	add(`^unexpected data after the JSON value$`, `JSON 值之后有多余的数据`)
	// the Go parser's own detail is English and says no more than the position
	add(`^malformed JSON at line (\d+), column (\d+): .*$`, `JSON 格式错误（第 $1 行第 $2 列）`)
	add(`^malformed JSON: the body ends too early$`, `JSON 格式错误：请求体不完整`)
	add(`^malformed JSON: .*$`, `JSON 格式错误`)
	add(`^malformed JSON$`, `JSON 格式错误`)
	add(`^could not read the request body$`, `无法读取请求体`)
	add(`^the request body is larger than the limit$`, `请求体超过大小限制`)
	add(`^unknown field$`, `未知字段`)
	add(`^("(?:[^"\\]|\\.)*") is already in use$`, `$1 已被使用`)
	add(`^("(?:[^"\\]|\\.)*") already belongs to customer (\d+)$`, `$1 已属于客户 $2`)
	add(`^no such customer$`, `客户不存在`)
	add(`^the write conflicts with existing data$`, `写入与已有数据冲突`)
	add(`^the token has expired; request a new one$`, `令牌已过期，请重新获取`)
	add(`^the token was revoked \(client secret rotated or client revoked\); request a new one$`, `令牌已失效（客户端密钥已更换或客户端已吊销），请重新获取`)
	add(`^the token is not valid$`, `令牌无效`)
	add(`^unknown or revoked client, or wrong secret$`, `客户端不存在或已吊销，或密钥错误`)
	add(`^the request was canceled$`, `请求已取消`)
	add(`^internal error$`, `服务器内部错误`)
	add(`^this client lacks the (\S+) scope$`, `此客户端没有 $1 权限范围`)
	add(`^your role lacks the (\S+) permission$`, `你的角色没有 $1 权限`)
	add(`^this client is bound to project (\d+)$`, `此客户端绑定在项目 $1，不能访问其他项目`)
	add(`^the cursor is not valid for this search$`, `游标对此查询无效`)
	return rules
}()

// ZhMessage is an English validation message in Chinese (see above). A
// system field key that opens it (phone: …) becomes its Chinese label.
func ZhMessage(reason string) string {
	for _, r := range zhRules {
		reason = r.re.ReplaceAllString(reason, r.repl)
	}
	if i := strings.IndexAny(reason, " :："); i > 0 {
		if label := systemLabel(reason[:i]); label != "" {
			reason = label + reason[i:]
		}
	}
	// "列: 原因" → "列：原因", before any quoted value (which stays as typed)
	if i := strings.Index(reason, ": "); i >= 0 && !strings.Contains(reason[:i], `"`) {
		reason = reason[:i] + "：" + reason[i+2:]
	}
	return reason
}

// ZhKey names a match key for a Chinese reader: 手机号 +8613800000001.
func ZhKey(by, value string) string {
	if l := systemLabel(by); l != "" {
		by = l
	}
	return by + " " + value
}

// systemLabel is a system field's Chinese label by key, "" for others.
func systemLabel(key string) string {
	for i := range model.SystemFields {
		if model.SystemFields[i].Key == key {
			return model.SystemFields[i].Label
		}
	}
	return ""
}
