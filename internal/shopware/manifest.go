package shopware

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"kassa/internal/methods"
)

// Schema is a manifest schema version Shopware reads.
type Schema string

const (
	// Schema30 is for Shopware 6.7 (no capture-url: prepared payments are
	// captured in pay).
	Schema30 Schema = "3.0"
	// Schema20 is for Shopware 6.5 and 6.6, with capture-url for prepared
	// payments.
	Schema20 Schema = "2.0"
)

// AppConfig is what a generated app needs to know about its Kassa.
type AppConfig struct {
	AccountID string
	// PublicURL is where shops reach Kassa, e.g. https://pay.example.com.
	PublicURL string
	// AppSecret is the account's app secret (see AppSecret).
	AppSecret string
	Version   string
}

// AppName is the app's technical name (and folder name) for an account:
// "Kassa" and the account id's characters, e.g. "KassaAcct3kT9…". It never
// changes for an account, since Shopware identifies payment methods by app
// name and identifier.
func AppName(accountID string) string {
	var b strings.Builder
	b.WriteString("Kassa")
	upper := true
	for _, r := range accountID {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			if upper && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			upper = false
		default:
			upper = true
		}
	}
	return b.String()
}

// URLs are the app server's endpoints for one account.
type URLs struct{ base string }

// EndpointsFor returns the endpoints under publicURL for an account.
func EndpointsFor(publicURL, accountID string) URLs {
	return URLs{base: strings.TrimRight(publicURL, "/") + "/shopware/" + accountID}
}

func (u URLs) Registration() string { return u.base + "/registration" }
func (u URLs) Confirmation() string { return u.base + "/confirmation" }
func (u URLs) Uninstall() string    { return u.base + "/uninstall" }
func (u URLs) Pay() string          { return u.base + "/pay" }
func (u URLs) Finalize() string     { return u.base + "/finalize" }
func (u URLs) Validate() string     { return u.base + "/validate" }
func (u URLs) Capture() string      { return u.base + "/capture" }
func (u URLs) Refund() string       { return u.base + "/refund" }
func (u URLs) Recurring() string    { return u.base + "/recurring" }

// methodTexts are the names and descriptions shoppers see at checkout.
var methodTexts = map[methods.Type]struct{ nameEN, nameDE, descEN, descDE string }{
	methods.Sofort: {"Sofort", "Sofort",
		"Pay directly from your bank account with online banking.",
		"Bezahlen Sie direkt von Ihrem Bankkonto per Online-Banking."},
	methods.BankTransferID: {"Bank transfer (Indonesia)", "Banküberweisung (Indonesien)",
		"Pay by transfer to a virtual account at your Indonesian bank.",
		"Bezahlen Sie per Überweisung auf ein virtuelles Konto bei Ihrer indonesischen Bank."},
	methods.Vipps: {"Vipps", "Vipps",
		"Pay with the Vipps app on your phone.",
		"Bezahlen Sie mit der Vipps-App auf Ihrem Telefon."},
}

// IconPath is where a method's icon lies in the app folder.
func IconPath(t methods.Type) string { return "Resources/icons/" + string(t) + ".png" }

// Recurring reports whether Kassa can charge a saved agreement for t
// again (the catalogue's reusable methods: Vipps).
func Recurring(t methods.Type) bool {
	m, ok := methods.Lookup(t)
	return ok && m.Reusable
}

