package phone

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	ok := []struct{ in, region, want string }{
		{"138 1234 5678", "CN", "+8613812345678"},
		{"+86 13812345678", "CN", "+8613812345678"},
		{"13812345678", "CN", "+8613812345678"},
		{"+86-138-1234-5678", "CN", "+8613812345678"},
		{"(0755) 8888 6666", "CN", "+8675588886666"},
		{"0755-88886666", "CN", "+8675588886666"},
		{"(010) 1234 5678", "CN", "+861012345678"},
		{"１３８１２３４５６７８", "CN", "+8613812345678"},
		{"１３８　１２３４　５６７８", "CN", "+8613812345678"},
		{"＋８６－１３８－１２３４－５６７８", "CN", "+8613812345678"},
		{"（０７５５）８８８８６６６６", "CN", "+8675588886666"},
		{"  13812345678\t", "cn", "+8613812345678"},
		{"0086 138 1234 5678", "CN", "+8613812345678"},
		{"8613812345678", "CN", "+8613812345678"},
		{"+8613812345678", "", "+8613812345678"},
		{"+86 138 1234 5678", "US", "+8613812345678"},
		{"400 123 4567", "CN", "+864001234567"},
		{"19212345678", "CN", "+8619212345678"},
		// Prefixes the metadata does not know are accepted as possible CN mobiles.
		{"14012345678", "CN", "+8614012345678"},
		{"17912345678", "CN", "+8617912345678"},
		{"+86 140 1234 5678", "", "+8614012345678"},
		{"+1 650 253 0000", "CN", "+16502530000"},
		{"(650) 253-0000", "US", "+16502530000"},
		{"+44 20 7946 0958", "CN", "+442079460958"},
	}
	for _, c := range ok {
		got, err := Normalize(c.in, c.region)
		if err != nil || got != c.want {
			t.Errorf("Normalize(%q, %q) = %q, %v; want %q", c.in, c.region, got, err, c.want)
		}
	}

	bad := []struct{ in, region, msg string }{
		{"", "CN", "phone number is empty"},
		{"   ", "CN", "phone number is empty"},
		{"abc", "CN", "not a phone number"},
		{"123", "CN", "not a valid phone number for region CN"},
		{"+1 555", "CN", "not a valid phone number for region US"},
		{"1381234567", "CN", "not a valid phone number for region CN"},   // 10 digits
		{"138123456789", "CN", "not a valid phone number for region CN"}, // 12 digits
		{"12012345678", "CN", "not a valid phone number for region CN"},  // 1[0-2] is not mobile
		{"10086", "CN", "not a valid phone number for region CN"},        // short code
		{"13812345678", "", "phone number needs a +country code"},        // no region
		{"13812345678", "XX", "unknown region XX"},                       //
		{"+999 12345678", "CN", "unknown country code"},                  //
		{"13812345678 ext 12", "CN", "phone number extensions are not supported"},
		{strings.Repeat("1", 200), "CN", "phone number is too long"},
		{"1", "CN", "not a phone number"},
		{"17903001343", "CN", "not a valid phone number for region US"}, // 179xx00 dials abroad
	}
	for _, c := range bad {
		got, err := Normalize(c.in, c.region)
		if err == nil {
			t.Errorf("Normalize(%q, %q) = %q, want error %q", c.in, c.region, got, c.msg)
			continue
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Normalize(%q): error %v does not match ErrInvalid", c.in, err)
		}
		if err.Error() != c.msg {
			t.Errorf("Normalize(%q, %q) error = %q, want %q", c.in, c.region, err, c.msg)
		}
	}
}

