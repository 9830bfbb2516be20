package checkout

import (
	"slices"
	"strings"
)

// Locales are the values Stripe accepts for a session's locale. The hosted
// page speaks some of them (see package checkoutpage) and falls back to
// English for the rest; "auto" (or none) follows the browser.
var Locales = []string{"auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil",
	"fr", "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR",
	"ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW"}

// CheckLocale accepts "" and Stripe's locales.
func CheckLocale(locale string) error {
	if locale == "" || slices.Contains(Locales, locale) {
		return nil
	}
	return invalid("locale", "Invalid locale %q: use one of %s.", locale, strings.Join(Locales, ", "))
}
