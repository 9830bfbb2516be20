package params

import (
	"bytes"
	"testing"
)

func TestCanonicalFormMatchesJSON(t *testing.T) {
	tests := []struct{ form, json string }{
		{"", `{}`},
		{"amount=2000&expand[0]=x", `{"amount":2000,"expand":["x"]}`},
		{"expand[]=x&expand[]=y", `{"expand":["x","y"]}`},
		{"expand[1]=y&expand[0]=x", `{"expand":["x","y"]}`},
		{"capture=true&description=", `{"capture":true,"description":null}`},
		{"amount=20.50", `{"amount":20.50}`},
		{"metadata[order]=42&metadata[note]=", `{"metadata":{"note":"","order":"42"}}`},
		{"line_items[0][price_data][currency]=eur&line_items[0][quantity]=1",
			`{"line_items":[{"quantity":1,"price_data":{"currency":"eur"}}]}`},
		{"payment_method_data[billing_details][address][country]=DE",
			`{"payment_method_data":{"billing_details":{"address":{"country":"DE"}}}}`},
	}
	for _, tt := range tests {
		f := mustForm(t, tt.form).Canonical()
		j := mustJSON(t, tt.json).Canonical()
		if !bytes.Equal(f, j) {
			t.Errorf("form %q and JSON %s differ:\n form %s\n json %s", tt.form, tt.json, f, j)
		}
	}
}

func TestCanonicalDistinguishes(t *testing.T) {
	tests := []struct{ a, b string }{ // JSON bodies that must encode differently
		{`{"a":""}`, `{"a":{}}`},
		{`{"a":""}`, `{"a":[]}`},
		{`{"a":{}}`, `{"a":[]}`},
		{`{"a":["x"]}`, `{"a":"x"}`},
		{`{"a":["x"]}`, `{"a":{"0":"x"}}`},
		{`{"a":["x","y"]}`, `{"a":["x,y"]}`},
		{`{"a":["x","y"]}`, `{"a":["y","x"]}`},
		{`{"a":[["x"]]}`, `{"a":["x"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":{"c":""}}}`},
		{`{"a":"\"","b":""}`, `{"a":"\",\"b\":\""}`},
		{`{"a":"x"}`, `{"a":"x "}`},
	}
	for _, tt := range tests {
		a, b := mustJSON(t, tt.a).Canonical(), mustJSON(t, tt.b).Canonical()
		if bytes.Equal(a, b) {
			t.Errorf("%s and %s both encode as %s", tt.a, tt.b, a)
		}
	}
	forms := []struct{ a, b string }{
		{"a[5]=x", "a[0]=x"},
		{"a[1]=x", "a[01]=x"},
		{"a=%FF", "a=%EF%BF%BD"}, // an invalid byte is not U+FFFD
	}
	for _, tt := range forms {
		a, b := mustForm(t, tt.a).Canonical(), mustForm(t, tt.b).Canonical()
		if bytes.Equal(a, b) {
			t.Errorf("%q and %q both encode as %s", tt.a, tt.b, a)
		}
	}
}

func TestCanonicalIsStable(t *testing.T) {
	const raw = "z=1&a[c]=2&a[b]=3&m[2]=x&m[10]=y&l[]=p&l[]=q"
	want := mustForm(t, raw).Canonical()
	for range 50 { // map iteration order varies between decodes
		if got := mustForm(t, raw).Canonical(); !bytes.Equal(got, want) {
			t.Fatalf("Canonical() = %s, then %s", want, got)
		}
	}
	// Reading parameters does not change the encoding.
	p := mustForm(t, raw)
	p.StringMap("a")
	p.Ignore()
	if got := p.Canonical(); !bytes.Equal(got, want) {
		t.Errorf("after reads Canonical() = %s, want %s", got, want)
	}
}
