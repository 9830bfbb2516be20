package paygate

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/crypto/blowfish"
)

// The vectors published with the Computop clients' tests (see
// docs/paygate.md): zero-padded Blowfish ECB.
var blowfishVectors = []struct{ key, plain, data string }{
	{"password", "plaintext", "14EC7A6DA0FBB3E50A84B47302443328"},
	{"16CharKeyLength!", "Unencrypted plain text!", "4105AAFDC6445BF2EB8242371136F488A4812B38A821E753"},
}

func mustCipher(t testing.TB, alg Algorithm, key string) *Cipher {
	t.Helper()
	c, err := NewCipher(alg, []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// blowfishECB encrypts already padded text block by block, straight on the
// x/crypto primitive, to build Data the way each kind of client does.
func blowfishECB(t *testing.T, key string, padded []byte) []byte {
	t.Helper()
	b, err := blowfish.NewCipher([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(padded)
	for i := 0; i < len(out); i += 8 {
		b.Encrypt(out[i:i+8], out[i:i+8])
	}
	return out
}

func TestBlowfishPublishedVectorsDecrypt(t *testing.T) {
	for _, v := range blowfishVectors {
		c := mustCipher(t, Blowfish, v.key)
		for _, data := range []string{v.data, strings.ToLower(v.data)} {
			got, err := c.Decrypt(data, len(v.plain))
			if err != nil {
				t.Fatalf("%s: %v", v.plain, err)
			}
			if got != v.plain {
				t.Errorf("Decrypt(%s) = %q, want %q", data, got, v.plain)
			}
		}
	}
}

func TestBlowfishPublishedVectorsEncryptZeroPadded(t *testing.T) {
	// Kassa pads with spaces, so it reproduces the zero-padded vectors only
	// on the whole blocks; the vector's own bytes come from the primitive.
	for _, v := range blowfishVectors {
		padded := []byte(v.plain)
		for len(padded)%8 != 0 {
			padded = append(padded, 0)
		}
		got := strings.ToUpper(hex.EncodeToString(blowfishECB(t, v.key, padded)))
		if got != v.data {
			t.Errorf("zero-padded ECB of %q = %s, want %s", v.plain, got, v.data)
		}
		data, n := mustCipher(t, Blowfish, v.key).Encrypt(v.plain)
		full := len(v.plain) / 8 * 16
		if n != len(v.plain) || data[:full] != v.data[:full] {
			t.Errorf("Encrypt(%q) = %s (Len %d); whole blocks must match %s", v.plain, data, n, v.data)
		}
	}
}

func TestBlowfishEncryptPadsWithSpacesUppercase(t *testing.T) {
	c := mustCipher(t, Blowfish, "password")
	data, n := c.Encrypt("plaintext")
	if n != 9 || len(data) != 32 || data != strings.ToUpper(data) {
		t.Fatalf("Encrypt = %s, %d", data, n)
	}
	want := strings.ToUpper(hex.EncodeToString(blowfishECB(t, "password", []byte("plaintext       "))))
	if data != want {
		t.Errorf("Encrypt = %s, want space padding %s", data, want)
	}
}

func TestBlowfishAcceptsEveryPaddingAndCase(t *testing.T) {
	key := "s3cr3t-Key"
	for _, plain := range []string{"a", "MerchantID=Shop1&TransID=T-1&Amount=1234&Currency=EUR", "12345678", "ümlaut=ä&x=1"} {
		paddings := map[string][]byte{
			"zero":   pad(plain, func(n int) []byte { return bytes.Repeat([]byte{0}, n) }, false),
			"spaces": pad(plain, func(n int) []byte { return bytes.Repeat([]byte{' '}, n) }, false),
			"pkcs7":  pad(plain, func(n int) []byte { return bytes.Repeat([]byte{byte(n)}, n) }, true),
		}
		for name, padded := range paddings {
			ct := hex.EncodeToString(blowfishECB(t, key, padded))
			for _, data := range []string{strings.ToUpper(ct), strings.ToLower(ct)} {
				got, err := mustCipher(t, Blowfish, key).Decrypt(data, len(plain))
				if err != nil || got != plain {
					t.Errorf("%s padding of %q: got %q, %v", name, plain, got, err)
				}
			}
		}
	}
}

// pad pads plain to a multiple of 8 (padTo: of size) with fill(n); PKCS#7 adds a whole
// block when plain already is a multiple.
func pad(plain string, fill func(int) []byte, always bool) []byte {
	return padTo(8, plain, fill, always)
}

func padTo(size int, plain string, fill func(int) []byte, always bool) []byte {
	n := size - len(plain)%size
	if n == size && !always {
		n = 0
	}
	return append([]byte(plain), fill(n)...)
}

func TestBlowfishRoundTrip(t *testing.T) {
	c := mustCipher(t, Blowfish, "password")
	for _, plain := range []string{"", "x", "exactly8", "PayID=&TransID=1&Amount=1&Currency=EUR&OrderDesc=trailing spaces   "} {
		data, n := c.Encrypt(plain)
		got, err := c.Decrypt(data, n)
		if err != nil && plain != "" {
			t.Fatalf("%q: %v", plain, err)
		}
		if got != plain {
			t.Errorf("round trip of %q gave %q", plain, got)
		}
	}
}

func TestAESRoundTripAndForm(t *testing.T) {
	for _, key := range []string{"0123456789abcdef", "0123456789abcdef01234567", "0123456789abcdef0123456789abcdef"} {
		c := mustCipher(t, AES, key)
		for _, plain := range []string{"a", "0123456789abcdef", "MerchantID=M&TransID=T&Amount=100&Currency=EUR"} {
			data, n := c.Encrypt(plain)
			iv, ct, ok := strings.Cut(data, "-")
			if !ok || len(iv) != 32 || len(ct)%32 != 0 || data != strings.ToUpper(data) {
				t.Fatalf("AES Data %q is not hexIV-hexCipher", data)
			}
			for _, d := range []string{data, strings.ToLower(data)} {
				got, err := c.Decrypt(d, n)
				if err != nil || got != plain {
					t.Errorf("key %d bytes: round trip of %q gave %q, %v", len(key), plain, got, err)
				}
			}
		}
	}
}

// TestAESDecryptsWhatTheStandardLibraryMakes checks Decrypt against Data
// assembled from crypto/aes directly with a fixed IV: the client's view.
func TestAESDecryptsWhatTheStandardLibraryMakes(t *testing.T) {
	key := []byte("0123456789abcdef")
	iv := []byte("fedcba9876543210")
	plain := "TransID=42&Amount=1000"
	padded := padTo(16, plain, func(n int) []byte { return bytes.Repeat([]byte{byte(n)}, n) }, true)
	block, _ := aes.NewCipher(key)
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
	data := hex.EncodeToString(iv) + "-" + hex.EncodeToString(ct)
	got, err := mustCipher(t, AES, string(key)).Decrypt(data, len(plain))
	if err != nil || got != plain {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestDecryptRefusesWithCryptoCodes(t *testing.T) {
	bf := mustCipher(t, Blowfish, "password")
	aesC := mustCipher(t, AES, "0123456789abcdef")
	goodAES, _ := aesC.Encrypt("x=1")
	cases := []struct {
		name string
		c    *Cipher
		data string
		n    int
		code Code
	}{
		{"not hex", bf, "ZZEC7A6DA0FBB3E5", 9, "20010001"},
		{"empty", bf, "", 0, "20010007"},
		{"half block", bf, "14EC7A6D", 4, "20010002"},
		{"odd hex", bf, "14EC7A6DA0FBB3E50", 4, "20010001"},
		{"Len beyond data", bf, "14EC7A6DA0FBB3E50A84B47302443328", 17, "20010003"},
		{"negative Len", bf, "14EC7A6DA0FBB3E50A84B47302443328", -1, "20110002"},
		{"AES form to Blowfish merchant", bf, goodAES, 3, "20010001"},
		{"Blowfish form to AES merchant", aesC, "14EC7A6DA0FBB3E50A84B47302443328", 9, "20010001"},
		{"short IV", aesC, "00-" + strings.Repeat("00", 16), 1, "20010001"},
		{"AES not whole blocks", aesC, strings.Repeat("00", 16) + "-" + strings.Repeat("00", 15), 1, "20010002"},
		{"AES bad padding", aesC, strings.Repeat("00", 16) + "-" + strings.Repeat("00", 16), 1, "20010004"},
	}
	for _, tc := range cases {
		_, err := tc.c.Decrypt(tc.data, tc.n)
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != tc.code {
			t.Errorf("%s: got %v, want code %s", tc.name, err, tc.code)
		}
	}
}

func TestNewCipherChecksKeys(t *testing.T) {
	for _, tc := range []struct {
		alg Algorithm
		key string
		ok  bool
	}{
		{Blowfish, "", false}, {Blowfish, "k", true}, {Blowfish, strings.Repeat("k", 56), true}, {Blowfish, strings.Repeat("k", 57), false},
		{AES, "short", false}, {AES, strings.Repeat("k", 16), true}, {AES, strings.Repeat("k", 24), true}, {AES, strings.Repeat("k", 32), true},
		{"rot13", "k", false},
	} {
		_, err := NewCipher(tc.alg, []byte(tc.key))
		if (err == nil) != tc.ok {
			t.Errorf("NewCipher(%s, %d bytes) err = %v", tc.alg, len(tc.key), err)
		}
	}
}

// TestLenInBytesOrCharacters: Len counts bytes (PHP's strlen) for most
// clients and characters for others; for non-ASCII text both give the
// whole request, in every padding and with AES. A Len that is shorter
// than either still cuts the request, as it says.
func TestLenInBytesOrCharacters(t *testing.T) {
	const key = "s3cr3t-Key"
	const plain = "OrderDesc=Bücher für Jörg&AccOwner=Zoë Ø"
	bytesLen, charsLen := len(plain), utf8.RuneCountInString(plain)
	if bytesLen == charsLen {
		t.Fatal("the text must have multi-byte characters")
	}
	fills := map[string]func(int) []byte{
		"zero":   func(n int) []byte { return bytes.Repeat([]byte{0}, n) },
		"spaces": func(n int) []byte { return bytes.Repeat([]byte{' '}, n) },
		"pkcs7":  func(n int) []byte { return bytes.Repeat([]byte{byte(n)}, n) },
	}
	datas := map[string]string{}
	for name, fill := range fills {
		datas["blowfish "+name] = hex.EncodeToString(blowfishECB(t, key, pad(plain, fill, name == "pkcs7")))
	}
	aesC := mustCipher(t, AES, "0123456789abcdef")
	aesData, _ := aesC.Encrypt(plain)
	for name, data := range datas {
		for _, n := range []int{bytesLen, charsLen} {
			got, err := mustCipher(t, Blowfish, key).Decrypt(data, n)
			if err != nil || got != plain {
				t.Errorf("%s, Len %d: %q, %v", name, n, got, err)
			}
		}
	}
	for _, n := range []int{bytesLen, charsLen} {
		if got, err := aesC.Decrypt(aesData, n); err != nil || got != plain {
			t.Errorf("AES, Len %d: %q, %v", n, got, err)
		}
	}
	// Longer than the characters, not than the bytes (AES leaves no padding
	// to count as characters): Len counted bytes.
	if got, err := aesC.Decrypt(aesData, charsLen+1); err != nil || got != plain[:charsLen+1] {
		t.Errorf("AES, Len %d: %q, %v", charsLen+1, got, err)
	}
	// Shorter than the characters too: cut to Len bytes.
	if got, err := mustCipher(t, Blowfish, key).Decrypt(datas["blowfish zero"], 14); err != nil || got != plain[:14] {
		t.Errorf("Len 14: %q, %v", got, err)
	}
}
