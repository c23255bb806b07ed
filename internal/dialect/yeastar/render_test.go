package yeastar

import "testing"

func TestRenderMobile(t *testing.T) {
	for in, want := range map[string]string{
		"":               "",
		"+8613912345678": "13912345678",  // mobile
		"+861012345678":  "01012345678",  // Beijing landline: trunk prefix 0
		"+865921234567":  "05921234567",  // Xiamen landline
		"+864001234567":  "4001234567",   // 400 service number: no trunk prefix
		"+14155552671":   "+14155552671", // other countries: E.164
		"+442079460958":  "+442079460958",
	} {
		if got := renderMobile(in); got != want {
			t.Errorf("renderMobile(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSortFieldsComplete(t *testing.T) {
	if len(SortFields()) != len(sortFields) {
		t.Fatalf("SortFields lists %d, the map has %d", len(SortFields()), len(sortFields))
	}
	for _, f := range SortFields() {
		if sortFields[f] == "" {
			t.Errorf("%s has no kehu key", f)
		}
	}
}
