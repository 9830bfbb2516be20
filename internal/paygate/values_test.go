package paygate

import (
	"errors"
	"testing"
)

func TestParseValues(t *testing.T) {
	v, err := ParseValues("MerchantID=Shop&transid=T-1&Amount=1234&OrderDesc=a=b c%20d+e&&UserData=")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"merchantid": "Shop", "TransID": "T-1", "AMOUNT": "1234",
		"orderdesc": "a=b c%20d+e", // split on the first "=", taken verbatim
		"UserData":  "",
	} {
		if got, ok := v.Lookup(key); !ok || got != want {
			t.Errorf("%s = %q, %v; want %q", key, got, ok, want)
		}
	}
	if _, ok := v.Lookup("Currency"); ok {
		t.Error("Currency should be absent")
	}
	if got := v.Encode(); got != "MerchantID=Shop&transid=T-1&Amount=1234&OrderDesc=a=b c%20d+e&UserData=" {
		t.Errorf("Encode = %q", got)
	}
}

func TestParseValuesRefusesDuplicatesAndNamelessPairs(t *testing.T) {
	for input, code := range map[string]Code{
		"Amount=1&amount=2": "20170006",
		"=x":                "20110000",
		"A=1& =2":           "20110000",
		"Foo=1&FOO=2":       "20170000",
	} {
		_, err := ParseValues(input)
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != code {
			t.Errorf("ParseValues(%q) = %v, want %s", input, err, code)
		}
	}
}

func TestValuesSetKeepsOrderAndFirstSpelling(t *testing.T) {
	var v Values
	v.Set("mid", "M")
	v.Set("PayID", "P")
	v.Set("MID", "N")
	if got := v.Encode(); got != "mid=N&PayID=P" {
		t.Errorf("Encode = %q", got)
	}
}
