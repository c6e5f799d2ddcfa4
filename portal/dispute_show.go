package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type disputePage struct {
	page
	Dispute disputeView
	Filed   bool // just filed: the page says it arrived
}

// showDispute shows one of the customer's disputes: where it stands, the photo and the messages
// between the customer and the staff.
func (h *Handler) showDispute(c *gin.Context) {
	s, _ := session(c)
	id, err := disputeID(c)
	if err != nil {
		h.pageError(c, err)
		return
	}
	d, err := h.svc.Dispute(c.Request.Context(), s.Phone, id)
	if err != nil {
		h.pageError(c, err)
		return
	}
	p := disputePage{page: h.newPage(c), Filed: c.Query("filed") == "1"}
	p.Dispute = viewDispute(p.Lang, d)
	h.render(c, http.StatusOK, "dispute", p)
}

// showDisputePhoto serves a dispute's photo to the customer who filed it, as the image type its
// bytes were found to be, never sniffed again by the browser, and kept out of shared caches.
func (h *Handler) showDisputePhoto(c *gin.Context) {
	s, _ := session(c)
	id, err := disputeID(c)
	if err != nil {
		h.pageError(c, err)
		return
	}
	ph, err := h.svc.DisputePhoto(c.Request.Context(), s.Phone, id)
	if err != nil {
		h.pageError(c, err)
		return
	}
	c.Header("Content-Disposition", "inline")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, ph.ContentType, ph.Bytes)
}
