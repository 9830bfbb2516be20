package loadgen

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// decoders are reused: a run reads an id out of every answer and every
// webhook it receives. Reading only the members wanted and skipping the
// rest unparsed costs a fraction of unmarshalling the whole object
// (encoding/json took a sixth of the generator's CPU with a receiver on).
var decoders = sync.Pool{New: func() any { return jsontext.NewDecoder(bytes.NewReader(nil)) }}

// field is a string member wanted from a JSON object, named by its path
// through nested objects, and where to put its value.
type field struct {
	path  []string
	value *string
}

// topLevelString reads the string member name of the JSON object in data,
// "" if the object has none. It stops at the member: an id near the top of
// a large object costs little of the object's size.
func topLevelString(data []byte, name string) (string, error) {
	var value string
	err := readStrings(data, field{[]string{name}, &value})
	return value, err
}

// eventFields reads what the receiver needs of a delivered event: its id,
// its type and the id of the object it carries (data.object.id).
func eventFields(data []byte) (id, typ, objectID string, err error) {
	err = readStrings(data,
		field{[]string{"id"}, &id},
		field{[]string{"type"}, &typ},
		field{[]string{"data", "object", "id"}, &objectID})
	return id, typ, objectID, err
}

// errAllRead ends a walk early: every wanted member has been read.
var errAllRead = errors.New("every field read")

// readStrings reads fields out of the JSON object in data. A field the
// object lacks stays ""; one that is not a string is an error. The walk
// descends only into objects on a wanted path, skips everything else
// unparsed and stops once every field is read.
func readStrings(data []byte, fields ...field) error {
	dec := decoders.Get().(*jsontext.Decoder)
	defer decoders.Put(dec)
	// Checking names for duplicates and strings for valid UTF-8 is
	// work an id does not need.
	dec.Reset(bytes.NewReader(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil {
		return fmt.Errorf("loadgen: answer is not JSON: %w", err)
	} else if tok.Kind() != '{' {
		return fmt.Errorf("loadgen: answer is not a JSON object")
	}
	w := fieldWalk{dec: dec, fields: fields, left: len(fields)}
	if err := w.members(nil); err != nil && err != errAllRead {
		return err
	}
	return nil
}

type fieldWalk struct {
	dec    *jsontext.Decoder
	fields []field
	left   int // fields not read yet
}

// members reads the members of the object at path, whose '{' the decoder
// has just read, up to its '}'.
func (w *fieldWalk) members(path []string) error {
	for w.dec.PeekKind() != '}' {
		// The raw name, quotes and all: comparing it costs no copy.
		raw, err := w.dec.ReadValue()
		if err != nil {
			return notJSON(err)
		}
		name := raw[1 : len(raw)-1]
		wanted, within := w.match(path, name)
		switch {
		case wanted != nil:
			value, err := w.dec.ReadToken()
			if err != nil {
				return notJSON(err)
			}
			if value.Kind() != '"' {
				return fmt.Errorf("loadgen: %q in the answer is not a string", strings.Join(wanted.path, "."))
			}
			*wanted.value = value.String()
			if w.left--; w.left == 0 {
				return errAllRead
			}
		case within && w.dec.PeekKind() == '{':
			member := append(path, string(name))
			if _, err := w.dec.ReadToken(); err != nil {
				return notJSON(err)
			}
			if err := w.members(member); err != nil {
				return err
			}
		default:
			if err := w.dec.SkipValue(); err != nil {
				return notJSON(err)
			}
		}
	}
	if _, err := w.dec.ReadToken(); err != nil { // the '}'
		return notJSON(err)
	}
	return nil
}

// match returns the field at path.name, if one is wanted there, and
// whether a wanted field lies deeper within it. Names are compared as
// they appear in the JSON: a name written with escapes does not match.
func (w *fieldWalk) match(path []string, name []byte) (wanted *field, within bool) {
	for i := range w.fields {
		f := &w.fields[i]
		if len(f.path) <= len(path) || !slices.Equal(f.path[:len(path)], path) || f.path[len(path)] != string(name) {
			continue
		}
		if len(f.path) == len(path)+1 {
			wanted = f
		} else {
			within = true
		}
	}
	return wanted, within
}

func notJSON(err error) error { return fmt.Errorf("loadgen: answer is not JSON: %w", err) }
