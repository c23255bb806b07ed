package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func mustNew(t *testing.T, key []byte) *Keyring {
	t.Helper()
	k, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := mustNew(t, testKey(7))
	for _, plain := range []string{"", "s3cret", strings.Repeat("x", 1000), "密钥"} {
		sealed := k.Seal(plain, []byte("kh1_abc"))
		if sealed[0] != version || len(sealed) != overhead+len(plain) {
			t.Fatalf("sealed layout: version %d, len %d", sealed[0], len(sealed))
		}
		if len(plain) > 3 && bytes.Contains(sealed, []byte(plain)) {
			t.Fatal("plaintext visible in sealed value")
		}
		got, err := k.Open(sealed, []byte("kh1_abc"))
		if err != nil || got != plain {
			t.Fatalf("Open = %q, %v; want %q", got, err, plain)
		}
	}
	a, b := k.Seal("same", nil), k.Seal("same", nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same value are equal: nonce not random")
	}
}

func TestOpenFailures(t *testing.T) {
	k := mustNew(t, testKey(7))
	const plain = "top-secret-value"
	sealed := k.Seal(plain, []byte("client-a"))

	check := func(name string, sealed, aad []byte, k *Keyring) {
		t.Helper()
		got, err := k.Open(sealed, aad)
		if err == nil {
			t.Fatalf("%s: opened to %q", name, got)
		}
		if !errors.Is(err, ErrOpen) {
			t.Fatalf("%s: error %v does not wrap ErrOpen", name, err)
		}
		if strings.Contains(err.Error(), plain) {
			t.Fatalf("%s: error leaks plaintext: %v", name, err)
		}
	}
	check("wrong aad", sealed, []byte("client-b"), k)
	check("nil aad", sealed, nil, k)
	check("other key", sealed, []byte("client-a"), mustNew(t, testKey(8)))
	for i := range sealed {
		if i == 0 {
			continue
		}
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		check(fmt.Sprintf("flipped byte %d", i), bad, []byte("client-a"), k)
	}
	bad := bytes.Clone(sealed)
	bad[0] = 9
	check("unknown version", bad, []byte("client-a"), k)
	check("truncated", sealed[:len(sealed)-1], []byte("client-a"), k)
	check("too short", sealed[:overhead-1], []byte("client-a"), k)
	check("empty", nil, []byte("client-a"), k)
}

func TestDerive(t *testing.T) {
	k := mustNew(t, testKey(7))
	a, b := k.Derive("jwt"), k.Derive("jwt")
	if len(a) != 32 || !bytes.Equal(a, b) {
		t.Fatal("Derive not stable or not 32 bytes")
	}
	if bytes.Equal(a, k.Derive("other")) || bytes.Equal(a, mustNew(t, testKey(8)).Derive("jwt")) {
		t.Fatal("Derive does not depend on purpose and key")
	}
	if bytes.Equal(a, testKey(7)) {
		t.Fatal("Derive returned the master key")
	}
}

func TestNewBadKey(t *testing.T) {
	if _, err := New(make([]byte, 16)); err == nil {
		t.Fatal("16-byte key accepted")
	}
}

func TestKeyringDoesNotPrintKey(t *testing.T) {
	k := mustNew(t, testKey(0xAB))
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
		if strings.Contains(strings.ToLower(s), "ab") || strings.Contains(s, "171") {
			t.Fatalf("key printed: %s", s)
		}
	}
}

func TestLoadCreatesAndReusesKeyFile(t *testing.T) {
	t.Setenv(EnvKey, "")
	dir := filepath.Join(t.TempDir(), "data", "nested")
	k1, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(dir); dst.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode %04o, want 0700", dst.Mode().Perm())
	}
	data, _ := os.ReadFile(filepath.Join(dir, KeyFile))
	if key, err := hex.DecodeString(strings.TrimSpace(string(data))); err != nil || len(key) != KeySize {
		t.Fatalf("key file content is not 64 hex chars: %d bytes", len(data))
	}

	sealed := k1.Seal("hello", []byte("id"))
	k2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k2.Open(sealed, []byte("id")); err != nil || got != "hello" {
		t.Fatalf("second Load uses another key: %q, %v", got, err)
	}
	if !bytes.Equal(k1.Derive("jwt"), k2.Derive("jwt")) {
		t.Fatal("second Load derives other subkeys")
	}

	// A read-only key file is fine.
	if err := os.Chmod(filepath.Join(dir, KeyFile), 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err != nil {
		t.Fatalf("0400 key file refused: %v", err)
	}
}

func TestLoadRefusesOpenKeyFile(t *testing.T) {
	t.Setenv(EnvKey, "")
	dir := t.TempDir()
	path := filepath.Join(dir, KeyFile)
	key := strings.Repeat("ab", KeySize)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := Load(dir)
		if err == nil {
			t.Fatalf("mode %04o accepted", mode)
		}
		if !strings.Contains(err.Error(), "chmod 600") || strings.Contains(err.Error(), key) {
			t.Fatalf("mode %04o: unhelpful or leaking error: %v", mode, err)
		}
	}
}

func TestLoadMalformedKeyFile(t *testing.T) {
	t.Setenv(EnvKey, "")
	dir := t.TempDir()
	const bad = "not-a-key-but-a-secret-looking-thing"
	if err := os.WriteFile(filepath.Join(dir, KeyFile), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil || strings.Contains(err.Error(), bad) {
		t.Fatalf("malformed key file: %v", err)
	}
}

func TestLoadEnvOverrides(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvKey, "")
	fileKeyring, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}

	envKey := testKey(0x42)
	want := mustNew(t, envKey).Derive("jwt")
	for name, v := range map[string]string{
		"hex":       hex.EncodeToString(envKey),
		"HEX":       strings.ToUpper(hex.EncodeToString(envKey)),
		"base64":    base64.StdEncoding.EncodeToString(envKey),
		"rawurl":    base64.RawURLEncoding.EncodeToString(envKey),
		"spaces/nl": "  " + hex.EncodeToString(envKey) + "\n",
	} {
		t.Setenv(EnvKey, v)
		k, err := Load(dir)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(k.Derive("jwt"), want) {
			t.Fatalf("%s: env key not used", name)
		}
		if bytes.Equal(k.Derive("jwt"), fileKeyring.Derive("jwt")) {
			t.Fatalf("%s: file key used despite env", name)
		}
	}

	// The env key needs no data directory at all.
	t.Setenv(EnvKey, hex.EncodeToString(envKey))
	if _, err := Load(""); err != nil {
		t.Fatalf("env key with no data dir: %v", err)
	}
}

func TestLoadBadEnvKey(t *testing.T) {
	dir := t.TempDir()
	for _, v := range []string{
		"short",
		strings.Repeat("zz", KeySize),       // 64 chars, not hex
		hex.EncodeToString(testKey(1))[:62], // 31 bytes of hex
		base64.StdEncoding.EncodeToString(make([]byte, 16)),     // 16 bytes
		base64.StdEncoding.EncodeToString(make([]byte, 33)),     // 33 bytes
		"my very secret passphrase that is not a key at all!!!", //
	} {
		t.Setenv(EnvKey, v)
		_, err := Load(dir)
		if err == nil {
			t.Fatalf("bad env key %q accepted", v)
		}
		if !strings.Contains(err.Error(), EnvKey) || !strings.Contains(err.Error(), "64 hex") {
			t.Fatalf("unclear error: %v", err)
		}
		if strings.Contains(err.Error(), v) {
			t.Fatalf("error leaks the env value: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFile)); err == nil {
		t.Fatal("bad env key fell back to creating a key file")
	}
}
