package shopwareapp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"kassa/internal/shopware"
)

func TestInstallStoresTheShopSealed(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopA")
	s.install()
	shop := e.shop("shopA")
	if shop.Status != shopware.ShopActive || shop.ShopURL != s.url || shop.PendingSealedSecret != nil {
		t.Fatalf("shop after install: %+v", shop)
	}
	if e.open(shop, shop.SealedSecret, "secret") != s.secret ||
		e.open(shop, shop.SealedAPIKey, "api key") != s.apiKey ||
		e.open(shop, shop.SealedAPISecret, "api secret") != s.apiSec {
		t.Error("the stored secrets do not open to what the shop holds")
	}
	// Sealed means the plain values appear nowhere in the stored document.
	doc, _ := json.Marshal(shop)
	for _, plain := range []string{s.secret, s.apiKey, s.apiSec} {
		if bytes.Contains(doc, []byte(plain)) {
			t.Errorf("%q is stored in the clear", plain)
		}
	}
	if shop.ShopwareVersion != "6.7.1.0" {
		t.Errorf("sw-version %q", shop.ShopwareVersion)
	}
}

func TestRegistrationQueryEscapedOnTheWay(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopB")
	signed := s.registrationQuery()
	escaped := strings.NewReplacer(":", "%3A", "/", "%2F").Replace(signed)
	req, _ := http.NewRequest(http.MethodGet, e.url("/registration")+"?"+escaped, nil)
	req.Header.Set(shopware.HeaderAppSignature, shopware.Sign(e.appSecret, []byte(signed)))
	res := do(t, req)
	if res.status != http.StatusOK {
		t.Fatalf("%d %s", res.status, res.body)
	}
	var reg registration
	json.Unmarshal(res.body, &reg)
	// The proof is over the shop URL as received, decoded.
	if reg.Proof != shopware.Proof(e.appSecret, "shopB", s.url, shopware.AppName(e.account)) {
		t.Errorf("proof %s", reg.Proof)
	}
}

func TestRegistrationRefusals(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopC")
	now := e.clock.Now().Unix()
	stale := "shop-id=shopC&shop-url=https://shopC.example&timestamp=" + itoa(now-11*60)
	tests := []struct {
		name   string
		query  string
		key    []byte
		status int
		says   string
	}{
		{"wrong app secret", s.registrationQuery(), []byte("another app's secret"), http.StatusUnauthorized, "shopware-app-signature"},
		{"replayed after the window", stale, e.appSecret, http.StatusUnauthorized, "timestamp"},
		{"no shop id", "shop-url=https://shopC.example&timestamp=" + itoa(now), e.appSecret, http.StatusBadRequest, "shop-id"},
		{"timestamp not a number", "shop-id=shopC&shop-url=https://shopC.example&timestamp=soon", e.appSecret, http.StatusBadRequest, "timestamp"},
		{"shop URL not http", "shop-id=shopC&shop-url=javascript:alert(1)&timestamp=" + itoa(now), e.appSecret, http.StatusBadRequest, "shop-url"},
		{"shop URL without a host", "shop-id=shopC&shop-url=https:///shop&timestamp=" + itoa(now), e.appSecret, http.StatusBadRequest, "shop-url"},
		{"shop URL too long", "shop-id=shopC&shop-url=https://shopC.example/" + strings.Repeat("a", 2048) + "&timestamp=" + itoa(now), e.appSecret, http.StatusBadRequest, "shop-url"},
	}
	for _, tt := range tests {
		res := s.register(tt.query, tt.key, "")
		if res.status != tt.status || !strings.Contains(errorOf(t, res), tt.says) {
			t.Errorf("%s: %d %s; want %d mentioning %q", tt.name, res.status, res.body, tt.status, tt.says)
		}
	}
	// An account that does not exist has no app.
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/shopware/acct_nope/registration?"+s.registrationQuery(), nil)
	req.Header.Set(shopware.HeaderAppSignature, shopware.Sign([]byte(shopware.AppSecret(e.box, "acct_nope")), []byte(s.registrationQuery())))
	if res := do(t, req); res.status != http.StatusUnauthorized {
		t.Errorf("unknown account: %d %s", res.status, res.body)
	}
	// Nothing was stored by any refused registration.
	assertNoShop(t, e, "shopC")
}

