package store_test

import (
	"bytes"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// disputeClock is a clock a test moves by hand.
type disputeClock struct{ t time.Time }

func (c *disputeClock) now() time.Time { return c.t }

// newDisputeStore migrates db's portal schema and returns the portal store on a hand-moved clock.
func newDisputeStore(t *testing.T, db *store.DB) (*store.Portal, *disputeClock) {
	t.Helper()
	if _, err := db.MigrateSchema(t.Context(), store.PortalSchema); err != nil {
		t.Fatal(err)
	}
	clock := &disputeClock{t: time.Date(2026, 11, 26, 8, 0, 0, 123_456_789, time.UTC)}
	return store.NewPortal(db, clock.now), clock
}

func TestFileAndReadDisputes(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newDisputeStore(t, db)
		ctx := t.Context()
		const phone, other = "13800138000", "13800138001"
		photo := &store.DisputePhoto{ContentType: "image/png", Bytes: []byte("\x89PNG\r\n\x1a\n not really, the store does not look")}

		first, err := p.FileDispute(ctx, store.NewDispute{Phone: phone, AccountNo: "3100000001", BillID: 42, BillPeriod: 202610,
			Category: store.DisputeReadingAmount, Text: "十月电量比往年多一倍，请核实。𠮷", Photo: photo})
		if err != nil {
			t.Fatalf("FileDispute: %v", err)
		}
		if first.ID <= 0 || first.Status != store.DisputeOpen || !first.HasPhoto || len(first.Messages) != 1 ||
			!first.CreatedAt.Equal(time.Date(2026, 11, 26, 8, 0, 0, 123_000_000, time.UTC)) {
			t.Errorf("filed dispute = %+v", first)
		}
		clock.t = clock.t.Add(time.Hour)
		second, err := p.FileDispute(ctx, store.NewDispute{Phone: phone, AccountNo: "3100000001",
			Category: store.DisputeNotCredited, Text: `<script>alert("x")</script> & 'quotes'`})
		if err != nil {
			t.Fatalf("FileDispute without bill or photo: %v", err)
		}
		if _, err := p.FileDispute(ctx, store.NewDispute{Phone: other, AccountNo: "3100000002",
			Category: store.DisputePaidTwice, Text: "another customer's"}); err != nil {
			t.Fatal(err)
		}

		got, err := p.Dispute(ctx, phone, first.ID)
		if err != nil {
			t.Fatalf("Dispute: %v", err)
		}
		if got.AccountNo != "3100000001" || got.BillID != 42 || got.BillPeriod != 202610 || got.Category != store.DisputeReadingAmount ||
			got.Text != first.Text || !got.HasPhoto || !got.CreatedAt.Equal(first.CreatedAt) || !got.UpdatedAt.Equal(first.CreatedAt) {
			t.Errorf("Dispute = %+v, want what was filed: %+v", got, first)
		}
		if len(got.Messages) != 1 || got.Messages[0].Author != store.AuthorCustomer || got.Messages[0].Text != first.Text ||
			got.Messages[0].ID != first.Messages[0].ID {
			t.Errorf("thread = %+v, want the customer's statement", got.Messages)
		}
		if got, err := p.Dispute(ctx, phone, second.ID); err != nil || got.Text != second.Text || got.BillID != 0 || got.BillPeriod != 0 || got.HasPhoto {
			t.Errorf("second dispute = %+v, %v: want the text verbatim, no bill, no photo", got, err)
		}

		ph, err := p.DisputePhoto(ctx, phone, first.ID)
		if err != nil || ph.ContentType != "image/png" || !bytes.Equal(ph.Bytes, photo.Bytes) {
			t.Errorf("DisputePhoto = %q %q, %v", ph.ContentType, ph.Bytes, err)
		}

		list, err := p.Disputes(ctx, phone)
		if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
			t.Fatalf("Disputes = %+v, %v: want the two, newest first", list, err)
		}
		if !list[1].HasPhoto || list[1].BillID != 42 || list[0].HasPhoto || list[1].Messages != nil {
			t.Errorf("list entries = %+v", list)
		}
		if list, err := p.Disputes(ctx, "13700137000"); err != nil || list == nil || len(list) != 0 {
			t.Errorf("Disputes of a phone without any = %#v, %v; want an empty list", list, err)
		}

		for _, tc := range []struct {
			name  string
			phone string
			id    int64
			photo bool
		}{
			{"another phone's dispute", other, first.ID, false},
			{"another phone's photo", other, first.ID, true},
			{"no such dispute", phone, 999999, false},
			{"a dispute without a photo", phone, second.ID, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var err error
				if tc.photo {
					_, err = p.DisputePhoto(ctx, tc.phone, tc.id)
				} else {
					_, err = p.Dispute(ctx, tc.phone, tc.id)
				}
				if !errors.Is(err, billing.ErrNotFound) {
					t.Errorf("err = %v, want ErrNotFound", err)
				}
			})
		}
	})
}

