package params

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// maxBodyBytes caps request bodies; Stripe parameters are far smaller.
const maxBodyBytes = 1 << 20

// FromRequest decodes r's parameters. GET and HEAD read the URL query. Other
// methods read the body: JSON when Content-Type is application/json (an
// object; an empty body means no parameters), otherwise form-urlencoded.
// DELETE reads the body when it has one and the URL query otherwise, because
// stripe-go sends DELETE parameters in the body but other clients use the query.
func FromRequest(r *http.Request) (*Params, error) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return fromQuery(r)
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	empty := len(bytes.TrimSpace(body)) == 0
	switch {
	case r.Method == http.MethodDelete && empty:
		return fromQuery(r)
	case isJSON(r.Header.Get("Content-Type")):
		if empty {
			return FromForm(nil)
		}
		return FromJSON(body)
	}
	return fromEncoded(string(body), "body")
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	tooLarge := malformed("", "Request body too large: the limit is %d bytes (1 MiB).", maxBodyBytes)
	if r.ContentLength > maxBodyBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		// Not the client's parameters' fault, so not a *Error.
		return nil, fmt.Errorf("params: reading request body: %w", err)
	}
	if len(body) > maxBodyBytes {
		return nil, tooLarge
	}
	return body, nil
}

func fromQuery(r *http.Request) (*Params, error) {
	if r.URL == nil {
		return FromForm(nil)
	}
	return fromEncoded(r.URL.RawQuery, "query string")
}

func fromEncoded(raw, where string) (*Params, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil, malformed("", "Invalid form-encoded %s: %v.", where, err)
	}
	return FromForm(values)
}

func isJSON(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == "application/json"
}