// Manifest renders manifest.xml for the given schema.
func Manifest(cfg AppConfig, schema Schema) ([]byte, error) {
	if cfg.AccountID == "" || cfg.PublicURL == "" || cfg.AppSecret == "" {
		return nil, fmt.Errorf("shopware: a manifest needs an account, a public URL and an app secret")
	}
	if schema != Schema30 && schema != Schema20 {
		return nil, fmt.Errorf("shopware: unknown manifest schema %q", schema)
	}
	version := cfg.Version
	if version == "" {
		version = "1.0.0"
	}
	urls := EndpointsFor(cfg.PublicURL, cfg.AccountID)
	m := xmlManifest{
		XSI:      "http://www.w3.org/2001/XMLSchema-instance",
		Location: "https://raw.githubusercontent.com/shopware/shopware/trunk/src/Core/Framework/App/Manifest/Schema/manifest-" + string(schema) + ".xsd",
		Meta: xmlMeta{
			Name:  AppName(cfg.AccountID),
			Label: []xmlText{{Text: "Kassa payments"}, {Lang: "de-DE", Text: "Kassa Zahlungen"}},
			Description: []xmlText{
				{Text: "Offers the payment methods of Kassa account " + cfg.AccountID + " at checkout."},
				{Lang: "de-DE", Text: "Bietet die Zahlungsarten des Kassa-Kontos " + cfg.AccountID + " im Checkout an."},
			},
			Author: "Kassa", Copyright: "(c) Kassa", Version: version, License: "MIT",
		},
		Setup: xmlSetup{RegistrationURL: urls.Registration(), Secret: cfg.AppSecret},
		Permissions: xmlPermissions{
			Read:   []string{"order", "order_transaction", "order_transaction_capture", "order_transaction_capture_refund", "state_machine", "state_machine_state", "state_machine_transition"},
			Update: []string{"order_transaction", "order_transaction_capture_refund"},
			Create: []string{"state_machine_history"},
		},
		Webhooks: xmlWebhooks{Webhook: []xmlWebhook{{Name: "kassaAppDeleted", URL: urls.Uninstall(), Event: "app.deleted"}}},
	}
	for _, method := range methods.All() {
		texts, ok := methodTexts[method.Type]
		if !ok {
			return nil, fmt.Errorf("shopware: no checkout texts for method %s", method.Type)
		}
		pm := xmlPaymentMethod{
			Identifier:  string(method.Type),
			Name:        []xmlText{{Text: texts.nameEN}, {Lang: "de-DE", Text: texts.nameDE}},
			Description: []xmlText{{Text: texts.descEN}, {Lang: "de-DE", Text: texts.descDE}},
			PayURL:      urls.Pay(), FinalizeURL: urls.Finalize(), ValidateURL: urls.Validate(),
			RefundURL: urls.Refund(), Icon: IconPath(method.Type),
		}
		if schema == Schema20 {
			pm.CaptureURL = urls.Capture()
		}
		if Recurring(method.Type) {
			pm.RecurringURL = urls.Recurring()
		}
		m.Payments.Method = append(m.Payments.Method, pm)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "    ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

type xmlText struct {
	Lang string `xml:"lang,attr,omitempty"`
	Text string `xml:",chardata"`
}

type xmlManifest struct {
	XMLName     xml.Name       `xml:"manifest"`
	XSI         string         `xml:"xmlns:xsi,attr"`
	Location    string         `xml:"xsi:noNamespaceSchemaLocation,attr"`
	Meta        xmlMeta        `xml:"meta"`
	Setup       xmlSetup       `xml:"setup"`
	Permissions xmlPermissions `xml:"permissions"`
	Webhooks    xmlWebhooks    `xml:"webhooks"`
	Payments    struct {
		Method []xmlPaymentMethod `xml:"payment-method"`
	} `xml:"payments"`
}

type xmlMeta struct {
	Name        string    `xml:"name"`
	Label       []xmlText `xml:"label"`
	Description []xmlText `xml:"description"`
	Author      string    `xml:"author"`
	Copyright   string    `xml:"copyright"`
	Version     string    `xml:"version"`
	License     string    `xml:"license"`
}

type xmlSetup struct {
	RegistrationURL string `xml:"registrationUrl"`
	Secret          string `xml:"secret"`
}

type xmlPermissions struct {
	Read   []string `xml:"read"`
	Update []string `xml:"update"`
	Create []string `xml:"create"`
}

type xmlWebhooks struct {
	Webhook []xmlWebhook `xml:"webhook"`
}

type xmlWebhook struct {
	Name  string `xml:"name,attr"`
	URL   string `xml:"url,attr"`
	Event string `xml:"event,attr"`
}

type xmlPaymentMethod struct {
	Identifier   string    `xml:"identifier"`
	Name         []xmlText `xml:"name"`
	Description  []xmlText `xml:"description"`
	PayURL       string    `xml:"pay-url,omitempty"`
	FinalizeURL  string    `xml:"finalize-url,omitempty"`
	ValidateURL  string    `xml:"validate-url,omitempty"`
	CaptureURL   string    `xml:"capture-url,omitempty"`
	RefundURL    string    `xml:"refund-url,omitempty"`
	RecurringURL string    `xml:"recurring-url,omitempty"`
	Icon         string    `xml:"icon,omitempty"`
}
