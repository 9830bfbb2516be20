package e2e

import (
	"cmp"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v82"

	"kassa/internal/loadgen"
	"kassa/internal/store/stores"
	"kassa/internal/store/testdb"
)

// TestBinaryBenchMeasuresWebhooksAndMemory runs `kassa bench` against a
// real `kassa serve` with its webhook receiver and memory sampling, after
// a warm-up: every event the measured run caused must arrive with a
// signature that holds (and none of the warm-up's), the endpoint must be
// gone afterwards, and results and plot must be written.
func TestBinaryBenchMeasuresWebhooksAndMemory(t *testing.T) {
	dsn := testdb.DSN(t)
	p := runKassa(t, dsn)
	sk := p.key("sk")
	dir := t.TempDir()
	plot, prof := filepath.Join(dir, "plot.png"), filepath.Join(dir, "cpu.pprof")
	res := benchAgainst(t, p, sk, "--rate", "100", "--duration", "1s", "--warmup", "1s",
		"--webhook-receiver", "127.0.0.1:0", "--webhook-wait", "60s",
		"--server-pid", strconv.Itoa(p.cmd.Process.Pid), "--memory-every", "200ms",
		"--plot", plot, "--cpu-profile", prof)
	if res.All.Errors != 0 || res.All.Count != 100 || res.Warmup != "1s" {
		t.Fatalf("requests %+v, errors %v, warm-up %q", res.All, res.ErrorSample, res.Warmup)
	}
	intents := 0
	for _, err := range stripeClient(p.URL, sk).V1PaymentIntents.List(ctx, &stripe.PaymentIntentListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		intents++
	}
	if measured := res.Ops[loadgen.OpCreateConfirm].Count; intents <= measured {
		t.Fatalf("%d intents on the server, %d created by the measured run: no warm-up", intents, measured)
	}
	h := res.Webhooks
	if h == nil || h.Expected < res.Ops[loadgen.OpCreateConfirm].Count || h.Delivered != h.Expected ||
		h.Undelivered != 0 || h.BadSignatures != 0 || h.Unexpected != 0 || h.Max < h.P50 {
		t.Fatalf("webhooks %+v", h)
	}
	m := res.Memory
	if m == nil || m.PID != p.cmd.Process.Pid || m.StartKB <= 0 || m.MaxKB < m.EndKB || len(m.Samples) < 2 || m.Error != "" {
		t.Fatalf("memory %+v", m)
	}
	// The server's CPU over the measured second: a hundred requests cost it
	// some ticks of 10 ms, and the run lasts until its last request, due
	// at 0.99 s, is answered (not always a whole second).
	c := res.CPU
	if c == nil || c.PID != p.cmd.Process.Pid || c.Error != "" || c.WallSeconds < 0.99 || c.ServerSeconds <= 0 ||
		c.ServerSeconds > 2*c.WallSeconds || c.GeneratorSeconds <= 0 ||
		math.Abs(c.ServerPerRequestUS-c.ServerSeconds*1e6/100) > 1e-3 || math.Abs(c.ServerCores-c.ServerSeconds/c.WallSeconds) > 1e-9 {
		t.Fatalf("cpu %+v", c)
	}
	// The machine was busy at least with the server, at most on every CPU.
	if c.MachineCPUs < 1 || c.MachineBusyCores*c.WallSeconds < c.ServerSeconds-0.05 || c.MachineBusyCores > float64(c.MachineCPUs) {
		t.Fatalf("machine %+v", c)
	}
	// The SQLite writer's counters come from /metrics; PostgreSQL has none.
	switch w := res.Writer; {
	case stores.IsPostgres(dsn):
		if w != nil {
			t.Fatalf("writer counters from PostgreSQL: %+v", w)
		}
	case w == nil || w.Writes < int64(res.Ops[loadgen.OpCreateConfirm].Count) || w.Batches < 1 || w.Batches > w.Writes ||
		w.BusyFraction <= 0 || w.BusyFraction > 1.5 || w.BusyPerWriteUS <= 0:
		t.Fatalf("writer %+v", w)
	}
	// Time inside Kassa, on either store: every measured create, and no
	// more (the warm-up's were before the first reading).
	in := res.Inside["POST /v1/payment_intents"]
	if in == nil || in.Count != int64(res.Ops[loadgen.OpCreateConfirm].Count) || in.P50 <= 0 || in.P99 < in.P50 ||
		in.Within20ms <= 0 || in.Within20ms > 1 {
		t.Fatalf("inside the server %+v (all routes %v)", in, res.Inside)
	}
	// A CPU profile is gzipped protocol buffers.
	if profile, err := os.ReadFile(prof); err != nil || len(profile) < 100 || profile[0] != 0x1f || profile[1] != 0x8b {
		t.Fatalf("cpu profile: %d bytes, %v", len(profile), err)
	}
	f, err := os.Open(plot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("plot: %v", err)
	}
	for e, err := range stripeClient(p.URL, sk).V1WebhookEndpoints.List(ctx, &stripe.WebhookEndpointListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		t.Fatalf("endpoint %s left behind", e.ID)
	}
}

