package params

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// Shared fixtures: the same parameters as a form body and as a JSON body.
const (
	accessorForm = "s=hello&empty=&n=2000&neg=-3&t=true&f=false&obj[k]=v&arr[0]=x&arr[1]=y" +
		"&pm[billing][address][country]=DE&items[0][q]=1&items[1][q]=abc&nested[0][x]=1"
	accessorJSON = `{"s":"hello","empty":null,"n":2000,"neg":-3,"t":true,"f":false,"obj":{"k":"v"},"arr":["x","y"],` +
		`"pm":{"billing":{"address":{"country":"DE"}}},"items":[{"q":1},{"q":"abc"}],"nested":[{"x":1}],` +
		`"float":20.5,"exp":1e3}`
)

// bothEncodings runs f on the form and the JSON fixture.
func bothEncodings(t *testing.T, f func(t *testing.T, p *Params)) {
	t.Run("form", func(t *testing.T) { f(t, mustForm(t, accessorForm)) })
	t.Run("json", func(t *testing.T) { f(t, mustJSON(t, accessorJSON)) })
}

// wantErr describes an expected *Error; zero means no error.
type wantErr struct{ param, code, msg string }

func checkResult(t *testing.T, err error, want wantErr) {
	t.Helper()
	if want == (wantErr{}) {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	checkError(t, err, want.param, want.code, want.msg)
}

func TestString(t *testing.T) {
	tests := []struct {
		path   string
		want   string
		wantOK bool
		err    wantErr
	}{
		{"s", "hello", true, wantErr{}},
		{"empty", "", true, wantErr{}},
		{"n", "2000", true, wantErr{}},
		{"t", "true", true, wantErr{}},
		{"pm.billing.address.country", "DE", true, wantErr{}},
		{"arr.1", "y", true, wantErr{}},
		{"items.0.q", "1", true, wantErr{}},
		{"missing", "", false, wantErr{}},
		{"pm.billing.missing", "", false, wantErr{}},
		{"arr.2", "", false, wantErr{}},
		{"empty.child", "", false, wantErr{}}, // unset parent: simply absent
		{"obj", "", true, wantErr{"obj", CodeInvalidString, "Invalid string: expected a string but got an object."}},
		{"arr", "", true, wantErr{"arr", CodeInvalidString, "Invalid string: expected a string but got an array."}},
		{"pm.billing", "", true, wantErr{"pm[billing]", CodeInvalidString, "got an object"}},
		{"s.child", "", false, wantErr{"s", CodeInvalidObject, "Invalid object: expected an object but got a string."}},
		{"s.0", "", false, wantErr{"s", CodeInvalidArray, "Invalid array: expected an array but got a string."}},
		{"arr.k", "", false, wantErr{"arr", CodeInvalidObject, "expected an object but got an array"}},
		{"arr.01", "", false, wantErr{"arr", CodeInvalidObject, "expected an object but got an array"}},
		{"pm.billing.address.country.x", "", false, wantErr{"pm[billing][address][country]", CodeInvalidObject, "Invalid object"}},
	}
	bothEncodings(t, func(t *testing.T, p *Params) {
		for _, tt := range tests {
			got, ok, err := p.String(strings.Split(tt.path, ".")...)
			checkResult(t, err, tt.err)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("String(%s) = %q, %v, want %q, %v", tt.path, got, ok, tt.want, tt.wantOK)
			}
		}
	})
}

func TestInt64(t *testing.T) {
	tests := []struct {
		value string
		want  int64
		err   bool
	}{
		{"12", 12, false},
		{"-3", -3, false},
		{"0", 0, false},
		{"007", 7, false},
		{"9223372036854775807", 9223372036854775807, false},
		{"-9223372036854775808", -9223372036854775808, false},
		{"9223372036854775808", 0, true}, // overflow
		{"1.5", 0, true},
		{"1e3", 0, true},
		{"", 0, true},
		{" 1", 0, true},
		{"1 ", 0, true},
		{"+1", 0, true},
		{"-", 0, true},
		{"--1", 0, true},
		{"1_000", 0, true},
		{"0x10", 0, true},
		{"abc", 0, true},
	}
	for _, tt := range tests {
		p, err := FromForm(map[string][]string{"amount": {tt.value}})
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := p.Int64("amount")
		if !ok {
			t.Errorf("Int64(%q): ok = false", tt.value)
		}
		if tt.err {
			checkError(t, err, "amount", CodeInvalidInteger, "Invalid integer: "+preview(tt.value))
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Int64(%q) = %d, %v, want %d", tt.value, got, err, tt.want)
		}
	}
}

