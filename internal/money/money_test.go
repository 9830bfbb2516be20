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