// TestLocalShopsRefusedWhenKassaMayNotCallThem: with private addresses
// forbidden, a shop on one is refused at registration and at
// confirmation (Kassa could never push to it), and nothing changes.
func TestLocalShopsRefusedWhenKassaMayNotCallThem(t *testing.T) {
	e := newEnv(t)
	e.gw.ForbidPrivateAddresses = true
	for _, local := range []string{"http://127.0.0.1:8000", "http://shop.localhost", "https://10.1.2.3/shop", "http://[fd00::1]"} {
		s := e.newShop("shopL")
		s.url = local
		res := s.register(s.registrationQuery(), e.appSecret, "")
		if res.status != http.StatusBadRequest || !strings.Contains(errorOf(t, res), "private or local addresses") {
			t.Errorf("registration of %s: %d %s", local, res.status, res.body)
		}
	}
	assertNoShop(t, e, "shopL")

	s := e.newShop("shopM")
	res := s.register(s.registrationQuery(), e.appSecret, "")
	if res.status != http.StatusOK {
		t.Fatalf("registration of %s: %d %s", s.url, res.status, res.body)
	}
	var reg registration
	json.Unmarshal(res.body, &reg)
	pending := e.shop("shopM")
	s.url = "http://192.168.0.10"
	if res := s.confirm(reg.ConfirmationURL, reg.Secret, ""); res.status != http.StatusBadRequest || !strings.Contains(errorOf(t, res), "shopurl: this kassa does not call private") {
		t.Errorf("confirmation with a local shopUrl: %d %s", res.status, res.body)
	}
	if after := e.shop("shopM"); !reflect.DeepEqual(after, pending) {
		t.Errorf("the refused confirmation changed the shop:\n%+v\n%+v", pending, after)
	}
	s.url = "https://shopM.example"
	if res := s.confirm(reg.ConfirmationURL, reg.Secret, ""); res.status != http.StatusNoContent {
		t.Fatalf("confirmation: %d %s", res.status, res.body)
	}
}

func TestConfirmationRefusals(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopD")
	res := s.register(s.registrationQuery(), e.appSecret, "")
	var reg registration
	json.Unmarshal(res.body, &reg)
	before := e.shop("shopD")

	if res := s.confirm(reg.ConfirmationURL, "not the secret Kassa gave", ""); res.status != http.StatusUnauthorized {
		t.Errorf("confirmation signed with a wrong secret: %d %s", res.status, res.body)
	}
	other := e.newShop("shopUnknown")
	if res := other.confirm(reg.ConfirmationURL, reg.Secret, ""); res.status != http.StatusUnauthorized {
		t.Errorf("confirmation of a shop that never registered: %d %s", res.status, res.body)
	}
	req, _ := http.NewRequest(http.MethodPost, reg.ConfirmationURL, strings.NewReader(`{"shopId":`))
	req.Header.Set(shopware.HeaderShopSignature, shopware.Sign([]byte(reg.Secret), []byte(`{"shopId":`)))
	if res := do(t, req); res.status != http.StatusBadRequest {
		t.Errorf("malformed confirmation: %d %s", res.status, res.body)
	}
	signedEarlier := s.confirmation()
	e.clock.Advance(11 * time.Minute)
	if res := s.send(reg.ConfirmationURL, signedEarlier, reg.Secret, ""); res.status != http.StatusUnauthorized {
		t.Errorf("confirmation replayed after the window: %d %s", res.status, res.body)
	}
	if after := e.shop("shopD"); !reflect.DeepEqual(after, before) {
		t.Errorf("refused confirmations changed the shop:\n%+v\n%+v", before, after)
	}
	e.clock.Advance(-11 * time.Minute)
	if res := s.confirm(reg.ConfirmationURL, reg.Secret, ""); res.status != http.StatusNoContent {
		t.Fatalf("valid confirmation: %d %s", res.status, res.body)
	}
	// A replay of the confirmation finds nothing pending.
	if res := s.confirm(reg.ConfirmationURL, reg.Secret, ""); res.status != http.StatusUnauthorized {
		t.Errorf("replayed confirmation: %d %s", res.status, res.body)
	}
}

