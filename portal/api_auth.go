package portal

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/pii"
)

type codeRequest struct {
	Phone string `json:"phone"`
}

// apiSendCode answers POST /api/v1/otp {"phone"}: the same answer whether or not the phone is a
// customer's, so that nobody can probe for customers.
func (h *Handler) apiSendCode(c *gin.Context) {
	var req codeRequest
	if err := decodeJSON(c, &req); err != nil {
		h.apiError(c, err)
		return
	}
	if err := h.auth.SendCode(c.Request.Context(), req.Phone, c.ClientIP()); err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{
		"message":        i18n.T(lang(c), "login.code_sent", pii.Phone(req.Phone)),
		"expires_in":     int(codeTTL.Seconds()),
		"resend_after":   int(limitCodePerPhoneMinute.Period.Seconds()),
		"phone_masked":   pii.Phone(req.Phone),
		"code_max_tries": codeMaxTries,
	})
}

type loginRequest struct {
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

// apiLogin answers POST /api/v1/login {"phone","code"} by opening a session: the cookie for
// browsers, and the CSRF token for clients that send no Origin header.
func (h *Handler) apiLogin(c *gin.Context) {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		h.apiError(c, err)
		return
	}
	s, err := h.auth.SignIn(c.Request.Context(), req.Phone, req.Code, c.ClientIP())
	if err != nil {
		h.apiError(c, err)
		return
	}
	h.setSessionCookie(c, s.ID, int(sessionTTL.Seconds()))
	h.log.Info("signed in", "request_id", c.GetString("request_id"), "phone", pii.Phone(s.Phone))
	c.JSON(http.StatusOK, gin.H{"phone_masked": pii.Phone(s.Phone), "csrf_token": s.CSRF})
}

// apiLogout answers POST /api/v1/logout: the session ends at once, everywhere.
func (h *Handler) apiLogout(c *gin.Context) {
	if s, ok := session(c); ok {
		if err := h.auth.SignOut(c.Request.Context(), s); err != nil {
			h.apiError(c, err)
			return
		}
	}
	h.setSessionCookie(c, "", -1)
	c.Status(http.StatusNoContent)
}

// apiDevInbox answers GET /dev/inbox.json[?to=phone]: the dev channel's messages, newest first.
func (h *Handler) apiDevInbox(c *gin.Context) {
	to := c.Query("to")
	if len(to) > 32 {
		h.apiError(c, fmt.Errorf("portal: inbox filter: %w", billing.ErrInvalid))
		return
	}
	msgs, err := h.inbox.Recent(c.Request.Context(), to, 100)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"messages": msgs})
}
