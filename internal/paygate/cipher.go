package paygate

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/blowfish"
)

// Algorithm is how a merchant's Data is encrypted.
type Algorithm string

const (
	Blowfish Algorithm = "blowfish" // ECB, the classic Paygate encoding
	AES      Algorithm = "aes"      // CBC with a random IV, "hexIV-hexCipher"
)

// Cipher encrypts and decrypts Data with one merchant's key.
type Cipher struct {
	alg Algorithm
	key []byte
}

// NewCipher checks the key fits the algorithm: Blowfish takes 1–56 bytes,
// AES 16, 24 or 32.
func NewCipher(alg Algorithm, key []byte) (*Cipher, error) {
	switch alg {
	case Blowfish:
		if _, err := blowfish.NewCipher(key); err != nil {
			return nil, cryptoError(DetailKey, "the Blowfish key must be 1 to 56 bytes")
		}
	case AES:
		if _, err := aes.NewCipher(key); err != nil {
			return nil, cryptoError(DetailKey, "the AES key must be 16, 24 or 32 bytes")
		}
	default:
		return nil, cryptoError(DetailKey, "unknown algorithm "+string(alg))
	}
	return &Cipher{alg: alg, key: bytes.Clone(key)}, nil
}

// Encrypt returns Data and Len for plain. Blowfish output is padded with
// spaces (clients strip trailing spaces; some choke on zero bytes), AES
// with PKCS#7; hex is uppercase as Paygate emits it.
func (c *Cipher) Encrypt(plain string) (data string, length int) {
	if c.alg == AES {
		return c.encryptAES([]byte(plain)), len(plain)
	}
	block, _ := blowfish.NewCipher(c.key) // key checked in NewCipher
	buf := []byte(plain)
	if rem := len(buf) % blowfish.BlockSize; rem != 0 {
		buf = append(buf, bytes.Repeat([]byte{' '}, blowfish.BlockSize-rem)...)
	}
	for i := 0; i < len(buf); i += blowfish.BlockSize {
		block.Encrypt(buf[i:i+blowfish.BlockSize], buf[i:i+blowfish.BlockSize])
	}
	return strings.ToUpper(hex.EncodeToString(buf)), len(plain)
}

func (c *Cipher) encryptAES(plain []byte) string {
	block, _ := aes.NewCipher(c.key)
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	buf := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(iv); err != nil {
		panic("paygate: crypto/rand failed: " + err.Error())
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
	return strings.ToUpper(hex.EncodeToString(iv)) + "-" + strings.ToUpper(hex.EncodeToString(buf))
}

// Decrypt recovers the plain request from Data and Len. Hex may be in
// either case. Blowfish text is cut to Len, whatever padding the client
// used (zero bytes, PKCS#7, spaces). AES text must carry valid PKCS#7 and
// is also cut to Len when Len is shorter. Len may count bytes or
// characters (see cutToLen). Data with a "-" is the AES form; a
// merchant's key decides which form it must be.
func (c *Cipher) Decrypt(data string, length int) (string, error) {
	if length < 0 {
		return "", FieldError(ModuleFormat, "Len", "must be a positive number")
	}
	var plain []byte
	var err error
	if c.alg == AES {
		plain, err = c.decryptAES(data)
	} else {
		plain, err = c.decryptBlowfish(data)
	}
	if err != nil {
		return "", err
	}
	if length > len(plain) {
		return "", cryptoError(DetailLenBeyondData, "Len is longer than the decrypted Data")
	}
	return string(cutToLen(plain, length)), nil
}

// cutToLen keeps the request's first length bytes, as PHP clients count
// Len (strlen). Paygate's manual says characters, and clients that count
// so send a smaller Len for non-ASCII text; their cut by bytes leaves text
// rather than padding behind. So: when what follows the first length
// bytes is padding (or nothing), Len counted bytes; else, when what
// follows the first length characters is, it counted characters; else
// the request is cut to length bytes as it says.
func cutToLen(plain []byte, length int) []byte {
	if isPadding(plain[length:]) {
		return plain[:length]
	}
	end, chars := 0, 0
	for chars < length && end < len(plain) {
		r, size := utf8.DecodeRune(plain[end:])
		if r == utf8.RuneError {
			return plain[:length]
		}
		end += size
		chars++
	}
	// Fewer characters than Len: Len cannot have counted characters.
	if chars == length && isPadding(plain[end:]) {
		return plain[:end]
	}
	return plain[:length]
}

// isPadding says whether b is what a client pads with: nothing, zero
// bytes, spaces, or PKCS#7 (every byte the count of them).
func isPadding(b []byte) bool {
	for _, c := range b {
		if c != b[0] {
			return false
		}
	}
	return len(b) == 0 || b[0] == 0 || b[0] == ' ' || int(b[0]) == len(b)
}

func (c *Cipher) decryptBlowfish(data string) ([]byte, error) {
	if strings.Contains(data, "-") {
		return nil, cryptoError(DetailDataNotHex, "Data is in the AES form but this merchant uses Blowfish")
	}
	buf, err := decodeHex(data, blowfish.BlockSize)
	if err != nil {
		return nil, err
	}
	block, _ := blowfish.NewCipher(c.key)
	for i := 0; i < len(buf); i += blowfish.BlockSize {
		block.Decrypt(buf[i:i+blowfish.BlockSize], buf[i:i+blowfish.BlockSize])
	}
	return buf, nil
}

func (c *Cipher) decryptAES(data string) ([]byte, error) {
	ivHex, ctHex, ok := strings.Cut(data, "-")
	if !ok {
		return nil, cryptoError(DetailDataNotHex, "Data must be hex IV, \"-\", hex cipher text for this merchant")
	}
	iv, err := hex.DecodeString(ivHex)
	if err != nil || len(iv) != aes.BlockSize {
		return nil, cryptoError(DetailDataNotHex, "the IV before \"-\" must be 32 hex digits")
	}
	buf, err := decodeHex(ctHex, aes.BlockSize)
	if err != nil {
		return nil, err
	}
	block, _ := aes.NewCipher(c.key)
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(buf, buf)
	pad := int(buf[len(buf)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, cryptoError(DetailAESPadding, "the decrypted Data has no valid PKCS#7 padding")
	}
	for _, b := range buf[len(buf)-pad:] {
		if int(b) != pad {
			return nil, cryptoError(DetailAESPadding, "the decrypted Data has no valid PKCS#7 padding")
		}
	}
	return buf[:len(buf)-pad], nil
}

// decodeHex decodes hex of either case into whole cipher blocks.
func decodeHex(s string, blockSize int) ([]byte, error) {
	if s == "" {
		return nil, cryptoError(DetailDataEmpty, "Data is empty")
	}
	buf, err := hex.DecodeString(s)
	if err != nil {
		return nil, cryptoError(DetailDataNotHex, "Data is not hex")
	}
	if len(buf)%blockSize != 0 {
		return nil, cryptoError(DetailDataBlockSize, "Data is not a whole number of cipher blocks")
	}
	return buf, nil
}
