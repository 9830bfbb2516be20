package paygate

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// RequestMAC is the MAC a client sends: PayID*TransID*MerchantID*Amount*Currency,
// empty parts left empty (a new payment has no PayID yet, an inquiry no
// amount).
func RequestMAC(key []byte, payID, transID, merchantID, amount, currency string) string {
	return mac(key, strings.Join([]string{payID, transID, merchantID, amount, currency}, "*"))
}

// ResponseMAC is the MAC Kassa sends back: PayID*TransID*mid*Status*Code.
func ResponseMAC(key []byte, payID, transID, mid, status string, code Code) string {
	return mac(key, strings.Join([]string{payID, transID, mid, status, string(code)}, "*"))
}

func mac(key []byte, message string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(message))
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

// MACEqual compares a received MAC with the expected uppercase one in
// constant time; clients send either case. Uppercasing the received value
// first leaks nothing about the expected one.
func MACEqual(expected, received string) bool {
	return hmac.Equal([]byte(expected), []byte(strings.ToUpper(received)))
}
