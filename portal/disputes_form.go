package portal

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// maxDisputeBody bounds the body of a dispute: a photo of at most 5 MB, the text and the form's
// small fields, with room for the multipart framing.
const maxDisputeBody = 6 << 20

// Limits of the form's fields, in bytes. The text's is above what 1000 UTF-16 units can take in
// UTF-8 with CRLF line breaks, so that disputeText, not this, judges its length.
const (
	maxDisputeTextBytes  = 8 << 10
	maxDisputeFieldBytes = 64
)

// disputeForm is a dispute as a form or an API client sent it, before any check but of sizes.
type disputeForm struct {
	Category string
	Text     string
	BillID   string
	Photo    []byte // empty without a photo
}

// readDisputeForm reads a multipart/form-data dispute: category, text, bill_id, photo (and csrf
// from the page's form). It streams the parts rather than parsing the whole form, so that a photo
// over the limit is refused as soon as it is seen while the fields before it (a browser sends them
// in the form's order: token, category, text, photo) are kept for the form to show again. What it
// read goes into Request.PostForm too, where auth.CheckForm looks for the token; other parts are
// skipped.
func readDisputeForm(c *gin.Context) (f disputeForm, err error) {
	web.LimitBody(c, maxDisputeBody) // the engine's 1 MB is too little for a phone photo
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return f, fmt.Errorf("portal: dispute form: %v: %w", err, billing.ErrInvalid)
	}
	values := url.Values{}
	c.Request.PostForm = values
	// Whatever happens, the fields read so far are returned with the error.
	defer func() {
		f.Category, f.Text, f.BillID = values.Get("category"), values.Get("text"), values.Get("bill_id")
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return f, bodyError(err)
		}
		name := part.FormName()
		switch name {
		case "photo":
			b, over, err := readAtMost(part, store.MaxDisputePhoto)
			if err != nil {
				return f, bodyError(err)
			}
			if over {
				return f, photoTooLarge(store.MaxDisputePhoto)
			}
			if len(b) > 0 { // a form whose file input was left empty sends an empty part
				f.Photo = b
			}
		case "text", "category", "bill_id", "csrf":
			limit := maxDisputeFieldBytes
			if name == "text" {
				limit = maxDisputeTextBytes
			}
			b, over, err := readAtMost(part, limit)
			if err != nil {
				return f, bodyError(err)
			}
			if over && name == "text" {
				return f, invalidDispute("text", "dispute.error.text_too_long", store.MaxDisputeText)
			}
			if over {
				return f, fmt.Errorf("portal: dispute form: field %s over %d bytes: %w", name, limit, billing.ErrInvalid)
			}
			values.Set(name, string(b))
		}
		part.Close()
	}
}

// readAtMost reads r to its end, or to just past n bytes: over says it had more than n.
func readAtMost(r io.Reader, n int) (b []byte, over bool, err error) {
	b, err = io.ReadAll(io.LimitReader(r, int64(n)+1))
	if err != nil {
		return nil, false, err
	}
	return b, len(b) > n, nil
}

// bodyError classifies a failure to read a dispute's body: past the size limit it is a photo too
// large (the photo is nearly all of it), anything else malformed input.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return photoTooLarge(tooLarge.Limit)
	}
	return fmt.Errorf("portal: dispute form: %v: %w", err, billing.ErrInvalid)
}

// formBillID reads the optional bill_id field: empty for none, else a positive bill id.
func formBillID(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	id, err := web.ParseID("bill_id", s)
	if err != nil {
		return 0, &web.InputError{Field: "bill_id", Key: "dispute.error.bill", Kind: err}
	}
	return id, nil
}
