package wechatoa

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"gridpay/notify"
)

// DefaultAuthorizeURL is where WeChat's web authorization (网页授权) starts.
const DefaultAuthorizeURL = "https://open.weixin.qq.com"

// maxCode bounds an authorization code: WeChat's are 32 characters.
const maxCode = 128

// AuthorizeURL is where a page open inside WeChat sends the browser to learn which customer it is:
// web authorization with scope snsapi_base, which asks the customer nothing and sends the browser
// back to redirectURI with a code and state. The code gives the customer's OpenID under this
// account (OpenID), which WeChat Pay JSAPI pays for.
func (o *OA) AuthorizeURL(redirectURI, state string) string {
	// WeChat reads the parameters in this order and wants the fragment.
	return o.authorize + "/connect/oauth2/authorize?appid=" + url.QueryEscape(o.appID) + "&redirect_uri=" + url.QueryEscape(redirectURI) +
		"&response_type=code&scope=snsapi_base&state=" + url.QueryEscape(state) + "#wechat_redirect"
}

// OpenID exchanges the code web authorization sent back for the customer's OpenID
// (GET /sns/oauth2/access_token, grant_type authorization_code). A code is good once and for five
// minutes; a refused one is a permanent notify.Failure (40029 invalid code, 40163 code used).
func (o *OA) OpenID(ctx context.Context, code string) (string, error) {
	if code == "" || len(code) > maxCode {
		return "", &notify.Failure{Channel: channelName, Code: "40029", Detail: "no authorization code, or one too long", Permanent: true}
	}
	const path = "/sns/oauth2/access_token"
	q := url.Values{"appid": {o.appID}, "secret": {o.secret}, "code": {code}, "grant_type": {"authorization_code"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("wechat: %s: %w", path, redact(err, path))
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return "", &notify.Failure{Channel: channelName, Code: "network", Detail: path, Err: redact(err, path)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil || resp.StatusCode != http.StatusOK || len(b) > maxAnswer {
		return "", &notify.Failure{Channel: channelName, Code: "http_" + strconv.Itoa(resp.StatusCode), Detail: path + ": " + resp.Status}
	}
	var a struct {
		answer
		OpenID string `json:"openid"`
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return "", &notify.Failure{Channel: channelName, Code: "unreadable", Detail: path + ": the answer is not the API's JSON"}
	}
	if a.ErrCode != 0 {
		return "", o.failure(a.answer)
	}
	if a.OpenID == "" || len(a.OpenID) > 128 {
		return "", &notify.Failure{Channel: channelName, Code: "unreadable", Detail: path + ": no OpenID in the answer"}
	}
	return a.OpenID, nil
}
