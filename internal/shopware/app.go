package shopware

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"

	"kassa/internal/methods"
	"kassa/internal/secrets"
)

// AppSecret is an account's app secret (the manifest's <setup><secret>):
// derived from Kassa's secrets key, so regenerating the app gives the same
// secret and installed shops keep working. Rotating the secrets key
// changes it: the app must then be generated and updated in every shop.
func AppSecret(box *secrets.Box, accountID string) string {
	return hex.EncodeToString(box.Derive("shopware app secret " + accountID))
}

// WriteApp writes the app folder dir/<AppName>/ (manifest.xml and the
// method icons) and returns its path; zip that folder to upload it.
func WriteApp(dir string, cfg AppConfig, schema Schema) (string, error) {
	manifest, err := Manifest(cfg, schema)
	if err != nil {
		return "", err
	}
	root := filepath.Join(dir, AppName(cfg.AccountID))
	if err := os.MkdirAll(filepath.Join(root, "Resources", "icons"), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(root, "manifest.xml"), manifest, 0o644); err != nil {
		return "", err
	}
	for _, m := range methods.All() {
		icon, err := Icon(m.Type)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(IconPath(m.Type))), icon, 0o644); err != nil {
			return "", err
		}
	}
	return root, nil
}

// iconColors are the brand-like colours of each method's icon.
var iconColors = map[methods.Type]color.RGBA{
	methods.Sofort:         {0xef, 0x80, 0x9f, 0xff},
	methods.BankTransferID: {0x00, 0x5b, 0xaa, 0xff},
	methods.Vipps:          {0xff, 0x5b, 0x24, 0xff},
}

// Icon draws a method's checkout icon: a 64×64 PNG, a coloured badge with
// a white bar, the same bytes every time.
func Icon(t methods.Type) ([]byte, error) {
	c, ok := iconColors[t]
	if !ok {
		return nil, fmt.Errorf("shopware: no icon colour for method %s", t)
	}
	const size = 64
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			// Cut the corners for a rounded look.
			dx, dy := min(x, size-1-x), min(y, size-1-y)
			switch {
			case dx+dy < 6:
				img.Set(x, y, color.RGBA{})
			case y >= 28 && y < 36 && x >= 14 && x < 50:
				img.Set(x, y, color.White)
			default:
				img.Set(x, y, c)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
