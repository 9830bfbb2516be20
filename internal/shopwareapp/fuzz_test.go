package shopwareapp

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzDecodeCall feeds arbitrary bodies to the decoding every signed
// shop call goes through (pay and finalize, validate, refund, uninstall):
// it never panics; a body it accepts names its shop and comes back
// byte for byte (the signature is checked over it); a body it refuses is
// a 400 the shop can read.
func FuzzDecodeCall(f *testing.F) {
	f.Add([]byte(`{"source":{"shopId":"s1","url":"https://shop.example","appVersion":"1.0.0"},"order":{"id":"o1","orderNumber":"10001","currency":{"isoCode":"EUR"}},"orderTransaction":{"id":"t1","amount":{"totalPrice":12.3}},"returnUrl":"https://shop.example/return"}`))
	f.Add([]byte(`{"source":{"shopId":"s1"},"cart":{"price":{"totalPrice":1.0E+25}},"requestData":{"kassaIntent":"pi_1"},"salesChannelContext":{"currency":{"isoCode":"NOK"}}}`))
	f.Add([]byte(`{"source":{"shopId":"s1"},"refund":{"id":"r1","amount":{"totalPrice":-0.5}}}`))
	f.Add([]byte(`{"source":{"shopId":""}}`))
	f.Add([]byte(`{"source":{"shopId":"s1"}} trailing`))
	f.Add([]byte(`{"source":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecode[paymentBody](t, body, "payment")
		checkDecode[validateBody](t, body, "validate")
		checkDecode[refundBody](t, body, "refund")
		checkDecode[uninstallBody](t, body, "webhook")
	})
}

func checkDecode[T any, PT interface {
	*T
	shopID() string
}](t *testing.T, body []byte, what string) {
	t.Helper()
	v, raw, err := decodeCall[T, PT](httptest.NewRequest("POST", "/", bytes.NewReader(body)), what)
	if err != nil {
		var ce *callError
		if !errors.As(err, &ce) || ce.status != http.StatusBadRequest {
			t.Fatalf("%s: refusal %#v is not a 400", what, err)
		}
		return
	}
	if PT(v).shopID() == "" || !bytes.Equal(raw, body) {
		t.Fatalf("%s: accepted shop %q, body %q of %q", what, PT(v).shopID(), raw, body)
	}
}
