package paygate

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Batch is a Batch Manager file of Sofort credits (seed 001):
//
//	HEAD,<MerchantID>,<Date>,<Version>
//	SOFORT,Credit,<Amount>,<Currency>,<TransID>,(<RefNr>,)<PayID>
//	FOOT,<CountRecords>,<SumAmount>
//
// Versions 1.0 and 2.0 carry no RefNr and get no Code back; every other
// version (1.x, 2.x) carries RefNr and gets Code. In the master-MID form
// each record names the merchant it is for after the action:
// SOFORT,Credit,<MID>,<Amount>,…
type Batch struct {
	MerchantID string
	Date       string
	Version    string
	Records    []BatchRecord
	Count      int
	Sum        int64
}

// BatchRecord is one credit of a batch, with its outcome once processed.
type BatchRecord struct {
	Line       int
	Type       string
	Action     string
	MerchantID string // the record's merchant: the header's, or its own in the master-MID form
	Amount     int64
	Currency   string
	TransID    string
	RefNr      string
	PayID      string
	// Raw are the record's fields as given, echoed in the response file.
	Raw []string

	Status string
	Code   Code
}

// withRefNr says whether the version's records carry RefNr (and its
// responses Code): all but 1.0 and 2.0.
func withRefNr(version string) bool { return version != "1.0" && version != "2.0" }

// batchError refuses a whole file; detail names the problem.
func batchError(line int, field, format string, args ...any) *Error {
	e := FieldError(ModuleFormat, field, fmt.Sprintf(format, args...))
	e.Description = fmt.Sprintf("line %d: %s", line, e.Description)
	return e
}

const maxBatchLine = 4096

// ParseBatch reads a batch file. A malformed line, or a footer whose
// count or sum does not match the records, refuses the whole file before
// anything is credited.
func ParseBatch(r io.Reader) (*Batch, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), maxBatchLine)
	b := &Batch{}
	line, footer := 0, false
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		if footer {
			return nil, batchError(line, "Data", "nothing may follow FOOT")
		}
		f := strings.Split(text, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		switch {
		case line == 1 || b.Version == "":
			if len(f) != 4 || !strings.EqualFold(f[0], "HEAD") {
				return nil, batchError(line, "Data", "the file must start with HEAD,<MerchantID>,<Date>,<Version>")
			}
			b.MerchantID, b.Date, b.Version = f[1], f[2], f[3]
			if b.MerchantID == "" || len(b.MerchantID) > 30 {
				return nil, batchError(line, "MerchantID", "must be 1 to 30 characters")
			}
			if !batchVersion(b.Version) {
				return nil, batchError(line, "Data", "unknown version %q (1.0, 2.0, 1.x, 2.x)", b.Version)
			}
		case strings.EqualFold(f[0], "FOOT"):
			if len(f) != 3 {
				return nil, batchError(line, "Data", "FOOT must be FOOT,<CountRecords>,<SumAmount>")
			}
			count, err1 := strconv.Atoi(f[1])
			sum, err2 := strconv.ParseInt(f[2], 10, 64)
			if err1 != nil || err2 != nil || count < 0 || sum < 0 {
				return nil, batchError(line, "Data", "FOOT's count and sum must be numbers")
			}
			b.Count, b.Sum, footer = count, sum, true
		default:
			rec, err := parseBatchRecord(line, f, b)
			if err != nil {
				return nil, err
			}
			b.Records = append(b.Records, rec)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, batchError(line+1, "Data", "unreadable: %v", err)
	}
	if b.Version == "" {
		return nil, batchError(1, "Data", "the file is empty")
	}
	if !footer {
		return nil, batchError(line, "Data", "the file must end with FOOT,<CountRecords>,<SumAmount>")
	}
	var sum int64
	for _, r := range b.Records {
		sum += r.Amount
	}
	if b.Count != len(b.Records) || b.Sum != sum {
		return nil, batchError(line, "Data", "FOOT says %d records of %d in all, the file has %d of %d", b.Count, b.Sum, len(b.Records), sum)
	}
	return b, nil
}

func batchVersion(v string) bool {
	major, minor, ok := strings.Cut(v, ".")
	return ok && (major == "1" || major == "2") && minor != "" && len(minor) <= 3
}

// parseBatchRecord reads SOFORT,Credit,[MID,]Amount,Currency,TransID,[RefNr,]PayID.
func parseBatchRecord(line int, f []string, b *Batch) (BatchRecord, error) {
	rec := BatchRecord{Line: line, Raw: f, MerchantID: b.MerchantID}
	if len(f) < 2 || !strings.EqualFold(f[0], "SOFORT") {
		return rec, batchError(line, "Data", "a record must be SOFORT,Credit,…")
	}
	if !strings.EqualFold(f[1], "Credit") {
		return rec, batchError(line, "Data", "only the Credit action is supported, not %q", f[1])
	}
	rec.Type, rec.Action = f[0], f[1]
	rest := f[2:]
	want := 4 // Amount, Currency, TransID, PayID
	if withRefNr(b.Version) {
		want++
	}
	switch len(rest) {
	case want:
	case want + 1: // the master-MID form names the record's merchant
		rec.MerchantID, rest = rest[0], rest[1:]
		if rec.MerchantID == "" || len(rec.MerchantID) > 30 {
			return rec, batchError(line, "MerchantID", "must be 1 to 30 characters")
		}
	default:
		return rec, batchError(line, "Data", "version %s records have %d fields after the action, not %d", b.Version, want, len(rest))
	}
	amount, currency, transID := rest[0], rest[1], rest[2]
	if amount == "" || len(amount) > 10 || strings.Trim(amount, "0123456789") != "" {
		return rec, batchError(line, "Amount", "must be n..10")
	}
	rec.Amount, _ = strconv.ParseInt(amount, 10, 64)
	if len(currency) != 3 || strings.Trim(strings.ToUpper(currency), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return rec, batchError(line, "Currency", "must be a3")
	}
	rec.Currency = strings.ToUpper(currency)
	if transID == "" || len(transID) > 64 {
		return rec, batchError(line, "TransID", "must be ans..64")
	}
	rec.TransID = transID
	if withRefNr(b.Version) {
		rec.RefNr = rest[3]
		if len(rec.RefNr) > 40 || !refNrChars.MatchString(rec.RefNr) {
			return rec, batchError(line, "RefNr", "must be ans..40 of a-zA-Z0-9,-_")
		}
	}
	rec.PayID = rest[len(rest)-1]
	if len(rec.PayID) != 32 || strings.Trim(strings.ToLower(rec.PayID), "0123456789abcdefghijklmnopqrstuvwxyz") != "" {
		return rec, batchError(line, "PayID", "must be an32")
	}
	return rec, nil
}

// Response writes the response file: the header, each record as given
// with its Status (and Code, except in versions 1.0 and 2.0), the footer.
func (b *Batch) Response(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "HEAD,%s,%s,%s\n", b.MerchantID, b.Date, b.Version)
	for _, r := range b.Records {
		fields := append(append([]string(nil), r.Raw...), r.Status)
		if withRefNr(b.Version) {
			fields = append(fields, string(r.Code))
		}
		fmt.Fprintln(bw, strings.Join(fields, ","))
	}
	fmt.Fprintf(bw, "FOOT,%d,%d\n", b.Count, b.Sum)
	return bw.Flush()
}