func TestReRegistrationRotatesTheSecret(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopE")
	s.install()
	old := s.secret

	// Without the current secret's signature, nobody takes the shop over.
	res := s.register(s.registrationQuery(), e.appSecret, "")
	if res.status != http.StatusUnauthorized || !strings.Contains(errorOf(t, res), "shopware-shop-signature") {
		t.Fatalf("re-registration without the shop signature: %d %s", res.status, res.body)
	}
	if shop := e.shop("shopE"); shop.PendingSealedSecret != nil {
		t.Fatal("a refused re-registration left a pending secret")
	}

	// The shop moved: a new URL, signed with app secret and current secret.
	s.url = "https://shop-e-moved.example"
	res = s.register(s.registrationQuery(), e.appSecret, old)
	if res.status != http.StatusOK {
		t.Fatalf("re-registration: %d %s", res.status, res.body)
	}
	var reg registration
	json.Unmarshal(res.body, &reg)
	// Until confirmed, the old secret stays the one that counts.
	if got := e.open(e.shop("shopE"), e.shop("shopE").SealedSecret, "secret"); got != old {
		t.Fatal("the secret changed before the confirmation")
	}
	if res := s.confirm(reg.ConfirmationURL, reg.Secret, ""); res.status != http.StatusUnauthorized {
		t.Errorf("rotation confirmed without shopware-shop-signature-previous: %d %s", res.status, res.body)
	}
	if res := s.confirm(reg.ConfirmationURL, reg.Secret, "wrong previous"); res.status != http.StatusUnauthorized {
		t.Errorf("rotation confirmed with a wrong previous signature: %d %s", res.status, res.body)
	}
	if res := s.confirm(reg.ConfirmationURL, reg.Secret, old); res.status != http.StatusNoContent {
		t.Fatalf("rotation confirmation: %d %s", res.status, res.body)
	}
	shop := e.shop("shopE")
	if e.open(shop, shop.SealedSecret, "secret") != reg.Secret || shop.ShopURL != "https://shop-e-moved.example" {
		t.Errorf("after rotation: url %s", shop.ShopURL)
	}
}

func TestUninstall(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopF")
	s.install()
	body := phpJSON(t, map[string]any{
		"data":      map[string]any{"payload": []any{}, "event": "app.deleted"},
		"source":    map[string]any{"url": s.url, "appVersion": "1.0.0", "shopId": s.id},
		"timestamp": e.clock.Now().Unix(),
	})
	good := s.secret
	s.secret = "forged"
	if res := s.post("/uninstall", body); res.status != http.StatusUnauthorized {
		t.Fatalf("uninstall with a bad signature: %d %s", res.status, res.body)
	}
	if e.shop("shopF").Status != shopware.ShopActive {
		t.Fatal("a forged uninstall changed the shop")
	}
	s.secret = good
	if res := s.post("/uninstall", body); res.status != http.StatusNoContent {
		t.Fatalf("uninstall: %d %s", res.status, res.body)
	}
	if e.shop("shopF").Status != shopware.ShopUninstalled {
		t.Fatal("the shop is not uninstalled")
	}
	// Installing again starts afresh, without the old secret.
	s.secret = ""
	s.install()
	if e.shop("shopF").Status != shopware.ShopActive {
		t.Fatal("reinstall did not activate the shop")
	}
}

func assertNoShop(t *testing.T, e *env, id string) {
	t.Helper()
	var err error
	e.st.Read(t.Context(), func(r storeReader) error { _, err = r.ShopwareShop(t.Context(), e.account, id); return nil })
	if err == nil {
		t.Errorf("shop %s was stored", id)
	}
}
