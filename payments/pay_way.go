package payments

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// ErrOpenIDRefused is the error of an order inside WeChat that WeChat Pay refused for the customer's
// OpenID: one of another app, or no longer valid. The provider's JSAPIPayer wraps it beside
// billing.ErrInvalid; the OpenID is to be learnt again.
var ErrOpenIDRefused = errors.New("payments: WeChat Pay refused the customer's OpenID")

// Ask is a payer's request to pay an account (Service.Open).
type Ask struct {
	AccountNo string
	Payer     Payer
	Channel   string
	Amount    billing.Money  // 0 pays what the account owes today
	Way       billing.PayWay // "" is billing.PayQR
	Phone     PhoneClient    // the phone that pays in its browser (its IP; the return is the order's page): for H5 and WAP
	OpenID    string         // the customer under the WeChat app: for billing.PayJSAPI
}

// Start is how the payer goes on to pay an open order. A code needs nothing more (the order's
// CodeURL); in a phone's browser the customer is sent to URL, the provider's cashier; inside WeChat
// the page hands JSAPI to the payment sheet.
type Start struct {
	URL   string
	JSAPI *JSAPIRequest
}

// PhoneWay is how channel is paid in a phone's browser: WeChat Pay H5 or Alipay WAP; "" when it
// cannot be.
func PhoneWay(channel string) billing.PayWay {
	switch channel {
	case WeChat:
		return billing.PayH5
	case Alipay:
		return billing.PayWAP
	}
	return ""
}

// Ways returns the ways channel's provider can be paid here, the code first: the code always, the
// phone's browser when the provider takes such orders, and inside WeChat when it does and the
// customer's OpenID can be learnt (jsapi, the official account's web authorization configured for
// the same app).
func (s *Service) Ways(channel string, jsapi bool) []billing.PayWay {
	p, ok := s.Providers[channel]
	if !ok {
		return nil
	}
	ways := []billing.PayWay{billing.PayQR}
	if _, ok := Unguarded(p).(PhonePayer); ok && PhoneWay(channel) != "" && s.PageURL != nil {
		ways = append(ways, PhoneWay(channel))
	}
	if _, ok := Unguarded(p).(JSAPIPayer); ok && jsapi && channel == WeChat {
		ways = append(ways, billing.PayJSAPI)
	}
	return ways
}

// checkWay refuses an ask whose way its channel does not take, or that lacks what the way needs.
func (s *Service) checkWay(a Ask) error {
	p := Unguarded(s.Providers[a.Channel])
	switch a.Way {
	case billing.PayQR:
		return nil
	case billing.PayH5, billing.PayWAP:
		if _, ok := p.(PhonePayer); ok && a.Way == PhoneWay(a.Channel) && s.PageURL != nil {
			return nil
		}
	case billing.PayJSAPI:
		if _, ok := p.(JSAPIPayer); ok && a.Channel == WeChat {
			if !billing.ValidOpenID(a.OpenID) {
				return fmt.Errorf("payments: paying inside WeChat needs the customer's OpenID: %w", billing.ErrInvalid)
			}
			return nil
		}
	}
	return fmt.Errorf("payments: channel %s is not paid by %q: %w", a.Channel, a.Way, billing.ErrInvalid)
}

// Resume asks the provider again how to pay open order o in place (its Start), for the phone that
// asks now, or inside WeChat for the customer the order was placed for (o.OpenID): WeChat's H5
// address lasts five minutes and its payment sheet wants a fresh signature, so a customer who comes
// back to the order is given new ones. The provider knows the order already and answers for the
// same trade. An order paid by its code needs nothing (its CodeURL is kept), and one no longer
// waiting for the money is billing.ErrConflict.
func (s *Service) Resume(ctx context.Context, o store.Order, phone PhoneClient) (Start, error) {
	if o.Way == billing.PayQR || o.Way == "" {
		return Start{}, nil
	}
	if o.Status != Pending || !s.Now().Before(o.ExpiresAt) {
		return Start{}, fmt.Errorf("payments: order %s is %s, not waiting for the money: %w", o.OutTradeNo, o.Status, billing.ErrConflict)
	}
	p, ok := s.Providers[o.Channel]
	if !ok {
		return Start{}, fmt.Errorf("payments: channel %q: %w", o.Channel, billing.ErrInvalid)
	}
	if err := s.checkWay(Ask{Channel: o.Channel, Way: o.Way, OpenID: o.OpenID}); err != nil {
		return Start{}, err
	}
	po := s.providerOrder(o)
	phone.ReturnURL = s.pageURL(o.OutTradeNo)
	switch o.Way {
	case billing.PayJSAPI:
		req, err := p.(JSAPIPayer).PrecreateJSAPI(ctx, po, o.OpenID)
		if err != nil {
			return Start{}, fmt.Errorf("payments: resume %s (%s): %w", o.OutTradeNo, o.Way, err)
		}
		return Start{JSAPI: &req}, nil
	default:
		u, err := p.(PhonePayer).PrecreatePhone(ctx, po, phone)
		if err != nil {
			return Start{}, fmt.Errorf("payments: resume %s (%s): %w", o.OutTradeNo, o.Way, err)
		}
		return Start{URL: u}, nil
	}
}

// Browser is what a page knows of the browser that asks to pay, from its User-Agent.
type Browser struct {
	InWeChat bool // WeChat's own browser (MicroMessenger)
	InAlipay bool // Alipay's own browser (AlipayClient)
	Phone    bool // a phone's or tablet's browser
}

// BrowserOf reads a User-Agent header.
func BrowserOf(userAgent string) Browser {
	ua := userAgent
	return Browser{
		InWeChat: strings.Contains(ua, "MicroMessenger"),
		InAlipay: strings.Contains(ua, "AlipayClient"),
		Phone: strings.Contains(ua, "Mobile") || strings.Contains(ua, "Android") || strings.Contains(ua, "iPhone") ||
			strings.Contains(ua, "iPad") || strings.Contains(ua, "HarmonyOS"),
	}
}

// WaysIn returns the ways of Ways(channel, jsapi) that work in browser b, the one to use first:
// inside WeChat its payment sheet (or else long-pressing the code); inside Alipay, or in a phone's
// browser, the provider's cashier on the phone; elsewhere, a desktop or the counter's screen, the
// code to scan. The code is always among them, last when it is not first. Another app's channel
// inside WeChat or Alipay is paid by its code: neither app opens the other's cashier.
func (s *Service) WaysIn(b Browser, channel string, jsapi bool) []billing.PayWay {
	var first billing.PayWay
	switch {
	case b.InWeChat:
		if channel == WeChat {
			first = billing.PayJSAPI
		}
	case b.InAlipay:
		if channel == Alipay {
			first = billing.PayWAP
		}
	case b.Phone:
		first = PhoneWay(channel)
	}
	var out []billing.PayWay
	for _, w := range s.Ways(channel, jsapi) {
		if w == first {
			out = append([]billing.PayWay{w}, out...)
		} else if w == billing.PayQR {
			out = append(out, w)
		}
	}
	return out
}
