package e2e

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/blowfish"

	"kassa/internal/gateway"
	"kassa/internal/paygate"
)

// paygateClient is the shop's side of Paygate's crypto: it builds
// encrypted requests and reads encrypted results. The e2e tests use
// computop-node-client (an implementation written by others, run with
// node) when it is installed, and otherwise the small implementation
// below, written from the protocol and not from Kassa's code.
type paygateClient interface {
	// request encrypts fields with the MAC a shop computes (or, when mac
	// is not nil, that MAC instead) and returns Len and Data.
	request(fields map[string]string, mac *string) (length int, data string)
	// result decrypts Len/Data, and says whether its MAC is right.
	result(length, data string) (fields map[string]string, macOK bool)
}

// newPaygateClient is a client with the merchant's keys, Blowfish or AES
// as its credentials say (node does AES with its own crypto module).
func newPaygateClient(t *testing.T, creds gateway.PaygateCredentials) paygateClient {
	dir, _ := filepath.Abs("../internal/paygate/testdata/node")
	node, err := exec.LookPath("node")
	if err == nil {
		if _, err = os.Stat(filepath.Join(dir, "node_modules", "computop-node-client")); err == nil {
			env := []string{"KEY_BLOWFISH=" + creds.EncryptionKey, "KEY_HMAC=" + creds.HMACKey}
			if creds.Algorithm == paygate.AES {
				env = append(env, "KEY_AES="+creds.EncryptionKey)
			}
			return &nodeClient{t: t, node: node, dir: dir, env: env}
		}
	}
	t.Logf("computop-node-client is not installed (%v): using the test's own Paygate client", err)
	c := &goClient{t: t, bf: []byte(creds.EncryptionKey), hmac: []byte(creds.HMACKey)}
	if creds.Algorithm == paygate.AES {
		c.aes = c.bf
	}
	return c
}

// nodeClient asks one node process, started on first use and ended with
// the test, instead of one per operation (starting node takes longer than
// the operations it is asked for).
type nodeClient struct {
	t    *testing.T
	node string
	dir  string
	env  []string

	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr bytes.Buffer
}

func (c *nodeClient) run(op map[string]any, out any) {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		c.start()
	}
	in, _ := json.Marshal(op)
	if _, err := c.stdin.Write(append(in, '\n')); err != nil {
		c.fail("writing to node", err)
	}
	raw, err := c.stdout.ReadBytes('\n')
	if err != nil {
		c.fail("reading from node", err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		c.t.Fatalf("node answered %s: %v", raw, err)
	}
}

func (c *nodeClient) start() {
	c.t.Helper()
	cmd := exec.Command(c.node, "crosscheck.js")
	cmd.Dir, cmd.Env, cmd.Stderr = c.dir, append(os.Environ(), c.env...), &c.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("node: %v", err)
	}
	c.cmd, c.stdin, c.stdout = cmd, stdin, bufio.NewReader(stdout)
	c.t.Cleanup(func() {
		stdin.Close() // node ends at the end of its input
		cmd.Wait()
	})
}

// fail ends the test with what node said on its way out.
func (c *nodeClient) fail(what string, err error) {
	c.t.Helper()
	c.stdin.Close()
	waitErr := c.cmd.Wait()
	c.t.Fatalf("%s: %v (node: %v)\n%s", what, err, waitErr, c.stderr.String())
}

func (c *nodeClient) request(fields map[string]string, mac *string) (int, string) {
	op := map[string]any{"op": "request", "fields": fields}
	if mac != nil {
		op["mac"] = *mac
	}
	var out struct {
		Len  int
		Data string
	}
	c.run(op, &out)
	return out.Len, out.Data
}

func (c *nodeClient) result(length, data string) (map[string]string, bool) {
	var out struct {
		Fields map[string]string
		MacOK  bool
	}
	c.run(map[string]any{"op": "result", "Len": length, "Data": data}, &out)
	return out.Fields, out.MacOK
}

// goClient: Blowfish ECB with zero padding and lower-case hex (to show
// Kassa takes both cases), or AES-CBC with PKCS#7 when aes is set;
// HMAC-SHA256 in lower case.
type goClient struct {
	t             *testing.T
	bf, aes, hmac []byte
}

func (c *goClient) mac(parts ...string) string {
	h := hmac.New(sha256.New, c.hmac)
	h.Write([]byte(strings.Join(parts, "*")))
	return hex.EncodeToString(h.Sum(nil))
}

func (c *goClient) request(fields map[string]string, mac *string) (int, string) {
	m := c.mac(fields["PayID"], fields["TransID"], fields["MerchantID"], fields["Amount"], fields["Currency"])
	if mac != nil {
		m = *mac
	}
	var pairs []string
	for k, v := range fields {
		pairs = append(pairs, k+"="+v)
	}
	plain := []byte(strings.Join(append(pairs, "MAC="+m), "&"))
	if c.aes != nil {
		return len(plain), c.encryptAES(plain)
	}
	buf := append(bytes.Clone(plain), make([]byte, (8-len(plain)%8)%8)...)
	b, err := blowfish.NewCipher(c.bf)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i < len(buf); i += 8 {
		b.Encrypt(buf[i:i+8], buf[i:i+8])
	}
	return len(plain), hex.EncodeToString(buf)
}

func (c *goClient) result(length, data string) (map[string]string, bool) {
	var buf []byte
	if c.aes != nil {
		buf = c.decryptAES(data)
	} else {
		buf = c.decryptBlowfish(data)
	}
	n, err := strconv.Atoi(length)
	if err != nil || n > len(buf) {
		c.t.Fatalf("result Len %q", length)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(string(buf[:n]), "&") {
		k, v, _ := strings.Cut(part, "=")
		fields[k] = v
	}
	want := c.mac(fields["PayID"], fields["TransID"], fields["mid"], fields["Status"], fields["Code"])
	return fields, strings.EqualFold(want, fields["MAC"])
}

func (c *goClient) decryptBlowfish(data string) []byte {
	buf, err := hex.DecodeString(data)
	if err != nil || len(buf)%8 != 0 {
		c.t.Fatalf("result Data %q is not hex blocks", data)
	}
	b, _ := blowfish.NewCipher(c.bf)
	for i := 0; i < len(buf); i += 8 {
		b.Decrypt(buf[i:i+8], buf[i:i+8])
	}
	return buf
}

func (c *goClient) encryptAES(plain []byte) string {
	block, err := aes.NewCipher(c.aes)
	if err != nil {
		c.t.Fatal(err)
	}
	n := aes.BlockSize - len(plain)%aes.BlockSize
	buf := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(n)}, n)...)
	iv := make([]byte, aes.BlockSize)
	rand.Read(iv)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
	return hex.EncodeToString(iv) + "-" + hex.EncodeToString(buf)
}

func (c *goClient) decryptAES(data string) []byte {
	ivHex, ctHex, _ := strings.Cut(data, "-")
	iv, err1 := hex.DecodeString(ivHex)
	buf, err2 := hex.DecodeString(ctHex)
	block, err3 := aes.NewCipher(c.aes)
	if err1 != nil || err2 != nil || err3 != nil || len(iv) != aes.BlockSize || len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		c.t.Fatalf("result Data %q is not hexIV-hexCipher", data)
	}
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(buf, buf)
	return buf // Len cuts the padding off
}
