package shopware

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kassa/internal/methods"
	"kassa/internal/secrets"
)

// parsedManifest reads back what Shopware reads of a manifest.
type parsedManifest struct {
	XMLName  xml.Name `xml:"manifest"`
	Location string   `xml:"noNamespaceSchemaLocation,attr"`
	Meta     struct {
		Name      string    `xml:"name"`
		Label     []xmlText `xml:"label"`
		Author    string    `xml:"author"`
		Copyright string    `xml:"copyright"`
		Version   string    `xml:"version"`
		License   string    `xml:"license"`
	} `xml:"meta"`
	Setup struct {
		RegistrationURL string `xml:"registrationUrl"`
		Secret          string `xml:"secret"`
	} `xml:"setup"`
	Webhooks []xmlWebhook `xml:"webhooks>webhook"`
	Methods  []struct {
		Identifier  string    `xml:"identifier"`
		Name        []xmlText `xml:"name"`
		Description []xmlText `xml:"description"`
		Pay         string    `xml:"pay-url"`
		Finalize    string    `xml:"finalize-url"`
		Validate    string    `xml:"validate-url"`
		Capture     string    `xml:"capture-url"`
		Refund      string    `xml:"refund-url"`
		Recurring   string    `xml:"recurring-url"`
		Icon        string    `xml:"icon"`
	} `xml:"payments>payment-method"`
}

func testBox(t *testing.T) *secrets.Box {
	box, err := secrets.NewBox(bytes.Repeat([]byte{1}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func TestWriteApp(t *testing.T) {
	box := testBox(t)
	const account = "acct_9xYz"
	cfg := AppConfig{AccountID: account, PublicURL: "https://pay.example.com/", AppSecret: AppSecret(box, account)}
	for _, schema := range []Schema{Schema30, Schema20} {
		t.Run(string(schema), func(t *testing.T) {
			dir, err := WriteApp(t.TempDir(), cfg, schema)
			if err != nil {
				t.Fatal(err)
			}
			if got := filepath.Base(dir); got != "KassaAcct9xYz" {
				t.Fatalf("folder %q; want KassaAcct9xYz", got)
			}
			raw, err := os.ReadFile(filepath.Join(dir, "manifest.xml"))
			if err != nil {
				t.Fatal(err)
			}
			var m parsedManifest
			if err := xml.Unmarshal(raw, &m); err != nil {
				t.Fatalf("manifest does not parse: %v\n%s", err, raw)
			}
			if !strings.HasSuffix(m.Location, "/manifest-"+string(schema)+".xsd") {
				t.Errorf("schema location %q", m.Location)
			}
			if !strings.EqualFold(m.Meta.Name, filepath.Base(dir)) {
				t.Errorf("app name %q differs from folder %q", m.Meta.Name, filepath.Base(dir))
			}
			if m.Meta.Author == "" || m.Meta.Copyright == "" || m.Meta.Version == "" || m.Meta.License == "" || len(m.Meta.Label) == 0 {
				t.Errorf("meta misses a required field: %+v", m.Meta)
			}
			base := "https://pay.example.com/shopware/" + account
			if m.Setup.RegistrationURL != base+"/registration" {
				t.Errorf("registrationUrl %q", m.Setup.RegistrationURL)
			}
			if m.Setup.Secret != AppSecret(box, account) || len(m.Setup.Secret) != 64 {
				t.Errorf("secret %q", m.Setup.Secret)
			}
			if len(m.Webhooks) != 1 || m.Webhooks[0].Event != "app.deleted" || m.Webhooks[0].URL != base+"/uninstall" {
				t.Errorf("webhooks %+v", m.Webhooks)
			}
			if len(m.Methods) != len(methods.All()) {
				t.Fatalf("%d payment methods; want one per Kassa method", len(m.Methods))
			}
			for i, pm := range m.Methods {
				want := methods.All()[i].Type
				if pm.Identifier != string(want) {
					t.Errorf("method %d identifier %q; want %q", i, pm.Identifier, want)
				}
				for _, texts := range [][]xmlText{pm.Name, pm.Description} {
					if len(texts) != 2 || texts[0].Lang != "" || texts[0].Text == "" || texts[1].Lang != "de-DE" || texts[1].Text == "" {
						t.Errorf("%s: texts %+v; want en-GB (default) and de-DE", want, texts)
					}
				}
				if pm.Pay != base+"/pay" || pm.Finalize != base+"/finalize" || pm.Validate != base+"/validate" || pm.Refund != base+"/refund" {
					t.Errorf("%s: urls %+v", want, pm)
				}
				if (pm.Capture != "") != (schema == Schema20) {
					t.Errorf("%s: capture-url %q in schema %s", want, pm.Capture, schema)
				}
				if (pm.Recurring != "") != (want == methods.Vipps) {
					t.Errorf("%s: recurring-url %q", want, pm.Recurring)
				}
				icon, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(pm.Icon)))
				if err != nil {
					t.Fatalf("%s: icon: %v", want, err)
				}
				img, err := png.Decode(bytes.NewReader(icon))
				if err != nil || img.Bounds().Dx() != 64 {
					t.Errorf("%s: icon is not a 64px PNG: %v", want, err)
				}
			}
		})
	}
}

func TestAppSecretIsStablePerAccount(t *testing.T) {
	box := testBox(t)
	if AppSecret(box, "acct_1") != AppSecret(testBox(t), "acct_1") {
		t.Error("the same key gives different app secrets")
	}
	if AppSecret(box, "acct_1") == AppSecret(box, "acct_2") {
		t.Error("two accounts share an app secret")
	}
}

func TestManifestRefusesIncompleteConfig(t *testing.T) {
	if _, err := Manifest(AppConfig{AccountID: "acct_1", PublicURL: "https://x"}, Schema30); err == nil {
		t.Error("a manifest without app secret was made")
	}
	if _, err := Manifest(AppConfig{AccountID: "acct_1", PublicURL: "https://x", AppSecret: "s"}, "1.0"); err == nil {
		t.Error("a manifest in an unknown schema was made")
	}
}

func TestAppName(t *testing.T) {
	for in, want := range map[string]string{
		"acct_3kT9abc": "KassaAcct3kT9abc",
		"acct_zz":      "KassaAcctZz",
	} {
		if got := AppName(in); got != want {
			t.Errorf("AppName(%q) = %q; want %q", in, got, want)
		}
	}
}