func TestInt64Shapes(t *testing.T) {
	tests := []struct {
		path   string
		want   int64
		wantOK bool
		err    wantErr
	}{
		{"n", 2000, true, wantErr{}},
		{"neg", -3, true, wantErr{}},
		{"items.0.q", 1, true, wantErr{}},
		{"missing", 0, false, wantErr{}},
		{"items.1.q", 0, true, wantErr{"items[1][q]", CodeInvalidInteger, "Invalid integer: abc"}},
		{"empty", 0, true, wantErr{"empty", CodeInvalidInteger, "Invalid integer: (empty string)"}},
		{"obj", 0, true, wantErr{"obj", CodeInvalidInteger, "Invalid integer: expected an integer but got an object."}},
	}
	bothEncodings(t, func(t *testing.T, p *Params) {
		for _, tt := range tests {
			got, ok, err := p.Int64(strings.Split(tt.path, ".")...)
			checkResult(t, err, tt.err)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Int64(%s) = %d, %v, want %d, %v", tt.path, got, ok, tt.want, tt.wantOK)
			}
		}
	})
}

func TestInt64JSONNumbers(t *testing.T) {
	p := mustJSON(t, accessorJSON)
	for _, path := range []string{"float", "exp"} {
		_, _, err := p.Int64(path)
		checkError(t, err, path, CodeInvalidInteger, "Invalid integer: ")
	}
}

func TestErrorMessageTruncatesLongValues(t *testing.T) {
	long := strings.Repeat("é", 200) // multi-byte, so the cut must respect runes
	p, _ := FromForm(map[string][]string{"amount": {long}})
	_, _, err := p.Int64("amount")
	msg := err.(*Error).Message
	if len(msg) > 150 || !strings.HasSuffix(msg, "é...") {
		t.Errorf("message not truncated cleanly: %q", msg)
	}
}

func TestBool(t *testing.T) {
	tests := []struct {
		path   string
		want   bool
		wantOK bool
		err    wantErr
	}{
		{"t", true, true, wantErr{}},
		{"f", false, true, wantErr{}},
		{"missing", false, false, wantErr{}},
		{"s", false, true, wantErr{"s", CodeInvalidBoolean, "Invalid boolean: hello"}},
		{"n", false, true, wantErr{"n", CodeInvalidBoolean, "Invalid boolean: 2000"}},
		{"empty", false, true, wantErr{"empty", CodeInvalidBoolean, "Invalid boolean: (empty string)"}},
		{"arr", false, true, wantErr{"arr", CodeInvalidBoolean, "expected a boolean but got an array"}},
	}
	bothEncodings(t, func(t *testing.T, p *Params) {
		for _, tt := range tests {
			got, ok, err := p.Bool(strings.Split(tt.path, ".")...)
			checkResult(t, err, tt.err)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Bool(%s) = %v, %v, want %v, %v", tt.path, got, ok, tt.want, tt.wantOK)
			}
		}
	})
	for _, v := range []string{"True", "1", "yes", "on"} {
		p, _ := FromForm(map[string][]string{"b": {v}})
		_, _, err := p.Bool("b")
		checkError(t, err, "b", CodeInvalidBoolean, "Invalid boolean: "+v)
	}
}

func TestStringSlice(t *testing.T) {
	tests := []struct {
		path   string
		want   []string
		wantOK bool
		err    wantErr
	}{
		{"arr", []string{"x", "y"}, true, wantErr{}},
		{"empty", []string{}, true, wantErr{}}, // stripe-go's "empty this array"
		{"missing", nil, false, wantErr{}},
		{"s", nil, true, wantErr{"s", CodeInvalidArray, "Invalid array: expected an array but got a string."}},
		{"obj", nil, true, wantErr{"obj", CodeInvalidArray, "got an object"}},
		{"nested", nil, true, wantErr{"nested[0]", CodeInvalidString, "Invalid string: expected a string but got an object."}},
	}
	bothEncodings(t, func(t *testing.T, p *Params) {
		for _, tt := range tests {
			got, ok, err := p.StringSlice(strings.Split(tt.path, ".")...)
			checkResult(t, err, tt.err)
			if !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) || ok != tt.wantOK {
				t.Errorf("StringSlice(%s) = %#v, %v, want %#v, %v", tt.path, got, ok, tt.want, tt.wantOK)
			}
		}
	})
}

