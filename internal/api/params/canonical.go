package params

import (
	"maps"
	"slices"
	"strconv"
)

// Canonical returns a deterministic encoding of the whole tree, for checking
// that a retried request carries the same parameters as the first one with
// its idempotency key. It is JSON-like: leaves are Go-quoted strings (exact
// even for invalid UTF-8), object keys are sorted, arrays keep their order.
// Because leaves are text either way, form "amount=2000&expand[0]=x" and
// JSON {"amount":2000,"expand":["x"]} encode the same. A form array sent with
// gaps (a[5]=x) writes its indices out, so it never equals a[0]=x.
func (p *Params) Canonical() []byte {
	return appendCanonical(nil, p.root)
}

func appendCanonical(b []byte, n *node) []byte {
	switch n.kind {
	case objectKind:
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(n.fields)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, k)
			b = append(b, ':')
			b = appendCanonical(b, n.fields[k])
		}
		return append(b, '}')
	case arrayKind:
		gaps := hasGaps(n)
		b = append(b, '[')
		for i, e := range n.elems {
			if i > 0 {
				b = append(b, ',')
			}
			if gaps {
				b = append(b, n.keys[i]...) // digits only, so unambiguous before ':'
				b = append(b, ':')
			}
			b = appendCanonical(b, e)
		}
		return append(b, ']')
	default:
		return strconv.AppendQuote(b, n.value)
	}
}

// hasGaps reports whether a form array's indices differ from 0..n-1.
func hasGaps(n *node) bool {
	for i, k := range n.keys {
		if k != strconv.Itoa(i) {
			return true
		}
	}
	return false
}
