package payments

import "fmt"

// Stripe's metadata limits.
const (
	maxMetadataKeys     = 50
	maxMetadataKeyLen   = 40
	maxMetadataValueLen = 500
)

// MergeMetadata applies an update the Stripe way: keys with a value are set,
// keys with an empty value are removed, and a nil update changes nothing.
// clear (Stripe's metadata="") removes every key first.
func MergeMetadata(current, update map[string]string, clear bool) (map[string]string, error) {
	out := map[string]string{}
	if !clear {
		for k, v := range current {
			out[k] = v
		}
	}
	for k, v := range update {
		if err := checkMetadataEntry(k, v); err != nil {
			return nil, err
		}
		if v == "" {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	if len(out) > maxMetadataKeys {
		return nil, invalid(CodeParameterInvalid, "metadata", "Metadata can have at most %d keys.", maxMetadataKeys)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func checkMetadataEntry(k, v string) error {
	param := fmt.Sprintf("metadata[%s]", k)
	switch {
	case k == "":
		return invalid(CodeParameterInvalid, "metadata", "Metadata keys must not be empty.")
	case len(k) > maxMetadataKeyLen:
		return invalid(CodeParameterInvalid, param, "Metadata keys can be at most %d characters long.", maxMetadataKeyLen)
	case len(v) > maxMetadataValueLen:
		return invalid(CodeParameterInvalid, param, "Metadata values can be at most %d characters long.", maxMetadataValueLen)
	}
	return nil
}
