// Package phone normalises phone numbers to E.164 (+8613812345678) with
// github.com/nyaruka/phonenumbers, so the same number typed as
// "138 1234 5678", "+86-138-1234-5678" or in full-width digits is stored,
// matched and deduplicated as one value.
//
// Only numbers the library considers valid are accepted, with one
// exception: an 11-digit Chinese mobile number starting with 13–19 is
// accepted when it is merely "possible", because carriers open new prefixes
// faster than the metadata is updated.
//
// The library loads its metadata once at start-up and caches every pattern
// it compiles; on top of that, plain Chinese numbers (the bulk of any
// import) skip its regexp-heavy parser: mobiles need no library call at all
// and landlines only the validity check.
package phone

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// ErrInvalid matches (errors.Is) every error Normalize returns.
var ErrInvalid = errors.New("invalid phone number")

// Error is a reason a number was rejected. Its message names what is wrong
// and never includes the input.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

func fail(msg string) error { return &Error{msg: msg} }

var (
	errEmpty     = fail("phone number is empty")
	errNotNumber = fail("not a phone number")
	errTooLong   = fail("phone number is too long")
	errExtension = fail("phone number extensions are not supported")
	errNoRegion  = fail("phone number needs a +country code")
)

// maxInput bounds the work done on one value (the library's own cap is 250).
const maxInput = 100

// Normalize returns raw in E.164 form. A number without a +country code (or
// 00 international prefix) is read as a national number of defaultRegion
// (an ISO 3166 code such as "CN"; case-insensitive; "" requires a country
// code). Full-width digits and punctuation are accepted.
func Normalize(raw, defaultRegion string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errEmpty
	}
	if len(s) > maxInput {
		return "", errTooLong
	}
	region := upperRegion(defaultRegion)
	if e164, ok := fastCN(s, region); ok {
		return e164, nil
	}
	return slow(s, region)
}

// slow is the general path through the library.
func slow(s, region string) (string, error) {
	s = foldWidth(s)
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		switch {
		case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
			if region == "" {
				return "", errNoRegion
			}
			if !strings.HasPrefix(s, "+") && phonenumbers.GetCountryCodeForRegion(region) == 0 {
				return "", fail("unknown region " + region)
			}
			return "", fail("unknown country code")
		case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
			return "", fail("phone number is too short")
		case errors.Is(err, phonenumbers.ErrNumTooLong):
			return "", errTooLong
		}
		return "", errNotNumber
	}
	if num.GetExtension() != "" {
		return "", errExtension
	}
	if phonenumbers.IsValidNumber(num) || newCNMobile(num) {
		return phonenumbers.Format(num, phonenumbers.E164), nil
	}
	if r := phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode())); r != "" && r != phonenumbers.UNKNOWN_REGION {
		return "", fail("not a valid phone number for region " + r)
	}
	return "", fail("not a valid phone number")
}

// newCNMobile is the exception to validity: a possible 11-digit Chinese
// mobile number on a prefix the metadata does not know yet.
func newCNMobile(num *phonenumbers.PhoneNumber) bool {
	return num.GetCountryCode() == 86 &&
		isCNMobile(phonenumbers.GetNationalSignificantNumber(num)) &&
		phonenumbers.IsPossibleNumber(num)
}

