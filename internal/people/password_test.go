package people

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h := HashPassword("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Count(h, "$") != 5 {
		t.Fatalf("hash %q is not an argon2id PHC string", h)
	}
	if h == HashPassword("correct horse battery") {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		if ok, err := CheckPassword(h, tc.pw); err != nil || ok != tc.want {
			t.Errorf("CheckPassword(%q) = %v, %v", tc.pw, ok, err)
		}
	}
	// A hash made with other parameters still verifies (they are in the string).
	other := "$argon2id$v=19$m=8192,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$Jm+9q8Pq5ngDoPq6ZgybyUFXYeW5sAHBMcqg5N8ZkIc"
	if _, err := CheckPassword(other, "x"); err != nil {
		t.Errorf("foreign parameters: %v", err)
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=18$m=8,t=1,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=0,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=8,t=1,p=1$!!$aGFzaA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword accepted %q", bad)
		}
	}
	if validPassword("password", "short") == nil || validPassword("password", "long enough") != nil {
		t.Error("password length rules")
	}
}

func TestSessionToken(t *testing.T) {
	tok := newToken(373443566371370)
	if id, ok := tokenTenant(tok); !ok || id != 373443566371370 {
		t.Fatalf("tokenTenant(%q) = %d %v", tok, id, ok)
	}
	for _, bad := range []string{"", "kss", "kss1_short", "ksx1_ABCDEFGHIJKLMNOPQRSTUVWXYZ", "kss-1_ABCDEFGHIJKLMNOPQRSTUVWXYZ"} {
		if _, ok := tokenTenant(bad); ok {
			t.Errorf("tokenTenant accepted %q", bad)
		}
	}
}

// BenchmarkHashPassword measures one argon2id hash at the parameters of new
// passwords: the CPU cost of every login attempt that reaches the check.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		HashPassword("correct horse battery")
	}
}
