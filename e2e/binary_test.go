package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stripe/stripe-go/v82"

	"kassa/internal/gateway"
	"kassa/internal/store/stores"
	"kassa/internal/store/testdb"
)

// kassaBinary builds cmd/kassa once per test run.
var kassaBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "kassa-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "kassa")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/kassa").CombinedOutput()
	if err != nil {
		return "", &buildError{string(out)}
	}
	return bin, nil
})

type buildError struct{ out string }

func (e *buildError) Error() string { return "go build ./cmd/kassa: " + e.out }

// process is a running kassa binary.
type process struct {
	cmd    *exec.Cmd
	URL    string
	Output []string // stdout lines up to "listening"
}

var listening = regexp.MustCompile(`Kassa listening on (http://\S+)`)

// runKassa starts `kassa serve` on a random port with db (a SQLite file or a
// PostgreSQL URL, and any further flags) and waits until it listens; it is
// killed when t ends.
func runKassa(t testing.TB, db string, flags ...string) *process {
	t.Helper()
	p, err := startKassa(db, flags...)
	if p != nil {
		t.Cleanup(func() { p.kill() })
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startKassa is runKassa for any goroutine: the caller kills the process.
func startKassa(db string, flags ...string) (*process, error) {
	bin, err := kassaBinary()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, flags...)...)
	cmd.Env = kassaEnv(db)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		p.Output = append(p.Output, lines.Text())
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			p.URL = m[1]
			go io.Copy(io.Discard, stdout)
			return p, nil
		}
	}
	return p, fmt.Errorf("kassa exited before listening: %v", p.Output)
}

// testSecretsKey seals webhook secrets in tests on PostgreSQL, where no key
// file sits beside the database; every instance on one database shares it.
const testSecretsKey = "6b617373612d746573742d6b65792d6f6e6c792d6e6f742d666f722d75736521"

// kassaEnv is the environment of a kassa command on db.
func kassaEnv(db string) []string {
	env := append(os.Environ(), "KASSA_PUBLIC_URL=")
	if stores.IsPostgres(db) {
		env = append(env, "KASSA_SECRETS_KEY="+testSecretsKey)
	}
	return env
}

// kassaJSON runs a kassa command on db that prints a JSON object, and
// returns the object.
func kassaJSON(t testing.TB, db string, args ...string) map[string]string {
	t.Helper()
	bin, err := kassaBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append(args, "--db", db)...)
	cmd.Env = kassaEnv(db)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kassa %v: %v", args, err)
	}
	var obj map[string]string
	if err := json.Unmarshal(out, &obj); err != nil {
		t.Fatalf("kassa %v printed %s: %v", args, out, err)
	}
	return obj
}

// kill is kill -9: no shutdown code runs.
func (p *process) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
	}
}

func (p *process) key(prefix string) string {
	re := regexp.MustCompile(prefix + `_test_[0-9A-Za-z]+`)
	return re.FindString(strings.Join(p.Output, "\n"))
}

func TestBinaryFirstStartPrintsKeysThatWork(t *testing.T) {
	db := testdb.DSN(t)
	p := runKassa(t, db)
	sk, pk := p.key("sk"), p.key("pk")
	if sk == "" || pk == "" {
		t.Fatalf("keys not printed: %v", p.Output)
	}
	sc := stripeClient(p.URL, sk)
	pi, err := sc.V1PaymentIntents.Create(ctx, sofortParams())
	if err != nil || pi.Status != stripe.PaymentIntentStatusRequiresAction || !strings.HasPrefix(pi.NextAction.RedirectToURL.URL, p.URL+"/sandbox/pay/") {
		t.Fatalf("%v %+v", err, pi)
	}
	// A second start on the same database creates no new account.
	p.kill()
	p = runKassa(t, db)
	if p.key("sk") != "" {
		t.Fatalf("second start printed new keys: %v", p.Output)
	}
	if _, err := stripeClient(p.URL, sk).V1PaymentIntents.Retrieve(ctx, pi.ID, nil); err != nil {
		t.Fatal(err)
	}
}

func TestBinaryAccountCreateJSON(t *testing.T) {
	db := testdb.DSN(t)
	acct := kassaJSON(t, db, "account", "create", "--name", "Fjord Shop", "--json")
	if !strings.HasPrefix(acct["id"], "acct_") || !strings.HasPrefix(acct["secret_key"], "sk_test_") || !strings.HasPrefix(acct["publishable_key"], "pk_test_") {
		t.Fatalf("%v", acct)
	}
	// The database keeps no key, only hashes.
	contents := testdb.Contents(t, db)
	if !strings.Contains(contents, gateway.HashKey(acct["secret_key"])) {
		t.Fatal("the database holds no hash of the secret key: the check below would prove nothing")
	}
	if strings.Contains(contents, acct["secret_key"]) {
		t.Fatal("the secret key is stored in the database")
	}
	p := runKassa(t, db)
	if _, err := stripeClient(p.URL, acct["secret_key"]).V1PaymentIntents.Create(ctx, vippsParams(false)); err != nil {
		t.Fatal(err)
	}
}

// TestBinaryMigrateThenServe: `kassa migrate` prepares a new database (a
// password in the URL is never printed) and `kassa serve` then starts on it.
func TestBinaryMigrateThenServe(t *testing.T) {
	bin, err := kassaBinary()
	if err != nil {
		t.Fatal(err)
	}
	db := testdb.EmptyDSN(t)
	if stores.IsPostgres(db) {
		db += "?password=s3cret" // trust auth: sent only if asked for, but it must not be echoed
	}
	cmd := exec.Command(bin, "migrate", "--db", db)
	cmd.Env = kassaEnv(db)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "is up to date") || strings.Contains(string(out), "s3cret") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	p := runKassa(t, db)
	if strings.Contains(strings.Join(p.Output, "\n"), "s3cret") {
		t.Fatalf("serve printed the password: %v", p.Output)
	}
	if _, err := stripeClient(p.URL, p.key("sk")).V1PaymentIntents.Create(ctx, sofortParams()); err != nil {
		t.Fatal(err)
	}
}
