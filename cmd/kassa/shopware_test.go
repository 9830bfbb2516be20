package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kassa/internal/shopware"
)

func TestShopwareAppCommand(t *testing.T) {
	t.Setenv("KASSA_SECRETS_KEY", "")
	dir := t.TempDir()
	db := filepath.Join(dir, "kassa.db")
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"account", "create", "--name", "Shop GmbH", "--json", "--db", db}, &out, &out); err != nil {
		t.Fatal(err)
	}
	var acct struct{ ID string }
	if err := json.Unmarshal(out.Bytes(), &acct); err != nil {
		t.Fatal(err)
	}
	appDir := filepath.Join(dir, "app")
	args := []string{"shopware", "app", "--account", acct.ID, "--out", appDir, "--db", db, "--public-url", "https://pay.example.com"}
	out.Reset()
	if err := run(ctx, args, &out, &out); err != nil {
		t.Fatal(err)
	}
	name := shopware.AppName(acct.ID)
	var secrets []string
	for _, v := range []struct{ folder, xsd string }{{"shopware-6.7", "manifest-3.0.xsd"}, {"shopware-6.5", "manifest-2.0.xsd"}} {
		raw, err := os.ReadFile(filepath.Join(appDir, v.folder, name, "manifest.xml"))
		if err != nil {
			t.Fatal(err)
		}
		manifest := string(raw)
		if !strings.Contains(manifest, v.xsd) || !strings.Contains(manifest, "<name>"+name+"</name>") ||
			!strings.Contains(manifest, "https://pay.example.com/shopware/"+acct.ID+"/registration") {
			t.Errorf("%s manifest:\n%s", v.folder, manifest)
		}
		_, rest, _ := strings.Cut(manifest, "<secret>")
		secret, _, _ := strings.Cut(rest, "</secret>")
		secrets = append(secrets, secret)
	}
	if len(secrets[0]) != 64 || secrets[0] != secrets[1] {
		t.Errorf("app secrets %q; want one 64-character secret in both manifests", secrets)
	}

	// Generating again gives the same secret: shops that installed the app keep working.
	if err := run(ctx, args, &out, &out); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(appDir, "shopware-6.7", name, "manifest.xml"))
	if !strings.Contains(string(raw), "<secret>"+secrets[0]+"</secret>") {
		t.Error("regenerating the app changed its secret")
	}

	unknown := []string{"shopware", "app", "--account", "acct_nope", "--out", appDir, "--db", db, "--public-url", "https://pay.example.com"}
	if err := run(ctx, unknown, &out, &out); err == nil {
		t.Error("an app was generated for an unknown account")
	}
}