func TestStringSliceForms(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{"a[0]=x&a[1]=y", []string{"x", "y"}},
		{"a[1]=y&a[0]=x", []string{"x", "y"}},
		{"a[]=x&a[]=y", []string{"x", "y"}},
		{"a[3]=x&a[7]=y", []string{"x", "y"}},
		{"a=", []string{}},
	}
	for _, tt := range tests {
		got, ok, err := mustForm(t, tt.raw).StringSlice("a")
		if err != nil || !ok || !slices.Equal(got, tt.want) || got == nil {
			t.Errorf("%s: StringSlice = %#v, %v, %v, want %#v", tt.raw, got, ok, err, tt.want)
		}
	}
	got, ok, err := mustJSON(t, `{"a":[]}`).StringSlice("a")
	if err != nil || !ok || got == nil || len(got) != 0 {
		t.Errorf("JSON []: StringSlice = %#v, %v, %v, want empty slice", got, ok, err)
	}
}

func TestStringMap(t *testing.T) {
	tests := []struct {
		name string
		p    func(t *testing.T) *Params
		want map[string]string // nil means an error is expected
		err  wantErr
	}{
		{"form", func(t *testing.T) *Params { return mustForm(t, "metadata[a]=1&metadata[b]=") },
			map[string]string{"a": "1", "b": ""}, wantErr{}},
		{"json", func(t *testing.T) *Params { return mustJSON(t, `{"metadata":{"a":"1","b":"","c":null}}`) },
			map[string]string{"a": "1", "b": "", "c": ""}, wantErr{}},
		{"form unset all", func(t *testing.T) *Params { return mustForm(t, "metadata=") },
			map[string]string{}, wantErr{}},
		{"json unset all", func(t *testing.T) *Params { return mustJSON(t, `{"metadata":null}`) },
			map[string]string{}, wantErr{}},
		{"json empty object", func(t *testing.T) *Params { return mustJSON(t, `{"metadata":{}}`) },
			map[string]string{}, wantErr{}},
		{"form numeric keys", func(t *testing.T) *Params { return mustForm(t, "metadata[7]=a&metadata[123]=b") },
			map[string]string{"7": "a", "123": "b"}, wantErr{}},
		{"json numeric keys", func(t *testing.T) *Params { return mustJSON(t, `{"metadata":{"7":"a","123":"b"}}`) },
			map[string]string{"7": "a", "123": "b"}, wantErr{}},
		{"string", func(t *testing.T) *Params { return mustForm(t, "metadata=x") },
			nil, wantErr{"metadata", CodeInvalidObject, "Invalid object: expected an object but got a string."}},
		{"json array", func(t *testing.T) *Params { return mustJSON(t, `{"metadata":["x"]}`) },
			nil, wantErr{"metadata", CodeInvalidObject, "got an array"}},
		{"append array", func(t *testing.T) *Params { return mustForm(t, "metadata[]=x") },
			nil, wantErr{"metadata", CodeInvalidObject, "got an array"}},
		{"nested value", func(t *testing.T) *Params { return mustForm(t, "metadata[a]=1&metadata[b][c]=2") },
			nil, wantErr{"metadata[b]", CodeInvalidString, "Invalid string: expected a string but got an object."}},
		{"nested value under numeric key", func(t *testing.T) *Params { return mustForm(t, "metadata[5][c]=2") },
			nil, wantErr{"metadata[5]", CodeInvalidString, "got an object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := tt.p(t).StringMap("metadata")
			checkResult(t, err, tt.err)
			if !ok {
				t.Error("ok = false")
			}
			if !maps.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("StringMap = %#v, want %#v", got, tt.want)
			}
		})
	}
	if got, ok, err := mustForm(t, "").StringMap("metadata"); got != nil || ok || err != nil {
		t.Errorf("missing: StringMap = %v, %v, %v", got, ok, err)
	}
}

func TestLen(t *testing.T) {
	bothEncodings(t, func(t *testing.T, p *Params) {
		n, ok, err := p.Len("items")
		if n != 2 || !ok || err != nil {
			t.Fatalf("Len(items) = %d, %v, %v", n, ok, err)
		}
		if n, ok, err := p.Len("missing"); n != 0 || ok || err != nil {
			t.Fatalf("Len(missing) = %d, %v, %v", n, ok, err)
		}
		_, ok, err = p.Len("obj")
		checkResult(t, err, wantErr{"obj", CodeInvalidArray, "Invalid array: expected an array but got an object."})
		if !ok {
			t.Error("a present non-array is ok=true")
		}
		// Counting reads nothing: the elements' fields are still unknown
		// until an accessor reads them.
		if unknown := p.Unknown(); !slices.Contains(unknown, "items[0][q]") {
			t.Errorf("Len marked elements as read: %v", unknown)
		}
	})
}
