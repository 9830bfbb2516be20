package checkoutpage

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"kassa/internal/methods"
	"kassa/internal/money"
)

// Languages the page speaks, English first (the fallback).
var Languages = []string{"en", "de", "fr", "it"}

// languageNames are shown in the language switcher, each in itself.
var languageNames = map[string]string{"en": "English", "de": "Deutsch", "fr": "Français", "it": "Italiano"}

// messages holds every sentence of the page per language; a test checks
// that each language has every key and the same placeholders.
var messages = map[string]map[string]string{
	"en": {
		"brand_sofort":            "Sofort",
		"brand_bank_transfer_id":  "bank transfer",
		"brand_vipps":             "Vipps",
		"checkout":                "Checkout",
		"sandbox_banner":          "Kassa sandbox: this is a test payment, no real money moves.",
		"language":                "Language",
		"order_summary":           "Order summary",
		"col_item":                "Item",
		"col_qty":                 "Quantity",
		"col_amount":              "Amount",
		"total":                   "Total",
		"pay_heading":             "How would you like to pay?",
		"method_sofort":           "Sofort (online banking)",
		"method_bank_transfer_id": "Bank transfer (Indonesia)",
		"method_vipps":            "Vipps",
		"hint_sofort":             "You will log in to your online banking and confirm with a TAN.",
		"hint_bank_transfer_id":   "You will get a virtual account number to transfer the amount to.",
		"hint_vipps":              "You will approve the payment in the Vipps app.",
		"country_label":           "Billing country",
		"country_choose":          "Choose a country",
		"pay_button":              "Pay %s with %s",
		"back_to_shop":            "Back to %s",
		"expires":                 "This checkout expires on %s.",
		"failed_auth":             "The payment was not completed: it was declined or canceled. You can try again.",
		"failed_expired":          "The payment was not completed in time. You can try again.",
		"failed_other":            "The payment was not completed. You can try again.",
		"in_progress":             "A payment with %s has already been started.",
		"continue_payment":        "Continue the payment with %s",
		"err_country_missing":     "Choose your billing country.",
		"err_country_unsupported": "%s is not available for this country (%s). Choose another country or payment method.",
		"err_method":              "Choose one of the payment methods shown.",
		"err_form":                "The form could not be read. Please try again.",
		"complete_title":          "Thank you for your payment",
		"complete_text":           "Your payment of %s to %s is complete.",
		"processing_title":        "Your payment is being processed",
		"processing_text":         "Your payment of %s to %s is being processed. %s will confirm it when the money arrives.",
		"payment_failed_title":    "The payment failed",
		"payment_failed_text":     "Your payment to %s did not go through after all. Please contact %s.",
		"continue_to_shop":        "Continue to %s",
		"expired_title":           "This checkout has expired",
		"expired_text":            "The time to pay ran out, so no payment was made and no money was taken.",
		"expired_back":            "Return to %s",
		"expired_no_back":         "Return to the shop to start again.",
		"notfound_title":          "Payment page not found",
		"notfound_text":           "This payment link is not valid. Please return to the shop and start again.",
		"error_title":             "Something went wrong",
		"error_text":              "The payment page could not be shown because of an error in Kassa. No money was taken by this step. Please try again in a moment.",
		"refused_title":           "Request refused",
		"refused_text":            "This request came from another website, so it was refused. Go back to the payment page and try again.",
	},
	"de": {
		"brand_sofort":            "Sofort",
		"brand_bank_transfer_id":  "Banküberweisung",
		"brand_vipps":             "Vipps",
		"checkout":                "Bezahlen",
		"sandbox_banner":          "Kassa-Sandbox: Dies ist eine Testzahlung, es fließt kein echtes Geld.",
		"language":                "Sprache",
		"order_summary":           "Bestellübersicht",
		"col_item":                "Artikel",
		"col_qty":                 "Menge",
		"col_amount":              "Betrag",
		"total":                   "Gesamt",
		"pay_heading":             "Wie möchten Sie bezahlen?",
		"method_sofort":           "Sofort (Online-Banking)",
		"method_bank_transfer_id": "Banküberweisung (Indonesien)",
		"method_vipps":            "Vipps",
		"hint_sofort":             "Sie melden sich bei Ihrem Online-Banking an und bestätigen mit einer TAN.",
		"hint_bank_transfer_id":   "Sie erhalten eine virtuelle Kontonummer, auf die Sie den Betrag überweisen.",
		"hint_vipps":              "Sie bestätigen die Zahlung in der Vipps-App.",
		"country_label":           "Land der Rechnungsadresse",
		"country_choose":          "Land wählen",
		"pay_button":              "%s mit %s bezahlen",
		"back_to_shop":            "Zurück zu %s",
		"expires":                 "Dieser Bezahlvorgang läuft am %s ab.",
		"failed_auth":             "Die Zahlung wurde nicht abgeschlossen: Sie wurde abgelehnt oder abgebrochen. Sie können es erneut versuchen.",
		"failed_expired":          "Die Zahlung wurde nicht rechtzeitig abgeschlossen. Sie können es erneut versuchen.",
		"failed_other":            "Die Zahlung wurde nicht abgeschlossen. Sie können es erneut versuchen.",
		"in_progress":             "Eine Zahlung mit %s wurde bereits begonnen.",
		"continue_payment":        "Zahlung mit %s fortsetzen",
		"err_country_missing":     "Bitte wählen Sie das Land Ihrer Rechnungsadresse.",
		"err_country_unsupported": "%s ist für dieses Land (%s) nicht verfügbar. Wählen Sie ein anderes Land oder eine andere Zahlungsart.",
		"err_method":              "Bitte wählen Sie eine der angezeigten Zahlungsarten.",
		"err_form":                "Das Formular konnte nicht gelesen werden. Bitte versuchen Sie es erneut.",
		"complete_title":          "Vielen Dank für Ihre Zahlung",
		"complete_text":           "Ihre Zahlung über %s an %s ist abgeschlossen.",
		"processing_title":        "Ihre Zahlung wird bearbeitet",
		"processing_text":         "Ihre Zahlung über %s an %s wird bearbeitet. %s bestätigt sie, sobald das Geld eingegangen ist.",
		"payment_failed_title":    "Die Zahlung ist fehlgeschlagen",
		"payment_failed_text":     "Ihre Zahlung an %s ist doch nicht eingegangen. Bitte wenden Sie sich an %s.",
		"continue_to_shop":        "Weiter zu %s",
		"expired_title":           "Dieser Bezahlvorgang ist abgelaufen",
		"expired_text":            "Die Zeit zum Bezahlen ist abgelaufen. Es wurde keine Zahlung ausgeführt und kein Geld abgebucht.",
		"expired_back":            "Zurück zu %s",
		"expired_no_back":         "Kehren Sie zum Shop zurück, um neu zu beginnen.",
		"notfound_title":          "Zahlungsseite nicht gefunden",
		"notfound_text":           "Dieser Zahlungslink ist ungültig. Bitte kehren Sie zum Shop zurück und beginnen Sie erneut.",
		"error_title":             "Etwas ist schiefgelaufen",
		"error_text":              "Die Zahlungsseite konnte wegen eines Fehlers in Kassa nicht angezeigt werden. Durch diesen Schritt wurde kein Geld abgebucht. Bitte versuchen Sie es gleich noch einmal.",
		"refused_title":           "Anfrage abgelehnt",
		"refused_text":            "Diese Anfrage kam von einer anderen Website und wurde deshalb abgelehnt. Kehren Sie zur Zahlungsseite zurück und versuchen Sie es erneut.",
	},
	"fr": {
		"brand_sofort":            "Sofort",
		"brand_bank_transfer_id":  "virement bancaire",
		"brand_vipps":             "Vipps",
		"checkout":                "Paiement",
		"sandbox_banner":          "Sandbox Kassa : ceci est un paiement de test, aucun argent réel n’est débité.",
		"language":                "Langue",
		"order_summary":           "Récapitulatif de la commande",
		"col_item":                "Article",
		"col_qty":                 "Quantité",
		"col_amount":              "Montant",
		"total":                   "Total",
		"pay_heading":             "Comment souhaitez-vous payer ?",
		"method_sofort":           "Sofort (banque en ligne)",
		"method_bank_transfer_id": "Virement bancaire (Indonésie)",
		"method_vipps":            "Vipps",
		"hint_sofort":             "Vous vous connecterez à votre banque en ligne et confirmerez avec un code TAN.",
		"hint_bank_transfer_id":   "Vous recevrez un numéro de compte virtuel sur lequel virer le montant.",
		"hint_vipps":              "Vous approuverez le paiement dans l’application Vipps.",
		"country_label":           "Pays de facturation",
		"country_choose":          "Choisissez un pays",
		"pay_button":              "Payer %s avec %s",
		"back_to_shop":            "Retour à %s",
		"expires":                 "Ce paiement expire le %s.",
		"failed_auth":             "Le paiement n’a pas abouti : il a été refusé ou annulé. Vous pouvez réessayer.",
		"failed_expired":          "Le paiement n’a pas été effectué à temps. Vous pouvez réessayer.",
		"failed_other":            "Le paiement n’a pas abouti. Vous pouvez réessayer.",
		"in_progress":             "Un paiement avec %s est déjà en cours.",
		"continue_payment":        "Poursuivre le paiement avec %s",
		"err_country_missing":     "Choisissez votre pays de facturation.",
		"err_country_unsupported": "%s n’est pas disponible pour ce pays (%s). Choisissez un autre pays ou un autre moyen de paiement.",
		"err_method":              "Choisissez l’un des moyens de paiement proposés.",
		"err_form":                "Le formulaire n’a pas pu être lu. Veuillez réessayer.",
		"complete_title":          "Merci pour votre paiement",
		"complete_text":           "Votre paiement de %s à %s est effectué.",
		"processing_title":        "Votre paiement est en cours de traitement",
		"processing_text":         "Votre paiement de %s à %s est en cours de traitement. %s le confirmera dès réception des fonds.",
		"payment_failed_title":    "Le paiement a échoué",
		"payment_failed_text":     "Votre paiement à %s n’a finalement pas abouti. Veuillez contacter %s.",
		"continue_to_shop":        "Continuer vers %s",
		"expired_title":           "Ce paiement a expiré",
		"expired_text":            "Le délai de paiement est écoulé : aucun paiement n’a été effectué et aucun argent n’a été débité.",
		"expired_back":            "Retour à %s",
		"expired_no_back":         "Retournez sur la boutique pour recommencer.",
		"notfound_title":          "Page de paiement introuvable",
		"notfound_text":           "Ce lien de paiement n’est pas valide. Veuillez retourner sur la boutique et recommencer.",
		"error_title":             "Une erreur s’est produite",
		"error_text":              "La page de paiement n’a pas pu être affichée en raison d’une erreur dans Kassa. Aucun argent n’a été débité à cette étape. Veuillez réessayer dans un instant.",
		"refused_title":           "Requête refusée",
		"refused_text":            "Cette requête provenait d’un autre site web et a donc été refusée. Revenez à la page de paiement et réessayez.",
	},
	"it": {
		"brand_sofort":            "Sofort",
		"brand_bank_transfer_id":  "bonifico bancario",
		"brand_vipps":             "Vipps",
		"checkout":                "Pagamento",
		"sandbox_banner":          "Sandbox di Kassa: questo è un pagamento di prova, non viene trasferito denaro reale.",
		"language":                "Lingua",
		"order_summary":           "Riepilogo dell’ordine",
		"col_item":                "Articolo",
		"col_qty":                 "Quantità",
		"col_amount":              "Importo",
		"total":                   "Totale",
		"pay_heading":             "Come desideri pagare?",
		"method_sofort":           "Sofort (online banking)",
		"method_bank_transfer_id": "Bonifico bancario (Indonesia)",
		"method_vipps":            "Vipps",
		"hint_sofort":             "Accederai al tuo online banking e confermerai con un codice TAN.",
		"hint_bank_transfer_id":   "Riceverai un numero di conto virtuale su cui trasferire l’importo.",
		"hint_vipps":              "Approverai il pagamento nell’app Vipps.",
		"country_label":           "Paese di fatturazione",
		"country_choose":          "Scegli un paese",
		"pay_button":              "Paga %s con %s",
		"back_to_shop":            "Torna a %s",
		"expires":                 "Questo pagamento scade il %s.",
		"failed_auth":             "Il pagamento non è andato a buon fine: è stato rifiutato o annullato. Puoi riprovare.",
		"failed_expired":          "Il pagamento non è stato completato in tempo. Puoi riprovare.",
		"failed_other":            "Il pagamento non è andato a buon fine. Puoi riprovare.",
		"in_progress":             "Un pagamento con %s è già stato avviato.",
		"continue_payment":        "Continua il pagamento con %s",
		"err_country_missing":     "Scegli il tuo paese di fatturazione.",
		"err_country_unsupported": "%s non è disponibile per questo paese (%s). Scegli un altro paese o un altro metodo di pagamento.",
		"err_method":              "Scegli uno dei metodi di pagamento indicati.",
		"err_form":                "Non è stato possibile leggere il modulo. Riprova.",
		"complete_title":          "Grazie per il tuo pagamento",
		"complete_text":           "Il tuo pagamento di %s a %s è stato completato.",
		"processing_title":        "Il tuo pagamento è in elaborazione",
		"processing_text":         "Il tuo pagamento di %s a %s è in elaborazione. %s lo confermerà non appena riceverà il denaro.",
		"payment_failed_title":    "Il pagamento non è riuscito",
		"payment_failed_text":     "Il tuo pagamento a %s alla fine non è andato a buon fine. Contatta %s.",
		"continue_to_shop":        "Continua su %s",
		"expired_title":           "Questo pagamento è scaduto",
		"expired_text":            "Il tempo per pagare è scaduto: nessun pagamento è stato effettuato e non è stato addebitato alcun importo.",
		"expired_back":            "Torna a %s",
		"expired_no_back":         "Torna al negozio per ricominciare.",
		"notfound_title":          "Pagina di pagamento non trovata",
		"notfound_text":           "Questo link di pagamento non è valido. Torna al negozio e ricomincia.",
		"error_title":             "Si è verificato un errore",
		"error_text":              "Non è stato possibile mostrare la pagina di pagamento a causa di un errore in Kassa. Non è stato addebitato alcun importo in questo passaggio. Riprova tra un momento.",
		"refused_title":           "Richiesta rifiutata",
		"refused_text":            "Questa richiesta proveniva da un altro sito web ed è stata quindi rifiutata. Torna alla pagina di pagamento e riprova.",
	},
}

