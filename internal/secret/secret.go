// Package secret seals API client secrets at rest with AES-256-GCM and
// derives purpose-bound subkeys (such as the JWT signing key) from the same
// master key.
//
// The master key comes from the environment variable KEHU_SECRET_KEY (64 hex
// characters, or base64 of 32 bytes) or else from <dataDir>/secret.key,
// which Load creates with 32 random bytes (hex, mode 0600) on first start.
// Losing the key makes every stored client secret unreadable, so back the
// file up with the database.
//
// A sealed value is
//
//	version (1 byte) | nonce (12 random bytes) | ciphertext | GCM tag (16)
//
// The version byte names the key that sealed it, so a future key rotation
// can keep opening old rows. Callers pass the row's identity (the client id)
// as additional data, so a sealed secret copied to another row fails to open.
//
// Errors never include key material or plaintext.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EnvKey is the environment variable that overrides the key file.
const EnvKey = "KEHU_SECRET_KEY"

// KeyFile is the key file's name inside the data directory.
const KeyFile = "secret.key"

// KeySize is the master key length in bytes (AES-256).
const KeySize = 32

// version is the key version byte written in front of new sealed values.
const version byte = 1

const (
	nonceSize = 12
	overhead  = 1 + nonceSize + 16 // version, nonce, GCM tag
)

// ErrOpen is returned (wrapped) when a sealed value cannot be opened: wrong
// key, wrong additional data, truncated or tampered.
var ErrOpen = errors.New("secret: cannot open sealed value")

// Keyring holds the master key. It is safe for concurrent use.
type Keyring struct {
	key  []byte // master key, only for Derive
	aead map[byte]cipher.AEAD
}

// New returns a Keyring for a 32-byte key (tests, or callers with their own
// key source). The key is copied.
func New(key []byte) (*Keyring, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Keyring{key: append([]byte(nil), key...), aead: map[byte]cipher.AEAD{version: aead}}, nil
}

// Load returns the Keyring for this installation: KEHU_SECRET_KEY when set,
// else the key in dataDir/secret.key, creating dataDir (0700) and the file
// (0600) on first start. An existing key file readable or writable by group
// or others is refused until its mode is fixed.
func Load(dataDir string) (*Keyring, error) {
	if v, ok := os.LookupEnv(EnvKey); ok && strings.TrimSpace(v) != "" {
		key, err := ParseKey(v)
		if err != nil {
			return nil, fmt.Errorf("secret: %s: %w", EnvKey, err)
		}
		return New(key)
	}
	if dataDir == "" {
		return nil, fmt.Errorf("secret: no data directory for %s and %s is not set", KeyFile, EnvKey)
	}
	path := filepath.Join(dataDir, KeyFile)
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(dataDir, path)
	}
	if err != nil {
		return nil, err
	}
	return New(key)
}

// ParseKey decodes a key written as 64 hex characters or as base64 (standard
// or URL alphabet, padded or not) of 32 bytes. Surrounding space is ignored.
// The error never repeats the input.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil && len(key) == KeySize {
			return key, nil
		}
	}
	return nil, fmt.Errorf("key must be 64 hex characters or base64 of %d bytes (got %d characters)", KeySize, len(s))
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secret: open key file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("secret: key file %s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secret: key file %s has mode %04o and is accessible by other users; run: chmod 600 %s", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, 256))
	if err != nil {
		return nil, fmt.Errorf("secret: read key file: %w", err)
	}
	key, err := ParseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("secret: key file %s is malformed: want 64 hex characters", path)
	}
	return key, nil
}

// createKeyFile writes a new random key with O_EXCL, so two processes
// starting at once never end up with different keys: the loser reads the
// winner's file.
func createKeyFile(dir, path string) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secret: create data directory: %w", err)
	}
	key := make([]byte, KeySize)
	rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("secret: create key file: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("secret: write key file: %w", err)
	}
	return key, nil
}

// Seal encrypts plain, binding it to aad (callers use the row's id).
func (k *Keyring) Seal(plain string, aad []byte) []byte {
	out := make([]byte, 1+nonceSize, overhead+len(plain))
	out[0] = version
	rand.Read(out[1 : 1+nonceSize])
	return k.aead[version].Seal(out, out[1:1+nonceSize], []byte(plain), aad)
}

// Open decrypts a value made by Seal with the same aad. Any mismatch
// returns an error wrapping ErrOpen.
func (k *Keyring) Open(sealed, aad []byte) (string, error) {
	if len(sealed) < overhead {
		return "", fmt.Errorf("%w: too short", ErrOpen)
	}
	aead, ok := k.aead[sealed[0]]
	if !ok {
		return "", fmt.Errorf("%w: unknown key version %d", ErrOpen, sealed[0])
	}
	plain, err := aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], aad)
	if err != nil {
		return "", fmt.Errorf("%w: wrong key or additional data, or tampered", ErrOpen)
	}
	return string(plain), nil
}

// Derive returns a 32-byte subkey for purpose: HMAC-SHA256(key,
// "kehu:"+purpose). Distinct purposes give independent keys; the same
// purpose always gives the same key for the same master key.
func (k *Keyring) Derive(purpose string) []byte {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("kehu:" + purpose))
	return m.Sum(nil)
}

// String keeps the key out of logs and %v.
func (k *Keyring) String() string { return "secret.Keyring{…}" }

// GoString keeps the key out of %#v.
func (k *Keyring) GoString() string { return k.String() }