func TestFileDisputeRefusesBadInput(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newDisputeStore(t, db)
		ctx := t.Context()
		valid := func() store.NewDispute {
			return store.NewDispute{Phone: "13800138000", AccountNo: "3100000001", Category: store.DisputeFaultyMeter, Text: "表不走了"}
		}
		withPhoto := func(contentType string, n int) store.NewDispute {
			d := valid()
			d.Photo = &store.DisputePhoto{ContentType: contentType, Bytes: bytes.Repeat([]byte{0xff}, n)}
			return d
		}
		for _, tc := range []struct {
			name string
			d    store.NewDispute
			ok   bool
		}{
			{"valid", valid(), true},
			{"text of 1000 characters", func() store.NewDispute { d := valid(); d.Text = strings.Repeat("电", 1000); return d }(), true},
			{"text of 1001 characters", func() store.NewDispute { d := valid(); d.Text = strings.Repeat("电", 1001); return d }(), false},
			// 𠮷 is outside the BMP: two UTF-16 units each, as NVARCHAR counts them.
			{"500 rare characters fill 1000 units", func() store.NewDispute { d := valid(); d.Text = strings.Repeat("𠮷", 500); return d }(), true},
			{"501 rare characters", func() store.NewDispute { d := valid(); d.Text = strings.Repeat("𠮷", 501); return d }(), false},
			{"empty text", func() store.NewDispute { d := valid(); d.Text = ""; return d }(), false},
			{"blank text", func() store.NewDispute { d := valid(); d.Text = " \n\t　"; return d }(), false},
			{"invalid UTF-8", func() store.NewDispute { d := valid(); d.Text = "电表\xff\xfe"; return d }(), false},
			{"NUL in the text", func() store.NewDispute { d := valid(); d.Text = "电表\x00"; return d }(), false},
			{"unknown category", func() store.NewDispute { d := valid(); d.Category = "refund_please"; return d }(), false},
			{"no category", func() store.NewDispute { d := valid(); d.Category = ""; return d }(), false},
			{"bad phone", func() store.NewDispute { d := valid(); d.Phone = "1380013800x"; return d }(), false},
			{"bad account number", func() store.NewDispute { d := valid(); d.AccountNo = "31' OR '1'"; return d }(), false},
			{"a bill with its period", func() store.NewDispute { d := valid(); d.BillID, d.BillPeriod = 7, 202610; return d }(), true},
			{"negative bill id", func() store.NewDispute { d := valid(); d.BillID, d.BillPeriod = -1, 202610; return d }(), false},
			{"a bill without its period", func() store.NewDispute { d := valid(); d.BillID = 7; return d }(), false},
			{"a period without a bill", func() store.NewDispute { d := valid(); d.BillPeriod = 202610; return d }(), false},
			{"a bill of month 13", func() store.NewDispute { d := valid(); d.BillID, d.BillPeriod = 7, 202613; return d }(), false},
			{"photo of exactly 5 MB", withPhoto("image/jpeg", store.MaxDisputePhoto), true},
			{"photo of 5 MB and a byte", withPhoto("image/jpeg", store.MaxDisputePhoto+1), false},
			{"empty photo", withPhoto("image/png", 0), false},
			{"GIF photo", withPhoto("image/gif", 100), false},
			{"photo without a type", withPhoto("", 100), false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := countRows(t, db, "disputes")
				d, err := p.FileDispute(ctx, tc.d)
				if tc.ok {
					if err != nil || d.ID <= 0 {
						t.Fatalf("FileDispute = %+v, %v; want it filed", d, err)
					}
					if got, err := p.Dispute(ctx, tc.d.Phone, d.ID); err != nil || got.Text != tc.d.Text {
						t.Errorf("read back %q, %v", textHead(got.Text), err)
					}
					return
				}
				if !errors.Is(err, billing.ErrInvalid) {
					t.Fatalf("FileDispute = %v, want ErrInvalid", err)
				}
				if after := countRows(t, db, "disputes"); after != before {
					t.Errorf("a refused dispute left %d rows", after-before)
				}
			})
		}
	})
}

