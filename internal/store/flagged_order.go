package store

import (
	"context"
	"database/sql"
	"fmt"

	"gridpay/internal/billing"
)

// FlaggedOrderByID returns the order id, in status FLAGGED, with why it was flagged: what the
// order's page shows above its resolve form. An order in another status is billing.ErrConflict.
func (p *Portal) FlaggedOrderByID(ctx context.Context, id int64) (FlaggedOrder, error) {
	o, err := p.orderWhere(ctx, p.db, "id = @id", sql.Named("id", id))
	if err == nil && o.Status != billing.OrderFlagged {
		err = fmt.Errorf("order is %s: %w", o.Status, billing.ErrConflict)
	}
	var f FlaggedOrder
	if err == nil {
		f, err = p.flagOf(ctx, o)
	}
	if err != nil {
		return FlaggedOrder{}, fmt.Errorf("store: flagged order %d: %w", id, err)
	}
	return f, nil
}
