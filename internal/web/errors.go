package web

import (
	"errors"
	"net/http"

	"gridpay/internal/billing"
)

// Status maps an error to the HTTP status and a message for the user, in Chinese and English. The
// error itself, with its internals, is for the log only.
func Status(err error) (status int, zh, en string) {
	switch {
	case errors.Is(err, billing.ErrInvalid):
		return http.StatusBadRequest, "请求内容有误，请检查后重试。", "The request is not valid; please check it and try again."
	case errors.Is(err, billing.ErrUnauthorized):
		return http.StatusUnauthorized, "请先登录。", "Please sign in first."
	case errors.Is(err, billing.ErrForbidden):
		return http.StatusForbidden, "您无权访问此内容。", "You may not access this."
	case errors.Is(err, billing.ErrNotFound):
		return http.StatusNotFound, "未找到您要的内容。", "Not found."
	case errors.Is(err, billing.ErrConflict):
		return http.StatusConflict, "操作与当前状态冲突，请刷新后重试。", "This conflicts with the current state; please reload and try again."
	default:
		return http.StatusInternalServerError, "系统繁忙，请稍后再试。", "Something went wrong on our side; please try again later."
	}
}
