package portal

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/web"
	"gridpay/portal/auth"
)

type bindPage struct {
	page
	AccountNo string
	CodeSent  bool
}

// startBind texts a code to the registered phone of the account, if there is such an account. The
// rate limits come before the look-up, and a missing account is answered like an existing one
// (nothing is sent), so that nobody can probe which account numbers exist.
func (h *Handler) startBind(c *gin.Context, phone, accountNo string) error {
	if !billing.ValidAccountNo(accountNo) {
		return fmt.Errorf("portal: bind: account number: %w", billing.ErrInvalid)
	}
	return h.auth.SendBindCode(c.Request.Context(), phone, accountNo, c.ClientIP(), func(ctx context.Context) (string, error) {
		return h.svc.BindTarget(ctx, phone, accountNo)
	})
}

// finishBind checks the code and binds.
func (h *Handler) finishBind(c *gin.Context, phone, accountNo, code string) error {
	if !billing.ValidAccountNo(accountNo) {
		return fmt.Errorf("portal: bind: account number: %w", billing.ErrInvalid)
	}
	if err := h.auth.CheckBindCode(c.Request.Context(), phone, accountNo, code, c.ClientIP()); err != nil {
		return err
	}
	return h.svc.Bind(c.Request.Context(), phone, accountNo)
}

// showBind shows the form to add another account.
func (h *Handler) showBind(c *gin.Context) error {
	return h.pages.Render(c, http.StatusOK, "bind", &bindPage{page: h.newPage(c)})
}

// sendBindCode handles the account form of the binding page.
func (h *Handler) sendBindCode(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	p := bindPage{page: h.newPage(c), AccountNo: c.PostForm("account_no")}
	if err := auth.CheckForm(c); err != nil {
		return err
	}
	if err := h.startBind(c, s.Phone, p.AccountNo); err != nil {
		return h.pages.Form(c, "bind", &p, err)
	}
	p.CodeSent = true
	return h.pages.Render(c, http.StatusOK, "bind", &p)
}

// bind handles the code form of the binding page.
func (h *Handler) bind(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	p := bindPage{page: h.newPage(c), AccountNo: c.PostForm("account_no"), CodeSent: true}
	if err := auth.CheckForm(c); err != nil {
		return err
	}
	if err := h.finishBind(c, s.Phone, p.AccountNo, c.PostForm("code")); err != nil {
		return h.pages.Form(c, "bind", &p, err)
	}
	c.Redirect(http.StatusSeeOther, "/")
	return nil
}

// unbind handles the remove button on a bound account's card.
func (h *Handler) unbind(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	if err := auth.CheckForm(c); err != nil {
		return err
	}
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	if err := h.svc.Unbind(c.Request.Context(), s.Phone, no); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/")
	return nil
}
