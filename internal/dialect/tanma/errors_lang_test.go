package tanma

import (
	"regexp"
	"testing"

	"github.com/kehu/kehu/internal/httpx"
	"github.com/kehu/kehu/internal/model"
	"github.com/kehu/kehu/internal/query"
)

// TestMessagesAreChinese: crm's and the query engine's English messages
// reach 探马's clients in Chinese, like the rest of its envelope.
func TestMessagesAreChinese(t *testing.T) {
	english := regexp.MustCompile(`[A-Za-z]{3,}`)
	quoted := regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	for _, err := range []error{
		&model.FieldError{Field: "mobiles[0]", Code: "invalid", Msg: `"12345" is not a valid phone number (region CN)`},
		&model.FieldError{Field: "email", Code: "invalid", Msg: `"x@" is not a valid email address`},
		&model.FieldError{Field: "name", Code: "too_long", Msg: "is 300 characters long; the limit is 100"},
		&query.Error{Pos: "conditions[0]", Field: "phone", Msg: "value 1: want digits to search phone numbers by"},
		// the transport's: the lenient decoder, the body reader, permissions
		&httpx.FieldError{Kind: httpx.KindInvalid, Field: "pageSize", Want: "an integer", Got: `a string "ten"`, Msg: `expected an integer, got a string "ten"`},
		&httpx.FieldError{Kind: httpx.KindRange, Field: "pageSize", Msg: "must be between 1 and 100, got 101"},
		&httpx.FieldError{Kind: httpx.KindMalformed, Msg: "malformed JSON at line 1, column 9: invalid character '}' looking for beginning of value"},
		&httpx.FieldError{Kind: httpx.KindMalformed, Msg: "unexpected data after the JSON value"},
		&model.PermissionError{Scope: model.ScopeWrite},
	} {
		_, msg, _, _ := toEnvelope(err)
		for _, w := range english.FindAllString(quoted.ReplaceAllString(msg, ""), -1) {
			switch w {
			case "mobiles", "email", "name", "conditions", "phone", "pageSize", "JSON", "customers", "write": // the parameter named, as the client wrote it; the scope's name
			default:
				t.Errorf("%v: %q keeps English %q", err, msg, w)
			}
		}
	}
}
