package params

import (
	"bytes"
	"errors"
	"net/url"
	"strconv"
	"testing"
)

func FuzzFromForm(f *testing.F) {
	for _, seed := range []string{
		"amount=2000&currency=usd&expand[0]=customer",
		"a[b][c]=1&a[b][d]=2",
		"a[1]=y&a[0]=x&a[10]=z",
		"a[]=x&a[]=y",
		"line_items[0][price_data][currency]=eur&line_items[0][quantity]=1",
		"metadata[1]=a&metadata[01]=b",
		"metadata=",
		"a=1&a=2",
		"a=1&a[b]=2",
		"a[0]=x&a[b]=y",
		"a[b=1&a]=1&[x]=1",
		"a[][b]=1",
		"=x&a%5Bb%5D=%FF",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		values, _ := url.ParseQuery(raw) // partial values are still worth decoding
		p, err := FromForm(values)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || p != nil {
				t.Fatalf("FromForm error = %v (%T), params %v; want only a *Error", err, err, p)
			}
			return
		}
		want := p.Canonical()

		// Decoding again walks url.Values in another map order.
		again, err := FromForm(values)
		if err != nil {
			t.Fatalf("second decode failed: %v", err)
		}
		if got := again.Canonical(); !bytes.Equal(got, want) {
			t.Fatalf("unstable Canonical:\n%s\n%s", want, got)
		}

		// Writing the tree back out as a form must decode to the same thing.
		round, err := FromForm(encodeForm(p))
		if err != nil {
			t.Fatalf("re-encoded form %v failed: %v", encodeForm(p), err)
		}
		if got := round.Canonical(); !bytes.Equal(got, want) {
			t.Fatalf("round trip changed Canonical:\n%s\n%s", want, got)
		}

		// Every leaf is unknown until read; every accessor copes with every path.
		leaves := p.Unknown()
		if len(leaves) != len(encodeForm(p)) {
			t.Fatalf("Unknown() = %q, but the tree has %d leaves", leaves, len(encodeForm(p)))
		}
		walk(p.root, nil, func(path []string) {
			for _, q := range [][]string{path, append(path, "0"), append(path, "x")} {
				p.Has(q...)
				p.String(q...)
				p.Int64(q...)
				p.Bool(q...)
				p.StringSlice(q...)
				p.StringMap(q...)
			}
		})
		if got := p.Unknown(); len(got) != 0 {
			t.Fatalf("after reading every path Unknown() = %q", got)
		}
		if got := p.Canonical(); !bytes.Equal(got, want) {
			t.Fatalf("reading changed Canonical:\n%s\n%s", want, got)
		}
	})
}

func FuzzFromJSON(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"a":1,"b":[true,null,{"c":"d"}],"e":{}}`, `[]`, `{"a":`, `{"a[b]":1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := FromJSON(body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("FromJSON error %v (%T) is not a *Error", err, err)
			}
			return
		}
		again, _ := FromJSON(body)
		if !bytes.Equal(p.Canonical(), again.Canonical()) {
			t.Fatalf("unstable Canonical:\n%s\n%s", p.Canonical(), again.Canonical())
		}
		p.Ignore()
		if u := p.Unknown(); len(u) != 0 {
			t.Fatalf("after Ignore() Unknown() = %q", u)
		}
	})
}

// encodeForm writes a form-decoded tree back out the way stripe-go would,
// keeping a form array's original indices.
func encodeForm(p *Params) url.Values {
	out := url.Values{}
	var enc func(n *node, path []string)
	enc = func(n *node, path []string) {
		switch n.kind {
		case objectKind:
			for k, c := range n.fields {
				enc(c, child(path, k))
			}
		case arrayKind:
			for i, c := range n.elems {
				key := strconv.Itoa(i)
				if n.keys != nil {
					key = n.keys[i]
				}
				enc(c, child(path, key))
			}
		default:
			out.Set(Path(path...), n.value)
		}
	}
	enc(p.root, nil)
	return out
}

// walk calls f with the accessor path of every node below the root.
func walk(n *node, path []string, f func(path []string)) {
	if len(path) > 0 {
		f(path)
	}
	switch n.kind {
	case objectKind:
		for k, c := range n.fields {
			walk(c, child(path, k), f)
		}
	case arrayKind:
		for i, c := range n.elems {
			walk(c, child(path, strconv.Itoa(i)), f)
		}
	}
}
