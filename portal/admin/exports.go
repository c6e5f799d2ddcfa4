package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/export"
	"gridpay/internal/store"
)

// exportFormat is a file format of the exports: how it is written and sent.
type exportFormat struct {
	ext         string
	contentType string
	write       func(w http.ResponseWriter, t export.Table) error
}

// Formats of the exports, by the extension of their address.
var (
	csvFormat = exportFormat{ext: "csv", contentType: "text/csv; charset=utf-8",
		write: func(w http.ResponseWriter, t export.Table) error { return export.WriteCSV(w, t) }}
	xlsxFormat = exportFormat{ext: "xlsx", contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		write: func(w http.ResponseWriter, t export.Table) error { return export.WriteXLSX(w, t) }}
)

// contentDisposition is an attachment named name: an ASCII name for old clients, and the UTF-8 name
// (RFC 5987 filename*) for the rest, so that a Chinese name survives.
func contentDisposition(ascii, name string) string {
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}

// sendExport audits the export of t (action, target) and streams it as an attachment. Before the
// first byte a failure is the error page; after it, the download is cut short and logged.
func (h *Handler) sendExport(c *gin.Context, f exportFormat, ascii, name string, t export.Table, action, target, reason string) error {
	a := audit(c, reason)
	a.Action, a.Target = action, target
	a.After = fmt.Sprintf(`{"format":%q,"rows":%d}`, f.ext, len(t.Rows))
	if err := h.portal.RecordAudit(c.Request.Context(), a); err != nil {
		return err
	}
	hd := c.Writer.Header()
	hd.Set("Content-Type", f.contentType)
	hd.Set("Content-Disposition", contentDisposition(ascii+"."+f.ext, name+"."+f.ext))
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	err := f.write(c.Writer, t)
	if err != nil && !c.Writer.Written() {
		hd.Del("Content-Disposition")
		hd.Del("Content-Type")
		return err
	}
	if err != nil {
		h.log.Error("export cut short", "target", target, "err", err)
		c.Abort()
	}
	return nil
}

// exportRecon answers GET /admin/reconciliation/:day/export.csv and .xlsx: the day's exceptions,
// resolved ones included, of every channel (or ?channel=).
func (h *Handler) exportRecon(f exportFormat) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		day, channel, err := reconDayQuery(c)
		if err != nil {
			return err
		}
		t := export.Table{Sheet: "对账 " + day.Format(time.DateOnly), Header: []string{"渠道 channel", "商户订单号 out_trade_no",
			"交易号 transaction", "结果 status", "渠道金额 provider (yuan)", "订单金额 order (yuan)", "收费流水号 receipt", "说明 note",
			"处理时间 resolved at", "处理人 resolved by", "处理结果 resolution"}}
		names, err := h.staffNames(c)
		if err != nil {
			return err
		}
		p := h.newPage(c)
		for _, ch := range channels {
			if channel != "" && channel != ch {
				continue
			}
			items, err := h.portal.ReconExceptions(c.Request.Context(), day, ch, true)
			if err != nil {
				return err
			}
			for _, it := range items {
				by := ""
				if it.ResolvedBy != 0 {
					by = names[it.ResolvedBy]
				}
				t.Rows = append(t.Rows, []string{ch, it.OutTradeNo, it.ProviderTxnID, it.Status, it.ProviderAmount.String(),
					it.OrderAmount.String(), it.ReceiptNo, it.Note, p.Time(it.ResolvedAt), by, it.Resolution})
			}
		}
		d := day.Format(time.DateOnly)
		target := "recon:" + d
		if channel != "" {
			target += ":" + channel
		}
		return h.sendExport(c, f, "reconciliation-"+d, "对账异常-"+d, t, "recon.export", target, "export")
	}
}

// staffNames maps staff ids to usernames.
func (h *Handler) staffNames(c *gin.Context) (map[int64]string, error) {
	list, err := h.portal.ListStaff(c.Request.Context())
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(list))
	for _, s := range list {
		names[s.ID] = s.Username
	}
	return names, nil
}

// exportAudit answers GET /admin/audit/export.csv and .xlsx: the audit log under the page's filter,
// newest first, up to store.MaxAuditExport rows.
func (h *Handler) exportAudit(f exportFormat) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		// The page's filter cuts what is too long; an export says so instead.
		for _, name := range []string{"username", "action", "from", "to"} {
			if _, err := queryText(c, name, 64); err != nil {
				return err
			}
		}
		p := auditPage{page: h.newPage(c)}
		filter, err := h.auditFilter(c, &p)
		if err != nil {
			return err
		}
		entries, err := h.portal.AuditLogAll(c.Request.Context(), filter, store.MaxAuditExport)
		if err != nil {
			return err
		}
		names, err := h.staffNames(c)
		if err != nil {
			return err
		}
		t := export.Table{Sheet: "审计日志", Header: []string{"编号 id", "时间 at", "操作人 staff", "操作 action", "对象 target",
			"变更前 before", "变更后 after", "原因 reason", "来源地址 client address"}}
		for _, e := range entries {
			who := "cli"
			if e.StaffID != 0 {
				who = names[e.StaffID]
			}
			t.Rows = append(t.Rows, []string{strconv.FormatInt(e.ID, 10), e.At.In(h.loc).Format(time.DateTime), who, e.Action, e.Target, e.Before, e.After,
				e.Reason, e.ClientAddr})
		}
		today := h.now().In(h.loc).Format(time.DateOnly)
		q := url.Values{"username": {p.Username}, "action": {p.Action}, "from": {p.From}, "to": {p.To}}
		return h.sendExport(c, f, "audit-log-"+today, "审计日志-"+today, t, "audit.export", truncate("audit?"+q.Encode(), store.MaxAuditTarget), "export")
	}
}

// ExportQuery is the query string of the page's filter, for its export links.
func (p auditPage) ExportQuery() string {
	q := url.Values{}
	for k, v := range map[string]string{"username": p.Username, "action": p.Action, "from": p.From, "to": p.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}
