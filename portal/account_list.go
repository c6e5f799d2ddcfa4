package portal

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/i18n"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/portal/auth"
)

// accountList is one page of a list about one of the signed-in customer's accounts (bills,
// payments, notices).
type accountList[T any] struct {
	No     string
	Paging web.Paging
	Rows   []T
	Total  int
}

// listFunc reads one page of a list about account no for the customer signed in with phone; it
// refuses an account that is not theirs.
type listFunc[T any] func(ctx context.Context, phone, no string, p store.Page) ([]T, int, error)

// readAccountList reads the page of list asked for: the account number from the path, the paging
// by parse (web.ParsePage for pages, web.ParsePaging for the API) with size rows a page.
func readAccountList[T any](c *gin.Context, parse func(*gin.Context, int) (web.Paging, error), size int,
	list listFunc[T]) (accountList[T], error) {
	s, _ := auth.FromContext(c)
	no, err := web.AccountNo(c)
	if err != nil {
		return accountList[T]{}, err
	}
	pg, err := parse(c, size)
	if err != nil {
		return accountList[T]{}, err
	}
	rows, total, err := list(c.Request.Context(), s.Phone, no, store.Page{Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		return accountList[T]{}, err
	}
	return accountList[T]{No: no, Paging: pg, Rows: rows, Total: total}, nil
}

// answerAccountList answers an API request for a list about an account: the page of rows asked
// for under key, in the request's language, with the total and the paging.
func answerAccountList[T, J any](c *gin.Context, key string, size int, list listFunc[T], toJSON func(i18n.Lang, T) J) error {
	l, err := readAccountList(c, web.ParsePaging, size, list)
	if err != nil {
		return err
	}
	lang := web.Lang(c)
	out := make([]J, len(l.Rows))
	for i, r := range l.Rows {
		out[i] = toJSON(lang, r)
	}
	c.JSON(http.StatusOK, gin.H{key: out, "total": l.Total, "page": l.Paging.Page, "per_page": l.Paging.Size})
	return nil
}
