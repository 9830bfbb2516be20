package paygate

import (
	"errors"
	"testing"
)

func TestCheckURL(t *testing.T) {
	cases := []struct {
		url       string
		allowHTTP bool
		code      Code // "" accepted
	}{
		{"https://shop.example/paygate/ok", false, ""},
		{"https://shop.example:443/ok", false, ""},
		{"HTTPS://shop.example/ok", false, ""},
		{"https://shop.example:8443/ok", false, "20160015"},
		{"http://shop.example/ok", false, "20160015"},
		{"http://127.0.0.1:8080/ok", true, ""},
		{"https://shop.example:8443/ok", true, ""},
		{"ftp://shop.example/ok", true, "20160015"},
		{"https://shop.example/ok?order=1", false, "20160015"},
		{"https://shop.example/ok#top", true, "20160015"},
		{"/ok", true, "20120015"},
		{"shop.example/ok", true, "20120015"},
		{"https://", true, "20120015"},
		{"mailto:a@b.example", true, "20120015"},
	}
	for _, tc := range cases {
		err := CheckURL("URLSuccess", tc.url, tc.allowHTTP)
		var pe *Error
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%s (allowHTTP %v) refused: %v", tc.url, tc.allowHTTP, err)
		case tc.code != "" && (!errors.As(err, &pe) || pe.Code != tc.code):
			t.Errorf("%s (allowHTTP %v): got %v, want %s", tc.url, tc.allowHTTP, err, tc.code)
		}
	}
}

func TestRefusalIsMACed(t *testing.T) {
	v := Refusal("M", "T-1", FieldError(ModuleFormat, "Amount", "bad"), []byte("k"))
	if v.Get("Status") != "FAILED" || v.Get("Code") != "20110006" || v.Get("PayID") != "" ||
		v.Get("MAC") != ResponseMAC([]byte("k"), "", "T-1", "M", "FAILED", "20110006") {
		t.Errorf("refusal %s", v.Encode())
	}
}
