package people

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/kehu/kehu/internal/model"
)

// argon2id parameters of new hashes: OWASP's recommended minimum (19 MiB,
// two passes, one lane). Stored hashes carry their own parameters, so these
// can be raised without invalidating old passwords.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length limits (in characters).
const (
	MinPassword = 8
	MaxPassword = 256
)

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string of an argon2id hash of password:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func HashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

var errBadHash = errors.New("people: not an argon2id PHC string")

// CheckPassword reports whether password matches the PHC string encoded.
func CheckPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errBadHash
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 100 {
		return false, errBadHash
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 128 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when a login name does not exist, so that
// an unknown name takes as long to refuse as a wrong password.
var dummyHash = sync.OnceValue(func() string { return HashPassword("not a password of anyone") })

// validPassword applies the password rules: 8–256 characters.
func validPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPassword {
		return &model.FieldError{Field: field, Code: "too_short", Msg: fmt.Sprintf("must be at least %d characters", MinPassword)}
	}
	if n > MaxPassword {
		return &model.FieldError{Field: field, Code: "too_long", Msg: fmt.Sprintf("must be at most %d characters", MaxPassword)}
	}
	return nil
}