// TestFastPathAgrees checks the fast path returns exactly what the library
// path returns for every input it takes.
func TestFastPathAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := []func(d string) string{
		func(d string) string { return d },
		func(d string) string { return d[:3] + " " + d[3:7] + " " + d[7:] },
		func(d string) string { return d[:3] + "-" + d[3:7] + "-" + d[7:] },
		func(d string) string { return "(" + d[:4] + ") " + d[4:] },
		func(d string) string { return d[:3] + "." + d[3:7] + "." + d[7:] },
		func(d string) string { return "+86" + d },
		func(d string) string { return "+86 " + d[:3] + " " + d[3:7] + " " + d[7:] },
		func(d string) string { return "+86 " + strings.TrimPrefix(d, "0") },
		func(d string) string { return "+86 (0)" + strings.TrimPrefix(d, "0") },
		func(d string) string { return toFull(d) },
		func(d string) string { return "＋８６" + toFull(strings.TrimPrefix(d, "0")) },
	}
	var inputs []string
	for p := 100; p < 200; p++ { // mobiles and look-alikes
		for range 20 {
			inputs = append(inputs, fmt.Sprintf("%d%08d", p, r.IntN(1e8)))
		}
	}
	for range 500 { // landlines: 0 + 2-3 digit area code + 7-8 digits, and junk lengths
		area := r.IntN(1000)
		inputs = append(inputs,
			fmt.Sprintf("0%d%08d", area, r.IntN(1e8)),
			fmt.Sprintf("0%d%07d", area, r.IntN(1e7)),
			fmt.Sprintf("0%02d%08d", area%100, r.IntN(1e8)),
			fmt.Sprintf("%d%07d", area, r.IntN(1e7)),
			fmt.Sprintf("0%d", r.Int64N(1e12)),
			fmt.Sprintf("%d", r.Int64N(1e13)),
		)
	}
	taken := 0
	for _, d := range inputs {
		if len(d) < 8 {
			continue
		}
		for _, shape := range shapes {
			in := shape(d)
			for _, region := range []string{"CN", "", "US"} {
				fast, ok := fastCN(in, region)
				if !ok {
					continue
				}
				taken++
				if want, err := slow(in, region); err != nil || fast != want {
					t.Fatalf("%q/%q: fast path %q, library %q, %v", in, region, fast, want, err)
				}
			}
		}
	}
	if taken < len(inputs) {
		t.Fatalf("fast path taken only %d times", taken)
	}
}

func toFull(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r - '0' + '０')
	}
	return b.String()
}

func TestDigits(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"13812345678":         "13812345678",
		"+86 138-1234-5678":   "8613812345678",
		"１３８ 1234 ５６７８":       "13812345678",
		"abc":                 "",
		"(0755) 8888 6666":    "075588886666",
		"٣٤٥ Arabic-Indic 12": "12",
	} {
		if got := Digits(in); got != want {
			t.Errorf("Digits(%q) = %q, want %q", in, got, want)
		}
	}
}

var sink string

func BenchmarkNormalize(b *testing.B) {
	for _, c := range []struct{ name, in string }{
		{"mobile", "13812345678"},
		{"mobileFormatted", "+86 138-1234-5678"},
		{"mobileFullWidth", "１３８１２３４５６７８"},
		{"landline", "(0755) 8888 6666"},
		{"foreign", "+1 650 253 0000"},
		{"invalid", "12345"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink, _ = Normalize(c.in, "CN")
			}
		})
	}
}

func BenchmarkDigits(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = Digits("+86 138-1234-5678")
	}
}

// FuzzNormalize: no input makes Normalize panic, an accepted number is
// E.164 and normalises to itself, and whenever the fast path answers it
// answers what the library does (the property TestFastPathAgrees samples).
// It found "+86 1", which the fast path indexed past its end.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"138 1234 5678", "+86 1", "+861", "+86", "0755-88886666", "(010) 1234 5678",
		"＋８６１３８１２３４５６７８", "0086 138 1234 5678", "17951 13812345678", "+1 415 555 0100", "12345", "+", ""} {
		f.Add(s, "CN")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, in, region string) {
		got, err := Normalize(in, region)
		if err == nil {
			if !strings.HasPrefix(got, "+") {
				t.Fatalf("%q/%q: %q is not E.164", in, region, got)
			}
			if again, err := Normalize(got, ""); err != nil || again != got {
				t.Fatalf("%q/%q: %q normalises to %q, %v", in, region, got, again, err)
			}
		}
		if len(in) > maxInput {
			return
		}
		if fast, ok := fastCN(strings.TrimSpace(in), upperRegion(region)); ok {
			if want, err := slow(strings.TrimSpace(in), upperRegion(region)); err != nil || fast != want {
				t.Fatalf("%q/%q: fast path %q, library %q, %v", in, region, fast, want, err)
			}
		}
	})
}
