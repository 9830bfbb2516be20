package shopware

import (
	"encoding/json"
	"errors"
	"testing"

	"kassa/internal/money"
)

func TestMinorUnits(t *testing.T) {
	tests := []struct {
		in   string
		cur  money.Currency
		want int64
	}{
		{"12.3", "eur", 1230},
		{"0.29", "eur", 29},  // 0.29*100 is 28.999999999999996 in float64
		{"1.15", "eur", 115}, // 1.15*100 is 114.99999999999999 in float64
		{"4.35", "eur", 435}, // 4.35*100 is 434.99999999999994 in float64
		{"19.99", "eur", 1999},
		{"100", "eur", 10000},
		{"0", "eur", 0},
		{"0.0", "eur", 0},
		{"12.300", "eur", 1230}, // extra zeros are exact
		{"1.5E+2", "eur", 15000},
		{"150000", "idr", 15000000},
		{"150000.5", "idr", 15000050},
		{"399", "nok", 39900},
		{"500", "jpy", 500},
		{"500.0", "jpy", 500},
		{"1.234", "bhd", 1234},
		{"25e-1", "eur", 250},
		{"5E-3", "bhd", 5},
		{"92233720368547758.07", "eur", 9223372036854775807},
	}
	for _, tt := range tests {
		got, err := MinorUnits(json.Number(tt.in), tt.cur)
		if err != nil || got != tt.want {
			t.Errorf("MinorUnits(%s, %s) = %d, %v; want %d", tt.in, tt.cur, got, err, tt.want)
		}
	}
}

func TestMinorUnitsRejects(t *testing.T) {
	tests := []struct {
		in  string
		cur money.Currency
	}{
		{"12.345", "eur"},  // a fraction of a cent
		{"12.3001", "eur"}, // ditto, further out
		{"500.5", "jpy"},
		{"1E-3", "eur"},
		{"-1.00", "eur"},
		{"", "eur"},
		{"1.", "eur"},
		{".5", "eur"},
		{"01.5", "eur"},
		{"1,5", "eur"},
		{"0x10", "eur"},
		{"1e", "eur"},
		{"1e+", "eur"},
		{"1e+-2", "eur"}, // two signs (found by FuzzMinorUnits)
		{"NaN", "eur"},
		{"Infinity", "eur"},
		{"1.0E+25", "eur"},
		{"92233720368547758.08", "eur"}, // one past int64
		{"1e999999", "eur"},
	}
	for _, tt := range tests {
		got, err := MinorUnits(json.Number(tt.in), tt.cur)
		if !errors.Is(err, ErrAmount) {
			t.Errorf("MinorUnits(%q, %s) = %d, %v; want ErrAmount", tt.in, tt.cur, got, err)
		}
	}
}

// The amount comes straight out of a Shopware body decoded with UseNumber,
// so the text PHP wrote is what is converted.
func TestMinorUnitsFromAPayBody(t *testing.T) {
	body := []byte(`{"orderTransaction":{"amount":{"unitPrice":4.35,"totalPrice":4.35,"quantity":1}}}`)
	var p struct {
		OrderTransaction struct {
			Amount struct {
				TotalPrice json.Number `json:"totalPrice"`
			} `json:"amount"`
		} `json:"orderTransaction"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	got, err := MinorUnits(p.OrderTransaction.Amount.TotalPrice, "eur")
	if err != nil || got != 435 {
		t.Fatalf("got %d, %v; want 435", got, err)
	}
}
