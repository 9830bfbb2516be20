package sandbox

// Bank is a bank the sandbox pages offer.
type Bank struct {
	Code   string
	Name   string
	Prefix string // virtual account prefix (Indonesian banks only)
}

// sofortBanks are offered per billing country on the Sofort page.
var sofortBanks = map[string][]Bank{
	"DE": {{Code: "sandbox_sparkasse", Name: "Sandbox Sparkasse"}, {Code: "sandbox_volksbank", Name: "Sandbox Volksbank"}, {Code: "sandbox_deutsche", Name: "Sandbox Deutsche Bank"}},
	"AT": {{Code: "sandbox_erste", Name: "Sandbox Erste Bank"}, {Code: "sandbox_raiffeisen", Name: "Sandbox Raiffeisen"}},
	"BE": {{Code: "sandbox_kbc", Name: "Sandbox KBC"}, {Code: "sandbox_belfius", Name: "Sandbox Belfius"}},
	"NL": {{Code: "sandbox_abn", Name: "Sandbox ABN AMRO"}, {Code: "sandbox_ing", Name: "Sandbox ING"}},
	"ES": {{Code: "sandbox_santander", Name: "Sandbox Santander"}, {Code: "sandbox_bbva", Name: "Sandbox BBVA"}},
	"CH": {{Code: "sandbox_postfinance", Name: "Sandbox PostFinance"}, {Code: "sandbox_ubs", Name: "Sandbox UBS"}},
	"IT": {{Code: "sandbox_intesa", Name: "Sandbox Intesa Sanpaolo"}, {Code: "sandbox_unicredit", Name: "Sandbox UniCredit"}},
}

// indonesianBanks issue virtual accounts for bank_transfer_id.
var indonesianBanks = []Bank{
	{Code: "bca", Name: "Bank Central Asia (BCA)", Prefix: "39010"},
	{Code: "bni", Name: "Bank Negara Indonesia (BNI)", Prefix: "98820"},
	{Code: "bri", Name: "Bank Rakyat Indonesia (BRI)", Prefix: "26215"},
	{Code: "mandiri", Name: "Bank Mandiri", Prefix: "89608"},
	{Code: "permata", Name: "Bank Permata", Prefix: "82150"},
}

func bankByCode(code string) Bank {
	for _, b := range indonesianBanks {
		if b.Code == code {
			return b
		}
	}
	return Bank{Code: code, Name: code, Prefix: "99999"}
}

// The sandbox's documented credentials. Any login works; the TAN decides.
const (
	CorrectTAN = "123456"
)