func textHead(s string) string { return s[:min(len(s), 40)] }

func TestAddStaffReply(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newDisputeStore(t, db)
		ctx := t.Context()
		const phone = "13800138000"
		d, err := p.FileDispute(ctx, store.NewDispute{Phone: phone, AccountNo: "3100000001",
			Category: store.DisputeLateFeeWaiver, Text: "住院期间未能缴费，申请减免违约金。"})
		if err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.Add(24 * time.Hour)
		m, err := p.AddStaffReply(ctx, d.ID, "已受理，正在核实。", store.DisputeInReview)
		if err != nil || m.ID <= 0 || m.Author != store.AuthorStaff {
			t.Fatalf("AddStaffReply = %+v, %v", m, err)
		}
		clock.t = clock.t.Add(24 * time.Hour)
		if _, err := p.AddStaffReply(ctx, d.ID, "请补充住院证明。", ""); err != nil {
			t.Fatalf("reply keeping the status: %v", err)
		}
		got, err := p.Dispute(ctx, phone, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != store.DisputeInReview || !got.UpdatedAt.Equal(clock.t.Truncate(time.Millisecond)) || !got.CreatedAt.Equal(d.CreatedAt) {
			t.Errorf("after replies: status %s, created %v, updated %v; want in_review, updated now", got.Status, got.CreatedAt, got.UpdatedAt)
		}
		var authors, texts []string
		for _, m := range got.Messages {
			authors, texts = append(authors, m.Author), append(texts, m.Text)
		}
		if strings.Join(authors, ",") != "customer,staff,staff" || texts[2] != "请补充住院证明。" {
			t.Errorf("thread = %q %q, want the statement then the two replies in order", authors, texts)
		}

		for _, tc := range []struct {
			name   string
			id     int64
			text   string
			status store.DisputeStatus
			err    error
		}{
			{"no such dispute", 999999, "好的", store.DisputeClosed, billing.ErrNotFound},
			{"unknown status", d.ID, "好的", "approved", billing.ErrInvalid},
			{"empty text", d.ID, "", store.DisputeRejected, billing.ErrInvalid},
			{"text too long", d.ID, strings.Repeat("a", store.MaxDisputeText+1), store.DisputeRejected, billing.ErrInvalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := countRows(t, db, "dispute_messages")
				if _, err := p.AddStaffReply(ctx, tc.id, tc.text, tc.status); !errors.Is(err, tc.err) {
					t.Errorf("AddStaffReply = %v, want %v", err, tc.err)
				}
				if after := countRows(t, db, "dispute_messages"); after != before {
					t.Errorf("a refused reply left %d messages", after-before)
				}
			})
		}
		if got, _ := p.Dispute(ctx, phone, d.ID); got.Status != store.DisputeInReview {
			t.Errorf("refused replies changed the status to %s", got.Status)
		}
		for _, s := range []store.DisputeStatus{store.DisputeInReview, store.DisputeAdjusted, store.DisputeClosed, store.DisputeClosed, ""} {
			if _, err := p.AddStaffReply(ctx, d.ID, "状态："+string(s), s); err != nil {
				t.Errorf("status %q refused: %v", s, err)
			}
		}
		if got, _ := p.Dispute(ctx, phone, d.ID); got.Status != store.DisputeClosed || len(got.Messages) != 8 {
			t.Errorf("after settling: %s with %d messages, want closed with 8 (a reply that keeps the status is a reply)",
				got.Status, len(got.Messages))
		}
	})
}

