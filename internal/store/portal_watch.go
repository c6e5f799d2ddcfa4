package store

import "context"

// PortalWatcher hears of committed changes to what the portal's caches keep answers about
// (corecache.Portal): the accounts bound to a phone, and an account's orders, which decide whether
// a payment is in flight. It is told after the change is committed, so that a reader who asks
// again reads it; it does its own error handling, since the change stands whatever it says.
type PortalWatcher interface {
	BindingsChanged(ctx context.Context, phone string)
	OrdersChanged(ctx context.Context, accountNo string)
}

// Watch has w told of every binding made or removed and of every order paid, flagged, moved or
// resolved. It is called once, before p serves.
func (p *Portal) Watch(w PortalWatcher) { p.watcher = w }

// bindingsChanged tells the watcher, if any, that phone's bindings changed.
func (p *Portal) bindingsChanged(ctx context.Context, phone string) {
	if p.watcher != nil {
		p.watcher.BindingsChanged(ctx, phone)
	}
}

// ordersChanged tells the watcher, if any, that an order of accountNo changed.
func (p *Portal) ordersChanged(ctx context.Context, accountNo string) {
	if p.watcher != nil && accountNo != "" {
		p.watcher.OrdersChanged(ctx, accountNo)
	}
}
