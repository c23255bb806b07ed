package tanma

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/kehu/kehu/internal/httpx"
)

// Decoding: the body is first checked as a whole (a syntax error names its
// line, column and the key before it), then each object is decoded into a
// struct of json.RawMessage members with unknown members refused, and each
// member is parsed by the helpers below, which name the parameter at fault.

// decodeBody decodes a request body (an empty body is {}; a BOM is
// skipped) into v.
func decodeBody(ctx context.Context, body []byte, v any) error {
	body = httpx.StripBOM(body)
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := checkSyntax(body); err != nil {
		return err
	}
	return decodeObject(ctx, body, "", v)
}

// checkSyntax reports the first JSON syntax error of data.
func checkSyntax(data []byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var x any
	err := d.Decode(&x)
	if err == nil {
		if _, terr := d.Token(); terr != io.EOF {
			return &Error{Code: CodeBadJSON, Msg: validationPrefix + "请求体不是合法的JSON:JSON 值之后还有多余内容"}
		}
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(se.Offset)
		if off > 0 {
			off-- // Offset counts the offending byte
		}
		line, col := position(data, off)
		where := fmt.Sprintf("第%d行第%d列", line, col)
		if key := lastKey(data[:off]); key != "" {
			where += "(" + strconv.Quote(key) + " 之后)"
		}
		hint := ""
		if strings.Contains(se.Error(), "after object key:value pair") || strings.Contains(se.Error(), "after array element") {
			hint = ",可能缺少逗号"
		}
		return &Error{Code: CodeBadJSON, Msg: validationPrefix + "请求体不是合法的JSON:" + where + hint + ":" + se.Error()}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &Error{Code: CodeBadJSON, Msg: validationPrefix + "请求体不是合法的JSON:内容不完整"}
	}
	return &Error{Code: CodeBadJSON, Msg: validationPrefix + "请求体不是合法的JSON:" + err.Error()}
}

func position(data []byte, off int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < off && i < len(data); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else if data[i]&0xC0 != 0x80 { // count characters, not UTF-8 continuation bytes
			col++
		}
	}
	return line, col
}

var keyRe = regexp.MustCompile(`"((?:[^"\\]|\\.){1,80})"\s*:`)

// lastKey is the last object key written before a syntax error.
func lastKey(data []byte) string {
	m := keyRe.FindAllSubmatch(data, -1)
	if len(m) == 0 {
		return ""
	}
	return string(m[len(m)-1][1])
}

// decodeObject decodes one JSON object into v (a struct of RawMessages)
// as Jackson would (httpx.DecodeLenientValue): unknown members are ignored
// and noted, null members left unset. path names the object in messages
// ("" for the body, "conditions", "conditionItems[2]").
func decodeObject(ctx context.Context, raw []byte, path string, v any) error {
	if path == "" && !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return &Error{Code: CodeBadJSON, Msg: validationPrefix + "请求体应为JSON对象,收到 " + jsonKind(raw)}
	}
	var unknown []string
	err := httpx.DecodeLenientValue(raw, path, v, &unknown)
	httpx.NoteUnknown(ctx, unknown)
	return lenientError(err)
}

// lenientError gives the shared decoder's errors 探马's codes and words.
func lenientError(err error) error {
	var fe *httpx.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	code := CodeBadValue
	switch fe.Kind {
	case httpx.KindMalformed:
		return &Error{Code: CodeBadJSON, Msg: validationPrefix + "请求体不是合法的JSON"}
	case httpx.KindRange:
		code = CodeOutOfRange
	}
	want := map[string]string{"an integer": "整数", "a string": "字符串", "an array": "数组", "an object": "对象",
		"a number": "数字", "true or false": "布尔值"}[fe.Want]
	if want == "" {
		return invalid(code, fe.Field, "无法解析:%s", fe.Msg)
	}
	return invalid(code, fe.Field, "应为%s,收到 %s", want, jsonKindZH(fe.Got))
}

// jsonKindZH translates httpx.JSONKind's words.
func jsonKindZH(got string) string {
	for en, zh := range map[string]string{"an object": "对象", "an array": "数组", "a string ": "字符串 ", "a boolean ": "布尔值 ", "a number ": "数字 "} {
		if rest, ok := strings.CutPrefix(got, en); ok {
			return zh + rest
		}
	}
	return got
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// isNull says a member is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// jsonKind names the JSON type of raw for messages.
func jsonKind(raw []byte) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "空值"
	}
	switch t[0] {
	case '{':
		return "对象"
	case '[':
		return "数组"
	case '"':
		return "字符串 " + clip(string(t), 40)
	case 't', 'f':
		return "布尔值 " + string(t)
	case 'n':
		return "null"
	}
	return "数字 " + clip(string(t), 40)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// decodeAny decodes a JSON value with numbers kept as json.Number.
func decodeAny(raw json.RawMessage) any {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	_ = d.Decode(&v) // raw is valid: checkSyntax passed on the whole body
	return v
}

// parseInt reads an integer given as a JSON number (10.0 and 1e1 too) or
// a numeric string, as Jackson does. ok is false for null, absent or "".
func parseInt(raw json.RawMessage, path string) (n int64, ok bool, err error) {
	n, ok, err = httpx.Int(raw, path, math.MinInt64, math.MaxInt64)
	return n, ok, lenientError(err)
}

// intValue is parseInt for a decoded value.
func intValue(v any, path string) (int64, bool, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return 0, false, nil
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
		if s == "" {
			return 0, false, nil
		}
	default:
		return 0, false, invalid(CodeBadValue, path, "应为整数,收到 %s", kindOf(v))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), true, nil // 2.0, 1e3
		}
		return 0, false, invalid(CodeBadValue, path, "应为整数,收到 %s", clip(strconv.Quote(s), 40))
	}
	return n, true, nil
}

// parseString reads a JSON string, or a number or boolean as its text (as
// Jackson does); ok is false for null or absent.
func parseString(raw json.RawMessage, path string) (string, bool, error) {
	s, ok, err := httpx.String(raw, path)
	return s, ok, lenientError(err)
}

// parseArray reads a JSON array of values (numbers as json.Number); null
// or absent is an empty list.
func parseArray(raw json.RawMessage, path string) ([]any, error) {
	if isNull(raw) {
		return nil, nil
	}
	list, ok := decodeAny(raw).([]any)
	if !ok {
		return nil, invalid(CodeBadValue, path, "应为数组,收到 %s", jsonKind(raw))
	}
	return list, nil
}

// parseIDList reads an array of ids (numbers or numeric strings).
func parseIDList(raw json.RawMessage, path string) ([]int64, error) {
	list, err := parseArray(raw, path)
	if err != nil {
		return nil, err
	}
	if len(list) > maxListLen {
		return nil, invalid(CodeOutOfRange, path, "最多 %d 个元素,收到 %d 个", maxListLen, len(list))
	}
	var ids []int64
	for i, v := range list {
		n, ok, err := intValue(v, index(path, i))
		if err != nil {
			return nil, err
		}
		if ok {
			ids = append(ids, n)
		}
	}
	return ids, nil
}

// kindOf names the JSON type of a decoded value for messages.
func kindOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "字符串 " + clip(strconv.Quote(x), 40)
	case json.Number:
		return "数字 " + x.String()
	case bool:
		return "布尔值 " + strconv.FormatBool(x)
	case []any:
		return "数组"
	case map[string]any:
		return "对象"
	}
	return fmt.Sprintf("%T", v)
}
