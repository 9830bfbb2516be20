package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"kassa/internal/paygate"
)

// paygateCommand runs `kassa paygate …`.
func paygateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "credentials":
		return paygateCredentials(ctx, args[1:], stdout)
	case len(args) > 0 && args[0] == "batch":
		return paygateBatch(ctx, args[1:], stdout, stderr)
	}
	return errors.New(usage)
}

// paygateCredentials gives an account its Paygate MerchantID and keys and
// prints them: the only time the keys are shown.
func paygateCredentials(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("paygate credentials", flag.ContinueOnError)
	account := fs.String("account", "", "the account (acct_…) the credentials are for (required)")
	useAES := fs.Bool("aes", false, "encrypt Data with AES-CBC instead of Blowfish")
	rotate := fs.Bool("rotate", false, "replace the account's existing keys (the MerchantID stays)")
	asJSON := fs.Bool("json", false, "print the credentials as JSON")
	openApp := appFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *account == "" {
		return errors.New("paygate credentials: --account is required")
	}
	alg := paygate.Blowfish
	if *useAES {
		alg = paygate.AES
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	creds, err := a.Gateway.CreatePaygateCredentials(ctx, *account, alg, *rotate)
	if err != nil {
		return fmt.Errorf("paygate credentials: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(creds)
	}
	_, err = fmt.Fprintf(stdout, "Paygate credentials for %s, shown only now:\n  MerchantID:     %s\n  %-15s %s\n  HMAC key:       %s\n",
		*account, creds.MerchantID, keyLabel(alg), creds.EncryptionKey, creds.HMACKey)
	return err
}

func keyLabel(alg paygate.Algorithm) string {
	if alg == paygate.AES {
		return "AES key:"
	}
	return "Blowfish key:"
}
