package shopware

import (
	"strings"
	"testing"
)

// The vectors below are the ones published in the official SDKs' tests
// (shopware/app-php-sdk tests/Authentication/RequestVerifierTest.php and
// ResponseSignerTest.php, shopware/app-sdk-js src/registration.test.ts).
func TestSignReproducesTheSDKVectors(t *testing.T) {
	tests := []struct {
		name, key, message, want string
	}{
		{"registration query (php sdk)", "my-secret",
			"shop-id=123&shop-url=https://my-shop.com&timestamp=1234567890",
			"96c91f86c822e11444b7a57b54ef125ed86b1a639c5360d45c5397daa8c3f70b"},
		{"request body (php sdk)", "secret", "body",
			"dc46983557fea127b43af721467eb9b3fde2338fe3e14f51952aa8478c13d355"},
		{"confirmation body (js sdk)", "test",
			`{"shopId": "1", "apiKey": "test", "secretKey": "test"}`,
			"ecd078f3be7571ed7fe503ebd428dd79c653d108920986a0d936de4b1d371ced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sign([]byte(tt.key), []byte(tt.message)); got != tt.want {
				t.Errorf("Sign = %s; want %s", got, tt.want)
			}
			if !Verify([]byte(tt.key), []byte(tt.message), tt.want) {
				t.Error("Verify rejects the published signature")
			}
			if !Verify([]byte(tt.key), []byte(tt.message), strings.ToUpper(tt.want)) {
				t.Error("Verify rejects the published signature in upper case")
			}
		})
	}
}

func TestProofReproducesThePHPSDKVector(t *testing.T) {
	// ResponseSignerTest: shop id "test", shop URL "test.de", app name "test", app secret "test".
	const want = "a1a38c9580bb3bcd0df226086a9783ba4087671ce4968a4469e451c517fff445"
	if got := Proof([]byte("test"), "test", "test.de", "test"); got != want {
		t.Errorf("Proof = %s; want %s", got, want)
	}
}

func TestVerifyRejects(t *testing.T) {
	key, msg := []byte("secret"), []byte("body")
	good := Sign(key, msg)
	for name, sig := range map[string]string{
		"empty":         "",
		"not hex":       strings.Repeat("z", 64),
		"truncated":     good[:62],
		"longer":        good + "00",
		"one bit wrong": good[:63] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", good[63])+1)%16]),
		"other key":     Sign([]byte("secreT"), msg),
		"other message": Sign(key, []byte("body ")),
	} {
		if Verify(key, msg, sig) {
			t.Errorf("%s: Verify accepted %q", name, sig)
		}
	}
}

func TestVerifyQuery(t *testing.T) {
	key := []byte("my-secret")
	const signed = "shop-id=123&shop-url=https://my-shop.com&timestamp=1234567890"
	sig := Sign(key, []byte(signed))
	tests := []struct {
		name, raw, sig string
		want           bool
	}{
		{"raw query as Guzzle sends it", signed, sig, true},
		{"escaped on the way, signed unescaped", "shop-id=123&shop-url=https%3A%2F%2Fmy-shop.com&timestamp=1234567890", sig, true},
		{"escaped and signed escaped",
			"shop-id=123&shop-url=https%3A%2F%2Fmy-shop.com&timestamp=1234567890",
			Sign(key, []byte("shop-id=123&shop-url=https%3A%2F%2Fmy-shop.com&timestamp=1234567890")), true},
		{"changed shop url", "shop-id=123&shop-url=https://evil.example&timestamp=1234567890", sig, false},
		{"changed timestamp", "shop-id=123&shop-url=https://my-shop.com&timestamp=1234567891", sig, false},
		{"reordered", "shop-url=https://my-shop.com&shop-id=123&timestamp=1234567890", sig, false},
		{"bad escape", "shop-id=123&shop-url=%zz&timestamp=1234567890", sig, false},
		{"no signature", signed, "", false},
	}
	for _, tt := range tests {
		if got := VerifyQuery(key, tt.raw, tt.sig); got != tt.want {
			t.Errorf("%s: VerifyQuery = %v; want %v", tt.name, got, tt.want)
		}
	}
}
