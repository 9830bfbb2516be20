package secrets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	box, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("whsec_abc")
	sealed := box.Seal(secret, []byte("we_1"))
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed value contains the secret")
	}
	if again := box.Seal(secret, []byte("we_1")); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one secret are equal: the nonce is not random")
	}
	got, err := box.Open(sealed, []byte("we_1"))
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := box.Open(sealed, []byte("we_2")); !errors.Is(err, ErrOpen) {
		t.Fatalf("opened in another context: %v", err)
	}
	other, _ := NewBox(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(sealed, []byte("we_1")); !errors.Is(err, ErrOpen) {
		t.Fatalf("opened with another key: %v", err)
	}
	if _, err := box.Open(sealed[:5], []byte("we_1")); !errors.Is(err, ErrOpen) {
		t.Fatalf("opened a truncated value: %v", err)
	}
	if _, err := NewBox(key[:16]); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kassa.key")
	first, err := LoadOrCreateKeyFile(path)
	if err != nil || len(first) != KeySize {
		t.Fatalf("%x %v", first, err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", info.Mode(), err)
	}
	second, err := LoadOrCreateKeyFile(path)
	if err != nil || !bytes.Equal(first, second) {
		t.Fatalf("the key changed on reload: %v", err)
	}
	os.WriteFile(path, []byte("nothex"), 0o600)
	if _, err := LoadOrCreateKeyFile(path); err == nil {
		t.Fatal("a damaged key file was accepted")
	}
}

func TestDerive(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	b1, _ := NewBox(key)
	b2, _ := NewBox(key)
	other, _ := NewBox(bytes.Repeat([]byte{8}, KeySize))
	a := b1.Derive("shopware app acct_1")
	if len(a) != 32 {
		t.Fatalf("derived %d bytes; want 32", len(a))
	}
	if !bytes.Equal(a, b2.Derive("shopware app acct_1")) {
		t.Error("the same key and label derive different secrets")
	}
	if bytes.Equal(a, b1.Derive("shopware app acct_2")) {
		t.Error("different labels derive the same secret")
	}
	if bytes.Equal(a, other.Derive("shopware app acct_1")) {
		t.Error("different keys derive the same secret")
	}
}
