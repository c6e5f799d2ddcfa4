package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/i18n"
	"gridpay/internal/pii"
	"gridpay/internal/web"
	"gridpay/portal/auth"
)

type codeRequest struct {
	Phone string `json:"phone"`
}

// apiSendCode answers POST /api/v1/otp {"phone"}: the same answer whether or not the phone is a
// customer's, so that nobody can probe for customers.
func (h *Handler) apiSendCode(c *gin.Context) error {
	var req codeRequest
	if err := web.DecodeJSON(c, &req); err != nil {
		return err
	}
	if err := h.auth.SendCode(c.Request.Context(), req.Phone, c.ClientIP()); err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, gin.H{
		"message":        i18n.T(web.Lang(c), "login.code_sent", pii.Phone(req.Phone)),
		"expires_in":     int(auth.CodeTTL.Seconds()),
		"resend_after":   int(auth.ResendAfter.Seconds()),
		"phone_masked":   pii.Phone(req.Phone),
		"code_max_tries": auth.CodeMaxTries,
	})
	return nil
}

type loginRequest struct {
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

// apiLogin answers POST /api/v1/login {"phone","code"} by opening a session: the cookie for
// browsers, and the CSRF token for clients that send no Origin header.
func (h *Handler) apiLogin(c *gin.Context) error {
	var req loginRequest
	if err := web.DecodeJSON(c, &req); err != nil {
		return err
	}
	s, err := h.auth.SignIn(c.Request.Context(), req.Phone, req.Code, c.ClientIP())
	if err != nil {
		return err
	}
	auth.SetCookie(c, h.cookies, s.ID, int(auth.SessionTTL.Seconds()))
	h.log.Info("signed in", "request_id", c.GetString("request_id"), "phone", pii.Phone(s.Phone))
	c.JSON(http.StatusOK, gin.H{"phone_masked": pii.Phone(s.Phone), "csrf_token": s.CSRF})
	return nil
}

// apiLogout answers POST /api/v1/logout: the session ends at once, everywhere.
func (h *Handler) apiLogout(c *gin.Context) error {
	if s, ok := auth.FromContext(c); ok {
		if err := h.auth.SignOut(c.Request.Context(), s); err != nil {
			return err
		}
	}
	auth.SetCookie(c, h.cookies, "", -1)
	c.Status(http.StatusNoContent)
	return nil
}