// The checkout operations create Checkout Sessions through the API and
// pay them on the hosted page as customers do: every session the run
// created is on the server, and each one paid has its intent confirmed
// with Sofort and waiting at the bank.
func TestBinaryBenchDrivesCheckout(t *testing.T) {
	p := runKassa(t, testdb.DSN(t))
	sk := p.key("sk")
	res := benchAgainst(t, p, sk, "--rate", "100", "--duration", "1s", "--mix", "checkout=1,checkout_pay=1")
	created, paying := res.Ops[loadgen.OpCheckout], res.Ops[loadgen.OpCheckoutPay]
	if res.All.Errors != 0 || res.All.Count != 100 || created == nil || paying == nil || created.Count == 0 || paying.Count == 0 {
		t.Fatalf("requests %+v, errors %v", res.Ops, res.ErrorSample)
	}
	// A payment with no unpaid session to take lists intents instead.
	paid := res.Inside["POST /checkout/pay/{id}"]
	if paid == nil || paid.Count == 0 || paid.Count > int64(paying.Count) {
		t.Fatalf("pages paid inside the server %+v, %d checkout_pay sent", paid, paying.Count)
	}
	sc := stripeClient(p.URL, sk)
	sessions, waiting := 0, int64(0)
	for cs, err := range sc.V1CheckoutSessions.List(ctx, &stripe.CheckoutSessionListParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		sessions++
		pi, err := sc.V1PaymentIntents.Retrieve(ctx, cs.PaymentIntent.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		switch pi.Status {
		case stripe.PaymentIntentStatusRequiresAction:
			if len(pi.PaymentMethodTypes) != 1 || pi.PaymentMethodTypes[0] != "sofort" || pi.PaymentMethod == nil {
				t.Fatalf("paid session %s's intent %+v", cs.ID, pi)
			}
			waiting++
		case stripe.PaymentIntentStatusRequiresPaymentMethod:
		default:
			t.Fatalf("session %s's intent is %s", cs.ID, pi.Status)
		}
	}
	if sessions != created.Count || waiting != paid.Count {
		t.Fatalf("%d sessions on the server, %d created; %d intents at the bank, %d paid", sessions, created.Count, waiting, paid.Count)
	}
}

// With --serve, bench starts its own kassa serve on a new database, drives
// it with the key it printed, measures its pid, and stops it afterwards.
func TestBinaryBenchServesItsOwnKassa(t *testing.T) {
	dsn := testdb.DSN(t)
	bin, err := kassaBinary()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "results.json")
	cmd := exec.Command(bin, "bench", "--serve", dsn, "--rate", "100", "--duration", "1s", "--mix", "create_confirm=1", "--out", out)
	cmd.Env = kassaEnv(dsn)
	res := runBench(t, cmd, out)
	if res.All.Count != 100 || res.All.Errors != 0 {
		t.Fatalf("requests %+v, errors %v", res.All, res.ErrorSample)
	}
	if res.CPU == nil || res.CPU.Error != "" || res.CPU.ServerSeconds <= 0 || res.Memory == nil {
		t.Fatalf("the started server was not measured: cpu %+v memory %+v", res.CPU, res.Memory)
	}
	if in := res.Inside["POST /v1/payment_intents"]; in == nil || in.Count != 100 {
		t.Fatalf("inside the server %+v", res.Inside)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", res.CPU.PID)); !os.IsNotExist(err) {
		t.Errorf("kassa serve (pid %d) still runs after bench returned: %v", res.CPU.PID, err)
	}
	// A database that already has an account prints no key: bench says so.
	again := exec.Command(bin, "bench", "--serve", dsn, "--rate", "10", "--duration", "1s")
	again.Env = kassaEnv(dsn)
	if output, err := again.CombinedOutput(); err == nil || !strings.Contains(string(output), "holds accounts already") {
		t.Errorf("a used database: %v\n%s", err, output)
	}
}

