package ledger

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strings"
	"time"

	"kassa/internal/money"
)

// rates.csv is the table Kassa ships: reference rates in the layout of the
// ECB's eurofxref-hist.csv (units of each currency per 1 EUR, one row per
// business day). Its figures are an illustrative sample for the sandbox,
// not rates the ECB published; operators replace the table with the ECB's
// own file through KASSA_RATES_FILE (see docs/ledger.md).
//
//go:embed rates.csv
var embeddedRates []byte

// Rates is a dated table of reference rates against the euro.
type Rates struct {
	days []day // oldest first
}

type day struct {
	date   string // YYYY-MM-DD
	quotes map[money.Currency]Decimal
}

// EmbeddedRates is the table that ships with Kassa.
func EmbeddedRates() *Rates {
	r, err := ParseRates(embeddedRates)
	if err != nil {
		panic("ledger: embedded rates: " + err.Error())
	}
	return r
}

// LoadRatesFile reads an operator's table (ECB CSV or XML).
func LoadRatesFile(path string) (*Rates, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := ParseRates(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// ParseRates reads the ECB's published formats: the CSV files
// (eurofxref-hist.csv: "Date,USD,…" with ISO dates; eurofxref.csv:
// "Date, USD, …" with dates like "25 November 2026") and the XML files
// (eurofxref-daily.xml, eurofxref-hist-90d.xml). Missing values ("N/A",
// empty) are skipped; anything else that is not an exact decimal is an error.
func ParseRates(data []byte) (*Rates, error) {
	var days []day
	var err error
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '<' {
		days, err = parseXML(trimmed)
	} else {
		days, err = parseCSV(data)
	}
	if err != nil {
		return nil, err
	}
	if len(days) == 0 {
		return nil, errors.New("ledger: the rates table has no rates")
	}
	slices.SortFunc(days, func(a, b day) int { return strings.Compare(a.date, b.date) })
	for i := 1; i < len(days); i++ {
		if days[i].date == days[i-1].date {
			return nil, fmt.Errorf("ledger: the rates table has %s twice", days[i].date)
		}
	}
	return &Rates{days: days}, nil
}

func parseCSV(data []byte) ([]day, error) {
	rd := csv.NewReader(bytes.NewReader(data))
	rd.FieldsPerRecord = -1
	rd.TrimLeadingSpace = true
	rows, err := rd.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("ledger: rates CSV: %w", err)
	}
	if len(rows) < 2 || !strings.EqualFold(strings.TrimSpace(rows[0][0]), "date") {
		return nil, errors.New(`ledger: rates CSV must start with a "Date,USD,…" header row`)
	}
	header := rows[0]
	var days []day
	for n, row := range rows[1:] {
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		date, err := parseDate(strings.TrimSpace(row[0]))
		if err != nil {
			return nil, fmt.Errorf("ledger: rates CSV line %d: %w", n+2, err)
		}
		d := day{date: date, quotes: map[money.Currency]Decimal{}}
		for i := 1; i < len(row) && i < len(header); i++ {
			code, value := strings.TrimSpace(header[i]), strings.TrimSpace(row[i])
			if code == "" || value == "" || value == "N/A" {
				continue
			}
			if err := d.add(code, value); err != nil {
				return nil, fmt.Errorf("ledger: rates CSV line %d: %w", n+2, err)
			}
		}
		days = append(days, d)
	}
	return days, nil
}

func parseXML(data []byte) ([]day, error) {
	var doc struct {
		Cube struct {
			Days []struct {
				Time  string `xml:"time,attr"`
				Rates []struct {
					Currency string `xml:"currency,attr"`
					Rate     string `xml:"rate,attr"`
				} `xml:"Cube"`
			} `xml:"Cube"`
		} `xml:"Cube"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("ledger: rates XML: %w", err)
	}
	var days []day
	for _, c := range doc.Cube.Days {
		date, err := parseDate(c.Time)
		if err != nil {
			return nil, fmt.Errorf("ledger: rates XML: %w", err)
		}
		d := day{date: date, quotes: map[money.Currency]Decimal{}}
		for _, r := range c.Rates {
			if err := d.add(r.Currency, r.Rate); err != nil {
				return nil, fmt.Errorf("ledger: rates XML %s: %w", date, err)
			}
		}
		days = append(days, d)
	}
	return days, nil
}

func parseDate(s string) (string, error) {
	for _, layout := range []string{"2006-01-02", "2 January 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	return "", fmt.Errorf("%q is not a date like 2026-11-25", s)
}

func (d *day) add(code, value string) error {
	c, err := money.ParseCurrency(code)
	if err != nil {
		return err
	}
	q, err := ParseDecimal(value)
	if err != nil {
		return fmt.Errorf("%s: %w", code, err)
	}
	d.quotes[c] = q
	return nil
}

// euro is the table's base: every quote is units per 1 EUR.
const euro money.Currency = "eur"

func (d day) quote(c money.Currency) (Decimal, bool) {
	if c == euro {
		return "1", true
	}
	q, ok := d.quotes[c]
	return q, ok
}

// Dates returns the first and last reference day.
func (r *Rates) Dates() (first, last string) { return r.days[0].date, r.days[len(r.days)-1].date }

// Rate finds the rate from one currency to another on a moment's UTC day:
// the latest reference day on or before it (the earliest day when the
// moment predates the table, so a sandbox never stops for want of a rate).
// Cross rates go through the euro and stay exact (see Rate).
func (r *Rates) Rate(on time.Time, from, to money.Currency) (Rate, error) {
	date := on.UTC().Format("2006-01-02")
	i, found := slices.BinarySearchFunc(r.days, date, func(d day, date string) int { return strings.Compare(d.date, date) })
	if !found {
		i--
	}
	d := r.days[max(i, 0)]
	fq, ok1 := d.quote(from)
	tq, ok2 := d.quote(to)
	if !ok1 || !ok2 {
		return Rate{}, fmt.Errorf("ledger: the rates of %s have no %s/%s quote", d.date, from.Upper(), to.Upper())
	}
	return Rate{Date: d.date, From: from, To: to, FromPerEUR: fq, ToPerEUR: tq}, nil
}

// Require checks that the latest day quotes every currency, so a table
// that cannot serve the catalogue is refused at start, not at a payment.
func (r *Rates) Require(currencies ...money.Currency) error {
	last := r.days[len(r.days)-1]
	var missing []string
	for _, c := range currencies {
		if _, ok := last.quote(c); !ok {
			missing = append(missing, c.Upper())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("ledger: the rates of %s lack %s", last.date, strings.Join(missing, ", "))
	}
	return nil
}

// Rate is one conversion's rate, kept with every balance transaction that
// used it: the reference day and both currencies' quotes against the
// euro. Its value is exactly ToPerEUR / FromPerEUR; nothing is rounded
// until an amount is.
type Rate struct {
	Date       string         `json:"date"`
	From       money.Currency `json:"from"`
	To         money.Currency `json:"to"`
	FromPerEUR Decimal        `json:"from_per_eur"`
	ToPerEUR   Decimal        `json:"to_per_eur"`
}

// Value is the exact rate: units of To per unit of From.
func (r Rate) Value() *big.Rat {
	return new(big.Rat).Quo(r.ToPerEUR.Rat(), r.FromPerEUR.Rat())
}

// Convert turns an amount in From's minor units into To's minor units:
// amount × rate × 10^(exponent(To) − exponent(From)), rounded once by Round.
func (r Rate) Convert(amount int64) (int64, error) {
	v := new(big.Rat).Mul(new(big.Rat).SetInt64(amount), r.Value())
	return Round(scaleRat(v, r.To.Exponent()-r.From.Exponent()))
}

// Display is the rate as Stripe's exchange_rate shows it: a decimal of at
// most 12 significant digits (rounded by the same rule). It is for people;
// amounts are always converted with the exact Value.
func (r Rate) Display() string { return significant(r.Value(), 12) }
