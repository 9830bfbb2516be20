package money

import "testing"

func TestParseCurrency(t *testing.T) {
	tests := []struct {
		in      string
		want    Currency
		wantErr bool
	}{
		{"EUR", "eur", false},
		{"eur", "eur", false},
		{"Nok", "nok", false},
		{"IDR", "idr", false},
		{"XXZ", "", true},
		{"", "", true},
		{"EURO", "", true},
	}
	for _, tt := range tests {
		got, err := ParseCurrency(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseCurrency(%q) = %q, %v; want %q, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		minor int64
		cur   Currency
		want  string
	}{
		{2000, "eur", "20.00"},
		{5, "eur", "0.05"},
		{-150, "nok", "-1.50"},
		{1000000, "idr", "10000.00"},
		{500, "jpy", "500"},
		{1234, "bhd", "1.234"},
		{-9223372036854775808, "eur", "-92233720368547758.08"},
		{9223372036854775807, "jpy", "9223372036854775807"},
	}
	for _, tt := range tests {
		if got := Format(tt.minor, tt.cur); got != tt.want {
			t.Errorf("Format(%d, %s) = %q; want %q", tt.minor, tt.cur, got, tt.want)
		}
	}
	if got := Display(2000, "eur"); got != "20.00 EUR" {
		t.Errorf("Display = %q", got)
	}
}

func TestLocalized(t *testing.T) {
	// CLDR separates some of these with no-break or narrow no-break spaces.
	nbsp, nnbsp := "\u00a0", "\u202f"
	tests := []struct {
		minor  int64
		cur    Currency
		locale string
		want   string
	}{
		{2000, "eur", "en", "€20.00"},
		{2000, "eur", "de", "20,00" + nbsp + "€"},
		{123456, "eur", "de", "1.234,56" + nbsp + "€"},
		{123456, "eur", "fr", "1" + nnbsp + "234,56" + nbsp + "€"},
		// Italian groups only from five digits on (CLDR's minimumGroupingDigits).
		{123456, "eur", "it", "1234,56" + nbsp + "€"},
		{12345678, "eur", "it", "123.456,78" + nbsp + "€"},
		{20000, "gbp", "en", "£200.00"},
		{1000000, "idr", "en", "IDR" + nbsp + "10,000.00"},
		{109900, "nok", "de", "1.099,00" + nbsp + "NOK"},
		{500, "chf", "de-CH", "CHF" + nbsp + "5.00"},
		{-150, "eur", "en", "-€1.50"},
	}
	for _, tt := range tests {
		if got := Localized(tt.minor, tt.cur, tt.locale); got != tt.want {
			t.Errorf("Localized(%d, %s, %s) = %q; want %q", tt.minor, tt.cur, tt.locale, got, tt.want)
		}
	}
}
