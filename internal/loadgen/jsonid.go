package loadgen

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// decoders are reused: a run reads an id out of every answer.
var decoders = sync.Pool{New: func() any { return jsontext.NewDecoder(bytes.NewReader(nil)) }}

// topLevelString reads the string member name of the JSON object in data,
// "" if the object has none. It stops at the member: an id near the top of
// a large object costs little of the object's size.
func topLevelString(data []byte, name string) (string, error) {
	dec := decoders.Get().(*jsontext.Decoder)
	defer decoders.Put(dec)
	// Checking names for duplicates and strings for valid UTF-8 is
	// work the id does not need.
	dec.Reset(bytes.NewReader(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil {
		return "", fmt.Errorf("loadgen: answer is not JSON: %w", err)
	} else if tok.Kind() != '{' {
		return "", fmt.Errorf("loadgen: answer is not a JSON object")
	}
	for dec.PeekKind() != '}' {
		key, err := dec.ReadToken()
		if err != nil {
			return "", fmt.Errorf("loadgen: answer is not JSON: %w", err)
		}
		if key.String() != name {
			if err := dec.SkipValue(); err != nil {
				return "", fmt.Errorf("loadgen: answer is not JSON: %w", err)
			}
			continue
		}
		value, err := dec.ReadToken()
		if err != nil {
			return "", fmt.Errorf("loadgen: answer is not JSON: %w", err)
		}
		if value.Kind() != '"' {
			return "", fmt.Errorf("loadgen: %q in the answer is not a string", name)
		}
		return value.String(), nil
	}
	return "", nil
}
