package paygate

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/rest/name.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "rest", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

func goldenJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, name, append(b, '\n'))
}

// TestGoldenRESTRequests: each REST request in testdata/rest becomes the
// key-value request in its .kv file, and passes the same field list.
func TestGoldenRESTRequests(t *testing.T) {
	for _, name := range []string{"sofort_request", "sofort_request_seed_spelling"} {
		body, err := os.ReadFile(filepath.Join("testdata", "rest", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		v, err := SofortFromJSON(body, "kassa_shop1")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := Validate(v, SofortRESTRequest); err != nil {
			t.Errorf("%s does not validate: %v", name, err)
		}
		golden(t, name+".kv", []byte(strings.ReplaceAll(v.Encode(), "&", "\n&")+"\n"))
	}
}

func TestGoldenRESTAnswers(t *testing.T) {
	const payID = "0123456789abcdef0123456789abcdef"
	goldenJSON(t, "created.json", NewRESTCreated(payID, "https://kassa.example/api/v1/payments/"+payID,
		"https://kassa.example/sandbox/pay/att_1"))
	goldenJSON(t, "error_field.json", NewRESTError(FieldError(ModuleFormat, "Amount", "must be of format n..10"), "kassa_shop1", "T-1"))
	goldenJSON(t, "error_auth.json", NewRESTError(cryptoError(DetailAuth, "MerchantID or password is wrong"), "", ""))
	goldenJSON(t, "payment.json", RESTPayment{
		PaymentID: payID, MerchantID: "kassa_shop1", XID: "fedcba9876543210fedcba9876543210", TransactionID: "T-1",
		ReferenceNumber: "R-1", Status: StatusOK, Code: CodeOK, Description: "success",
		Amount: RESTAmount{Value: 1999, Currency: "EUR"}, AmountAuthorized: 1999, AmountCaptured: 1999, AmountCredited: 500,
		Links: RESTLinks{Self: RESTLink{Href: "https://kassa.example/api/v1/payments/" + payID, Type: "application/json"}},
	})
}

// TestRESTRefusals: a REST request is refused with the code of the
// key-value field it stands for, and the error points at its JSON path.
func TestRESTRefusals(t *testing.T) {
	valid := func() map[string]any {
		return map[string]any{
			"transactionId": "T-1", "amount": map[string]any{"value": 1999, "currency": "EUR"},
			"order":   map[string]any{"description": []any{"Order"}},
			"payment": map[string]any{"sofort": map[string]any{"account": map[string]any{"accountHolder": "Max Muster"}}},
			"billing": map[string]any{"addressInfo": map[string]any{"country": map[string]any{"A2": "DE"}}},
			"urls":    map[string]any{"success": "https://s.example/ok", "failure": "https://s.example/fail", "notify": "https://s.example/n"},
		}
	}
	cases := []struct {
		name   string
		body   string
		change func(map[string]any)
		code   Code
		field  string
	}{
		{name: "not JSON", body: "Amount=1", code: "20110000"},
		{name: "a JSON array", body: "[]", code: "20110000"},
		{name: "two objects", body: "{} {}", code: "20110000"},
		{name: "an amount with decimals", change: func(m map[string]any) { m["amount"].(map[string]any)["value"] = 19.99 }, code: "20110006", field: "amount.value"},
		{name: "an amount that is an object", change: func(m map[string]any) { m["amount"].(map[string]any)["value"] = map[string]any{} }, code: "20110006", field: "amount.value"},
		{name: "a currency Sofort does not take", change: func(m map[string]any) { m["amount"].(map[string]any)["currency"] = "USD" }, code: "20160007", field: "amount.currency"},
		{name: "no account holder", change: func(m map[string]any) { delete(m, "payment") }, code: "20100010", field: "payment.sofort.account.accountHolder"},
		{name: "an empty description list", change: func(m map[string]any) { m["order"] = map[string]any{"description": []any{}} }, code: "20100009", field: "order.description[0]"},
		{name: "a country Sofort does not serve", change: func(m map[string]any) {
			m["billing"] = map[string]any{"addressInfo": map[string]any{"country": map[string]any{"A2": "FR"}}}
		}, code: "20160013", field: "billing.addressInfo.country.A2"},
		{name: "another method", change: func(m map[string]any) { m["payment"].(map[string]any)["method"] = "giropay" }, code: "20160000", field: "payment.method"},
		{name: "an & the key-value form cannot carry", change: func(m map[string]any) { m["metadata"] = map[string]any{"userData": "a=1&b=2"} }, code: "20110019", field: "metadata.userData"},
		{name: "a list for a string", change: func(m map[string]any) { m["transactionId"] = []any{"T"} }, code: "20110004", field: "transactionId"},
	}
	for _, tc := range cases {
		body := []byte(tc.body)
		if tc.change != nil {
			m := valid()
			tc.change(m)
			body, _ = json.Marshal(m)
		}
		v, err := SofortFromJSON(body, "kassa_shop1")
		if err == nil {
			_, err = Validate(v, SofortRESTRequest)
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != tc.code {
			t.Errorf("%s: %v, want code %s", tc.name, err, tc.code)
			continue
		}
		if got := NewRESTError(pe, "", "").Field; got != tc.field {
			t.Errorf("%s: field %q, want %q", tc.name, got, tc.field)
		}
	}
	b, _ := json.Marshal(valid())
	v, err := SofortFromJSON(b, "kassa_shop1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Validate(v, SofortRESTRequest); err != nil {
		t.Fatalf("the valid request: %v", err)
	}
}

// TestRESTCarriesEveryField: every field of sofort.aspx but the MAC is
// checked in the REST form too, and all but Response (which the
// translation sets) have a REST path, so the two forms cannot drift apart.
func TestRESTCarriesEveryField(t *testing.T) {
	for _, f := range SofortRequest {
		inREST := false
		for _, r := range SofortRESTRequest {
			inREST = inREST || r.Name == f.Name
		}
		switch {
		case f.Name == "MAC":
			if inREST {
				t.Errorf("%s is checked in the REST form, which does not carry it", f.Name)
			}
		case !inREST:
			t.Errorf("%s is not checked in the REST form", f.Name)
		case RESTPath(f.Name) == "" && f.Name != "Response":
			t.Errorf("%s has no REST path", f.Name)
		}
	}
}
