package portal_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var receiptNoRe = regexp.MustCompile(`^SF\d{16}$`)

// channelLabels are the payment channels by their names in each language.
var channelLabels = map[string][2]string{
	"wechat": {"微信", "WeChat"}, "alipay": {"支付宝", "Alipay"}, "bank": {"银行", "Bank"}, "counter": {"营业厅柜台", "Counter"},
}

// paymentsOf reads one page of an account's payments through the API.
func paymentsOf(t *testing.T, s *site, c *http.Client, no, query string, headers ...string) (list []map[string]any, total int) {
	t.Helper()
	status, body, raw := getJSON(t, c, s.url+"/api/v1/accounts/"+no+"/payments"+query, headers...)
	if status != 200 {
		t.Fatalf("payments%s = %d %s", query, status, raw)
	}
	for _, p := range body["payments"].([]any) {
		list = append(list, p.(map[string]any))
	}
	return list, int(body["total"].(float64))
}

func TestPaymentsAPI(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	all, total := paymentsOf(t, s, c, "3100000001", "?per_page=100")
	if total < 10 || len(all) != total {
		t.Fatalf("%d payments of %d: want all of at least 10, from 24 months of bills", len(all), total)
	}

	t.Run("newest first, each a posted receipt", func(t *testing.T) {
		for i, p := range all {
			no, _ := p["receipt_no"].(string)
			paidOn, _ := p["paid_on"].(string)
			if !receiptNoRe.MatchString(no) || no[2:10] != strings.ReplaceAll(paidOn, "-", "") {
				t.Errorf("payment %d: receipt %q paid on %q: want SF, the payment date and 8 digits", i, no, paidOn)
			}
			if i > 0 && paidOn > all[i-1]["paid_on"].(string) {
				t.Errorf("payment %d paid on %s after payment %d on %s: want newest first", i, paidOn, i-1, all[i-1]["paid_on"])
			}
			labels, ok := channelLabels[fmt.Sprint(p["channel"])]
			if !ok || p["channel_label"] != labels[0] {
				t.Errorf("payment %s: channel %v labelled %v", no, p["channel"], p["channel_label"])
			}
			amount, fee, principal, prepaid := p["amount_fen"].(float64), p["late_fee_fen"].(float64), p["principal_fen"].(float64), p["prepaid_fen"].(float64)
			if amount <= 0 || fee < 0 || principal < 0 || prepaid < 0 || amount != fee+principal+prepaid {
				t.Errorf("payment %s: %v = late fee %v + principal %v + prepaid %v?", no, amount, fee, principal, prepaid)
			}
		}
	})

	t.Run("paging", func(t *testing.T) {
		for _, tc := range []struct {
			query    string
			from, to int // the slice of all the page should hold
		}{
			{"?per_page=5", 0, 5},
			{"?per_page=5&page=2", 5, 10},
			{fmt.Sprintf("?per_page=5&page=%d", (total+4)/5), (total - 1) / 5 * 5, total},
			{fmt.Sprintf("?per_page=5&page=%d", (total+4)/5+1), total, total},
			{"", 0, min(20, total)},
		} {
			got, n := paymentsOf(t, s, c, "3100000001", tc.query)
			if n != total || len(got) != tc.to-tc.from {
				t.Errorf("%s: %d payments of %d, want %d of %d", tc.query, len(got), n, tc.to-tc.from, total)
				continue
			}
			for i, p := range got {
				if p["receipt_no"] != all[tc.from+i]["receipt_no"] {
					t.Errorf("%s: payment %d is %v, want %v", tc.query, i, p["receipt_no"], all[tc.from+i]["receipt_no"])
				}
			}
		}
		_, body, _ := getJSON(t, c, s.url+"/api/v1/accounts/3100000001/payments?per_page=5&page=2")
		if body["page"] != float64(2) || body["per_page"] != float64(5) {
			t.Errorf("page %v per_page %v, want 2 and 5", body["page"], body["per_page"])
		}
	})

	t.Run("channels in English", func(t *testing.T) {
		en, _ := paymentsOf(t, s, c, "3100000001", "?per_page=100", "Accept-Language", "en")
		for _, p := range en {
			if p["channel_label"] != channelLabels[fmt.Sprint(p["channel"])][1] {
				t.Errorf("payment %v: channel %v labelled %v in English", p["receipt_no"], p["channel"], p["channel_label"])
			}
		}
	})
}
