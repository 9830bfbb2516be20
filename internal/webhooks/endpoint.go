// Package webhooks is the domain of webhook endpoints and their deliveries:
// which endpoint wants which event, how a payload is signed, when a failed
// delivery is tried again and when it is given up. It is pure: sending over
// HTTP is package delivery's job, persisting the store's.
package webhooks

import (
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"kassa/internal/payments"
)

// AllEvents in enabled_events subscribes an endpoint to every event type,
// including those added later.
const AllEvents = "*"

// Endpoint statuses as Stripe names them.
const (
	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"
)

const (
	maxURLLength         = 2048
	maxDescriptionLength = 5000
)

// Endpoint is where an account wants its events sent.
type Endpoint struct {
	ID            string            `json:"id"`
	AccountID     string            `json:"account_id"`
	URL           string            `json:"url"`
	Description   string            `json:"description,omitempty"`
	EnabledEvents []string          `json:"enabled_events"`
	APIVersion    string            `json:"api_version,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	Disabled      bool              `json:"disabled,omitempty"`
	// SealedSecret is the signing secret encrypted at rest; only the
	// gateway (sealing) and the sender (opening) hold the key.
	SealedSecret []byte    `json:"sealed_secret"`
	Created      time.Time `json:"created"`
}

// Status is "enabled" or "disabled".
func (e *Endpoint) Status() string {
	if e.Disabled {
		return StatusDisabled
	}
	return StatusEnabled
}

// Subscribes reports whether the endpoint wants events of type t now.
func (e *Endpoint) Subscribes(t string) bool {
	if e.Disabled {
		return false
	}
	return slices.Contains(e.EnabledEvents, AllEvents) || slices.Contains(e.EnabledEvents, t)
}

// EndpointInput is a create or update request; nil fields are unchanged.
type EndpointInput struct {
	URL           *string
	Description   *string
	EnabledEvents []string // nil: unchanged
	APIVersion    *string
	Metadata      map[string]string
	ClearMetadata bool
	Disabled      *bool
}

// NewEndpoint validates a create request. supportedVersions are the API
// versions Kassa can render events in.
func NewEndpoint(id, accountID string, in EndpointInput, supportedVersions []string, now time.Time) (*Endpoint, error) {
	if in.URL == nil {
		return nil, payments.Missing("url")
	}
	if in.EnabledEvents == nil {
		return nil, payments.Missing("enabled_events")
	}
	if in.Disabled != nil {
		return nil, &payments.Error{Code: payments.CodeParameterInvalid, Param: "disabled",
			Message: "An endpoint is created enabled; disable it with an update."}
	}
	e := &Endpoint{ID: id, AccountID: accountID, Created: now}
	if in.APIVersion != nil {
		if !slices.Contains(supportedVersions, *in.APIVersion) {
			return nil, &payments.Error{Code: payments.CodeParameterInvalid, Param: "api_version",
				Message: "Invalid api_version: " + *in.APIVersion + ". Kassa renders events in: " + strings.Join(supportedVersions, ", ") + "."}
		}
		e.APIVersion = *in.APIVersion
	}
	return e, apply(e, in)
}

// Update applies an update request to e.
func Update(e *Endpoint, in EndpointInput) error {
	if in.APIVersion != nil {
		return &payments.Error{Code: payments.CodeParameterInvalid, Param: "api_version",
			Message: "api_version can only be set when an endpoint is created."}
	}
	next := *e
	if err := apply(&next, in); err != nil {
		return err
	}
	*e = next
	return nil
}

func apply(e *Endpoint, in EndpointInput) error {
	if in.URL != nil {
		if err := CheckURL(*in.URL); err != nil {
			return err
		}
		e.URL = *in.URL
	}
	if in.Description != nil {
		if len(*in.Description) > maxDescriptionLength {
			return &payments.Error{Code: payments.CodeParameterInvalid, Param: "description",
				Message: "description can be at most 5000 characters long."}
		}
		e.Description = *in.Description
	}
	if in.EnabledEvents != nil {
		events, err := checkEvents(in.EnabledEvents)
		if err != nil {
			return err
		}
		e.EnabledEvents = events
	}
	if in.Disabled != nil {
		e.Disabled = *in.Disabled
	}
	metadata, err := payments.MergeMetadata(e.Metadata, in.Metadata, in.ClearMetadata)
	if err != nil {
		return err
	}
	e.Metadata = metadata
	return nil
}

// checkEvents accepts known event types and "*", without duplicates.
func checkEvents(events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, &payments.Error{Code: payments.CodeParameterInvalid, Param: "enabled_events",
			Message: "enabled_events must name at least one event type, or '*' for all of them."}
	}
	var out []string
	for i, t := range events {
		if t != AllEvents && !payments.KnownEventType(t) {
			return nil, &payments.Error{Code: payments.CodeParameterInvalid, Param: "enabled_events[" + strconv.Itoa(i) + "]",
				Message: "Invalid enabled_events[" + strconv.Itoa(i) + "]: '" + t + "' is not an event type Kassa sends. Valid types are '*' (all events) and: " +
					strings.Join(payments.EventTypes, ", ") + "."}
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// CheckURL accepts absolute http and https URLs with a host. Whether the
// host may be a private address is decided when connecting (see
// ForbiddenIP), since a name can resolve elsewhere by then.
func CheckURL(raw string) error {
	bad := func(why string) error {
		return &payments.Error{Code: "url_invalid", Param: "url", Message: "Invalid URL: " + why}
	}
	if len(raw) > maxURLLength {
		return bad("it must be at most 2048 characters long.")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("it cannot be parsed.")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return bad("a webhook URL must start with http:// or https://.")
	}
	if u.Hostname() == "" {
		return bad("a webhook URL must name a host.")
	}
	if u.User != nil {
		return bad("a webhook URL must not carry credentials.")
	}
	return nil
}

// ForbiddenIP reports whether ip is an address a multi-tenant deployment
// must not let merchants reach: loopback, private (RFC 1918, fc00::/7),
// link-local (cloud metadata lives there), unspecified, multicast, and
// shared address space (100.64.0.0/10).
func ForbiddenIP(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() || sharedAddressSpace.Contains(ip)
}

var sharedAddressSpace = &net.IPNet{IP: net.IPv4(100, 64, 0, 0), Mask: net.CIDRMask(10, 32)}

// CheckPublicURL refuses, when an endpoint is saved, URLs whose host is
// already known to be local (LocalHost). Names resolving to such
// addresses are refused when connecting.
func CheckPublicURL(raw string) error {
	if _, err := url.Parse(raw); err != nil {
		return CheckURL(raw)
	}
	if host, local := LocalHost(raw); local {
		return &payments.Error{Code: "url_invalid", Param: "url",
			Message: "Invalid URL: this Kassa does not send webhooks to private or local addresses (" + host + ")."}
	}
	return nil
}

// LocalHost reports whether the URL raw names a host known to be local
// without a lookup: a "localhost" name or a forbidden IP literal. It
// returns the host, to name in a refusal.
func LocalHost(raw string) (host string, local bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	host = strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	ip := net.ParseIP(host)
	return host, host == "localhost" || strings.HasSuffix(host, ".localhost") || (ip != nil && ForbiddenIP(ip))
}
