package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"kassa/internal/shopware"
	"kassa/internal/store/testdb"
)

// TestBinaryCrashLosesNoShopwarePush: the Admin API push a late bank
// transfer owes the shop survives kill -9. Kassa is killed while its push
// of "paid" is in flight (the shop holds it open), restarted on the same
// database, and pushes again once the dead process's lease runs out.
func TestBinaryCrashLosesNoShopwarePush(t *testing.T) {
	t.Parallel() // mostly waiting for the lease: let other tests run meanwhile
	db := testdb.DSN(t)
	acct := kassaJSON(t, db, "account", "create", "--name", "Shopware Shop", "--json")
	appSecret := manifestSecret(t, db, acct["id"])
	// The kill must come while the push is open, within the timeout; a
	// short one makes the dead process's lease (twice the timeout and
	// 10 s) run out sooner.
	flags := []string{"--webhook-timeout", "3s"}
	p := runKassa(t, db, flags...)
	release := make(chan struct{})
	defer close(release)
	s := registerShop(t, p.URL, acct["id"], appSecret, time.Now(), release)

	o := swOrder{id: "ot-crash", method: "bank_transfer_id", total: "150000.0", currency: "IDR", country: "ID"}
	s.payByLateTransfer(p.URL, o)
	waitFor(t, time.Minute, "the first push", func() bool { return len(s.pushed()) == 1 })
	pushedAt := time.Now()
	p.kill() // the push is still open: the shop has not answered
	killed := time.Now()
	if waited := killed.Sub(pushedAt); waited >= 3*time.Second {
		t.Fatalf("the kill came %s after the push began, after Kassa gave up on it: the test proves nothing", waited)
	}

	runKassa(t, db, flags...)
	waitFor(t, time.Minute, "the push after the restart", func() bool { return len(s.pushed()) == 2 })
	t.Logf("the push came again %s after the kill", time.Since(killed).Round(time.Millisecond))
	if got := s.pushed(); got[0] != "ot-crash paid" || got[1] != "ot-crash paid" {
		t.Fatalf("pushed %v", got)
	}
}

// manifestSecret is the account's app secret, as `kassa shopware app`
// writes it into the manifest a shop installs.
func manifestSecret(t *testing.T, db, accountID string) []byte {
	t.Helper()
	bin, err := kassaBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command(bin, "shopware", "app", "--account", accountID, "--out", dir, "--public-url", "http://kassa.example", "--db", db)
	cmd.Env = kassaEnv(db)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kassa shopware app: %v\n%s", err, out)
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "shopware-6.7", shopware.AppName(accountID), "manifest.xml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<secret>([^<]+)</secret>`).FindSubmatch(manifest)
	if m == nil {
		t.Fatalf("no secret in the manifest:\n%s", manifest)
	}
	return m[1]
}
