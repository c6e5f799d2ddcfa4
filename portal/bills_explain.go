package portal

import (
	"strings"

	"gridpay/internal/i18n"
	"gridpay/internal/store"
)

// explainBill says in plain words how a bill's energy was priced: "您本月用电300千瓦时：160千瓦时按
// 0.5100元计，80千瓦时按0.5600元计，60千瓦时按0.8100元计". Capacity charges are not energy and are
// left to the line items.
func explainBill(l i18n.Lang, d store.BillDetail) string {
	var parts []string
	for _, it := range d.Items {
		if it.Code == "capacity" {
			continue
		}
		parts = append(parts, i18n.T(l, "bills.item_explain", it.Quantity, it.UnitPrice.String()))
	}
	return i18n.T(l, "bills.tier_explain", d.KWh, strings.Join(parts, i18n.T(l, "bills.item_sep")))
}