// runBench runs a kassa bench command and reads the results it wrote to out.
// benchAgainst runs `kassa bench` with flags against the running p, as
// the account of secret key sk, and returns the results it wrote.
func benchAgainst(t *testing.T, p *process, sk string, flags ...string) loadgen.Result {
	t.Helper()
	bin, err := kassaBinary()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "results.json")
	return runBench(t, exec.Command(bin, append([]string{"bench", "--url", p.URL, "--key", sk, "--out", out}, flags...)...), out)
}

func runBench(t *testing.T, cmd *exec.Cmd, out string) loadgen.Result {
	t.Helper()
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, output)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res loadgen.Result
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// scripts/bench-ab runs the two builds it is given in turns, each with
// kassa bench --serve on a new SQLite file, prints each run's totals and
// keeps each run's results; a flag it sets itself is refused.
func TestBenchABScript(t *testing.T) {
	if testdb.Postgres() {
		t.Skip("bench-ab drives SQLite files only")
	}
	bin, err := kassaBinary()
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "kassa-b")
	if err := os.Symlink(bin, other); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("../scripts/bench-ab", "-n", "2", bin, other, "--rate", "40", "--duration", "1s", "--mix", "create_confirm=1")
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, output)
	}
	text := string(output)
	var order []string
	for line := range strings.Lines(text) {
		if after, ok := strings.CutPrefix(line, "== "); ok {
			order = append(order, strings.TrimSpace(after))
		}
	}
	want := []string{"round 1, A: " + bin, "round 1, B: " + other, "round 2, A: " + bin, "round 2, B: " + other}
	if strings.Join(order, "|") != strings.Join(want, "|") {
		t.Fatalf("runs %q, want %q\n%s", order, want, text)
	}
	if n := strings.Count(text, "\nall "); n != 4 {
		t.Fatalf("%d totals lines, want 4\n%s", n, text)
	}
	i := strings.LastIndex(text, "\nresults: ")
	if i < 0 {
		t.Fatalf("no results directory named\n%s", text)
	}
	dir := strings.TrimSpace(text[i+len("\nresults: "):])
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) != 4 {
		t.Fatalf("left in %s: %v (%v); want the four runs' JSON only", dir, files, err)
	}
	for _, f := range files {
		var res loadgen.Result
		data, err := os.ReadFile(f)
		if err == nil {
			err = json.Unmarshal(data, &res)
		}
		if err != nil || res.All.Count != 40 || res.All.Errors != 0 {
			t.Fatalf("%s: %+v, %v", f, res.All, err)
		}
	}

	refused := exec.Command("../scripts/bench-ab", bin, other, "--out", "x.json")
	if output, err := refused.CombinedOutput(); err == nil || !strings.Contains(string(output), "--out is set by bench-ab itself") {
		t.Errorf("--out: %v\n%s", err, output)
	}
}

