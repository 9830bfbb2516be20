package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"kassa/internal/shopware"
	"kassa/internal/store"
)

// shopwareApp writes an account's Shopware app: OUT/shopware-6.7/<App>/
// with a 3.0 manifest and OUT/shopware-6.5/<App>/ with a 2.0 one.
func shopwareApp(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("shopware app", flag.ContinueOnError)
	account := fs.String("account", "", "the Kassa account whose methods the app offers (required)")
	out := fs.String("out", "", "directory to write the app folders to (required)")
	publicURL := fs.String("public-url", os.Getenv("KASSA_PUBLIC_URL"), "base URL shops reach Kassa at (KASSA_PUBLIC_URL, required)")
	openApp := appFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *account == "" || *out == "" || *publicURL == "" {
		return errors.New("shopware app: --account, --out and --public-url (or KASSA_PUBLIC_URL) are required")
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Store.Read(ctx, func(r store.Reader) error { _, err := r.Account(ctx, *account); return err }); err != nil {
		return fmt.Errorf("shopware app: account %s: %w", *account, err)
	}
	cfg := shopware.AppConfig{AccountID: *account, PublicURL: *publicURL, AppSecret: shopware.AppSecret(a.Gateway.Secrets, *account)}
	for _, v := range []struct {
		folder string
		schema shopware.Schema
	}{{"shopware-6.7", shopware.Schema30}, {"shopware-6.5", shopware.Schema20}} {
		dir, err := shopware.WriteApp(filepath.Join(*out, v.folder), cfg, v.schema)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s (manifest %s): %s\n", v.folder, v.schema, dir)
	}
	_, err = fmt.Fprintf(stdout, "Zip the folder for your Shopware version (the zip must contain the folder %s/) and upload it under Extensions > My extensions.\n", shopware.AppName(*account))
	return err
}
