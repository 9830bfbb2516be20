package loadgen

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// KeyStyle is the form of the Idempotency-Keys a run sends. The form
// matters to a server that indexes keys: stripe-go's start with the
// time, so each lands beside the last; a UUID lands anywhere.
type KeyStyle string

const (
	KeysLikeStripeGo KeyStyle = "stripe-go" // "<Unix nanoseconds>_<6 random base64 characters>"
	KeysUUID         KeyStyle = "uuid"      // a random version 4 UUID, as stripe-node and stripe-python send
	KeysOff          KeyStyle = "off"       // no Idempotency-Key
)

// ParseKeyStyle reads a style name; empty is KeysLikeStripeGo.
func ParseKeyStyle(s string) (KeyStyle, error) {
	switch k := KeyStyle(s); k {
	case "":
		return KeysLikeStripeGo, nil
	case KeysLikeStripeGo, KeysUUID, KeysOff:
		return k, nil
	}
	return "", fmt.Errorf("loadgen: idempotency keys %q: want stripe-go, uuid or off", s)
}

// newKey is a fresh key of the style, or "" for KeysOff.
func (k KeyStyle) newKey() string {
	switch k {
	case KeysOff:
		return ""
	case KeysUUID:
		var b [16]byte
		rand.Read(b[:])
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		h := hex.EncodeToString(b[:])
		return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	}
	var b [4]byte
	rand.Read(b[:])
	return strconv.FormatInt(time.Now().UnixNano(), 10) + "_" + base64.URLEncoding.EncodeToString(b[:])[:6]
}
