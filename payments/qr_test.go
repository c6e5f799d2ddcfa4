package payments_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"

	"gridpay/internal/billing"
	"gridpay/payments"
)

func TestQRPNG(t *testing.T) {
	const codeURL = "weixin://wxpay/bizpayurl?pr=Kx3Lh2Qzz"
	for _, tc := range []struct {
		name    string
		content string
		size    int
	}{
		{"WeChat code_url at page size", codeURL, 256},
		{"smallest size", codeURL, payments.MinQRSize},
		{"largest size", codeURL, payments.MaxQRSize},
		{"longest content at the smallest size", strings.Repeat("https://pay.example/", 26)[:payments.MaxQRContent], payments.MinQRSize},
		{"Chinese text", "国网某县供电公司 户号3100000042 电费175.00元", 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := payments.QRPNG(tc.content, tc.size)
			if err != nil {
				t.Fatalf("QRPNG(%d bytes, %d) = %v", len(tc.content), tc.size, err)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("DecodeConfig: %v", err)
			}
			if format != "png" || cfg.Width != tc.size || cfg.Height != tc.size {
				t.Errorf("image is %s %dx%d, want png %dx%d", format, cfg.Width, cfg.Height, tc.size, tc.size)
			}
			// The whole image decodes, and has both dark and light pixels.
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("png.Decode: %v", err)
			}
			dark, light := 0, 0
			for y := 0; y < tc.size; y++ {
				for x := 0; x < tc.size; x++ {
					if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
						dark++
					} else {
						light++
					}
				}
			}
			if dark == 0 || light == 0 {
				t.Errorf("%d dark and %d light pixels, want both", dark, light)
			}
			// The quiet zone: the top-left corner pixel is light.
			if r, _, _, _ := img.At(0, 0).RGBA(); r < 0x8000 {
				t.Error("corner pixel is dark, want the light quiet zone")
			}
		})
	}
}

func TestQRPNGRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		size    int
	}{
		{"empty content", "", 256},
		{"content one byte too long", strings.Repeat("a", payments.MaxQRContent+1), 256},
		{"content of a megabyte", strings.Repeat("a", 1<<20), 256},
		{"size too small", "weixin://wxpay/bizpayurl?pr=x", payments.MinQRSize - 1},
		{"size zero", "weixin://wxpay/bizpayurl?pr=x", 0},
		{"negative size (the library's variable size)", "weixin://wxpay/bizpayurl?pr=x", -4},
		{"size too large", "weixin://wxpay/bizpayurl?pr=x", payments.MaxQRSize + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := payments.QRPNG(tc.content, tc.size)
			if !errors.Is(err, billing.ErrInvalid) || b != nil {
				t.Errorf("QRPNG(%d bytes, %d) = %d bytes, %v; want nil, ErrInvalid", len(tc.content), tc.size, len(b), err)
			}
		})
	}
}
