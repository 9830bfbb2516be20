package paygate

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]format{
		"ans..30":  {"ans", 0, 30},
		"n..10":    {"n", 0, 10},
		"a3":       {"a", 3, 3},
		"an32":     {"an", 32, 32},
		"ans3..50": {"ans", 3, 50},
		"a..50":    {"a", 0, 50},
	} {
		got, err := parseFormat(in)
		if err != nil || got != want {
			t.Errorf("parseFormat(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x..3", "ans", "ans5..3", "ans..", "enum", "n..10a"} {
		if _, err := parseFormat(bad); err == nil {
			t.Errorf("parseFormat(%q) accepted", bad)
		}
	}
}

// TestFieldListsAreWellFormed: every format parses and every field has a
// published detail number, so no refusal carries detail 0000.
func TestFieldListsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, list := range [][]Field{SofortRequest, CreditRequest, InquireRequest} {
		clear(seen)
		for _, f := range list {
			if _, err := parseFormat(f.Format); err != nil {
				t.Error(err)
			}
			if _, ok := Fields[f.Name]; !ok {
				t.Errorf("%s has no detail number in Fields", f.Name)
			}
			if seen[f.Name] {
				t.Errorf("%s listed twice", f.Name)
			}
			seen[f.Name] = true
		}
	}
	numbers := map[string]string{}
	for name, n := range Fields {
		if len(n) != 4 || strings.Trim(n, "0123456789") != "" {
			t.Errorf("%s: detail %q is not four digits", name, n)
		}
		if other, dup := numbers[n]; dup {
			t.Errorf("%s and %s share detail %s", name, other, n)
		}
		numbers[n] = name
	}
}

func validSofort() map[string]string {
	return map[string]string{
		"MerchantID": "kassa_M1", "TransID": "T-1", "Amount": "1999", "Currency": "EUR",
		"MAC": strings.Repeat("A", 64), "OrderDesc": "Order 1", "AccOwner": "Jürgen Müller",
		"AddrCountryCode": "DE", "URLSuccess": "https://shop.example/ok", "URLFailure": "https://shop.example/fail",
		"URLNotify": "https://shop.example/notify",
	}
}

func encodeMap(m map[string]string) *Values {
	v := &Values{}
	for _, f := range SofortRequest { // list order keeps the test stable
		if val, ok := m[f.Name]; ok {
			v.Set(f.Name, val)
		}
	}
	for k, val := range m {
		if _, ok := v.Lookup(k); !ok {
			v.Set(k, val)
		}
	}
	return v
}

func TestValidateSofort(t *testing.T) {
	form, err := Validate(encodeMap(validSofort()), SofortRequest)
	if err != nil {
		t.Fatal(err)
	}
	if form["AccOwner"] != "Jürgen Müller" || form["Amount"] != "1999" || form["RefNr"] != "" {
		t.Errorf("form = %v", form)
	}

	cases := []struct {
		name   string
		change func(m map[string]string)
		code   Code
	}{
		{"TransID absent", func(m map[string]string) { delete(m, "TransID") }, "20100004"},
		{"OrderDesc empty", func(m map[string]string) { m["OrderDesc"] = "" }, "20150009"},
		{"Amount not numeric", func(m map[string]string) { m["Amount"] = "19.99" }, "20110006"},
		{"Amount too long", func(m map[string]string) { m["Amount"] = "12345678901" }, "20140006"},
		{"Currency USD", func(m map[string]string) { m["Currency"] = "USD" }, "20160007"},
		{"Currency too short", func(m map[string]string) { m["Currency"] = "EU" }, "20130007"},
		{"Currency digits", func(m map[string]string) { m["Currency"] = "E1R" }, "20110007"},
		{"country not Sofort's", func(m map[string]string) { m["AddrCountryCode"] = "FR" }, "20160013"},
		{"AccOwner too short", func(m map[string]string) { m["AccOwner"] = "Jo" }, "20130010"},
		{"AccOwner too long", func(m map[string]string) { m["AccOwner"] = strings.Repeat("x", 51) }, "20140010"},
		{"RefNr charset", func(m map[string]string) { m["RefNr"] = "R 1" }, "20110005"},
		{"MAC short", func(m map[string]string) { m["MAC"] = "ABC" }, "20130008"},
		{"MAC not hex-ish", func(m map[string]string) { m["MAC"] = strings.Repeat("*", 64) }, "20110008"},
		{"IBAN special chars", func(m map[string]string) { m["IBAN"] = "DE89-3704" }, "20110011"},
		{"control character", func(m map[string]string) { m["OrderDesc"] = "a\x00b" }, "20110009"},
		{"Response other", func(m map[string]string) { m["Response"] = "decrypt" }, "20160017"},
		{"URLNotify too long", func(m map[string]string) { m["URLNotify"] = "https://x.example/" + strings.Repeat("a", 240) }, "20140018"},
	}
	for _, tc := range cases {
		m := validSofort()
		tc.change(m)
		_, err := Validate(encodeMap(m), SofortRequest)
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != tc.code {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
		}
	}

	// Keys in any case; optional fields and unknown ones pass.
	m := validSofort()
	m["refnr"], m["language"], m["Unknown"], m["RESPONSE"] = "R-1,x_2", "DE", "ignored", "Encrypt"
	form, err = Validate(encodeMap(m), SofortRequest)
	if err != nil || form["RefNr"] != "R-1,x_2" || form["Language"] != "DE" {
		t.Errorf("case-insensitive keys: %v, %v", form, err)
	}
}
