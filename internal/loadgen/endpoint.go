package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
)

// Endpoint is a webhook endpoint registered on the target for a run.
type Endpoint struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

// RegisterEndpoint creates, through /v1/webhook_endpoints, an endpoint at
// receiverURL subscribed to the events in WebhookEvents.
func RegisterEndpoint(ctx context.Context, rt http.RoundTripper, baseURL, key, receiverURL string) (*Endpoint, error) {
	form := url.Values{"url": {receiverURL}, "description": {"kassa bench receiver"}}
	for _, event := range WebhookEvents {
		form.Add("enabled_events[]", event)
	}
	sort.Strings(form["enabled_events[]"])
	data, _, err := callAPI(ctx, rt, baseURL, key, "", "POST", "/v1/webhook_endpoints", form.Encode())
	if err != nil {
		return nil, fmt.Errorf("loadgen: registering the webhook receiver: %w", err)
	}
	var e Endpoint
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("loadgen: registering the webhook receiver: %w", err)
	}
	if e.ID == "" || e.Secret == "" {
		return nil, fmt.Errorf("loadgen: the target returned no endpoint id or signing secret")
	}
	return &e, nil
}

// DeleteEndpoint removes the run's endpoint, so the target stops sending
// to a receiver that is gone.
func DeleteEndpoint(ctx context.Context, rt http.RoundTripper, baseURL, key, id string) error {
	_, _, err := callAPI(ctx, rt, baseURL, key, "", "DELETE", "/v1/webhook_endpoints/"+id, "")
	return err
}
