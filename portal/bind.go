package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-redis/redis_rate/v10"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/pii"
	"gridpay/internal/web"
)

// validAccountNo reports whether s is a 10-digit account number.
func validAccountNo(s string) bool { return len(s) == 10 && strings.Trim(s, "0123456789") == "" }

type bindRequest struct {
	AccountNo string `json:"account_no"`
	Code      string `json:"code,omitempty"`
}

// startBind checks the account and texts a code to its registered phone; it returns that phone masked.
func (h *Handler) startBind(c *gin.Context, phone, accountNo string) (string, error) {
	if !validAccountNo(accountNo) {
		return "", fmt.Errorf("portal: bind: account number: %w", billing.ErrInvalid)
	}
	to, err := h.svc.BindTarget(c.Request.Context(), phone, accountNo)
	if err != nil {
		return "", err
	}
	if err := h.auth.SendBindCode(c.Request.Context(), phone, accountNo, to, c.ClientIP()); err != nil {
		return "", err
	}
	return pii.Phone(to), nil
}

// finishBind checks the code and binds.
func (h *Handler) finishBind(c *gin.Context, phone, accountNo, code string) error {
	if !validAccountNo(accountNo) {
		return fmt.Errorf("portal: bind: account number: %w", billing.ErrInvalid)
	}
	if err := h.auth.CheckBindCode(c.Request.Context(), phone, accountNo, code, c.ClientIP()); err != nil {
		return err
	}
	return h.svc.Bind(c.Request.Context(), phone, accountNo)
}

// apiBindCode answers POST /api/v1/bindings/code {"account_no"}.
func (h *Handler) apiBindCode(c *gin.Context) {
	s, _ := session(c)
	var req bindRequest
	if err := decodeJSON(c, &req); err != nil {
		h.apiError(c, err)
		return
	}
	masked, err := h.startBind(c, s.Phone, req.AccountNo)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"message": i18n.T(lang(c), "bind.code_sent", masked), "phone_masked": masked})
}

// apiBind answers POST /api/v1/bindings {"account_no","code"}.
func (h *Handler) apiBind(c *gin.Context) {
	s, _ := session(c)
	var req bindRequest
	if err := decodeJSON(c, &req); err != nil {
		h.apiError(c, err)
		return
	}
	if err := h.finishBind(c, s.Phone, req.AccountNo, req.Code); err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"account_no": req.AccountNo})
}

// apiUnbind answers DELETE /api/v1/bindings/{no}: one tap, no code.
func (h *Handler) apiUnbind(c *gin.Context) {
	s, _ := session(c)
	no, err := accountNo(c)
	if err != nil {
		h.apiError(c, err)
		return
	}
	if err := h.svc.Unbind(c.Request.Context(), s.Phone, no); err != nil {
		h.apiError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type bindPage struct {
	page
	AccountNo   string
	PhoneMasked string
	CodeSent    bool
}

// showBind shows the form to add another account.
func (h *Handler) showBind(c *gin.Context) {
	h.render(c, http.StatusOK, "bind", bindPage{page: h.newPage(c)})
}

// sendBindCode handles the account form of the binding page.
func (h *Handler) sendBindCode(c *gin.Context) {
	s, _ := session(c)
	p := bindPage{page: h.newPage(c), AccountNo: c.PostForm("account_no")}
	if err := h.checkFormToken(c); err != nil {
		h.pageError(c, err)
		return
	}
	masked, err := h.startBind(c, s.Phone, p.AccountNo)
	if err != nil {
		h.formError(c, "bind", &p.page, &p, err)
		return
	}
	p.CodeSent, p.PhoneMasked = true, masked
	h.render(c, http.StatusOK, "bind", p)
}

// bind handles the code form of the binding page.
func (h *Handler) bind(c *gin.Context) {
	s, _ := session(c)
	p := bindPage{page: h.newPage(c), AccountNo: c.PostForm("account_no"), CodeSent: true}
	if err := h.checkFormToken(c); err != nil {
		h.pageError(c, err)
		return
	}
	if err := h.finishBind(c, s.Phone, p.AccountNo, c.PostForm("code")); err != nil {
		h.formError(c, "bind", &p.page, &p, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/")
}

// unbind handles the remove button on a bound account's card.
func (h *Handler) unbind(c *gin.Context) {
	s, _ := session(c)
	if err := h.checkFormToken(c); err != nil {
		h.pageError(c, err)
		return
	}
	no, err := accountNo(c)
	if err == nil {
		err = h.svc.Unbind(c.Request.Context(), s.Phone, no)
	}
	if err != nil {
		h.pageError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/")
}

// formError shows a form page again with what went wrong, in the customer's language.
func (h *Handler) formError(c *gin.Context, name string, p *page, data any, err error) {
	status, _ := web.Kind(err)
	if status >= 500 {
		h.pageError(c, err)
		return
	}
	var tooMany *web.TooManyRequests
	if errors.As(err, &tooMany) {
		c.Header("Retry-After", fmt.Sprint(tooMany.RetrySeconds()))
	}
	p.Error = web.Message(p.Lang, err)
	h.render(c, status, name, data)
}

// limitPayForPerIP bounds look-ups of other people's accounts from one address.
var limitPayForPerIP = redis_rate.Limit{Rate: 30, Burst: 30, Period: time.Minute}

// lookUpPayFor finds an account to pay for, rate limited per address.
func (h *Handler) lookUpPayFor(c *gin.Context, no string) (PayForView, error) {
	if !validAccountNo(no) {
		return PayForView{}, fmt.Errorf("portal: pay for: account number: %w", billing.ErrInvalid)
	}
	if err := h.auth.allow(c.Request.Context(), "payfor:ip:"+c.ClientIP(), limitPayForPerIP); err != nil {
		return PayForView{}, err
	}
	return h.svc.PayFor(c.Request.Context(), no)
}

// apiPayFor answers GET /api/v1/payfor/{no}: the masked name and address and the amount due, for
// paying without binding (代缴). No sign-in needed: a paper bill's QR code leads here.
func (h *Handler) apiPayFor(c *gin.Context) {
	v, err := h.lookUpPayFor(c, c.Param("no"))
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

type payForPage struct {
	page
	AccountNo string
	Found     *PayForView
}

// showPayFor answers GET /payfor[?account=...]: a plain GET form, so it works without JavaScript.
func (h *Handler) showPayFor(c *gin.Context) {
	p := payForPage{page: h.newPage(c), AccountNo: c.Query("account")}
	if !p.SignedIn {
		p.CSRF = h.formToken(c) // the Pay buttons post a form before any sign-in
	}
	if p.AccountNo == "" {
		h.render(c, http.StatusOK, "payfor", p)
		return
	}
	v, err := h.lookUpPayFor(c, p.AccountNo)
	if err != nil {
		if status, kind := web.Kind(err); kind == "not_found" {
			p.Error = i18n.T(p.Lang, "payfor.not_found")
			h.render(c, status, "payfor", p)
			return
		}
		h.formError(c, "payfor", &p.page, &p, err)
		return
	}
	p.Found = &v
	h.render(c, http.StatusOK, "payfor", p)
}
