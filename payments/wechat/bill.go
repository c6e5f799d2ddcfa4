package wechat

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gridpay/internal/billing"
)

// BillLine is one row of WeChat's trade bill (交易账单): a payment, or a refund of one.
type BillLine struct {
	At            time.Time // 交易时间
	TransactionID string    // 微信订单号
	OutTradeNo    string    // 商户订单号
	State         string    // 交易状态: SUCCESS for a payment, REFUND for a refund, REVOKED
	Amount        billing.Money
	RefundID      string // 微信退款单号, refunds only
	OutRefundNo   string // 商户退款单号, refunds only
	RefundAmount  billing.Money
}

// billZone is China Standard Time: bill days and bill times are in it.
var billZone = time.FixedZone("CST", 8*3600)

// The columns TradeBill reads, by their names in the header line.
var billColumns = []string{"交易时间", "微信订单号", "商户订单号", "交易状态", "应结订单金额", "微信退款单号", "商户退款单号", "退款金额"}

// TradeBill downloads the trade bill of every payment and refund on day (a date in China) and
// returns its rows, for reconciliation. It asks GET /v3/bill/tradebill for a download URL and
// the bill's SHA-1, fetches the bill, and checks the hash. A day with no bill is
// billing.ErrNotFound.
func (p *Provider) TradeBill(ctx context.Context, day time.Time) ([]BillLine, error) {
	date := day.In(billZone).Format("2006-01-02")
	_, body, err := p.call(ctx, http.MethodGet, "/v3/bill/tradebill?bill_date="+date+"&bill_type=ALL", nil)
	if err != nil {
		return nil, fmt.Errorf("wechat: trade bill %s: %w", date, err)
	}
	var where struct {
		HashType    string `json:"hash_type"`
		HashValue   string `json:"hash_value"`
		DownloadURL string `json:"download_url"`
	}
	if err := json.Unmarshal(body, &where); err != nil || where.HashType != "SHA1" || where.DownloadURL == "" {
		return nil, fmt.Errorf("wechat: trade bill %s: answer %q: %w", date, body, ErrMalformed)
	}
	u, err := url.Parse(where.DownloadURL)
	if err != nil {
		return nil, fmt.Errorf("wechat: trade bill %s: download_url: %v: %w", date, err, ErrMalformed)
	}
	// The download goes to our configured base URL, with the path and query WeChat gave: the
	// host in download_url is always the API host, and a sandbox behind a path prefix does not
	// know its own prefix.
	_, _, bill, err := p.send(ctx, http.MethodGet, u.EscapedPath()+"?"+u.RawQuery, nil)
	if err != nil {
		return nil, fmt.Errorf("wechat: trade bill %s: download: %w", date, err)
	}
	sum := sha1.Sum(bill)
	if !strings.EqualFold(hex.EncodeToString(sum[:]), where.HashValue) {
		return nil, fmt.Errorf("wechat: trade bill %s: SHA-1 does not match: %w", date, ErrBadSignature)
	}
	lines, err := ParseTradeBill(bill)
	if err != nil {
		return nil, fmt.Errorf("wechat: trade bill %s: %w", date, err)
	}
	return lines, nil
}

// ParseTradeBill reads a trade bill: a header line naming the columns, a row per payment or
// refund with every field after a backquote, then a summary headed 总交易单数, which it checks
// against the rows' count. Anything else is ErrMalformed.
func ParseTradeBill(bill []byte) ([]BillLine, error) {
	text := strings.TrimPrefix(string(bill), "\uFEFF")
	rows := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(rows) < 3 {
		return nil, fmt.Errorf("bill of %d lines: %w", len(rows), ErrMalformed)
	}
	header := strings.Split(rows[0], ",")
	col := map[string]int{}
	for i, name := range header {
		col[strings.TrimSpace(name)] = i
	}
	for _, name := range billColumns {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("bill has no column %s: %w", name, ErrMalformed)
		}
	}
	var out []BillLine
	for i, row := range rows[1:] {
		if strings.HasPrefix(row, "总交易单数") {
			if i+2 >= len(rows) {
				return nil, fmt.Errorf("bill summary has no values: %w", ErrMalformed)
			}
			count := strings.TrimPrefix(strings.SplitN(rows[i+2], ",", 2)[0], "`")
			if count != fmt.Sprint(len(out)) {
				return nil, fmt.Errorf("bill has %d rows, its summary says %s: %w", len(out), count, ErrMalformed)
			}
			return out, nil
		}
		fields := strings.Split(row, ",")
		if len(fields) != len(header) {
			return nil, fmt.Errorf("bill line %d has %d fields, not %d: %w", i+2, len(fields), len(header), ErrMalformed)
		}
		get := func(name string) string { return strings.TrimPrefix(strings.TrimSpace(fields[col[name]]), "`") }
		at, err := time.ParseInLocation("2006-01-02 15:04:05", get("交易时间"), billZone)
		if err != nil {
			return nil, fmt.Errorf("bill line %d: %v: %w", i+2, err, ErrMalformed)
		}
		amount, err := billing.ParseMoney(get("应结订单金额"))
		if err != nil {
			return nil, fmt.Errorf("bill line %d: %v: %w", i+2, err, ErrMalformed)
		}
		refund, err := billing.ParseMoney(get("退款金额"))
		if err != nil {
			return nil, fmt.Errorf("bill line %d: %v: %w", i+2, err, ErrMalformed)
		}
		l := BillLine{
			At: at, TransactionID: get("微信订单号"), OutTradeNo: get("商户订单号"), State: get("交易状态"),
			Amount: amount, RefundAmount: refund,
		}
		if l.State == "REFUND" {
			l.RefundID, l.OutRefundNo = get("微信退款单号"), get("商户退款单号")
		}
		out = append(out, l)
	}
	return nil, fmt.Errorf("bill has no summary: %w", ErrMalformed)
}