// scripts/bench-targets measures each published target and prints a
// verdict that agrees with what its runs measured (here with --quick's
// tiny loads, PostgreSQL included).
func TestBenchTargetsScript(t *testing.T) {
	if testdb.Postgres() {
		t.Skip("bench-targets drives SQLite itself, and PostgreSQL through --postgres")
	}
	pg := cmp.Or(os.Getenv("KASSA_TEST_PG_URL"), testdb.DefaultPostgresURL)
	cmd := exec.Command("../scripts/bench-targets", "--quick", "--postgres", pg)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, output)
	}
	text := string(output)
	m := regexp.MustCompile(`(?s)\n== verdicts \(results in (\S+)\)\n(.*)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no verdicts\n%s", text)
	}
	dir, verdicts := m[1], strings.Split(strings.TrimSpace(m[2]), "\n")
	if len(verdicts) != 5 {
		t.Fatalf("%d verdicts, want 5:\n%s", len(verdicts), m[2])
	}
	read := func(name string) loadgen.Result {
		var res loadgen.Result
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			err = json.Unmarshal(data, &res)
		}
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// Each verdict names what its runs measured, and judges them by the
	// target: met when two of the three runs meet it.
	verdict := func(good int, label string, figures []string, totals string) string {
		result := "not met"
		if 2*good > len(figures) {
			result = "met"
		}
		return fmt.Sprintf(": %s (%d of %d runs; %s %s ms, %s)", result, good, len(figures), label, strings.Join(figures, ", "), totals)
	}
	var p99s []string
	good, errs, dropped := 0, 0, int64(0)
	for run := 1; run <= 3; run++ {
		t1 := read(fmt.Sprintf("t1-%d.json", run))
		p99s = append(p99s, fmt.Sprintf("%.2f", t1.All.P99))
		errs += t1.All.Errors
		dropped += t1.Dropped
		if t1.All.P99 < 20 && t1.All.Errors == 0 && t1.Dropped == 0 {
			good++
		}
	}
	if want := verdict(good, "p99", p99s, fmt.Sprintf("%d errors, %d dropped", errs, dropped)); !strings.Contains(verdicts[0], "p99 < 20 ms"+want) {
		t.Errorf("verdict %q lacks %q", verdicts[0], want)
	}
	var lags []string
	good, owed := 0, 0
	for run := 1; run <= 3; run++ {
		h := read(fmt.Sprintf("t2-%d.json", run)).Webhooks
		if h == nil {
			t.Fatalf("run %d of target 2 measured no webhooks", run)
		}
		lags = append(lags, fmt.Sprintf("%.2f", h.P99))
		owed += h.Undelivered
		if h.P99 < 1000 && h.Undelivered == 0 {
			good++
		}
	}
	if want := verdict(good, "lag p99", lags, fmt.Sprintf("%d undelivered", owed)); !strings.Contains(verdicts[1], want) {
		t.Errorf("verdict %q lacks %q", verdicts[1], want)
	}
	if !regexp.MustCompile(`^3\. .*: (met|not met) \(p50: retrieve [0-9.]+→[0-9.]+ µs \([-+][0-9]+%\) list [0-9.]+→[0-9.]+ µs \([-+][0-9]+%\) list_after [0-9.]+→[0-9.]+ µs \([-+][0-9]+%\)\)$`).MatchString(verdicts[2]) {
		t.Errorf("verdict %q", verdicts[2])
	}
	if t4 := read("t4.json"); t4.Memory == nil || !strings.Contains(verdicts[3], fmt.Sprintf("%.1f MiB at the end, %.1f MiB at most", float64(t4.Memory.EndKB)/1024, float64(t4.Memory.MaxKB)/1024)) {
		t.Errorf("verdict %q, memory %+v", verdicts[3], t4.Memory)
	}
	if dbs, _ := filepath.Glob(filepath.Join(dir, "*.db*")); len(dbs) != 0 {
		t.Errorf("databases left behind: %v", dbs)
	}
	if !regexp.MustCompile(`^5\. PostgreSQL create\+confirm \(stated\): instances=1 [0-9.]+/s instances=2 [0-9.]+/s$`).MatchString(verdicts[4]) {
		t.Errorf("verdict %q", verdicts[4])
	}
}
