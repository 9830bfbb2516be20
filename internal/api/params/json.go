package params

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// FromJSON decodes a JSON object body into the same tree FromForm builds:
// null becomes "" (Stripe's "unset"), true/false become "true"/"false", and
// numbers keep their literal text, so 2000 reads as an integer and 20.5 does not.
func FromJSON(body []byte) (*Params, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, malformed("", "Invalid JSON body: the body is empty, but a JSON object is required.")
		}
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, malformed("", "Invalid JSON body: %v (at byte %d).", err, syntax.Offset)
		}
		return nil, malformed("", "Invalid JSON body: %v.", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, malformed("", "Invalid JSON body: unexpected data after the top-level JSON object.")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, malformed("", "Invalid JSON body: the body must be a JSON object.")
	}
	root, err := fromJSONValue(v, nil)
	if err != nil {
		return nil, err
	}
	return &Params{root: root}, nil
}

func fromJSONValue(v any, path []string) (*node, error) {
	if len(path) > maxDepth {
		return nil, malformed(Path(path...), "Invalid JSON body: the parameters are nested too deeply.")
	}
	switch v := v.(type) {
	case nil:
		return &node{}, nil
	case string:
		return &node{value: v}, nil
	case json.Number:
		return &node{value: string(v)}, nil
	case bool:
		return &node{value: strconv.FormatBool(v)}, nil
	case []any:
		n := &node{kind: arrayKind, elems: make([]*node, len(v))}
		for i, e := range v {
			c, err := fromJSONValue(e, child(path, strconv.Itoa(i)))
			if err != nil {
				return nil, err
			}
			n.elems[i] = c
		}
		return n, nil
	case map[string]any:
		n := newObject()
		// Sorted so the first error reported is deterministic.
		for _, k := range slices.Sorted(maps.Keys(v)) {
			// Such keys could not be sent as a form and would make bracket
			// paths ambiguous (Stripe forbids brackets in metadata keys too).
			if k == "" || strings.ContainsAny(k, "[]") {
				return nil, malformed(Path(path...), "Invalid JSON body: key %q is not allowed; keys must be non-empty and contain no square brackets.", k)
			}
			c, err := fromJSONValue(v[k], child(path, k))
			if err != nil {
				return nil, err
			}
			n.fields[k] = c
		}
		return n, nil
	}
	// Unreachable: encoding/json with UseNumber produces nothing else.
	return nil, malformed(Path(path...), "Invalid JSON body: unsupported value %T.", v)
}
