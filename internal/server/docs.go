package server

import (
	"github.com/kehu/kehu/internal/apidocs"
	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/dialect/tanma"
	"github.com/kehu/kehu/internal/dialect/yeastar"
)

// platformDocs are the three platform APIs as /docs shows them: their own
// route tables (the ones httpx.Mount serves) and how to authenticate.
func platformDocs() []apidocs.Platform {
	return []apidocs.Platform{
		{Key: "dashi", Title: "达实AIoT customer API", TitleZH: "达实AIoT 客户接口", Readme: "internal/dialect/dashi/README.md",
			TryIt: "bearer", TokenURL: dashi.TokenPath, Routes: dashi.Routes(),
			Auth:   "Get a visitor token: `GET " + dashi.TokenPath + "?appid=…&sign_method=md5&timestamp=…&sign=…` where `sign = md5(\"appid=…&sign_method=md5&timestamp=…\" + secret)` (or `hmac-sha256`); the timestamp is epoch milliseconds within ±20 minutes, and **each signed URL works once**. Then send `Authorization: Bearer <token>` (7 hours) and `?project=<id>` on the customer calls. Paste the token in the box on the left to try them.",
			AuthZH: "先获取访客令牌:`GET " + dashi.TokenPath + "?appid=…&sign_method=md5&timestamp=…&sign=…`,其中 `sign = md5(\"appid=…&sign_method=md5&timestamp=…\" + 密钥)`(或 `hmac-sha256`);timestamp 为毫秒时间戳,与服务器相差不超过 20 分钟,**每个签名 URL 只能使用一次**。之后客户接口带 `Authorization: Bearer <令牌>`(7 小时有效)和 `?project=<项目ID>`。把令牌粘贴到左侧输入框即可试用。"},
		{Key: "tanma", Title: "探马SCRM customer API", TitleZH: "探马SCRM 客户接口", Readme: "internal/dialect/tanma/README.md",
			TryIt: "tanma", Routes: tanma.Routes(),
			Auth:   "Every request is signed: headers `appId` (the client id), `timestamp` (epoch ms, ±5 minutes) and `sign = lower_hex(sha256(appId + timestamp + body + appKey))` with the exact body bytes. A signature is bound to the first path it is used on, and a write's works once: retry with a new timestamp. The panels below sign in the page (the appKey never leaves it).",
			AuthZH: "每个请求都要签名:请求头 `appId`(客户端 ID)、`timestamp`(毫秒时间戳,±5 分钟)和 `sign = lower_hex(sha256(appId + timestamp + 请求体 + appKey))`,请求体按原样字节计算。签名只对第一次使用的路径有效,写接口的签名只能用一次:重试请换新的 timestamp。下面的面板在页面内签名(appKey 不会发出)。"},
		{Key: "yeastar", Title: "Yeastar YCM customer API", TitleZH: "Yeastar YCM 客户接口", Readme: "internal/dialect/yeastar/README.md",
			TryIt: "bearer", TokenURL: "/dm/open_api/oauth/token", Routes: yeastar.Routes(),
			Auth:   "`POST /dm/open_api/oauth/token` with `grant_type=client_credentials` and the client id and secret (form body, query string, or HTTP Basic) gives a 30-minute access token and a refresh token; send `Authorization: Bearer <access_token>` and a `User-Agent` on every call (browsers send one).",
			AuthZH: "`POST /dm/open_api/oauth/token`,带 `grant_type=client_credentials` 以及客户端 ID 和密钥(表单、查询字符串或 HTTP Basic),得到 30 分钟的访问令牌和刷新令牌;之后每个请求带 `Authorization: Bearer <access_token>` 和 `User-Agent`(浏览器会自动发送)。"},
	}
}
