package store_test

import (
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// paidOrder creates an order for account and marks it paid at the clock's time; it returns the
// order id and the outbox row MarkPaid wrote.
func paidOrder(t *testing.T, p *store.Portal, now time.Time, i int) (orderID, outboxID int64) {
	t.Helper()
	no := fmt.Sprintf("GPW2026112616000000000000%04d", i)
	o := newOrder(no, fmt.Sprintf("31000002%02d", i), 10000)
	o.ExpiresAt = now.Add(time.Hour)
	created := mustCreate(t, p, o)
	res, err := p.MarkPaid(t.Context(), no, fmt.Sprintf("42000000012026112600%04d", i), 10000, now)
	if err != nil || res.OutboxID == 0 {
		t.Fatalf("MarkPaid(%s) = %+v, %v; want an outbox row", no, res, err)
	}
	return created.ID, res.OutboxID
}

func TestOutbox(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newOrderPortal(t, db)
		ctx := t.Context()
		// Three paid orders a minute apart: outbox rows at 16:00:00.123, 16:01:00.123, 16:02:00.123.
		var orders, rows [3]int64
		for i := range 3 {
			orders[i], rows[i] = paidOrder(t, p, clock.now(), i)
			clock.advance(time.Minute)
		}
		unacked := func(olderThan time.Time, limit int) []store.OutboxItem {
			t.Helper()
			items, err := p.UnackedOutbox(ctx, olderThan, limit)
			if err != nil {
				t.Fatalf("UnackedOutbox = %v", err)
			}
			return items
		}
		ids := func(items []store.OutboxItem) []int64 {
			out := []int64{}
			for _, it := range items {
				out = append(out, it.ID)
			}
			return out
		}

		t.Run("unacknowledged rows, oldest first", func(t *testing.T) {
			got := unacked(orderStart.Add(time.Hour), 10)
			want := []store.OutboxItem{
				{ID: rows[0], Kind: "payment:post", OrderID: orders[0], CreatedAt: orderStart},
				{ID: rows[1], Kind: "payment:post", OrderID: orders[1], CreatedAt: orderStart.Add(time.Minute)},
				{ID: rows[2], Kind: "payment:post", OrderID: orders[2], CreatedAt: orderStart.Add(2 * time.Minute)},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("UnackedOutbox = %+v\nwant %+v", got, want)
			}
		})
		for _, tc := range []struct {
			name      string
			olderThan time.Time
			limit     int
			want      []int64
		}{
			{"rows younger than the cut-off wait for their first enqueue", orderStart.Add(90 * time.Second), 10, []int64{rows[0], rows[1]}},
			{"the cut-off is exclusive", orderStart, 10, []int64{}},
			{"limit", orderStart.Add(time.Hour), 1, []int64{rows[0]}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := ids(unacked(tc.olderThan, tc.limit)); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("UnackedOutbox = %v, want %v", got, tc.want)
				}
			})
		}

		t.Run("a failed attempt counts and keeps the error", func(t *testing.T) {
			if err := p.OutboxAttempt(ctx, rows[1], errors.New("core database: deadlock victim")); err != nil {
				t.Fatal(err)
			}
			if err := p.OutboxAttempt(ctx, rows[1], errors.New("core database: timeout")); err != nil {
				t.Fatal(err)
			}
			got := unacked(orderStart.Add(time.Hour), 10)
			if len(got) != 3 || got[1].Attempts != 2 || got[1].LastError != "core database: timeout" || got[0].Attempts != 0 {
				t.Errorf("after two failures = %+v, want row %d with 2 attempts and the last error", got, rows[1])
			}
		})

		t.Run("an error message is made to fit", func(t *testing.T) {
			long := strings.Repeat("电", 990) + "\xff\x00" + strings.Repeat("𠮷", 20) // 𠮷 takes two UTF-16 units
			if err := p.OutboxAttempt(ctx, rows[2], errors.New(long)); err != nil {
				t.Fatal(err)
			}
			var msg string
			if err := db.QueryRowContext(ctx, `SELECT last_error FROM outbox WHERE id = @id`, sql.Named("id", rows[2])).Scan(&msg); err != nil {
				t.Fatal(err)
			}
			// 990 + U+FFFD + 4 x 𠮷 = 999 units; a fifth 𠮷 would make 1001.
			if want := strings.Repeat("电", 990) + "\uFFFD" + strings.Repeat("𠮷", 4); msg != want {
				t.Errorf("last_error = %d bytes %q..., want %d bytes", len(msg), msg[len(msg)-min(len(msg), 24):], len(want))
			}
			if err := p.OutboxAttempt(ctx, rows[2], nil); err != nil {
				t.Fatal(err)
			}
			if got := unacked(orderStart.Add(time.Hour), 10); got[2].Attempts != 2 || got[2].LastError != "" {
				t.Errorf("after an attempt without an error = %+v, want 2 attempts and no error", got[2])
			}
		})

		t.Run("acknowledged rows leave the list, and acknowledging again keeps the first time", func(t *testing.T) {
			if err := p.AckOutbox(ctx, rows[0]); err != nil {
				t.Fatal(err)
			}
			first := queryInt(t, db, `SELECT COUNT(*) FROM outbox WHERE id = @id AND acked_at IS NOT NULL`, sql.Named("id", rows[0]))
			clock.advance(time.Minute)
			if err := p.AckOutbox(ctx, rows[0]); err != nil {
				t.Errorf("second AckOutbox = %v, want nil", err)
			}
			var acked time.Time
			var raw any
			if err := db.QueryRowContext(ctx, `SELECT acked_at FROM outbox WHERE id = @id`, sql.Named("id", rows[0])).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			switch v := raw.(type) {
			case time.Time:
				acked = v
			case string:
				acked, _ = time.Parse("2006-01-02 15:04:05.000", v)
			}
			if first != 1 || !acked.Equal(orderStart.Add(3*time.Minute)) {
				t.Errorf("acked_at = %v (%v), want the first acknowledgement at %s", raw, acked, orderStart.Add(3*time.Minute))
			}
			if got := ids(unacked(orderStart.Add(time.Hour), 10)); !reflect.DeepEqual(got, []int64{rows[1], rows[2]}) {
				t.Errorf("UnackedOutbox = %v, want %v", got, []int64{rows[1], rows[2]})
			}
		})

		t.Run("a missing row is not found", func(t *testing.T) {
			if err := p.AckOutbox(ctx, 999_999); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("AckOutbox = %v, want ErrNotFound", err)
			}
			if err := p.OutboxAttempt(ctx, 999_999, errors.New("x")); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("OutboxAttempt = %v, want ErrNotFound", err)
			}
		})

		if n := countRows(t, db, "outbox"); n != 3 {
			t.Errorf("%d outbox rows, want 3: one per paid order", n)
		}
	})
}
