package paygate

import "time"

// Merchant is a Kassa account's Paygate identity: the MerchantID a shop
// sends in plain, and its two keys. The keys are stored sealed (the
// gateway seals and opens them); this package never sees them at rest.
type Merchant struct {
	MerchantID string
	AccountID  string
	// Algorithm is how this merchant's Data is encrypted.
	Algorithm Algorithm
	// SealedEncryptionKey and SealedHMACKey are the Blowfish (or AES) and
	// HMAC passwords, sealed.
	SealedEncryptionKey []byte
	SealedHMACKey       []byte
	Created             time.Time
}
