package shopware

import (
	"bytes"
	"encoding/json"
)

// Object is a JSON object in a Shopware payload. PHP's json_encode cannot
// tell an empty associative array from an empty list, so an empty object
// (requestData of a recurring call or of a finalize with no query, an
// empty preOrderPayment) arrives as [] instead of {}; both decode to an
// empty Object. Numbers stay JSON text, as everywhere in the payloads.
type Object map[string]any

// UnmarshalJSON implements json.Unmarshaler.
func (o *Object) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("[]")) {
		*o = Object{}
		return nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return err
	}
	*o = m
	return nil
}