// disputePath is how a dispute gets from open to each status through staff replies.
var disputePath = map[store.DisputeStatus][]store.DisputeStatus{
	store.DisputeOpen:             {},
	store.DisputeInReview:         {store.DisputeInReview},
	store.DisputeAwaitingApproval: {store.DisputeInReview, store.DisputeAwaitingApproval},
	store.DisputeAdjusted:         {store.DisputeInReview, store.DisputeAdjusted},
	store.DisputeRefunded:         {store.DisputeInReview, store.DisputeRefunded},
	store.DisputeRejected:         {store.DisputeInReview, store.DisputeRejected},
	store.DisputeFollowUp:         {store.DisputeInReview, store.DisputeRejected, store.DisputeFollowUp},
	store.DisputeClosed:           {store.DisputeInReview, store.DisputeRejected, store.DisputeClosed},
}

// TestAddStaffReplyFollowsTheDisputeMoves tries every status a staff reply can ask for on a dispute
// in every status: billing's table decides, inside the store's transaction. A refused move changes
// nothing: no message, the status and the time it was last changed as they were.
func TestAddStaffReplyFollowsTheDisputeMoves(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newDisputeStore(t, db)
		ctx := t.Context()
		const phone = "13800138000"
		inStatus := func(t *testing.T, s store.DisputeStatus) store.Dispute {
			t.Helper()
			d, err := p.FileDispute(ctx, store.NewDispute{Phone: phone, AccountNo: "3100000001",
				Category: store.DisputeReadingAmount, Text: "电量异常，请核实。"})
			if err != nil {
				t.Fatal(err)
			}
			for _, to := range disputePath[s] {
				if _, err := p.AddStaffReply(ctx, d.ID, "处理中", to); err != nil {
					t.Fatalf("moving a dispute to %s on the way to %s: %v", to, s, err)
				}
			}
			if d, err = p.Dispute(ctx, phone, d.ID); err != nil || d.Status != s {
				t.Fatalf("made a dispute in %s, %v; want %s", d.Status, err, s)
			}
			return d
		}
		for _, tc := range []struct {
			name     string
			from, to store.DisputeStatus
			err      error
		}{
			{"a reply to a closed dispute cannot reopen it", store.DisputeClosed, store.DisputeOpen, billing.ErrConflict},
			{"a closed dispute is not reviewed again", store.DisputeClosed, store.DisputeInReview, billing.ErrConflict},
			{"a closed dispute is not settled again", store.DisputeClosed, store.DisputeRefunded, billing.ErrConflict},
			{"a rejected dispute is not reopened", store.DisputeRejected, store.DisputeOpen, billing.ErrConflict},
			{"a rejected dispute is not reviewed again", store.DisputeRejected, store.DisputeInReview, billing.ErrConflict},
			{"a settled dispute keeps its outcome", store.DisputeAdjusted, store.DisputeRefunded, billing.ErrConflict},
			{"review does not go back to open", store.DisputeInReview, store.DisputeOpen, billing.ErrConflict},
			{"open into review", store.DisputeOpen, store.DisputeInReview, nil},
			{"open rejected at once", store.DisputeOpen, store.DisputeRejected, nil},
			{"open closed as it stands", store.DisputeOpen, store.DisputeClosed, nil},
			{"review to adjusted", store.DisputeInReview, store.DisputeAdjusted, nil},
			{"review to refunded", store.DisputeInReview, store.DisputeRefunded, nil},
			{"refunded closed", store.DisputeRefunded, store.DisputeClosed, nil},
			{"a reply to a closed dispute that keeps it closed", store.DisputeClosed, store.DisputeClosed, nil},
			{"a reply to a closed dispute without a status", store.DisputeClosed, "", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				d := inStatus(t, tc.from)
				clock.t = clock.t.Add(time.Minute)
				before := countRows(t, db, "dispute_messages")
				_, err := p.AddStaffReply(ctx, d.ID, "回复", tc.to)
				if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
					t.Fatalf("AddStaffReply(%s -> %q) = %v, want %v", tc.from, tc.to, err, tc.err)
				}
				got, gerr := p.Dispute(ctx, phone, d.ID)
				if gerr != nil {
					t.Fatal(gerr)
				}
				want, wantMessages, wantUpdated := tc.from, before, d.UpdatedAt
				if err == nil {
					wantMessages, wantUpdated = before+1, clock.t.Truncate(time.Millisecond)
					if tc.to != "" {
						want = tc.to
					}
				}
				if got.Status != want || !got.UpdatedAt.Equal(wantUpdated) {
					t.Errorf("dispute is %s, updated %v; want %s, updated %v", got.Status, got.UpdatedAt, want, wantUpdated)
				}
				if after := countRows(t, db, "dispute_messages"); after != wantMessages {
					t.Errorf("%d messages, want %d", after, wantMessages)
				}
			})
		}
		// Every pair, against billing's table: the store adds no rule of its own and drops none.
		for _, from := range billing.DisputeStatuses() {
			for _, to := range billing.DisputeStatuses() {
				t.Run("every pair/"+string(from)+"->"+string(to), func(t *testing.T) {
					d := inStatus(t, from)
					_, err := p.AddStaffReply(ctx, d.ID, "回复", to)
					if legal := from == to || from.CanMoveTo(to); legal != (err == nil) || (!legal && !errors.Is(err, billing.ErrConflict)) {
						t.Errorf("AddStaffReply(%s -> %s) = %v; billing says legal: %v", from, to, err, legal)
					}
				})
			}
		}
	})
}