// countryNames covers the billing countries of Kassa's methods; a test
// checks that every catalogue country has a name in every language.
var countryNames = map[string]map[string]string{
	"en": {"AT": "Austria", "BE": "Belgium", "CH": "Switzerland", "DE": "Germany", "ES": "Spain", "ID": "Indonesia", "IT": "Italy", "NL": "Netherlands", "NO": "Norway"},
	"de": {"AT": "Österreich", "BE": "Belgien", "CH": "Schweiz", "DE": "Deutschland", "ES": "Spanien", "ID": "Indonesien", "IT": "Italien", "NL": "Niederlande", "NO": "Norwegen"},
	"fr": {"AT": "Autriche", "BE": "Belgique", "CH": "Suisse", "DE": "Allemagne", "ES": "Espagne", "ID": "Indonésie", "IT": "Italie", "NL": "Pays-Bas", "NO": "Norvège"},
	"it": {"AT": "Austria", "BE": "Belgio", "CH": "Svizzera", "DE": "Germania", "ES": "Spagna", "ID": "Indonesia", "IT": "Italia", "NL": "Paesi Bassi", "NO": "Norvegia"},
}

// dateLayouts write the session's expiry (always in UTC) per language.
var dateLayouts = map[string]string{
	"en": "2 Jan 2006, 15:04 MST",
	"de": "02.01.2006, 15:04 MST",
	"fr": "02/01/2006 à 15:04 MST",
	"it": "02/01/2006 alle 15:04 MST",
}

