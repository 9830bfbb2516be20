package shopwareapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"kassa/internal/ids"
	"kassa/internal/shopware"
	"kassa/internal/store"
	"kassa/internal/webhooks"
)

// registrationWindow is how far a registration's or confirmation's
// timestamp may lie from Kassa's clock: a captured request cannot be
// replayed later.
const registrationWindow = 10 * time.Minute

// shopSecretLength is the length of the secrets Kassa gives shops (Shopware
// asks for at least 64 characters).
const shopSecretLength = 64

// registration answers step 1 of the handshake: it checks the query's
// signature (app secret) and hands out a new shop secret with the proof.
// A shop already confirmed must also sign with its current secret
// (re-registration, secret rotation or a moved shop): otherwise anyone
// holding the app could take its place.
func (s *Server) registration(w http.ResponseWriter, r *http.Request) {
	accountID := r.PathValue("account")
	appSecret := []byte(shopware.AppSecret(s.Secrets, accountID))
	q := r.URL.Query()
	shopID, shopURL := q.Get("shop-id"), q.Get("shop-url")
	attrs := []any{"shop", shopID}
	if !shopware.VerifyQuery(appSecret, r.URL.RawQuery, r.Header.Get(shopware.HeaderAppSignature)) {
		s.refuse(w, r, "registration", unauthorized("invalid shopware-app-signature: the app's secret does not match this Kassa account"), attrs...)
		return
	}
	if shopID == "" || shopURL == "" || q.Get("timestamp") == "" {
		s.refuse(w, r, "registration", badRequest("shop-id, shop-url and timestamp are required"), attrs...)
		return
	}
	if err := s.fresh(q.Get("timestamp")); err != nil {
		s.refuse(w, r, "registration", err, attrs...)
		return
	}
	if err := s.checkShopURL("shop-url", shopURL); err != nil {
		s.refuse(w, r, "registration", err, attrs...)
		return
	}
	secret := ids.Random(shopSecretLength)
	err := s.Store.Write(r.Context(), func(tx store.Tx) error {
		if _, err := tx.Account(r.Context(), accountID); err != nil {
			return err
		}
		shop, err := tx.ShopwareShop(r.Context(), accountID, shopID)
		now := s.Clock.Now()
		switch {
		case errors.Is(err, store.ErrNotFound):
			shop = &shopware.Shop{AccountID: accountID, ShopID: shopID, Status: shopware.ShopRegistering, Created: now}
		case err != nil:
			return err
		case shop.Status != shopware.ShopUninstalled && shop.SealedSecret != nil:
			current, err := s.Secrets.Open(shop.SealedSecret, shop.SealContext("secret"))
			if err != nil {
				return err
			}
			if !shopware.VerifyQuery(current, r.URL.RawQuery, r.Header.Get(shopware.HeaderShopSignature)) {
				return unauthorized("shop " + shopID + " is registered already: a re-registration must carry shopware-shop-signature with its current secret")
			}
		}
		shop.PendingSealedSecret = s.Secrets.Seal([]byte(secret), shop.SealContext("secret"))
		shop.PendingShopURL = shopURL
		shop.ShopwareVersion = r.Header.Get("sw-version")
		shop.Updated = now
		return tx.SaveShopwareShop(r.Context(), shop)
	})
	if errors.Is(err, store.ErrNotFound) {
		err = unauthorized("no such Kassa account")
	}
	if err != nil {
		s.refuse(w, r, "registration", err, attrs...)
		return
	}
	s.Logger.Info("shopware registration", "account", accountID, "shop", shopID, "shop_url", shopURL)
	answer(w, http.StatusOK, map[string]string{
		"proof":            shopware.Proof(appSecret, shopID, shopURL, shopware.AppName(accountID)),
		"secret":           secret,
		"confirmation_url": shopware.EndpointsFor(s.PublicURL, accountID).Confirmation(),
	}, appSecret)
}

// fresh checks a Unix timestamp against the registration window.
func (s *Server) fresh(timestamp string) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return badRequest("timestamp must be a Unix time in seconds")
	}
	skew := s.Clock.Now().Sub(time.Unix(ts, 0))
	if skew > registrationWindow || skew < -registrationWindow {
		return unauthorized("the request's timestamp is more than 10 minutes from Kassa's clock (replayed, or a clock is wrong)")
	}
	return nil
}

// checkShopURL refuses a shop URL Kassa could not call back (the Admin
// API pushes): one a webhook endpoint could not have either
// (webhooks.CheckURL), and, when Kassa may not call local addresses, a
// host known to be one.
func (s *Server) checkShopURL(field, raw string) error {
	if webhooks.CheckURL(raw) != nil {
		return badRequest(field + " must be an http or https URL with a host and no credentials, at most 2048 characters long")
	}
	if host, forbidden := s.Gateway.ForbiddenDestination(raw); forbidden {
		return badRequest(field + ": this Kassa does not call private or local addresses (" + host + ")")
	}
	return nil
}

// confirmationBody is what Shopware posts to the confirmation URL.
type confirmationBody struct {
	APIKey    string      `json:"apiKey"`
	SecretKey string      `json:"secretKey"`
	Timestamp json.Number `json:"timestamp"`
	ShopURL   string      `json:"shopUrl"`
	ShopID    string      `json:"shopId"`
}

