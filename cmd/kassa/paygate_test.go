package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
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

func TestPaygateBatchCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := []string{"--db", testdb.DSN(t), "--secrets-key-file", filepath.Join(dir, "kassa.key")}
	payID := strings.Repeat("a", 32)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("credits.csv", "HEAD,kassa_nobody,20261126,1.1\nSOFORT,Credit,500,EUR,B-1,R-1,"+payID+"\nFOOT,1,500\n")
	var out, errOut bytes.Buffer
	if err := run(ctx, append([]string{"paygate", "batch", good}, db...), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if want := "HEAD,kassa_nobody,20261126,1.1\nSOFORT,Credit,500,EUR,B-1,R-1," + payID + ",FAILED,20120001\nFOOT,1,500\n"; out.String() != want {
		t.Errorf("response file:\n%s\nwant:\n%s", out.String(), want)
	}
	if !strings.Contains(errOut.String(), "] 1/1") {
		t.Errorf("no progress shown: %q", errOut.String())
	}

	bad := write("bad.csv", "HEAD,kassa_nobody,20261126,1.1\nSOFORT,Credit,500,EUR,B-1,R-1,"+payID+"\nFOOT,2,500\n")
	err := run(ctx, append([]string{"paygate", "batch", bad, "--out", filepath.Join(dir, "resp.csv")}, db...), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "nothing credited") {
		t.Errorf("a mismatched footer: %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "resp.csv")); statErr == nil {
		t.Error("a refused file got a response file")
	}
}