// lang is one request's language: which sentences to use and how to
// format amounts (format may carry a region, e.g. "de-CH").
type lang struct {
	Code   string // "de": the page's lang attribute and the sentences
	format string // CLDR locale for amounts
}

// T returns a sentence with its placeholders filled in; html/template
// escapes the result.
func (l lang) T(key string, args ...any) string {
	msg, ok := messages[l.Code][key]
	if !ok {
		msg = messages["en"][key]
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Money formats an amount for this language (and region, if known).
func (l lang) Money(minor int64, c money.Currency) string { return money.Localized(minor, c, l.format) }

// Method names a payment method with what it is ("Sofort (online banking)").
func (l lang) Method(t methods.Type) string { return l.T("method_" + string(t)) }

// Brand is a payment method's short name, for sentences ("Pay … with Sofort").
func (l lang) Brand(t methods.Type) string { return l.T("brand_" + string(t)) }

// Country names a country, or shows its code when there is no name.
func (l lang) Country(code string) string {
	if n, ok := countryNames[l.Code][code]; ok {
		return n
	}
	return code
}

// Date writes a moment in UTC in this language's numeric style.
func (l lang) Date(t time.Time) string { return t.UTC().Format(dateLayouts[l.Code]) }

// Number writes a quantity.
func (l lang) Number(n int64) string { return strconv.FormatInt(n, 10) }

// choose picks the page's language: an explicit choice (the language
// switcher's ?lang=), then the session's locale if the page speaks it,
// then the browser's Accept-Language, then English.
func choose(explicit, locale, acceptLanguage string) lang {
	if slices.Contains(Languages, explicit) {
		return lang{Code: explicit, format: explicit}
	}
	// A Stripe locale the page does not speak (ja, nb, …) falls through to
	// the browser's languages, which may include one it does.
	if base := baseOf(locale); slices.Contains(Languages, base) {
		return lang{Code: base, format: locale}
	}
	for _, tag := range preferred(acceptLanguage) {
		if base := baseOf(tag); slices.Contains(Languages, base) {
			return lang{Code: base, format: tag}
		}
	}
	return lang{Code: "en", format: "en"}
}

func baseOf(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	return base
}

// preferred parses Accept-Language ("de-CH, de;q=0.9, en;q=0.5") into tags
// by descending quality, dropping q=0 and malformed entries.
func preferred(header string) []string {
	type entry struct {
		tag string
		q   int // thousandths
	}
	var entries []entry
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.TrimSpace(tag)
		if tag == "" || tag == "*" || len(tag) > 35 || strings.Trim(strings.ToLower(tag), "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			continue
		}
		q := 1000
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if q, ok = quality(v); !ok {
				continue
			}
		}
		if q > 0 {
			entries = append(entries, entry{tag, q})
		}
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return b.q - a.q })
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.tag
	}
	return out
}

// quality parses an HTTP qvalue ("1", "0.8", "0.125") into thousandths.
func quality(v string) (int, bool) {
	whole, frac, _ := strings.Cut(v, ".")
	if (whole != "0" && whole != "1") || len(frac) > 3 || strings.Trim(frac, "0123456789") != "" {
		return 0, false
	}
	frac += strings.Repeat("0", 3-len(frac))
	n, _ := strconv.Atoi(frac)
	if whole == "1" {
		if n != 0 {
			return 0, false
		}
		return 1000, true
	}
	return n, true
}
