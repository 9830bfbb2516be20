package methods

import "testing"

func TestCatalogueMatchesSourceDocuments(t *testing.T) {
	tests := []struct {
		typ           Type
		settlement    string
		chargebacks   bool
		manualCapture bool
		maxAmount     int64
	}{
		{Sofort, "eur", false, false, 99_999_999},
		{BankTransferID, "usd", true, false, 0},
		{Vipps, "nok", false, true, 99_999_999},
	}
	for _, tt := range tests {
		m, ok := Lookup(tt.typ)
		if !ok {
			t.Fatalf("%s missing from the catalogue", tt.typ)
		}
		if string(m.Settlement) != tt.settlement || m.Chargebacks != tt.chargebacks ||
			m.ManualCapture != tt.manualCapture || m.MaxAmount != tt.maxAmount {
			t.Errorf("%s: got %+v", tt.typ, m)
		}
		if !m.Refunds || !m.PartialRefunds || !m.MultiplePartial {
			t.Errorf("%s: every method refunds, partially and repeatedly", tt.typ)
		}
	}
	if _, ok := Lookup("card"); ok {
		t.Error("card is not a Kassa method")
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name      string
		typ       Type
		p         Payment
		wantCode  string
		wantParam string
	}{
		{"sofort eur de", Sofort, Payment{2000, "eur", "DE"}, "", ""},
		{"sofort gbp at", Sofort, Payment{2000, "gbp", "AT"}, "", ""},
		{"sofort chf ch", Sofort, Payment{2000, "chf", "CH"}, "", ""},
		{"sofort all countries", Sofort, Payment{1, "eur", "IT"}, "", ""},
		{"sofort usd", Sofort, Payment{2000, "usd", "DE"}, "payment_method_currency_mismatch", "currency"},
		{"sofort no country", Sofort, Payment{2000, "eur", ""}, "parameter_missing", "payment_method_data[billing_details][address][country]"},
		{"sofort france", Sofort, Payment{2000, "eur", "FR"}, "payment_method_country_unsupported", "payment_method_data[billing_details][address][country]"},
		{"sofort eight digits", Sofort, Payment{99_999_999, "eur", "DE"}, "", ""},
		{"sofort nine digits", Sofort, Payment{100_000_000, "eur", "DE"}, "amount_too_large", "amount"},
		{"sofort zero", Sofort, Payment{0, "eur", "DE"}, "amount_too_small", "amount"},
		{"sofort negative", Sofort, Payment{-5, "eur", "DE"}, "amount_too_small", "amount"},
		{"bank transfer idr", BankTransferID, Payment{1000000, "idr", ""}, "", ""},
		{"bank transfer no maximum", BankTransferID, Payment{900_000_000_000, "idr", "ID"}, "", ""},
		{"bank transfer eur", BankTransferID, Payment{1000, "eur", ""}, "payment_method_currency_mismatch", "currency"},
		{"bank transfer wrong country", BankTransferID, Payment{1000, "idr", "DE"}, "payment_method_country_unsupported", "payment_method_data[billing_details][address][country]"},
		{"vipps nok", Vipps, Payment{1099, "nok", ""}, "", ""},
		{"vipps norway", Vipps, Payment{1099, "nok", "NO"}, "", ""},
		{"vipps sek", Vipps, Payment{1099, "sek", ""}, "payment_method_currency_mismatch", "currency"},
		{"vipps too large", Vipps, Payment{100_000_000, "nok", ""}, "amount_too_large", "amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := Lookup(tt.typ)
			v := m.Check(tt.p)
			if tt.wantCode == "" {
				if v != nil {
					t.Fatalf("unexpected violation %+v", v)
				}
				return
			}
			if v == nil || v.Code != tt.wantCode || v.Param != tt.wantParam || v.Message == "" {
				t.Fatalf("got %+v; want code %s param %s", v, tt.wantCode, tt.wantParam)
			}
		})
	}
}
