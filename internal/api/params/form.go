package params

import (
	"cmp"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// FromForm decodes bracketed form values as stripe-go sends them: a=1,
// a[b]=1, arrays as a[0]=x&a[1]=y (indices sorted numerically, gaps allowed)
// or a[]=x&a[]=y. When a key repeats, the last value wins, as at Stripe.
func FromForm(values url.Values) (*Params, error) {
	root := newObject()
	// url.Values is a map; sorting the keys makes the first error reported
	// the same on every run.
	for _, key := range slices.Sorted(maps.Keys(values)) {
		vals := values[key]
		if len(vals) == 0 {
			continue
		}
		segs, err := splitKey(key)
		if err != nil {
			return nil, err
		}
		if err := insert(root, segs, vals); err != nil {
			return nil, err
		}
	}
	if err := settleArrays(root, nil); err != nil {
		return nil, err
	}
	return &Params{root: root}, nil
}

// splitKey parses "a[b][0]" into ["a", "b", "0"]. A trailing "[]" becomes a
// final empty segment, meaning "append".
func splitKey(key string) ([]string, error) {
	open := strings.IndexAny(key, "[]")
	if open < 0 {
		if key == "" {
			return nil, malformed("", "Invalid parameter name: a parameter has an empty name.")
		}
		return []string{key}, nil
	}
	bad := func(why string) ([]string, error) {
		return nil, malformed(key, "Invalid parameter name %q: %s.", key, why)
	}
	if open == 0 {
		return bad("it must start with a name before any brackets")
	}
	if key[open] == ']' {
		return bad(`"]" without a matching "["`)
	}
	segs := []string{key[:open]}
	for rest := key[open:]; rest != ""; {
		if rest[0] != '[' {
			return bad(`unexpected text after "]"`)
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return bad(`"[" is never closed`)
		}
		seg := rest[1:end]
		if strings.Contains(seg, "[") {
			return bad(`brackets cannot be nested inside brackets`)
		}
		segs = append(segs, seg)
		rest = rest[end+1:]
	}
	if slices.Contains(segs[:len(segs)-1], "") {
		return bad(`"[]" is only allowed at the end`)
	}
	if len(segs) > maxDepth {
		return bad("it is nested too deeply")
	}
	return segs, nil
}

// insert adds one form key to the tree. Branches are built as objects;
// settleArrays turns the numeric ones into arrays once every key is in.
func insert(root *node, segs, vals []string) error {
	appending := segs[len(segs)-1] == ""
	if appending {
		segs = segs[:len(segs)-1]
	}
	parent := root
	for i, seg := range segs[:len(segs)-1] {
		next := parent.fields[seg]
		switch {
		case next == nil:
			next = newObject()
			parent.fields[seg] = next
		case next.kind != objectKind:
			return conflict(segs[:i+1])
		}
		parent = next
	}
	// Each key is inserted once, so anything already here came from another
	// key and has a different shape.
	last := segs[len(segs)-1]
	if _, taken := parent.fields[last]; taken {
		return conflict(segs)
	}
	if appending {
		elems := make([]*node, len(vals))
		for i, v := range vals {
			elems[i] = &node{value: v}
		}
		parent.fields[last] = &node{kind: arrayKind, elems: elems}
		return nil
	}
	parent.fields[last] = &node{value: vals[len(vals)-1]}
	return nil
}

// settleArrays turns every object below the root whose keys are all numeric
// into an array ordered by index. Mixing indices and names is an error.
func settleArrays(n *node, path []string) error {
	if n.kind != objectKind {
		return nil
	}
	keys := slices.Sorted(maps.Keys(n.fields))
	numeric := 0
	for _, k := range keys {
		if isDigits(k) {
			numeric++
		}
	}
	// The root stays an object: "0=x" names a top-level parameter "0".
	if numeric > 0 && len(path) > 0 {
		if numeric < len(keys) {
			return conflict(path)
		}
		slices.SortStableFunc(keys, compareIndex)
	}
	for _, k := range keys {
		if err := settleArrays(n.fields[k], child(path, k)); err != nil {
			return err
		}
	}
	if numeric == 0 || len(path) == 0 {
		return nil
	}
	n.kind, n.keys, n.elems = arrayKind, keys, make([]*node, len(keys))
	for i, k := range keys {
		n.elems[i] = n.fields[k]
	}
	n.fields = nil
	return nil
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// compareIndex orders digit strings by numeric value without parsing them,
// so huge indices cannot overflow; "1" and "01" tie and fall back to text.
func compareIndex(a, b string) int {
	ta, tb := strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	return cmp.Or(cmp.Compare(len(ta), len(tb)), strings.Compare(ta, tb), strings.Compare(a, b))
}
