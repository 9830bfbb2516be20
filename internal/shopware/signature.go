// Package shopware is Kassa's Shopware 6 app adapter: the signatures and
// registration handshake of Shopware's app system, the generated app
// (manifest and icons), and the conversion of Shopware's amounts. It holds
// no business rules; payments go through the same domain as every adapter.
package shopware

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// Header names Shopware and apps sign with.
const (
	// HeaderShopSignature carries Shopware's HMAC of a request body (or, on
	// re-registration, of the query) keyed with the shop secret.
	HeaderShopSignature = "shopware-shop-signature"
	// HeaderShopSignaturePrevious carries, on a re-registration's
	// confirmation, the HMAC keyed with the shop secret being replaced.
	HeaderShopSignaturePrevious = "shopware-shop-signature-previous"
	// HeaderAppSignature carries the registration query's HMAC keyed with
	// the app secret, and every answer's HMAC keyed with the shop secret.
	HeaderAppSignature = "shopware-app-signature"
)

// Sign is the lowercase hex HMAC-SHA256 of message under key, the form of
// every Shopware signature.
func Sign(key, message []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write(message)
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether signature is Sign(key, message). The comparison
// takes the same time wherever the first wrong character is, so an
// attacker learns nothing from timing; upper-case hex is accepted too.
func Verify(key, message []byte, signature string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(message)
	return hmac.Equal(mac.Sum(nil), got)
}

// VerifyQuery checks a signature over a URL query string. Shopware signs
// the query exactly as it sent it, so the raw query is tried first. Guzzle
// leaves ':' and '/' unescaped but a proxy on the way may escape them, so
// the query rebuilt from its decoded values (same keys, same order) is
// tried second.
func VerifyQuery(key []byte, rawQuery, signature string) bool {
	if Verify(key, []byte(rawQuery), signature) {
		return true
	}
	decoded, ok := decodeQueryValues(rawQuery)
	return ok && decoded != rawQuery && Verify(key, []byte(decoded), signature)
}

// decodeQueryValues rewrites "a=x%3A&b=y" as "a=x:&b=y", keeping the order.
func decodeQueryValues(rawQuery string) (string, bool) {
	pairs := strings.Split(rawQuery, "&")
	for i, pair := range pairs {
		name, value, _ := strings.Cut(pair, "=")
		plain, err := url.QueryUnescape(value)
		if err != nil {
			return "", false
		}
		pairs[i] = name + "=" + plain
	}
	return strings.Join(pairs, "&"), true
}

// Proof is the registration answer's proof: the HMAC, keyed with the app
// secret, of shop id, shop URL (exactly as received) and the app's name.
func Proof(appSecret []byte, shopID, shopURL, appName string) string {
	return Sign(appSecret, []byte(shopID+shopURL+appName))
}
