package payments

import (
	"fmt"

	"github.com/skip2/go-qrcode"

	"gridpay/internal/billing"
)

// QR code limits.
const (
	// MaxQRContent bounds what a QR code carries, in bytes: a provider's code_url is well under it,
	// and anything longer makes a dense code that phone cameras read badly.
	MaxQRContent = 512
	// MinQRSize and MaxQRSize bound the side of a QR image in pixels: large enough for the densest
	// code MaxQRContent allows to keep at least one pixel per module, small enough that a request
	// cannot make the server paint megapixels.
	MinQRSize = 128
	MaxQRSize = 2048
)

// QRPNG returns a PNG image, size x size pixels, of a QR code that carries content at medium error
// recovery (15% of the code may be lost), with the standard quiet zone around it. Empty content,
// content over MaxQRContent bytes and sizes outside [MinQRSize, MaxQRSize] are invalid.
func QRPNG(content string, size int) ([]byte, error) {
	switch {
	case content == "" || len(content) > MaxQRContent:
		return nil, fmt.Errorf("payments: qr: content of %d bytes: want 1 to %d: %w", len(content), MaxQRContent, billing.ErrInvalid)
	case size < MinQRSize || size > MaxQRSize:
		return nil, fmt.Errorf("payments: qr: size %d: want %d to %d pixels: %w", size, MinQRSize, MaxQRSize, billing.ErrInvalid)
	}
	png, err := qrcode.Encode(content, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("payments: qr: %w", err)
	}
	return png, nil
}
