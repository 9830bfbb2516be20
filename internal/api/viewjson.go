package api

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// marshalView encodes a rendered object exactly as json.Marshal does (keys
// sorted, HTML characters escaped, invalid UTF-8 replaced), but without
// reflection for the shapes views are built of: maps of any, strings,
// integers, booleans, nil and slices of those. encoding/json spent about
// a tenth of a create+confirm's time inside the single writer sorting map
// keys and reflecting on interface values. Anything else, and any type
// with its own MarshalJSON or MarshalText, goes to encoding/json.
func marshalView(v any) ([]byte, error) {
	if body, ok := v.(rendered); ok {
		return body, nil
	}
	e := viewEncoders.Get().(*viewEncoder)
	defer viewEncoders.Put(e)
	e.buf = e.buf[:0]
	if err := e.value(v); err != nil {
		return nil, err
	}
	return slices.Clone(e.buf), nil
}

// rendered is a view marshalView encoded already: it passes unchanged.
type rendered []byte

type viewEncoder struct {
	buf []byte
	// keys is a stack of key slices, one per nesting level, reused.
	keys  [][]string
	depth int
}

var viewEncoders = sync.Pool{New: func() any { return &viewEncoder{} }}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	jsonNumber    = reflect.TypeFor[json.Number]()
)

func (e *viewEncoder) value(v any) error {
	switch v := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		e.buf = appendJSONString(e.buf, v)
	case int64:
		e.buf = strconv.AppendInt(e.buf, v, 10)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	case bool:
		e.buf = strconv.AppendBool(e.buf, v)
	case map[string]any:
		return object(e, v, e.value)
	case map[string]string:
		return object(e, v, e.str)
	case []any:
		return slice(e, v)
	case []map[string]any:
		return slice(e, v)
	case []string:
		return slice(e, v)
	default:
		return e.other(v)
	}
	return nil
}

func (e *viewEncoder) str(s string) error {
	e.buf = appendJSONString(e.buf, s)
	return nil
}

// object writes m with its keys in order, each value by value.
func object[V any](e *viewEncoder, m map[string]V, value func(V) error) error {
	if m == nil {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	keys := e.sortedKeys(len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.depth++
	defer func() { e.depth--; e.keys[e.depth] = keys[:0] }()
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = appendJSONString(e.buf, k)
		e.buf = append(e.buf, ':')
		if err := value(m[k]); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// sortedKeys returns an empty slice with room for n keys for the map at
// the current depth.
func (e *viewEncoder) sortedKeys(n int) []string {
	for len(e.keys) <= e.depth {
		e.keys = append(e.keys, nil)
	}
	return slices.Grow(e.keys[e.depth][:0], n)
}

func slice[T any](e *viewEncoder, s []T) error {
	if s == nil {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	e.buf = append(e.buf, '[')
	for i, it := range s {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.value(it); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

// other encodes named types of basic kinds (statuses, currencies, amounts)
// directly, and leaves everything else to encoding/json.
func (e *viewEncoder) other(v any) error {
	rv := reflect.ValueOf(v)
	t := rv.Type()
	// json.Number is a string written unquoted.
	if t != jsonNumber && !t.Implements(jsonMarshaler) && !t.Implements(textMarshaler) {
		switch t.Kind() {
		case reflect.String:
			e.buf = appendJSONString(e.buf, rv.String())
			return nil
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			e.buf = strconv.AppendInt(e.buf, rv.Int(), 10)
			return nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			e.buf = strconv.AppendUint(e.buf, rv.Uint(), 10)
			return nil
		case reflect.Bool:
			e.buf = strconv.AppendBool(e.buf, rv.Bool())
			return nil
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	e.buf = append(e.buf, data...)
	return nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does with HTML escaping on.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 end lines in JavaScript.
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
