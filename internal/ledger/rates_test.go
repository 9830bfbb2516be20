package ledger

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"kassa/internal/money"
)

const histCSV = `Date,USD,JPY,GBP,CYP,IDR,
2026-11-25,1.1587,181.02,0.87915,N/A,19321.45,
2026-11-20,1.1571,180.95,0.87744,,19310.02,
`

const dailyCSV = `Date, USD, JPY, GBP, IDR
25 November 2026, 1.1587, 181.02, 0.87915, 19321.45
`

const dailyXML = `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
	<Cube>
		<Cube time="2026-11-25">
			<Cube currency="USD" rate="1.1587"/>
			<Cube currency="GBP" rate="0.87915"/>
			<Cube currency="IDR" rate="19321.45"/>
		</Cube>
		<Cube time="2026-11-20">
			<Cube currency="USD" rate="1.1571"/>
			<Cube currency="GBP" rate="0.87744"/>
			<Cube currency="IDR" rate="19310.02"/>
		</Cube>
	</Cube>
</gesmes:Envelope>`

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseRatesFormats(t *testing.T) {
	for name, data := range map[string]string{"hist csv": histCSV, "daily csv": dailyCSV, "xml": dailyXML} {
		r, err := ParseRates([]byte(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rate, err := r.Rate(at("2026-11-25 18:00"), "gbp", "eur")
		if err != nil || rate.Date != "2026-11-25" || rate.FromPerEUR != "0.87915" || rate.ToPerEUR != "1" {
			t.Errorf("%s: %+v %v", name, rate, err)
		}
		rate, err = r.Rate(at("2026-11-25 00:00"), "idr", "usd")
		if err != nil || rate.FromPerEUR != "19321.45" || rate.ToPerEUR != "1.1587" {
			t.Errorf("%s: idr→usd %+v %v", name, rate, err)
		}
	}
}

func TestParseRatesRefusesBadTables(t *testing.T) {
	for name, data := range map[string]string{
		"empty":          "",
		"no header":      "2026-11-25,1.1\n",
		"bad number":     "Date,USD\n2026-11-25,1.1e2\n",
		"negative":       "Date,USD\n2026-11-25,-1.1\n",
		"zero":           "Date,USD\n2026-11-25,0.0000\n",
		"bad date":       "Date,USD\n25/11/2026,1.1\n",
		"unknown code":   "Date,XYZ\n2026-11-25,1.1\n",
		"duplicate day":  "Date,USD\n2026-11-25,1.1\n2026-11-25,1.2\n",
		"only a header":  "Date,USD\n",
		"broken xml":     "<Cube><Cube time='2026-11-25'>",
		"xml bad number": `<E><Cube><Cube time="2026-11-25"><Cube currency="USD" rate="1,15"/></Cube></Cube></E>`,
	} {
		if _, err := ParseRates([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRateChoosesTheLatestDayOnOrBefore(t *testing.T) {
	r, err := ParseRates([]byte(histCSV))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		on   string
		want string
	}{
		{"2026-11-25 23:59", "2026-11-25"},
		{"2026-11-30 09:00", "2026-11-25"}, // after the table: its latest day
		{"2026-11-22 12:00", "2026-11-20"}, // a weekend: the Friday before
		{"2026-11-20 00:00", "2026-11-20"},
		{"2026-01-01 00:00", "2026-11-20"}, // before the table: its earliest day
	} {
		rate, err := r.Rate(at(tc.on), "usd", "eur")
		if err != nil || rate.Date != tc.want {
			t.Errorf("on %s: %s %v, want %s", tc.on, rate.Date, err, tc.want)
		}
	}
	// The moment's UTC day counts, not its local one.
	oslo := time.FixedZone("UTC+1", 3600)
	if rate, _ := r.Rate(time.Date(2026, 11, 21, 0, 30, 0, 0, oslo), "usd", "eur"); rate.Date != "2026-11-20" {
		t.Errorf("00:30 on the 21st at UTC+1 is the 20th in UTC: %s", rate.Date)
	}
	// CYP is N/A on the latest day.
	if _, err := r.Rate(at("2026-11-25 12:00"), "cyp", "eur"); err == nil {
		t.Error("a missing quote converted")
	}
	if err := r.Require("usd", "gbp", "eur"); err != nil {
		t.Error(err)
	}
	if err := r.Require("usd", "nok", "chf"); err == nil || !strings.Contains(err.Error(), "NOK, CHF") {
		t.Errorf("missing NOK and CHF: %v", err)
	}
}

func TestConvertIsExactAcrossTheEuro(t *testing.T) {
	r, _ := ParseRates([]byte(histCSV))
	on := at("2026-11-25 12:00")
	for _, tc := range []struct {
		from, to money.Currency
		amount   int64
		want     int64
		display  string
	}{
		// 10.00 GBP / 0.87915 = 11.374623… EUR
		{"gbp", "eur", 1000, 1137, "1.13746232156"},
		// 10,000.00 IDR × 1.1587 / 19321.45 = 0.5996961… USD: a cross rate through the euro
		{"idr", "usd", 1000000, 60, "0.0000599696192574"},
		{"idr", "usd", 150000000, 8995, "0.0000599696192574"},
		{"idr", "usd", -150000000, -8995, "0.0000599696192574"},
		{"eur", "usd", 1000, 1159, "1.1587"}, // 1158.7 cents → 1159
		{"usd", "eur", 1159, 1000, "0.863036161215"},
		{"eur", "jpy", 1000, 1810, "181.02"}, // JPY has no minor unit: 10.00 EUR is 1810.2 → 1810 JPY
		{"jpy", "eur", 1810, 1000, "0.00552425146393"},
	} {
		rate, err := r.Rate(on, tc.from, tc.to)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rate.Convert(tc.amount)
		if err != nil || got != tc.want {
			t.Errorf("%d %s → %s: %d %v, want %d", tc.amount, tc.from, tc.to, got, err, tc.want)
		}
		if d := rate.Display(); d != tc.display {
			t.Errorf("%s → %s displays %s, want %s", tc.from, tc.to, d, tc.display)
		}
	}
	// The value is the exact quotient of the two quotes, not a rounded decimal.
	rate, _ := r.Rate(on, "idr", "usd")
	if want := big.NewRat(11587*100, 10000*1932145); rate.Value().Cmp(want) != 0 {
		t.Errorf("idr→usd value %s, want %s", rate.Value(), want)
	}
}

func TestEmbeddedRatesServeTheCatalogue(t *testing.T) {
	l := Default()
	if err := l.Check(); err != nil {
		t.Fatal(err)
	}
	first, last := l.Rates.Dates()
	if first > last || last == "" {
		t.Fatalf("dates %s … %s", first, last)
	}
}
