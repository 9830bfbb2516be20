package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kassa/internal/app"
	"kassa/internal/store/testdb"
)

// seedCount crosses batches (--batch 100) and list pages.
const seedCount = 250

// TestSeedCommand: seeded intents are retrieved and listed through the
// API like any others, pagination walking all of them newest first.
func TestSeedCommand(t *testing.T) {
	ctx := context.Background()
	dsn, keyFile := testdb.DSN(t), filepath.Join(t.TempDir(), "kassa.key")
	db := []string{"--db", dsn, "--secrets-key-file", keyFile}
	var out bytes.Buffer
	if err := run(ctx, append([]string{"account", "create", "--name", "Shop", "--json"}, db...), &out, &out); err != nil {
		t.Fatal(err, out.String())
	}
	var acct struct {
		ID        string `json:"id"`
		SecretKey string `json:"secret_key"`
	}
	if err := json.Unmarshal(out.Bytes(), &acct); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, append([]string{"seed", "--account", acct.ID, "--intents", strconv.Itoa(seedCount), "--batch", "100", "--events"}, db...), &out, io.Discard); err != nil {
		t.Fatal(err, out.String())
	}
	if !strings.Contains(out.String(), "seeded 250 intents") {
		t.Errorf("output %q", out.String())
	}
	if err := run(ctx, append([]string{"seed", "--account", "acct_nobody", "--intents", "1"}, db...), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no account") {
		t.Errorf("seeding a missing account: %v", err)
	}

	a, err := app.New(ctx, app.Config{DB: dsn, SecretsKeyFile: keyFile, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	get := func(path string, into any) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+acct.SecretKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatal(err)
		}
	}
	type page struct {
		Data    []json.RawMessage
		HasMore bool `json:"has_more"`
	}

	// Walk every page with starting_after: each intent once, newest first.
	var walked []map[string]any
	after := ""
	for pages := 0; ; pages++ {
		var p page
		path := "/v1/payment_intents?limit=100"
		if after != "" {
			path += "&starting_after=" + after
		}
		get(path, &p)
		for _, raw := range p.Data {
			var m map[string]any
			json.Unmarshal(raw, &m)
			walked = append(walked, m)
		}
		if !p.HasMore {
			if pages != 2 || len(p.Data) != 50 {
				t.Errorf("last page is page %d with %d intents", pages+1, len(p.Data))
			}
			break
		}
		after = walked[len(walked)-1]["id"].(string)
	}
	if len(walked) != seedCount {
		t.Fatalf("listed %d intents, want %d", len(walked), seedCount)
	}
	seen := map[string]bool{}
	statuses := map[string]int{}
	for i, m := range walked {
		id := m["id"].(string)
		if seen[id] || !strings.HasPrefix(id, "pi_") || len(id) != 27 || m["object"] != "payment_intent" {
			t.Fatalf("intent %d: %v", i, m)
		}
		seen[id] = true
		statuses[m["status"].(string)]++
		if i > 0 && m["created"].(float64) > walked[i-1]["created"].(float64) {
			t.Fatalf("intent %d is newer than the one listed before it", i)
		}
	}
	for _, s := range []string{"succeeded", "requires_payment_method", "requires_capture", "canceled", "requires_confirmation"} {
		if statuses[s] == 0 {
			t.Errorf("no %s intent among %v", s, statuses)
		}
	}

	// ending_before walks back; a retrieve shows the same object, with
	// its charge and payment method retrievable where it has them.
	var back page
	get("/v1/payment_intents?limit=3&ending_before="+walked[10]["id"].(string), &back)
	if len(back.Data) != 3 || !back.HasMore || !bytes.Contains(back.Data[2], []byte(walked[9]["id"].(string))) {
		t.Errorf("ending_before page: %d intents, has_more %v", len(back.Data), back.HasMore)
	}
	checked := 0
	for _, m := range walked {
		if m["status"] != "succeeded" {
			continue
		}
		var pi map[string]any
		get("/v1/payment_intents/"+m["id"].(string), &pi)
		if pi["amount_received"] != m["amount"] || pi["client_secret"] == nil {
			t.Errorf("retrieved %v", pi)
		}
		var ch map[string]any
		get("/v1/charges/"+pi["latest_charge"].(string), &ch)
		if ch["payment_intent"] != pi["id"] || ch["paid"] != true || ch["balance_transaction"] == nil {
			t.Errorf("charge %v", ch)
		}
		var pm map[string]any
		get("/v1/payment_methods/"+pi["payment_method"].(string), &pm)
		if pm["id"] != pi["payment_method"] {
			t.Errorf("payment method %v", pm)
		}
		if checked++; checked == 5 {
			break
		}
	}
	var events page
	get("/v1/events?limit=100&type=payment_intent.succeeded", &events)
	if len(events.Data) == 0 {
		t.Error("no payment_intent.succeeded events stored with --events")
	}
}
