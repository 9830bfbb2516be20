package paygate

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var codeShape = regexp.MustCompile(`^[2-7][0-9]{7}$`)

// requireCoded fails unless err is nil or a *Error with a well-formed
// refusal code: a client always gets a code it can act on.
func requireCoded(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var pe *Error
	if !errors.As(err, &pe) || !codeShape.MatchString(string(pe.Code)) {
		t.Fatalf("error without a Paygate code: %#v", err)
	}
}

func FuzzDecrypt(f *testing.F) {
	bf, _ := NewCipher(Blowfish, []byte("password"))
	aesC, _ := NewCipher(AES, []byte("0123456789abcdef"))
	good, n := aesC.Encrypt("MerchantID=M&TransID=T")
	f.Add("14EC7A6DA0FBB3E50A84B47302443328", 9)
	f.Add(strings.ToLower(good), n)
	f.Add("00-00", 1)
	f.Add("", 0)
	f.Fuzz(func(t *testing.T, data string, length int) {
		for _, c := range []*Cipher{bf, aesC} {
			plain, err := c.Decrypt(data, length)
			requireCoded(t, err)
			if err == nil && len(plain) != length && utf8.RuneCountInString(plain) != length {
				t.Fatalf("plain is %d bytes and %d characters, Len was %d", len(plain), utf8.RuneCountInString(plain), length)
			}
		}
	})
}

func FuzzParseValues(f *testing.F) {
	f.Add("MerchantID=M&TransID=T&Amount=1&Currency=EUR")
	f.Add("a=1&A=2")
	f.Add("&&=&")
	f.Fuzz(func(t *testing.T, plain string) {
		v, err := ParseValues(plain)
		requireCoded(t, err)
		if err != nil {
			return
		}
		_, verr := Validate(v, SofortRequest)
		requireCoded(t, verr)
		// What parsed re-encodes to the same pairs.
		again, err := ParseValues(v.Encode())
		if err != nil || again.Encode() != v.Encode() {
			t.Fatalf("re-parse of %q: %q, %v", v.Encode(), again.Encode(), err)
		}
	})
}

func FuzzSofortFromJSON(f *testing.F) {
	for _, name := range []string{"sofort_request.json", "sofort_request_seed_spelling.json"} {
		b, err := os.ReadFile("testdata/rest/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"order": {"description": "x", "description[0]": 1}, "metadata": null}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := SofortFromJSON(body, "kassa_m")
		requireCoded(t, err)
		if err != nil {
			return
		}
		_, verr := Validate(v, SofortRESTRequest)
		requireCoded(t, verr)
	})
}
