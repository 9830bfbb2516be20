package paygate

import (
	"sort"
	"strings"
)

// Values are the Key=Value pairs of a decrypted request or a result.
// Keys are case-insensitive on the way in (PayID, payID, PayId) and keep
// the spelling they were set with on the way out.
type Values struct {
	index map[string]int // lower-cased key → position in pairs
	pairs []pair
}

type pair struct{ key, value string }

// ParseValues splits a plain request on "&" and each part on its first
// "=". Values are taken verbatim: clients disagree on URL-encoding them,
// and decoding would corrupt a literal "%" or "+" sent by those that do
// not encode. A key given twice is refused rather than guessed at.
func ParseValues(plain string) (*Values, error) {
	v := &Values{}
	if plain == "" {
		return v, nil
	}
	for _, part := range strings.Split(plain, "&") {
		if part == "" {
			continue // a stray "&&" or a trailing "&"
		}
		key, value, _ := strings.Cut(part, "=")
		key = strings.TrimSpace(key)
		if key == "" {
			return nil, &Error{Code: newCode(SeverityError, ModuleFormat, "0000"), Description: "a parameter has no name"}
		}
		if _, dup := v.Lookup(key); dup {
			return nil, FieldError(ModuleAlreadyThere, key, "given more than once")
		}
		v.Set(key, value)
	}
	return v, nil
}

// Lookup returns the value of key, matched case-insensitively.
func (v *Values) Lookup(key string) (string, bool) {
	i, ok := v.index[strings.ToLower(key)]
	if !ok {
		return "", false
	}
	return v.pairs[i].value, true
}

// Get returns the value of key or "".
func (v *Values) Get(key string) string {
	s, _ := v.Lookup(key)
	return s
}

// Set adds or replaces key, keeping the first spelling's position.
func (v *Values) Set(key, value string) {
	if v.index == nil {
		v.index = map[string]int{}
	}
	lk := strings.ToLower(key)
	if i, ok := v.index[lk]; ok {
		v.pairs[i].value = value
		return
	}
	v.index[lk] = len(v.pairs)
	v.pairs = append(v.pairs, pair{key, value})
}

// Keys returns the keys as set, in order.
func (v *Values) Keys() []string {
	out := make([]string, len(v.pairs))
	for i, p := range v.pairs {
		out[i] = p.key
	}
	return out
}

// Encode joins the pairs as Key=Value&… in the order they were set,
// unescaped, the way Paygate writes a plain result before encrypting it.
func (v *Values) Encode() string {
	var b strings.Builder
	for i, p := range v.pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// canonicalName maps a key in any case to its name in Fields, so an error
// names the field the way the documentation does.
func canonicalName(key string) string {
	names := make([]string, 0, len(Fields))
	for name := range Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.EqualFold(name, key) {
			return name
		}
	}
	return key
}
