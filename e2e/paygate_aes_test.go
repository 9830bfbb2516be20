package e2e

import (
	"net/http"
	"strings"
	"testing"

	"kassa/internal/paygate"
)

// TestPaygateAESMerchant: a merchant whose credentials use Paygate's AES
// variant pays, credits and inquires with a client that encrypts with
// node's own AES (hex IV "-" hex cipher text) rather than Blowfish; Kassa
// answers in AES, and Blowfish Data is refused for this merchant.
func TestPaygateAESMerchant(t *testing.T) {
	k := start(t)
	s := newPaygateShopWith(t, k, paygate.AES)
	if len(s.creds.EncryptionKey) != 32 {
		t.Fatalf("an AES-256 key has 32 bytes: %q", s.creds.EncryptionKey)
	}
	target := s.bank(t, s.pay(s.order("T-7007"), nil), "123456")
	q := target.Query()
	if iv, _, ok := strings.Cut(q.Get("Data"), "-"); !ok || len(iv) != 32 {
		t.Fatalf("the result is not in the AES form: %s", q.Get("Data"))
	}
	res := s.result(t, q)
	expect(t, "the AES result", res, map[string]string{"TransID": "T-7007", "Status": "OK", "Code": "00000000"})
	payID := res["PayID"]
	s.awaitNotifyAnswered(t, payID)
	if n := s.result(t, s.shop.received()[0]); n["PayID"] != payID || n["Code"] != "00000000" {
		t.Fatalf("the AES notify: %v", n)
	}

	expect(t, "an AES credit", s.credit(t, payID, "C-1", "999", "REQ-A1"), map[string]string{"Status": "OK", "Code": "00000000", "PayID": payID})
	expect(t, "an AES inquiry", s.inquire(t, payID, "T-7007", nil), map[string]string{
		"Status": "OK", "LastStatus": "OK", "AmountCap": "1999", "AmountCred": "999", "Currency": "EUR"})

	// Blowfish-form Data (no "-") is not this merchant's form.
	p := s.b.get(k.URL + "/inquire.aspx?MerchantID=" + s.creds.MerchantID + "&Len=9&Data=14EC7A6DA0FBB3E50A84B47302443328")
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Code=20010001") {
		t.Errorf("Blowfish Data for an AES merchant: %d %s", p.Status, p.Body)
	}
}
