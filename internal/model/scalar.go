package model

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Values decoded from JSON with UseNumber arrive as string or json.Number;
// the helpers below read them as text, a number or an integer, the one way
// crm, the query resolver and the dialects all do.

// ScalarText is a string, or a JSON number as written.
func ScalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// ScalarFloat is a finite number given as a JSON number or a string
// (surrounding spaces ignored).
func ScalarFloat(v any) (float64, bool) {
	s, ok := ScalarText(v)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// ScalarInt is an integer given as a JSON number or a string of exactly
// its digits (no spaces: ids in conditions are exact).
func ScalarInt(v any) (int64, bool) {
	s, ok := ScalarText(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
