package portal

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// Photos larger than this many pixels, or wider or taller than maxPhotoSide, are refused before
// they are decoded: a few bytes of PNG header can claim gigabytes of pixels, which decoding (here
// and in the browser of the staff who open it) would allocate. 40 million pixels hold a phone's
// full-size photo (48-megapixel cameras save 12 by default) at up to 160 MB while it is made again.
const (
	maxPhotoPixels = 40_000_000
	maxPhotoSide   = 10_000
)

// invalidDispute is dispute input the customer must correct: key names the catalog message that
// says what, field the form field.
func invalidDispute(field, key string, args ...any) error {
	return &web.InputError{Field: field, Key: key, Args: args, Kind: billing.ErrInvalid}
}

// photoTooLarge is the error of a photo, or a whole request, over the size limit: 413.
func photoTooLarge(limit int64) error {
	return &web.InputError{Field: "photo", Key: "dispute.error.photo_too_large", Kind: &http.MaxBytesError{Limit: limit}}
}

// DisputeInput is a dispute as the customer filed it, before any check.
type DisputeInput struct {
	AccountNo string
	BillID    int64 // 0 when no bill is disputed
	Category  string
	Text      string
	Photo     []byte // empty without a photo
}

// DisputeTarget is what a dispute may be about: one of the customer's accounts and, if given, one
// of its bills.
type DisputeTarget struct {
	Account AccountView
	Bill    *store.Bill // nil without a bill
}

// DisputeTarget returns the account and bill a dispute would be about. An account that is not the
// customer's, and a bill that is not the account's, are not found.
func (s *Service) DisputeTarget(ctx context.Context, phone, accountNo string, billID int64) (DisputeTarget, error) {
	v, err := s.account(ctx, phone, accountNo)
	if err != nil {
		return DisputeTarget{}, err
	}
	t := DisputeTarget{Account: v}
	if billID != 0 {
		d, err := s.core.Bill(ctx, v.accountID, billID)
		if err != nil {
			return DisputeTarget{}, err
		}
		t.Bill = &d.Bill
	}
	return t, nil
}

// FileDispute files a dispute from the holder of phone about one of their accounts and, if given,
// one of its bills. Input the customer must correct is invalid with a message saying what to
// correct; another customer's account or bill is not found.
func (s *Service) FileDispute(ctx context.Context, phone string, in DisputeInput) (store.Dispute, error) {
	d := store.NewDispute{Phone: phone, AccountNo: in.AccountNo, BillID: in.BillID, Category: store.DisputeCategory(in.Category)}
	if !d.Category.Valid() {
		return store.Dispute{}, invalidDispute("category", "dispute.error.category")
	}
	var err error
	if d.Text, err = disputeText(in.Text); err != nil {
		return store.Dispute{}, err
	}
	if len(in.Photo) > 0 {
		photo, err := cleanPhoto(in.Photo)
		if err != nil {
			return store.Dispute{}, err
		}
		d.Photo = &photo
	}
	if in.BillID < 0 {
		return store.Dispute{}, invalidDispute("bill_id", "dispute.error.bill")
	}
	t, err := s.DisputeTarget(ctx, phone, in.AccountNo, in.BillID)
	if err != nil {
		return store.Dispute{}, err
	}
	if t.Bill != nil {
		d.BillPeriod = t.Bill.Period
	}
	d.StationID = t.Account.accountData.StationID
	filed, err := s.portal.FileDispute(ctx, d)
	if err != nil {
		return store.Dispute{}, err
	}
	return s.local(filed), nil
}

// disputeText returns the customer's text with line breaks as "\n" and no blank margins, or says
// what is wrong with it. Its length counts UTF-16 units, as the NVARCHAR column and the textarea's
// maxlength do.
func disputeText(text string) (string, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	switch {
	case !utf8.ValidString(text) || strings.ContainsRune(text, 0):
		return "", invalidDispute("text", "dispute.error.text_invalid")
	case text == "":
		return "", invalidDispute("text", "dispute.error.text_empty")
	case utf16Units(text) > store.MaxDisputeText:
		return "", invalidDispute("text", "dispute.error.text_too_long", store.MaxDisputeText)
	}
	return text, nil
}

func utf16Units(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// cleanPhoto returns a photo made again from the pixels of b, judged by its bytes alone (never by a
// file name or a declared type): a JPEG or PNG of at most 5 MB whose header claims sane dimensions
// and whose pixels decode. Only the pixels are kept: whatever rode along with them (a script
// appended after the image, comments, the EXIF record of where and when the photo was taken) is
// gone, so the stored photo cannot be served as anything but a picture nor tell where the customer
// lives.
func cleanPhoto(b []byte) (store.DisputePhoto, error) {
	if len(b) > store.MaxDisputePhoto {
		return store.DisputePhoto{}, photoTooLarge(store.MaxDisputePhoto)
	}
	notAPhoto := invalidDispute("photo", "dispute.error.photo_type")
	contentType := http.DetectContentType(b)
	if contentType != "image/jpeg" && contentType != "image/png" {
		return store.DisputePhoto{}, notAPhoto
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return store.DisputePhoto{}, notAPhoto
	}
	if cfg.Width > maxPhotoSide || cfg.Height > maxPhotoSide || int64(cfg.Width)*int64(cfg.Height) > maxPhotoPixels {
		return store.DisputePhoto{}, invalidDispute("photo", "dispute.error.photo_pixels", maxPhotoPixels/1_000_000)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return store.DisputePhoto{}, notAPhoto
	}
	var out bytes.Buffer
	if contentType == "image/jpeg" {
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
	} else {
		err = png.Encode(&out, img)
	}
	if err != nil {
		return store.DisputePhoto{}, fmt.Errorf("portal: make the photo again: %w", err)
	}
	if out.Len() > store.MaxDisputePhoto {
		return store.DisputePhoto{}, photoTooLarge(store.MaxDisputePhoto)
	}
	return store.DisputePhoto{ContentType: contentType, Bytes: out.Bytes()}, nil
}

// Disputes returns the disputes the holder of phone filed, newest first.
func (s *Service) Disputes(ctx context.Context, phone string) ([]store.Dispute, error) {
	list, err := s.portal.Disputes(ctx, phone)
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i] = s.local(list[i])
	}
	return list, nil
}

// Dispute returns one of the disputes the holder of phone filed, with its messages; anyone else's
// is not found.
func (s *Service) Dispute(ctx context.Context, phone string, id int64) (store.Dispute, error) {
	d, err := s.portal.Dispute(ctx, phone, id)
	if err != nil {
		return store.Dispute{}, err
	}
	return s.local(d), nil
}

// DisputePhoto returns the photo of one of the disputes the holder of phone filed; anyone else's
// is not found.
func (s *Service) DisputePhoto(ctx context.Context, phone string, id int64) (store.DisputePhoto, error) {
	return s.portal.DisputePhoto(ctx, phone, id)
}

// local shows a dispute's times in the bureau's time zone.
func (s *Service) local(d store.Dispute) store.Dispute {
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.In(s.loc), d.UpdatedAt.In(s.loc)
	for i := range d.Messages {
		d.Messages[i].CreatedAt = d.Messages[i].CreatedAt.In(s.loc)
	}
	return d
}