// isCNMobile reports whether d is 1[3-9] followed by nine digits.
func isCNMobile(d string) bool {
	if len(d) != 11 || d[0] != '1' || d[1] < '3' || d[1] > '9' {
		return false
	}
	for i := 2; i < 11; i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// fastCN handles the common Chinese shapes without the library's parser:
// digits grouped by spaces, dashes, dots or parentheses (full-width too),
// either national (region CN) or after +86.
//
//   - An 11-digit mobile 1[3-9]… is valid or at least possible for CN, so it
//     is accepted as is. 179xx is left to the library: the CN metadata reads
//     it as a carrier-selection prefix ("179xx00…" even dials abroad).
//   - Anything else (landlines: 0 + area code + subscriber) is checked with
//     IsValidNumber on a number built directly, and returned only if valid;
//     invalid input falls through to the library for its error.
//
// Prefixes the parser would treat specially (00 international, 11/12/179
// carrier codes) are never taken here. TestFastPathAgrees checks the fast
// path returns what the library returns.
func fastCN(s, region string) (string, bool) {
	var buf [20]byte
	d, plus, ok := scanDigits(s, &buf)
	if !ok {
		return "", false
	}
	var nsn []byte
	switch {
	case plus:
		if len(d) < 5 || d[0] != '8' || d[1] != '6' {
			return "", false // (too short for a number after +86: the library says why)
		}
		nsn = d[2:]
		if nsn[0] == '0' || (nsn[0] == '1' && (nsn[1] == '1' || nsn[1] == '2')) {
			return "", false
		}
	case region != "CN" || len(d) < 3:
		return "", false
	case d[0] == '0':
		if d[1] == '0' {
			return "", false
		}
		nsn = d[1:]
	case d[0] == '1':
		nsn = d
	default:
		return "", false
	}
	if len(nsn) < 3 || (nsn[0] == '1' && nsn[1] == '7' && nsn[2] == '9') {
		return "", false
	}
	e164 := "+86" + string(nsn)
	if d[0] != '0' && isCNMobile(e164[3:]) {
		return e164, true
	}
	if len(nsn) < 7 || len(nsn) > 12 || nsn[0] == '0' {
		return "", false
	}
	var n uint64
	for _, c := range nsn {
		n = n*10 + uint64(c-'0')
	}
	cc := int32(86)
	num := phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &n}
	if phonenumbers.IsValidNumber(&num) {
		return e164, true
	}
	return "", false
}

// scanDigits collects the digits of s into buf when s is only digits,
// grouping punctuation and at most one leading '+'. Full-width forms count
// as their ASCII equivalents.
func scanDigits(s string, buf *[20]byte) (digits []byte, plus, ok bool) {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		size := 1
		if c >= utf8.RuneSelf {
			r, sz := utf8.DecodeRuneInString(s[i:])
			size = sz
			switch {
			case r >= '０' && r <= '９':
				c = byte(r-'０') + '0'
			case r == '＋':
				c = '+'
			case r == '\u3000' || r == '－' || r == '（' || r == '）':
				c = ' '
			default:
				return nil, false, false
			}
		}
		i += size
		switch {
		case c >= '0' && c <= '9':
			if n == len(buf) {
				return nil, false, false
			}
			buf[n] = c
			n++
		case c == '+':
			if n != 0 || plus {
				return nil, false, false
			}
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '\t':
		default:
			return nil, false, false
		}
	}
	return buf[:n], plus, true
}

// foldWidth maps full-width ASCII forms (０-９, ＋, （, －…) to ASCII, and
// the ideographic space and tabs to spaces: the fast path reads digit
// groups separated by those, and the library must read the same numbers.
func foldWidth(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || s[i] == '\t' {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - '！' + '!'
		case r == '\u3000' || r == '\t':
			return ' '
		}
		return r
	}, s)
}

func upperRegion(r string) string {
	r = strings.TrimSpace(r)
	for i := 0; i < len(r); i++ {
		if r[i] >= 'a' && r[i] <= 'z' {
			return strings.ToUpper(r)
		}
	}
	return r
}

// Digits returns the ASCII digits of s in order, with full-width digits
// (０-９) folded to ASCII and everything else dropped. It is meant for
// "last digits" searches: Digits("+86 138-1234-5678") = "8613812345678".
func Digits(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteByte(byte(r-'０') + '0')
		}
	}
	return b.String()
}

// CountryCode is the calling code of a region ("CN" → "86"), "" for a region
// the library does not know. Searches use it to read a prefix typed in the
// national form (138…, 0755…) against numbers stored in E.164.
func CountryCode(region string) string {
	if cc := phonenumbers.GetCountryCodeForRegion(upperRegion(region)); cc != 0 {
		return strconv.Itoa(cc)
	}
	return ""
}
