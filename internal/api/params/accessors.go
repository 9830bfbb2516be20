package params

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The accessors below share one contract: ok reports whether the parameter
// is present; err is a *Error in Stripe's terms when it is present but
// invalid (or when an ancestor on the path is not an object or array).

// String returns a string leaf.
func (p *Params) String(path ...string) (string, bool, error) {
	n, err := p.get(path)
	if n == nil || err != nil {
		return "", n != nil, err
	}
	if n.kind != leafKind {
		return "", true, typeError(path, CodeInvalidString, "string", n.kind)
	}
	return n.value, true, nil
}

// Int64 returns a base-10 integer leaf: an optional "-" and digits only, so
// "1.5", "1e3", " 1" and "" are rejected rather than guessed at.
func (p *Params) Int64(path ...string) (int64, bool, error) {
	n, err := p.get(path)
	if n == nil || err != nil {
		return 0, n != nil, err
	}
	if n.kind != leafKind {
		return 0, true, typeError(path, CodeInvalidInteger, "integer", n.kind)
	}
	digits := strings.TrimPrefix(n.value, "-")
	v, err := strconv.ParseInt(n.value, 10, 64)
	if digits == "" || strings.Trim(digits, "0123456789") != "" || err != nil {
		return 0, true, valueError(path, CodeInvalidInteger, "integer", n.value)
	}
	return v, true, nil
}

// Bool returns a leaf that is exactly "true" or "false".
func (p *Params) Bool(path ...string) (bool, bool, error) {
	n, err := p.get(path)
	if n == nil || err != nil {
		return false, n != nil, err
	}
	if n.kind != leafKind {
		return false, true, typeError(path, CodeInvalidBoolean, "boolean", n.kind)
	}
	switch n.value {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, true, valueError(path, CodeInvalidBoolean, "boolean", n.value)
}

// StringSlice returns an array of string leaves. An empty string yields an
// empty slice: it is how stripe-go sends an explicitly emptied array.
func (p *Params) StringSlice(path ...string) ([]string, bool, error) {
	n, err := p.get(path)
	if n == nil || err != nil {
		return nil, n != nil, err
	}
	if n.kind == leafKind && n.value == "" {
		return []string{}, true, nil
	}
	if n.kind != arrayKind {
		return nil, true, typeError(path, CodeInvalidArray, "array", n.kind)
	}
	out := make([]string, len(n.elems))
	for i, e := range n.elems {
		if e.kind != leafKind {
			return nil, true, typeError(child(path, strconv.Itoa(i)), CodeInvalidString, "string", e.kind)
		}
		out[i] = e.value
	}
	return out, true, nil
}

// StringMap returns an object of string leaves, as used for metadata. Empty
// values are kept (the caller unsets those keys), and an empty string instead
// of an object yields an empty map (Stripe: unset all keys). Form keys that
// are all numeric (metadata[5]=x) decode as an array but still come back here
// under their original keys.
func (p *Params) StringMap(path ...string) (map[string]string, bool, error) {
	n, err := p.get(path)
	if n == nil || err != nil {
		return nil, n != nil, err
	}
	var keys []string
	var kids []*node
	switch {
	case n.kind == leafKind && n.value == "":
		return map[string]string{}, true, nil
	case n.kind == objectKind:
		keys = slices.Sorted(maps.Keys(n.fields)) // sorted so the first error is deterministic
		for _, k := range keys {
			kids = append(kids, n.fields[k])
		}
	case n.kind == arrayKind && n.keys != nil:
		keys, kids = n.keys, n.elems
	default:
		return nil, true, typeError(path, CodeInvalidObject, "object", n.kind)
	}
	out := make(map[string]string, len(keys))
	for i, k := range keys {
		if kids[i].kind != leafKind {
			return nil, true, typeError(child(path, k), CodeInvalidString, "string", kids[i].kind)
		}
		out[k] = kids[i].value
	}
	return out, true, nil
}

// Len returns the number of elements of an array of objects or strings,
// such as line_items; its elements are read with paths ending in an index
// ("line_items", "0", "price"). Reading the length does not mark the
// elements as read, so their unread fields are still reported as unknown.
func (p *Params) Len(path ...string) (int, bool, error) {
	n, err := p.find(path)
	if n == nil || err != nil {
		return 0, n != nil, err
	}
	if n.kind != arrayKind {
		return 0, true, typeError(path, CodeInvalidArray, "array", n.kind)
	}
	return len(n.elems), true, nil
}
