package paygate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nodeClient runs computop-node-client (testdata/node, installed by
// scripts/test with npm ci) as an implementation Kassa's crypto must agree
// with. Without node or the installed module the test is skipped, saying
// how to get it.
func nodeClient(t *testing.T, blowfishKey, hmacKey string, ops []map[string]string) []json.RawMessage {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; scripts/test installs the cross-check client when it is")
	}
	dir, _ := filepath.Abs("testdata/node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "computop-node-client")); err != nil {
		t.Skip("run `npm ci --prefix internal/paygate/testdata/node` (scripts/test does) for the cross-check")
	}
	var in bytes.Buffer
	for _, op := range ops {
		b, _ := json.Marshal(op)
		in.Write(append(b, '\n'))
	}
	cmd := exec.Command(node, "crosscheck.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KEY_BLOWFISH="+blowfishKey, "KEY_HMAC="+hmacKey)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var results []json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		results = append(results, json.RawMessage(bytes.Clone(sc.Bytes())))
	}
	if len(results) != len(ops) {
		t.Fatalf("node answered %d of %d operations", len(results), len(ops))
	}
	return results
}

func str(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s is not a string: %v", raw, err)
	}
	return s
}

// TestAgreesWithComputopNodeClient: what the node client encrypts Kassa
// decrypts, what Kassa encrypts the node client decrypts (it keeps Kassa's
// space padding, which clients strip), and both compute the same MACs.
func TestAgreesWithComputopNodeClient(t *testing.T) {
	const bfKey, hmacKey = "Kassa-Test-Blowfish", "Kassa-Test-HMAC"
	plains := []string{
		"plaintext",
		"exactly8",
		"MerchantID=Shop-1&TransID=T-20261126-1&Amount=1999&Currency=EUR&OrderDesc=Order 1&AddrCountryCode=DE",
		"OrderDesc=Bücher & more", // non-ASCII: Len counts bytes, like the clients
	}
	c := mustCipher(t, Blowfish, bfKey)
	var ops []map[string]string
	for _, p := range plains {
		ops = append(ops, map[string]string{"op": "encrypt", "text": p})
		data, _ := c.Encrypt(p)
		ops = append(ops, map[string]string{"op": "decrypt", "text": data})
		ops = append(ops, map[string]string{"op": "mac", "text": "*" + p + "*M*1*EUR"})
	}
	res := nodeClient(t, bfKey, hmacKey, ops)
	for i, p := range plains {
		theirs := str(t, res[3*i])
		got, err := c.Decrypt(theirs, len(p))
		if err != nil || got != p {
			t.Errorf("Kassa decrypting the node client's %q: %q, %v", p, got, err)
		}
		if back := strings.TrimRight(str(t, res[3*i+1]), " "); back != p {
			t.Errorf("the node client decrypting Kassa's %q: %q", p, back)
		}
		if theirMAC, ours := str(t, res[3*i+2]), mac([]byte(hmacKey), "*"+p+"*M*1*EUR"); theirMAC != ours || !MACEqual(ours, strings.ToLower(theirMAC)) {
			t.Errorf("MAC of %q: node %s, Kassa %s", p, theirMAC, ours)
		}
	}
}
