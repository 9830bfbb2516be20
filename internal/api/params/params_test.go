package params

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// mustForm decodes a raw form body, failing the test on any error.
func mustForm(t *testing.T, raw string) *Params {
	t.Helper()
	values, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", raw, err)
	}
	p, err := FromForm(values)
	if err != nil {
		t.Fatalf("FromForm(%q): %v", raw, err)
	}
	return p
}

func mustJSON(t *testing.T, body string) *Params {
	t.Helper()
	p, err := FromJSON([]byte(body))
	if err != nil {
		t.Fatalf("FromJSON(%s): %v", body, err)
	}
	return p
}

// checkError asserts err is a *Error with the given param and code and a
// message containing msg.
func checkError(t *testing.T, err error, param, code, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error", err, err)
	}
	if e.Param != param || e.Code != code || !strings.Contains(e.Message, msg) {
		t.Errorf("error = {Param: %q, Code: %q, Message: %q}, want {Param: %q, Code: %q, Message containing %q}",
			e.Param, e.Code, e.Message, param, code, msg)
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		segs []string
		want string
	}{
		{nil, ""},
		{[]string{"amount"}, "amount"},
		{[]string{"line_items", "0", "price_data"}, "line_items[0][price_data]"},
	}
	for _, tt := range tests {
		if got := Path(tt.segs...); got != tt.want {
			t.Errorf("Path(%q) = %q, want %q", tt.segs, got, tt.want)
		}
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Param: "amount", Code: CodeInvalidInteger, Message: "Invalid integer: abc"}
	if got, want := e.Error(), "Invalid integer: abc (param: amount)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &Error{Message: "Invalid JSON body."}
	if got, want := e.Error(), "Invalid JSON body."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestHas(t *testing.T) {
	p := mustForm(t, "a=&b[c]=1&d[0]=x&s=str")
	tests := []struct {
		path []string
		want bool
	}{
		{[]string{"a"}, true}, // present though empty
		{[]string{"b"}, true},
		{[]string{"b", "c"}, true},
		{[]string{"b", "x"}, false},
		{[]string{"d", "0"}, true},
		{[]string{"d", "1"}, false},
		{[]string{"d", "x"}, false}, // arrays have no named keys
		{[]string{"a", "x"}, false}, // an unset parent has no children
		{[]string{"s", "x"}, false}, // nor does a string
		{[]string{"missing"}, false},
	}
	for _, tt := range tests {
		if got := p.Has(tt.path...); got != tt.want {
			t.Errorf("Has(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if u := p.Unknown(); len(u) != 4 {
		t.Errorf("Has counted as reading: Unknown() = %q", u)
	}
}

func TestUnknown(t *testing.T) {
	const body = "amount=2000&currency=usd&metadata[k]=v&expand[0]=a&expand[1]=b" +
		"&payment_method_data[billing_details][address][country]=DE" +
		"&payment_method_data[billing_details][name]=Jo" +
		"&line_items[0][price]=p&line_items[0][quantity]=1&line_items[1][price]=q"

	tests := []struct {
		name string
		read func(p *Params)
		want []string
	}{
		{
			name: "nothing read reports every leaf with its full path",
			read: func(p *Params) {},
			want: []string{
				"amount", "currency", "expand[0]", "expand[1]",
				"line_items[0][price]", "line_items[0][quantity]", "line_items[1][price]",
				"metadata[k]",
				"payment_method_data[billing_details][address][country]",
				"payment_method_data[billing_details][name]",
			},
		},
		{
			name: "reading an ancestor covers its leaves",
			read: func(p *Params) {
				p.Int64("amount")
				p.String("currency")
				p.StringMap("metadata")
				p.StringSlice("expand")
				p.String("line_items", "0", "price")
				p.Int64("line_items", "0", "quantity")
				p.String("payment_method_data", "billing_details", "name")
			},
			want: []string{
				"line_items[1][price]",
				"payment_method_data[billing_details][address][country]",
			},
		},
		{
			name: "Ignore marks a subtree read",
			read: func(p *Params) {
				p.Ignore("payment_method_data")
				p.Ignore("line_items", "1")
				p.Ignore("no", "such", "param")
			},
			want: []string{
				"amount", "currency", "expand[0]", "expand[1]",
				"line_items[0][price]", "line_items[0][quantity]", "metadata[k]",
			},
		},
		{
			name: "a wrongly shaped read still counts as read",
			read: func(p *Params) {
				p.Int64("currency")   // invalid integer
				p.String("metadata")  // object, not a string
				p.Bool("expand", "0") // invalid boolean
				p.Ignore()            // then everything
			},
			want: nil,
		},
		{
			name: "a failed walk through a leaf reads nothing",
			read: func(p *Params) {
				p.String("currency", "x")
				p.String("missing")
			},
			want: []string{
				"amount", "currency", "expand[0]", "expand[1]",
				"line_items[0][price]", "line_items[0][quantity]", "line_items[1][price]",
				"metadata[k]",
				"payment_method_data[billing_details][address][country]",
				"payment_method_data[billing_details][name]",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustForm(t, body)
			tt.read(p)
			if got := p.Unknown(); !slices.Equal(got, tt.want) {
				t.Errorf("Unknown() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestUnknownJSON(t *testing.T) {
	// Empty containers have no leaves but must not slip through unnoticed.
	p := mustJSON(t, `{"a":{},"b":[],"c":[{"d":null}],"e":{"f":{}}}`)
	want := []string{"a", "b", "c[0][d]", "e[f]"}
	if got := p.Unknown(); !slices.Equal(got, want) {
		t.Errorf("Unknown() = %q, want %q", got, want)
	}
	if got := mustJSON(t, `{}`).Unknown(); got != nil {
		t.Errorf("Unknown() of {} = %q, want nil", got)
	}
}
