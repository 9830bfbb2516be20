package paygate

import (
	"strings"
	"testing"
)

func TestMACPublishedVectors(t *testing.T) {
	got := RequestMAC([]byte("mySecret"), "", "TID-4453732122167114558", "yourMerchantId", "1234", "EUR")
	if want := "38CED807E293FC634A6C36FFAEA7BD2687038D40615781918AEF2DE7BB9A9903"; got != want {
		t.Errorf("request MAC = %s, want %s", got, want)
	}
	if got, want := mac([]byte("password"), "value"), "18B40402BBF3FEED824E9F762B412F1108C4D678B2A067425B99963CD68B1D6A"; got != want {
		t.Errorf("MAC(password, value) = %s, want %s", got, want)
	}
}

func TestResponseMACCoversItsFiveParts(t *testing.T) {
	key := []byte("k")
	base := ResponseMAC(key, "P", "T", "M", "OK", CodeOK)
	if base != mac(key, "P*T*M*OK*00000000") {
		t.Fatalf("response MAC is not over PayID*TransID*mid*Status*Code")
	}
	for i, other := range []string{
		ResponseMAC(key, "Q", "T", "M", "OK", CodeOK),
		ResponseMAC(key, "P", "U", "M", "OK", CodeOK),
		ResponseMAC(key, "P", "T", "N", "OK", CodeOK),
		ResponseMAC(key, "P", "T", "M", "FAILED", CodeOK),
		ResponseMAC(key, "P", "T", "M", "OK", "21000000"),
	} {
		if other == base {
			t.Errorf("changing part %d did not change the MAC", i)
		}
	}
}

func TestMACEqualIgnoresCaseOnly(t *testing.T) {
	want := RequestMAC([]byte("mySecret"), "", "TID-4453732122167114558", "yourMerchantId", "1234", "EUR")
	for _, tc := range []struct {
		got string
		ok  bool
	}{
		{want, true},
		{strings.ToLower(want), true},
		{want[:10] + strings.ToLower(want[10:]), true},
		{want[:63], false},
		{want + "0", false},
		{"", false},
		{strings.Replace(want, "38", "39", 1), false},
	} {
		if MACEqual(want, tc.got) != tc.ok {
			t.Errorf("MACEqual(%q) = %v", tc.got, !tc.ok)
		}
	}
}
