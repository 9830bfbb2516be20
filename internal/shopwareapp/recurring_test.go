package shopwareapp

import (
	"net/http"
	"strings"
	"testing"
)

func TestRecurringFailsClearly(t *testing.T) {
	e := newEnv(t)
	s := e.newShop("shopSub")
	s.install()
	for _, o := range []order{
		{transactionID: "tx-sub-vipps", number: "20001", method: "vipps", total: "249", currency: "NOK", country: "NO"},
		{transactionID: "tx-sub-sofort", number: "20002", method: "sofort", total: "9.99", currency: "EUR", country: "DE"},
	} {
		res := s.post("/recurring", s.payBody(o, nil, nil))
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", o.method, res.status, res.body)
		}
		ans := decodeAnswer(t, res)
		if ans.Status != "fail" || !strings.Contains(ans.Message, o.method) && !strings.Contains(ans.Message, "Vipps") {
			t.Errorf("%s: answered %+v; want fail naming the method", o.method, ans)
		}
	}
	if n := len(e.intents()); n != 0 {
		t.Errorf("%d intents created by recurring calls", n)
	}
	good := s.secret
	s.secret = "forged"
	if res := s.post("/recurring", s.payBody(sofortOrder("tx-forged"), nil, nil)); res.status != http.StatusUnauthorized {
		t.Errorf("forged recurring call: %d", res.status)
	}
	s.secret = good
}
