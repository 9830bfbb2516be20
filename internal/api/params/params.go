// Package params decodes Stripe-style request parameters (bracketed form
// bodies, JSON bodies, query strings) into one tree, gives handlers typed
// accessors that fail with Stripe parameter errors, tracks which parameters
// were read so unknown ones can be rejected, and encodes the tree canonically
// for idempotency-key comparison.
package params

import (
	"slices"
	"strconv"
	"strings"
)

// maxDepth caps the number of key segments in a parameter path (a[b][c] has
// three). Stripe's deepest parameters use about six; the cap keeps hostile
// keys like a[a][a]... from costing quadratic time when paths are printed.
const maxDepth = 32

// Params is a decoded request parameter tree. Leaves are strings; inner nodes
// are objects or arrays.
type Params struct {
	root *node // always an object
}

type kind uint8

const (
	leafKind kind = iota
	objectKind
	arrayKind
)

func (k kind) String() string {
	switch k {
	case objectKind:
		return "an object"
	case arrayKind:
		return "an array"
	default:
		return "a string"
	}
}

// node is one parameter: a string leaf, an object or an array.
type node struct {
	kind   kind
	value  string
	fields map[string]*node
	elems  []*node
	// keys are the indices a form array was sent with (metadata[5]=x). They
	// let StringMap read numeric metadata keys back and let Canonical tell
	// a[5]=x from a[0]=x. Nil for JSON arrays and a[]=x appends.
	keys []string
	// read marks a node returned by an accessor; it covers the whole subtree.
	read bool
}

func newObject() *node { return &node{kind: objectKind, fields: map[string]*node{}} }

// Path joins key segments into Stripe's bracket notation:
// Path("a", "b", "0") is "a[b][0]".
func Path(segments ...string) string {
	if len(segments) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(segments[0])
	for _, s := range segments[1:] {
		b.WriteByte('[')
		b.WriteString(s)
		b.WriteByte(']')
	}
	return b.String()
}

// child returns path+seg without writing into the caller's backing array.
func child(path []string, seg string) []string {
	return append(slices.Clip(path), seg)
}

// index parses an array index segment; only canonical decimals ("0", "12") qualify.
func index(seg string) (int, bool) {
	i, err := strconv.Atoi(seg)
	if err != nil || i < 0 || strconv.Itoa(i) != seg {
		return 0, false
	}
	return i, true
}

// find walks path from the root. A missing key or index is simply absent (nil,
// nil). Descending into something that cannot have children is an error about
// that ancestor, since the handler expected an object or array there — except
// an empty string, which is Stripe's "unset" and so has no children.
func (p *Params) find(path []string) (*node, error) {
	n := p.root
	for i, seg := range path {
		switch n.kind {
		case objectKind:
			n = n.fields[seg]
		case arrayKind:
			idx, ok := index(seg)
			if !ok {
				return nil, typeError(path[:i], CodeInvalidObject, "object", n.kind)
			}
			if idx >= len(n.elems) {
				return nil, nil
			}
			n = n.elems[idx]
		case leafKind:
			if n.value == "" {
				return nil, nil
			}
			if _, ok := index(seg); ok {
				return nil, typeError(path[:i], CodeInvalidArray, "array", n.kind)
			}
			return nil, typeError(path[:i], CodeInvalidObject, "object", n.kind)
		}
		if n == nil {
			return nil, nil
		}
	}
	return n, nil
}

// get is find for accessors: whatever it returns now counts as read, even if
// its shape is wrong, so one bad parameter is not also reported as unknown.
func (p *Params) get(path []string) (*node, error) {
	n, err := p.find(path)
	if n != nil {
		n.read = true
	}
	return n, err
}

// Has reports whether the parameter is present, even as an empty string. It
// does not count as reading it.
func (p *Params) Has(path ...string) bool {
	n, err := p.find(path)
	return n != nil && err == nil
}

// Ignore marks a subtree as read, for parameters a handler deliberately
// ignores. A missing path is a no-op.
func (p *Params) Ignore(path ...string) {
	if n, _ := p.find(path); n != nil {
		n.read = true
	}
}

// Unknown returns the sorted bracket paths of every leaf that no accessor
// has read, nor any ancestor of it. Empty objects and arrays (possible in
// JSON) count as leaves, so {"bogus":{}} is not silently accepted.
func (p *Params) Unknown() []string {
	var out []string
	var walk func(n *node, path []string, read bool)
	walk = func(n *node, path []string, read bool) {
		read = read || n.read
		switch n.kind {
		case objectKind:
			for k, c := range n.fields {
				walk(c, append(path, k), read)
			}
			if len(n.fields) > 0 || len(path) == 0 {
				return
			}
		case arrayKind:
			for i, c := range n.elems {
				walk(c, append(path, strconv.Itoa(i)), read)
			}
			if len(n.elems) > 0 {
				return
			}
		}
		if !read {
			out = append(out, Path(path...))
		}
	}
	walk(p.root, nil, false)
	slices.Sort(out)
	return out
}
