package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"kassa/internal/paygate"
	"kassa/internal/store/testdb"
)

func TestPaygateCredentialsCommand(t *testing.T) {
	ctx := context.Background()
	db := []string{"--db", testdb.DSN(t), "--secrets-key-file", filepath.Join(t.TempDir(), "kassa.key")}
	kassa := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append(args, db...), &out, &out)
		return out.String(), err
	}
	out, err := kassa("account", "create", "--name", "Shop", "--json")
	if err != nil {
		t.Fatal(err, out)
	}
	var acct struct{ ID string }
	if err := json.Unmarshal([]byte(out), &acct); err != nil {
		t.Fatal(err)
	}

	out, err = kassa("paygate", "credentials", "--account", acct.ID, "--json")
	if err != nil {
		t.Fatal(err, out)
	}
	var creds struct {
		MerchantID    string `json:"merchant_id"`
		EncryptionKey string `json:"encryption_key"`
		HMACKey       string `json:"hmac_key"`
		Algorithm     string `json:"algorithm"`
	}
	if err := json.Unmarshal([]byte(out), &creds); err != nil {
		t.Fatal(err, out)
	}
	if creds.MerchantID == "" || creds.Algorithm != "blowfish" || len(creds.EncryptionKey) != 16 || len(creds.HMACKey) != 32 {
		t.Fatalf("credentials %+v", creds)
	}
	if _, err := paygate.NewCipher(paygate.Blowfish, []byte(creds.EncryptionKey)); err != nil {
		t.Fatal(err)
	}

	if out, err := kassa("paygate", "credentials", "--account", acct.ID, "--aes"); err == nil || !strings.Contains(err.Error(), "rotate") {
		t.Fatalf("a second set without --rotate: %v %s", err, out)
	}
	out, err = kassa("paygate", "credentials", "--account", acct.ID, "--aes", "--rotate")
	if err != nil || !strings.Contains(out, creds.MerchantID) || !strings.Contains(out, "AES key:") || strings.Contains(out, creds.HMACKey) {
		t.Fatalf("rotation: %v\n%s", err, out)
	}
	if _, err := kassa("paygate", "credentials"); err == nil {
		t.Error("--account is required")
	}
}
