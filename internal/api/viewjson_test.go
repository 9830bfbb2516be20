package api

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"kassa/internal/methods"
	"kassa/internal/payments"
)

type textual struct{ s string }

func (t textual) MarshalText() ([]byte, error) { return []byte("text:" + t.s), nil }

func TestMarshalViewMatchesEncodingJSON(t *testing.T) {
	cases := map[string]any{
		"nil":              nil,
		"escapes":          "quote\" back\\ <b>&amp; \n\r\t\b\f \x00\x1f \x7f",
		"unicode":          "Grüße, 東京 \u2028 \u2029 \U0001F600",
		"invalid utf-8":    "a\xffb\xc3(c\xed\xa0\x80",
		"numbers":          map[string]any{"int": 7, "int64": int64(-1 << 62), "zero": 0},
		"nested":           map[string]any{"b": map[string]any{"z": nil, "a": []any{1, "x", true}}, "a": map[string]string{"k2": "v", "k1": "<"}},
		"empty containers": map[string]any{"m": map[string]any{}, "s": []any{}, "ss": []string{}, "ms": []map[string]any{}},
		"nil containers":   map[string]any{"m": map[string]any(nil), "s": []any(nil), "ss": []string(nil), "ms": []map[string]any(nil), "mss": map[string]string(nil)},
		"named kinds":      map[string]any{"status": payments.RequiresAction, "type": methods.Sofort, "u": uint8(9), "f": 1.5},
		"marshalers":       map[string]any{"time": time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), "text": textual{"x"}, "bytes": []byte("hi"), "number": json.Number("0.0000625")},
		"html in keys":     map[string]any{"<k>": "&", "a&b": 1},
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			assertSameJSON(t, v)
		})
	}
}

func TestMarshalViewOfAnIntent(t *testing.T) {
	for _, in := range []payments.IntentInput{
		{Amount: 1999, Currency: "eur", PaymentMethodTypes: []methods.Type{methods.Sofort},
			Metadata: map[string]string{"order": "<42>", "note": "ünïcode"}, Description: "a \"quoted\" thing"},
		{Amount: 25000, Currency: "nok", PaymentMethodTypes: []methods.Type{methods.Vipps}, VippsReference: "order-7"},
	} {
		pi, _, err := payments.NewIntent("pi_1", "acct_1", "pi_1_secret_x", in, time.Unix(1_800_000_000, 0))
		if err != nil {
			t.Fatal(err)
		}
		assertSameJSON(t, renderIntent(pi, intentRelations{}))
		assertSameJSON(t, listEnvelope("/v1/payment_intents", []map[string]any{renderIntent(pi, intentRelations{})}, true))
	}
}

// FuzzMarshalView builds a view from the input (nested maps and slices of
// strings, integers and booleans) and checks it against encoding/json.
func FuzzMarshalView(f *testing.F) {
	f.Add([]byte("m\x03ka\x00s<&>\x00i\x07b\x01"))
	f.Add([]byte("l\x02s\xff\xfe\x00m\x01k\u2028\x00n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, _ := buildView(data, 0)
		assertSameJSON(t, v)
	})
}

// buildView reads one value from data: m<n> a map of n keyed values, l<n>
// a list of n values, s a NUL-ended string, i a byte as an integer, b a
// boolean, n nil; it returns the rest of data.
func buildView(data []byte, depth int) (any, []byte) {
	if len(data) == 0 {
		return nil, data
	}
	tag, data := data[0], data[1:]
	str := func() string {
		i := bytes.IndexByte(data, 0)
		if i < 0 {
			s := string(data)
			data = nil
			return s
		}
		s := string(data[:i])
		data = data[i+1:]
		return s
	}
	count := func() int {
		if len(data) == 0 {
			return 0
		}
		n := int(data[0] % 8)
		data = data[1:]
		return n
	}
	switch tag {
	case 'm':
		if depth > 8 {
			return map[string]any{}, data
		}
		m := map[string]any{}
		for range count() {
			k := str()
			m[k], data = buildView(data, depth+1)
		}
		return m, data
	case 'l':
		if depth > 8 {
			return []any{}, data
		}
		var l []any
		for range count() {
			var v any
			v, data = buildView(data, depth+1)
			l = append(l, v)
		}
		return l, data
	case 'S':
		m := map[string]string{}
		for range count() {
			k := str()
			m[k] = str()
		}
		return m, data
	case 's':
		return str(), data
	case 'i':
		if len(data) == 0 {
			return 0, data
		}
		return int64(int8(data[0])) * 1_000_003, data[1:]
	case 'b':
		return len(data) > 0 && data[0]%2 == 1, data
	default:
		return nil, data
	}
}

func assertSameJSON(t *testing.T, v any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := marshalView(v)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("error %v, encoding/json's %v", err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("marshalView:\n%s\nencoding/json:\n%s", got, want)
	}
}

func BenchmarkMarshalIntentView(b *testing.B) {
	pi, _, err := payments.NewIntent("pi_1", "acct_1", "pi_1_secret_x", payments.IntentInput{
		Amount: 1999, Currency: "eur", PaymentMethodTypes: []methods.Type{methods.Sofort},
		Metadata: map[string]string{"order": "42"},
	}, time.Unix(1_800_000_000, 0))
	if err != nil {
		b.Fatal(err)
	}
	view := renderIntent(pi, intentRelations{})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(view); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("marshalView", func(b *testing.B) {
		for b.Loop() {
			if _, err := marshalView(view); err != nil {
				b.Fatal(err)
			}
		}
	})
}