// TestFileDisputeIsOneTransaction makes the photo's insert fail: neither the dispute nor its first
// message may stay behind.
func TestFileDisputeIsOneTransaction(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newDisputeStore(t, db)
		if _, err := db.ExecContext(t.Context(), `DROP TABLE dispute_photos`); err != nil {
			t.Fatal(err)
		}
		_, err := p.FileDispute(t.Context(), store.NewDispute{Phone: "13800138000", AccountNo: "3100000001",
			Category: store.DisputeFaultyMeter, Text: "表计故障", Photo: &store.DisputePhoto{ContentType: "image/jpeg", Bytes: []byte{0xff, 0xd8}}})
		if err == nil {
			t.Fatal("FileDispute succeeded without a photo table")
		}
		if n, m := countRows(t, db, "disputes"), countRows(t, db, "dispute_messages"); n != 0 || m != 0 {
			t.Errorf("a failed filing left %d disputes and %d messages", n, m)
		}
	})
}

// TestDisputeSchemaTakesBillingsCodes keeps the CHECK constraints of the disputes table in step
// with billing's lists: every category and status billing knows can be stored.
func TestDisputeSchemaTakesBillingsCodes(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		newDisputeStore(t, db)
		insert := func(t *testing.T, category billing.DisputeCategory, status billing.DisputeStatus) {
			t.Helper()
			_, err := db.ExecContext(t.Context(), `INSERT INTO disputes (phone, account_no, category, text, status, created_at, updated_at)
VALUES ('13800138000', '3100000001', @category, 'text', @status, '2026-11-26 08:00:00.000', '2026-11-26 08:00:00.000')`,
				sql.Named("category", string(category)), sql.Named("status", string(status)))
			if err != nil {
				t.Errorf("storing a dispute of %s in %s: %v", category, status, err)
			}
		}
		for _, c := range billing.DisputeCategories() {
			t.Run(string(c), func(t *testing.T) { insert(t, c, billing.DisputeOpen) })
		}
		for _, s := range billing.DisputeStatuses() {
			t.Run(string(s), func(t *testing.T) { insert(t, billing.DisputeReadingAmount, s) })
		}
	})
}
