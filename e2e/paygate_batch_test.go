package e2e

import (
	"net/http"
	"strings"
	"testing"
)

func (k *kassa) uploadBatch(t *testing.T, key, file string) page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, k.URL+"/paygate/batch", strings.NewReader(file))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return newBrowser(t).read(resp)
}

func TestPaygateBatchCredits(t *testing.T) {
	k := start(t)
	s := newPaygateShop(t, k)
	payID := s.result(t, s.bank(t, s.pay(s.order("T-5005"), nil), "123456").Query())["PayID"]
	s.awaitNotifyAnswered(t, payID)
	mid := s.creds.MerchantID
	unknown := strings.Repeat("f", 32)
	file := "HEAD," + mid + ",20261126,2.1\n" +
		"SOFORT,Credit,500,EUR,B-1,R-1," + payID + "\n" +
		"SOFORT,Credit,5000,EUR,B-2,R-2," + payID + "\n" +
		"SOFORT,Credit,100,EUR,B-3,R-3," + unknown + "\n" +
		"FOOT,3,5600\n"

	// A footer that does not match refuses the file before any credit.
	bad := k.uploadBatch(t, k.Keys.SecretKey, strings.Replace(file, "FOOT,3,5600", "FOOT,3,5601", 1))
	if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, "Status=FAILED") {
		t.Fatalf("mismatched footer: %d %s", bad.Status, bad.Body)
	}
	if got := s.inquire(t, payID, "T-5005", nil)["AmountCred"]; got != "0" {
		t.Fatalf("a refused file credited %s", got)
	}
	if p := k.uploadBatch(t, k.Keys.PublishableKey, file); p.Status != http.StatusUnauthorized {
		t.Fatalf("a publishable key uploaded a batch: %d", p.Status)
	}

	want := "HEAD," + mid + ",20261126,2.1\n" +
		"SOFORT,Credit,500,EUR,B-1,R-1," + payID + ",OK,00000000\n" +
		"SOFORT,Credit,5000,EUR,B-2,R-2," + payID + ",FAILED,20120006\n" +
		"SOFORT,Credit,100,EUR,B-3,R-3," + unknown + ",FAILED,20120026\n" +
		"FOOT,3,5600\n"
	for run := 1; run <= 2; run++ { // the second run credits nothing again
		p := k.uploadBatch(t, k.Keys.SecretKey, file)
		if p.Status != http.StatusOK || p.Body != want {
			t.Fatalf("run %d: %d\n%s\nwant\n%s", run, p.Status, p.Body, want)
		}
		if got := s.inquire(t, payID, "T-5005", nil)["AmountCred"]; got != "500" {
			t.Fatalf("run %d: credited %s in all, want 500", run, got)
		}
	}

	// Another account cannot credit this merchant's payments.
	other := k.account("Other Shop")
	p := k.uploadBatch(t, other.SecretKey, strings.Replace(strings.Replace(file, "R-1", "R-9", 1), "B-1", "B-9", 1))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, payID+",FAILED,20120001") || strings.Contains(p.Body, ",OK,") {
		t.Fatalf("another account's upload: %s", p.Body)
	}
}
