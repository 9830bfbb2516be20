// Package secrets keeps secrets Kassa must be able to read back (webhook
// signing secrets) encrypted at rest with AES-256-GCM, under a key that
// lives outside the database: a copy of the database alone reveals none of
// them. Secrets Kassa only needs to recognize (API keys) are hashed instead.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the key length in bytes (AES-256).
const KeySize = 32

// Box seals and opens secrets with one key.
type Box struct {
	aead cipher.AEAD
	key  []byte
}

// NewBox makes a Box from a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secrets: the key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, key: append([]byte(nil), key...)}, nil
}

// Seal encrypts plaintext bound to context (e.g. the owning object's id),
// so a sealed value moved to another row does not open there.
func (b *Box) Seal(plaintext, context []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("secrets: crypto/rand failed: " + err.Error())
	}
	return b.aead.Seal(nonce, nonce, plaintext, context)
}

// Derive returns a secret of its own for label (HMAC-SHA256 of the label
// under the key): stable for as long as the key is, so secrets Kassa hands
// out (a Shopware app's secret) need no storage, and different labels
// share nothing.
func (b *Box) Derive(label string) []byte {
	mac := hmac.New(sha256.New, b.key)
	mac.Write([]byte("kassa derive\x00" + label))
	return mac.Sum(nil)
}

// ErrOpen means a sealed value was not made by this key for this context.
var ErrOpen = errors.New("secrets: cannot open: wrong key, wrong context or damaged value")

// Open decrypts what Seal made with the same key and context.
func (b *Box) Open(sealed, context []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n {
		return nil, ErrOpen
	}
	out, err := b.aead.Open(nil, sealed[:n], sealed[n:], context)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// ParseKey reads a key written as 64 hexadecimal characters.
func ParseKey(s string) ([]byte, error) {
	key, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("secrets: a key is %d hexadecimal characters", 2*KeySize)
	}
	return key, nil
}

// LoadOrCreateKeyFile reads the key in path, creating the file (mode 0600,
// a fresh random key) when it does not exist yet.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := ParseKey(string(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateKeyFile(path) // another process created it first
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}
