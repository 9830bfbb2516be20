package paygate

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const payA = "0123456789abcdef0123456789abcdef"

func TestParseBatchVersions(t *testing.T) {
	cases := []struct {
		name, file string
		records    int
		refNr      string
		mid        string
	}{
		{"1.0 without RefNr", "HEAD,M1,20261126,1.0\nSOFORT,Credit,500,EUR,T-1," + payA + "\nFOOT,1,500\n", 1, "", "M1"},
		{"2.x with RefNr", "HEAD,M1,20261126,2.1\r\nSOFORT,Credit,500,EUR,T-1,R-1," + payA + "\r\nSOFORT,Credit,250,eur,T-2,," + payA + "\r\nFOOT,2,750\r\n", 2, "R-1", "M1"},
		{"master MID", "HEAD,Master,20261126,2.0\nSOFORT,Credit,Slave1,500,EUR,T-1," + payA + "\nFOOT,1,500", 1, "", "Slave1"},
		{"no records", "HEAD,M1,20261126,1.0\nFOOT,0,0\n", 0, "", ""},
	}
	for _, tc := range cases {
		b, err := ParseBatch(strings.NewReader(tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(b.Records) != tc.records {
			t.Fatalf("%s: %d records", tc.name, len(b.Records))
		}
		if tc.records > 0 {
			r := b.Records[0]
			if r.RefNr != tc.refNr || r.MerchantID != tc.mid || r.Amount != 500 || r.Currency != "EUR" || r.TransID != "T-1" || r.PayID != payA {
				t.Errorf("%s: record %+v", tc.name, r)
			}
		}
	}
}

func TestParseBatchRefusesTheWholeFile(t *testing.T) {
	for name, file := range map[string]string{
		"empty":            "",
		"no HEAD":          "SOFORT,Credit,500,EUR,T-1," + payA + "\nFOOT,1,500\n",
		"unknown version":  "HEAD,M1,20261126,3.0\nFOOT,0,0\n",
		"no FOOT":          "HEAD,M1,20261126,1.0\nSOFORT,Credit,500,EUR,T-1," + payA + "\n",
		"count mismatch":   "HEAD,M1,20261126,1.0\nSOFORT,Credit,500,EUR,T-1," + payA + "\nFOOT,2,500\n",
		"sum mismatch":     "HEAD,M1,20261126,1.0\nSOFORT,Credit,500,EUR,T-1," + payA + "\nFOOT,1,501\n",
		"amount not n":     "HEAD,M1,20261126,1.0\nSOFORT,Credit,5.00,EUR,T-1," + payA + "\nFOOT,1,5\n",
		"RefNr in 1.0":     "HEAD,M1,20261126,1.0\nSOFORT,Credit,500,EUR,T-1,R-1,X," + payA + "\nFOOT,1,500\n",
		"bad PayID":        "HEAD,M1,20261126,1.0\nSOFORT,Credit,500,EUR,T-1,short\nFOOT,1,500\n",
		"capture action":   "HEAD,M1,20261126,1.0\nSOFORT,Capture,500,EUR,T-1," + payA + "\nFOOT,1,500\n",
		"line after FOOT":  "HEAD,M1,20261126,1.0\nFOOT,0,0\nSOFORT,Credit,500,EUR,T-1," + payA + "\n",
		"currency digits":  "HEAD,M1,20261126,1.0\nSOFORT,Credit,500,E1R,T-1," + payA + "\nFOOT,1,500\n",
		"RefNr characters": "HEAD,M1,20261126,1.1\nSOFORT,Credit,500,EUR,T-1,R 1," + payA + "\nFOOT,1,500\n",
	} {
		_, err := ParseBatch(strings.NewReader(file))
		var pe *Error
		if !errors.As(err, &pe) || pe.Code[0] != '2' {
			t.Errorf("%s: got %v, want a coded refusal", name, err)
		}
	}
}

func TestBatchResponse(t *testing.T) {
	for version, want := range map[string]string{
		"1.0": "HEAD,M1,20261126,1.0\nSOFORT,Credit,500,EUR,T-1," + payA + ",OK\nFOOT,1,500\n",
		"1.1": "HEAD,M1,20261126,1.1\nSOFORT,Credit,500,EUR,T-1,R-1," + payA + ",OK,00000000\nFOOT,1,500\n",
	} {
		rec := "SOFORT,Credit,500,EUR,T-1," + payA
		if version == "1.1" {
			rec = "SOFORT,Credit,500,EUR,T-1,R-1," + payA
		}
		b, err := ParseBatch(strings.NewReader("HEAD,M1,20261126," + version + "\n" + rec + "\nFOOT,1,500\n"))
		if err != nil {
			t.Fatal(err)
		}
		b.Records[0].Status, b.Records[0].Code = StatusOK, CodeOK
		var out bytes.Buffer
		if err := b.Response(&out); err != nil || out.String() != want {
			t.Errorf("version %s response:\n%s\nwant:\n%s", version, out.String(), want)
		}
	}
}

func FuzzParseBatch(f *testing.F) {
	f.Add("HEAD,M1,20261126,2.1\nSOFORT,Credit,500,EUR,T-1,R-1," + payA + "\nFOOT,1,500\n")
	f.Add("HEAD,Master,20261126,2.0\nSOFORT,Credit,Slave1,500,EUR,T-1," + payA + "\nFOOT,1,500")
	f.Add("HEAD,,,\n\n,,,\nFOOT,-1,x")
	f.Fuzz(func(t *testing.T, file string) {
		b, err := ParseBatch(strings.NewReader(file))
		requireCoded(t, err)
		if err != nil {
			return
		}
		var sum int64
		for _, r := range b.Records {
			sum += r.Amount
		}
		if b.Count != len(b.Records) || b.Sum != sum {
			t.Fatalf("accepted a file whose footer does not match: %+v", b)
		}
	})
}