// confirmation is step 3: signed with the secret just handed out (and, when
// it replaces a confirmed one, with that one too), it activates the secret
// and stores the shop's Admin API credentials, sealed.
func (s *Server) confirmation(w http.ResponseWriter, r *http.Request) {
	accountID := r.PathValue("account")
	body, err := readBody(r)
	if err != nil {
		s.refuse(w, r, "confirmation", err)
		return
	}
	var c confirmationBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil || c.ShopID == "" || c.APIKey == "" || c.SecretKey == "" || c.ShopURL == "" {
		s.refuse(w, r, "confirmation", badRequest("the body must be JSON with apiKey, secretKey, timestamp, shopUrl and shopId"))
		return
	}
	attrs := []any{"shop", c.ShopID}
	err = s.Store.Write(r.Context(), func(tx store.Tx) error {
		shop, err := tx.ShopwareShop(r.Context(), accountID, c.ShopID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && shop.PendingSealedSecret == nil) {
			return unauthorized("no registration of shop " + c.ShopID + " awaits confirmation")
		}
		if err != nil {
			return err
		}
		if err := s.checkConfirmation(shop, body, r.Header); err != nil {
			return err
		}
		if err := s.fresh(c.Timestamp.String()); err != nil {
			return err
		}
		if err := s.checkShopURL("shopUrl", c.ShopURL); err != nil {
			return err
		}
		shop.SealedSecret, shop.PendingSealedSecret = shop.PendingSealedSecret, nil
		shop.ShopURL, shop.PendingShopURL = c.ShopURL, ""
		shop.SealedAPIKey = s.Secrets.Seal([]byte(c.APIKey), shop.SealContext("api key"))
		shop.SealedAPISecret = s.Secrets.Seal([]byte(c.SecretKey), shop.SealContext("api secret"))
		shop.Status, shop.Updated = shopware.ShopActive, s.Clock.Now()
		return tx.SaveShopwareShop(r.Context(), shop)
	})
	if err != nil {
		s.refuse(w, r, "confirmation", err, attrs...)
		return
	}
	s.Logger.Info("shopware shop confirmed", "account", accountID, "shop", c.ShopID, "shop_url", c.ShopURL)
	w.WriteHeader(http.StatusNoContent)
}

// checkConfirmation verifies the confirmation's signatures: the new secret
// always, the secret it replaces when the shop was confirmed before.
func (s *Server) checkConfirmation(shop *shopware.Shop, body []byte, h http.Header) error {
	pending, err := s.Secrets.Open(shop.PendingSealedSecret, shop.SealContext("secret"))
	if err != nil {
		return err
	}
	if !shopware.Verify(pending, body, h.Get(shopware.HeaderShopSignature)) {
		return unauthorized("invalid shopware-shop-signature: not signed with the secret of the latest registration")
	}
	if shop.Status == shopware.ShopUninstalled || shop.SealedSecret == nil {
		return nil
	}
	current, err := s.Secrets.Open(shop.SealedSecret, shop.SealContext("secret"))
	if err != nil {
		return err
	}
	if !shopware.Verify(current, body, h.Get(shopware.HeaderShopSignaturePrevious)) {
		return unauthorized("invalid shopware-shop-signature-previous: a re-registration must also be signed with the current secret")
	}
	return nil
}

// shopSecret opens an active shop's secret.
func (s *Server) shopSecret(shop *shopware.Shop) ([]byte, error) {
	return s.Secrets.Open(shop.SealedSecret, shop.SealContext("secret"))
}

// uninstallBody is the part of Shopware's app.deleted webhook Kassa reads.
type uninstallBody struct {
	callSource
}

// uninstall handles the app.deleted webhook: the shop stops being served
// (payment calls are refused) until it registers again.
func (s *Server) uninstall(w http.ResponseWriter, r *http.Request) {
	accountID := r.PathValue("account")
	u, body, err := decodeCall[uninstallBody](r, "webhook")
	if err != nil {
		s.refuse(w, r, "uninstall", err)
		return
	}
	err = s.Store.Write(r.Context(), func(tx store.Tx) error {
		shop, err := s.authenticate(r.Context(), tx, accountID, u.Source.ShopID, body, r.Header)
		if err != nil {
			return err
		}
		shop.Status, shop.Updated = shopware.ShopUninstalled, s.Clock.Now()
		shop.PendingSealedSecret, shop.PendingShopURL = nil, ""
		return tx.SaveShopwareShop(r.Context(), shop)
	})
	if err != nil {
		s.refuse(w, r, "uninstall", err, "shop", u.Source.ShopID)
		return
	}
	s.Logger.Info("shopware app uninstalled", "account", accountID, "shop", u.Source.ShopID)
	w.WriteHeader(http.StatusNoContent)
}

// authenticate loads an active shop and checks that body carries its
// signature; unknown, unconfirmed and uninstalled shops are refused alike.
func (s *Server) authenticate(ctx context.Context, r store.Reader, accountID, shopID string, body []byte, h http.Header) (*shopware.Shop, error) {
	shop, err := r.ShopwareShop(ctx, accountID, shopID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && shop.Status != shopware.ShopActive) {
		return nil, unauthorized("shop " + shopID + " is not registered with this Kassa account (install the app again)")
	}
	if err != nil {
		return nil, err
	}
	secret, err := s.shopSecret(shop)
	if err != nil {
		return nil, err
	}
	if !shopware.Verify(secret, body, h.Get(shopware.HeaderShopSignature)) {
		return nil, unauthorized("invalid shopware-shop-signature")
	}
	return shop, nil
}
