package checkoutpage

import (
	"strings"
	"testing"

	"kassa/internal/methods"
)

// TestEveryLanguageSaysEverything: each language has every sentence, with
// the same placeholders, and names every method and billing country.
func TestEveryLanguageSaysEverything(t *testing.T) {
	for _, code := range Languages {
		msgs, ok := messages[code]
		if !ok {
			t.Fatalf("no sentences for %s", code)
		}
		if _, ok := languageNames[code]; !ok {
			t.Errorf("%s has no name in the switcher", code)
		}
		if _, ok := dateLayouts[code]; !ok {
			t.Errorf("%s has no date layout", code)
		}
		for key, en := range messages["en"] {
			msg, ok := msgs[key]
			if !ok || msg == "" {
				t.Errorf("%s lacks %q", code, key)
				continue
			}
			if strings.Count(msg, "%s") != strings.Count(en, "%s") || strings.Count(msg, "%") != strings.Count(en, "%") {
				t.Errorf("%s %q has other placeholders than English: %q", code, key, msg)
			}
		}
		if len(msgs) != len(messages["en"]) {
			t.Errorf("%s has %d sentences, English %d", code, len(msgs), len(messages["en"]))
		}
		for _, m := range methods.All() {
			for _, prefix := range []string{"method_", "hint_", "brand_"} {
				if _, ok := msgs[prefix+string(m.Type)]; !ok {
					t.Errorf("%s lacks %s%s", code, prefix, m.Type)
				}
			}
			for _, country := range m.Countries {
				if _, ok := countryNames[code][country]; !ok {
					t.Errorf("%s has no name for %s", code, country)
				}
			}
		}
	}
}

func TestChooseLanguage(t *testing.T) {
	tests := []struct {
		explicit, locale, accept string
		code, format             string
	}{
		{"", "", "", "en", "en"},
		{"", "de", "fr-FR,fr", "de", "de"}, // the merchant's locale wins over the browser
		{"", "fr-CA", "", "fr", "fr-CA"},   // Stripe's regional locales keep their region for amounts
		{"", "auto", "it-CH, it;q=0.9, en;q=0.5", "it", "it-CH"},
		{"", "", "nb-NO, de;q=0.8, en;q=0.5", "de", "de"}, // the first spoken language by quality
		{"", "", "en;q=0.3, fr;q=0.9", "fr", "fr"},
		{"", "", "fr;q=0, it;q=0.1", "it", "it"},     // q=0 means "not this"
		{"", "", "de;q=2, it;q=abc, fr", "fr", "fr"}, // malformed qualities are dropped
		{"", "ja", "it", "it", "it"},                 // a locale the page does not speak: the browser's
		{"", "ja", "ja", "en", "en"},
		{"fr", "de", "it", "fr", "fr"}, // the switcher wins
		{"de-CH", "", "", "en", "en"},  // only the switcher's own values count
		{"", "", "*, de;q=0.5", "de", "de"},
		{"", "", "d<script>e, it", "it", "it"},
	}
	for _, tt := range tests {
		l := choose(tt.explicit, tt.locale, tt.accept)
		if l.Code != tt.code || l.format != tt.format {
			t.Errorf("choose(%q, %q, %q) = %s/%s; want %s/%s", tt.explicit, tt.locale, tt.accept, l.Code, l.format, tt.code, tt.format)
		}
	}
}

func TestQuality(t *testing.T) {
	for v, want := range map[string]int{"1": 1000, "1.0": 1000, "1.000": 1000, "0.8": 800, "0.125": 125, "0": 0, "0.": 0} {
		if q, ok := quality(v); !ok || q != want {
			t.Errorf("quality(%q) = %d, %v", v, q, ok)
		}
	}
	for _, v := range []string{"2", "1.5", "0.1234", "-0.5", "abc", ""} {
		if _, ok := quality(v); ok {
			t.Errorf("quality(%q) accepted", v)
		}
	}
}

func TestLocalizedAmountsAndDates(t *testing.T) {
	for code, want := range map[string]string{"en": "€1,234.50", "de": "1.234,50\u00a0€", "fr": "1\u202f234,50\u00a0€", "it": "1234,50\u00a0€"} {
		if got := (lang{Code: code, format: code}).Money(123450, "eur"); got != want {
			t.Errorf("%s: %q, want %q", code, got, want)
		}
	}
	if got := (lang{Code: "de", format: "de-CH"}).Money(123450, "chf"); got != "CHF\u00a01'234.50" {
		t.Errorf("de-CH: %q", got)
	}
}
