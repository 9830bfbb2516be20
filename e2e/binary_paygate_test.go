package e2e

import (
	"testing"
	"time"

	"kassa/internal/gateway"
	"kassa/internal/paygate"
	"kassa/internal/store/testdb"
)

// TestBinaryCrashLosesNoPaygateNotify: the notify a Paygate payment owes
// the shop survives kill -9. Kassa is killed while its post to URLNotify
// is in flight (the shop holds it open), restarted on the same database,
// and posts the notify again once the dead process's lease runs out; the
// shop's 200 is recorded, so a credit is then allowed.
func TestBinaryCrashLosesNoPaygateNotify(t *testing.T) {
	t.Parallel() // mostly waiting for the lease: let other tests run meanwhile
	db := testdb.DSN(t)
	acct := kassaJSON(t, db, "account", "create", "--name", "Paygate Shop", "--json")
	c := kassaJSON(t, db, "paygate", "credentials", "--account", acct["id"], "--json")
	creds := gateway.PaygateCredentials{MerchantID: c["merchant_id"], Algorithm: paygate.Algorithm(c["algorithm"]),
		EncryptionKey: c["encryption_key"], HMACKey: c["hmac_key"]}
	// The kill must come while the post is open, within the webhook
	// timeout; a short one makes the dead process's lease (timeout + 10s)
	// run out sooner.
	flags := []string{"--webhook-timeout", "3s"}
	p := runKassa(t, db, flags...)
	s := &paygateShop{k: &kassa{t: t, URL: p.URL}, creds: creds, client: newPaygateClient(t, creds),
		shop: newShopServer(t, noAnswer), b: newBrowser(t)}

	res := s.result(t, s.bank(t, s.pay(s.order("T-6006"), nil), "123456").Query())
	payID := res["PayID"]
	waitFor(t, time.Minute, "the first notify", func() bool { return len(s.shop.received()) == 1 })
	p.kill() // the post is still open: the shop has not answered
	killed := time.Now()
	if waited := killed.Sub(s.shop.firstAt()); waited >= 3*time.Second {
		t.Fatalf("the kill came %s after the post began, after Kassa gave up on it: the test proves nothing", waited)
	}

	p = runKassa(t, db, flags...)
	s.k.URL = p.URL
	waitFor(t, time.Minute, "the notify after the restart", func() bool { return len(s.shop.received()) == 2 })
	t.Logf("the notify came again %s after the kill", time.Since(killed).Round(time.Millisecond))
	n := s.result(t, s.shop.received()[1])
	expect(t, "the notify after the restart", n, map[string]string{"PayID": payID, "TransID": "T-6006", "Status": "OK", "Code": "00000000"})
	// Kassa recorded the 200: credits wait for the answered notify and are now allowed.
	waitFor(t, time.Minute, "the credit once the notify is answered", func() bool {
		return s.credit(t, payID, "C-1", "500", "")["Code"] == "00000000"
	})
	if got := len(s.shop.received()); got != 2 {
		t.Errorf("%d notifies for one payment, answered the second time", got)
	}
}

// waitFor polls cond until it holds or limit passes.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
