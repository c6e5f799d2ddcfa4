package store_test

import (
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/demo"
	"gridpay/internal/store"
)

// today is the demo seed's "today" in every test.
var today = day("2026-11-26")

func seed(t *testing.T, db *store.DB, seed uint64, customers, months int) demo.Stats {
	t.Helper()
	stats, err := demo.Seed(t.Context(), db, demo.Options{Seed: seed, Customers: customers, Months: months, Today: today,
		Rates: billing.DefaultLateFeeRates()})
	if err != nil {
		t.Fatalf("demo.Seed: %v", err)
	}
	return stats
}

func TestSeedDemoCounty(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		const customers, months = 50, 6
		stats := seed(t, db, 1, customers, months)
		// Seeding tunes the connection for the load; the database is used after reopening it.
		db = reopen(t, db)
		ctx := t.Context()

		counts := []struct {
			table string
			stats int
		}{
			{"accounts", stats.Accounts},
			{"meters", stats.Meters},
			{"bills", stats.Bills},
			{"readings", stats.Readings},
			{"daily_readings", stats.DailyReadings},
			{"receipts", stats.Receipts},
		}
		for _, c := range counts {
			if got := countRows(t, db, c.table); got != int64(c.stats) || got == 0 {
				t.Errorf("%s: %d rows, Stats say %d", c.table, got, c.stats)
			}
		}
		if stats.Accounts != customers || stats.Bills != customers*months || stats.Readings != customers*(months+1) {
			t.Errorf("Stats = %+v, want %d accounts with %d bills and %d readings each", stats, customers, months, months+1)
		}
		if n := queryInt(t, db, `SELECT last_no FROM counters WHERE name = 'receipt'`); n != int64(stats.Receipts) {
			t.Errorf("receipt counter %d, want the %d receipts seeded", n, stats.Receipts)
		}

		core := newCore(db)
		demoAccounts := []struct {
			no, phone, name, tariff string
			class                   billing.Class
			capacity                int64
		}{
			{demo.DemoResidentialNo, demo.DemoResidentialPhone, "张建国", "R-TIER-M", billing.Residential, 0},
			{demo.DemoCommercialNo, demo.DemoCommercialPhone, "城关镇惠民农家乐", "C-FLAT", billing.Commercial, 50},
		}
		for _, want := range demoAccounts {
			t.Run("account "+want.no, func(t *testing.T) {
				a, err := core.AccountByNumber(ctx, want.no)
				if err != nil {
					t.Fatal(err)
				}
				if a.Phone != want.phone || a.Name != want.name || a.Class != want.class || a.TariffCode != want.tariff || a.CapacityKVA != want.capacity {
					t.Errorf("AccountByNumber(%s) = %+v, want %+v", want.no, a, want)
				}
				byPhone, err := core.AccountsByPhone(ctx, want.phone)
				if err != nil {
					t.Fatal(err)
				}
				if len(byPhone) == 0 || !reflect.DeepEqual(byPhone[0], a) {
					t.Errorf("AccountsByPhone(%s) = %+v, want %s first", want.phone, byPhone, want.no)
				}
			})
		}

		t.Run("residential demo account owes its two newest overdue bills", func(t *testing.T) {
			a, err := core.AccountByNumber(ctx, demo.DemoResidentialNo)
			if err != nil {
				t.Fatal(err)
			}
			bills, total, err := core.Bills(ctx, a.ID, store.Page{Limit: 24})
			if err != nil {
				t.Fatal(err)
			}
			if total != months {
				t.Fatalf("%d bills, want %d", total, months)
			}
			var open billing.Money
			for i, b := range bills {
				wantStatus := billing.Paid
				if i < 2 {
					wantStatus, open = billing.Unpaid, open+b.Balance.Principal
				}
				if b.Status() != wantStatus {
					t.Errorf("bill %d is %s, want %s", b.Period, b.Status(), wantStatus)
				}
			}
			got, err := core.Arrears(ctx, a.ID, today)
			if err != nil {
				t.Fatal(err)
			}
			// Periods 202609 and 202610, due on 20 October and 20 November.
			if got.Bills != 2 || got.OldestDue != day("2026-10-20") || got.MaxDaysOverdue != 37 || got.Principal != open || got.LateFee < billing.MinimumLateFee {
				t.Errorf("Arrears on %s = %+v, want 2 bills, principal %s, oldest due 2026-10-20, 37 days", today.Format(time.DateOnly), got, open)
			}

			// Paying it all through the store continues the seeded receipt numbers and clears the arrears.
			receipts := countRows(t, db, "receipts")
			r, err := core.PostPayment(ctx, store.Payment{AccountNo: a.No, Channel: "wechat", OrderNo: "4200202611260000000001",
				Amount: got.Total, PaidOn: today})
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("SF20261126%08d", receipts+1); r.No != want || r.Prepaid != 0 || r.Fee != got.LateFee {
				t.Errorf("receipt %+v, want number %s, fee %s and nothing prepaid", r, want, got.LateFee)
			}
			after, err := core.Arrears(ctx, a.ID, today)
			if err != nil {
				t.Fatal(err)
			}
			if after.Bills != 0 || after.Total != 0 {
				t.Errorf("arrears after paying them = %+v, want none", after.Arrears)
			}
		})

		t.Run("seeding again is a conflict", func(t *testing.T) {
			before := fingerprint(t, db)
			_, err := demo.Seed(ctx, db, demo.Options{Seed: 2, Customers: 5, Months: 3, Today: today})
			if !errors.Is(err, billing.ErrConflict) {
				t.Errorf("second demo.Seed = %v, want ErrConflict", err)
			}
			if after := fingerprint(t, db); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused seed changed the database:\n %v\nwas\n %v", after, before)
			}
		})
	})
}

func TestSeedCrossYearArrears(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		seed(t, db, 3, 20, 13)
		db = reopen(t, db)
		core := newCore(db)
		tests := []struct {
			no        string
			bills     int
			oldestDue time.Time
		}{
			{demo.DemoResidentialNo, 2, day("2026-10-20")},
			// Closed since last November: the bill for 202511, due 2025-12-20, through 202610.
			{demo.DemoCommercialNo, 12, day("2025-12-20")},
		}
		for _, tt := range tests {
			t.Run(tt.no, func(t *testing.T) {
				a, err := core.AccountByNumber(t.Context(), tt.no)
				if err != nil {
					t.Fatal(err)
				}
				got, err := core.Arrears(t.Context(), a.ID, today)
				if err != nil {
					t.Fatal(err)
				}
				days := int(today.Sub(tt.oldestDue).Hours() / 24)
				if got.Bills != tt.bills || got.OldestDue != tt.oldestDue || got.MaxDaysOverdue != days {
					t.Errorf("Arrears = %+v, want %d bills, oldest due %s, %d days overdue", got.Arrears, tt.bills,
						tt.oldestDue.Format(time.DateOnly), days)
				}
				if tt.oldestDue.Year() != today.Year()-1 && a.Class == billing.Commercial {
					t.Errorf("commercial demo arrears should date from the previous year")
				}
			})
		}
	})
}

// fingerprint sums what the demo county is made of, table by table, and hashes its text.
func fingerprint(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	queries := map[string]string{
		"accounts":            `SELECT COUNT(*), COALESCE(SUM(prepaid_fen), 0) FROM accounts`,
		"meters":              `SELECT COUNT(*), COALESCE(SUM(multiplier), 0) FROM meters`,
		"readings":            `SELECT COUNT(*), COALESCE(SUM(total), 0) FROM readings`,
		"daily_readings":      `SELECT COUNT(*), COALESCE(SUM(total), 0) FROM daily_readings`,
		"bills":               `SELECT COUNT(*), COALESCE(SUM(principal_fen), 0) FROM bills`,
		"bills paid":          `SELECT COALESCE(SUM(principal_paid_fen), 0), COALESCE(SUM(fee_paid_fen), 0) FROM bills`,
		"bill_items":          `SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM bill_items`,
		"receipts":            `SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM receipts`,
		"receipt_allocations": `SELECT COUNT(*), COALESCE(SUM(fee_fen + principal_fen), 0) FROM receipt_allocations`,
		"prepaid_ledger":      `SELECT COUNT(*), COALESCE(SUM(delta_fen), 0) FROM prepaid_ledger`,
		"counters":            `SELECT COUNT(*), COALESCE(SUM(last_no), 0) FROM counters`,
	}
	fp := map[string]string{}
	for name, q := range queries {
		var a, b int64
		if err := db.QueryRowContext(t.Context(), q).Scan(&a, &b); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		fp[name] = fmt.Sprintf("%d/%d", a, b)
	}
	rows, err := db.QueryContext(t.Context(), `SELECT account_no, name, address, phone FROM accounts ORDER BY account_no`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var no, name, address, phone string
		if err := rows.Scan(&no, &name, &address, &phone); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\n", no, name, address, phone)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	fp["account text"] = fmt.Sprintf("%x", h.Sum(nil))
	return fp
}

func TestSeedIsDeterministic(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		const customers, months = 20, 6
		seed(t, db, 7, customers, months)
		want := fingerprint(t, db)
		tests := []struct {
			name     string
			seed     uint64
			wantSame bool
		}{
			{"same seed", 7, true},
			{"another seed", 8, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				other := openLike(t, db)
				seed(t, other, tt.seed, customers, months)
				got := fingerprint(t, other)
				if same := reflect.DeepEqual(got, want); same != tt.wantSame {
					t.Errorf("seed %d gives\n %v\nseed 7 gave\n %v\nsame = %v, want %v", tt.seed, got, want, same, tt.wantSame)
				}
			})
		}
	})
}

func TestLoader(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()

		t.Run("many rows in batches", func(t *testing.T) {
			// More than two full batches on either dialect, and a remainder.
			const n = 12_001
			l := db.NewLoader()
			l.Declare("substations", "id", "code", "name", "voltage_kv")
			if err := l.Flush(ctx); err != nil {
				t.Fatalf("flushing nothing: %v", err)
			}
			for i := int64(1); i <= n; i++ {
				l.Add("substations", i, fmt.Sprintf("BD%05d", i), fmt.Sprintf("第%d变电站", i), int64(10))
			}
			if got := l.Buffered(); got != n {
				t.Errorf("Buffered() = %d, want %d", got, n)
			}
			if err := l.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if got := l.Buffered(); got != 0 {
				t.Errorf("Buffered() after Flush = %d, want 0", got)
			}
			got := [3]int64{countRows(t, db, "substations"), queryInt(t, db, `SELECT SUM(id) FROM substations`),
				queryInt(t, db, `SELECT COUNT(*) FROM substations WHERE name = @name`, sql.Named("name", "第12001变电站"))}
			if want := [3]int64{n, n * (n + 1) / 2, 1}; got != want {
				t.Errorf("count, sum of ids, last row = %v, want %v", got, want)
			}
		})

		t.Run("a failing flush writes nothing", func(t *testing.T) {
			before := countRows(t, db, "substations")
			l := db.NewLoader()
			l.Declare("substations", "id", "code", "name", "voltage_kv")
			l.Declare("lines", "id", "code", "name", "substation_id", "voltage_kv")
			l.Add("substations", int64(20_001), "BD-NEW", "新变电站", int64(35))
			l.Add("lines", int64(1), "XL-ORPHAN", "无主线路", int64(999_999), int64(10)) // no such substation
			if err := l.Flush(ctx); err == nil {
				t.Fatal("Flush with a line of a missing substation succeeded")
			}
			if got := countRows(t, db, "substations"); got != before {
				t.Errorf("%d substations after a failed flush, want %d", got, before)
			}
		})

		t.Run("times are stored as civil dates", func(t *testing.T) {
			l := db.NewLoader()
			l.Declare("supply_stations", "id", "code", "name", "town", "phone")
			l.Declare("tariffs", "id", "code", "name", "class", "kind", "tier_mode", "flat_price", "capacity_price", "valid_from")
			l.Add("tariffs", int64(1), "T1", "一", "residential", "flat", "", int64(5000), int64(0), day("2026-03-25"))
			l.Add("tariffs", int64(2), "T2", "二", "residential", "flat", "", int64(5000), int64(0),
				time.Date(2026, 7, 1, 6, 0, 0, 0, cst)) // 30 June in UTC
			if err := l.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			for id, want := range map[int64]string{1: "2026-03-25", 2: "2026-07-01"} {
				var v any
				if err := db.QueryRowContext(ctx, `SELECT valid_from FROM tariffs WHERE id = @id`, sql.Named("id", id)).Scan(&v); err != nil {
					t.Fatal(err)
				}
				if got := dateText(v); got != want {
					t.Errorf("tariff %d valid from %s, want %s", id, got, want)
				}
			}
		})

		t.Run("NULLs, flags and dates arrive as given, and ids continue after the loaded ones", func(t *testing.T) {
			f := newFixture(t, db)
			account := f.account(accountSpec{No: "3100000099"})
			l := db.NewLoader()
			l.Declare("meters", "id", "asset_no", "account_id", "digits", "multiplier", "smart", "tou", "installed_on")
			l.Declare("readings", "meter_id", "period", "read_on", "total", "peak", "flat", "valley")
			l.Declare("bills", "id", "account_id", "period", "class", "tariff_id", "issued_on", "due_on", "kwh", "principal_fen",
				"principal_paid_fen", "fee_accrued_fen", "fee_paid_fen", "accrued_through", "status")
			l.Declare("prepaid_ledger", "id", "account_id", "entry_on", "delta_fen", "balance_fen", "reason", "receipt_id", "bill_id")
			l.Add("meters", int64(501), "3300000000501", account, 6, int64(1), true, false, day("2025-01-05"))
			none := sql.NullInt64{}
			l.Add("readings", int64(501), 202609, day("2026-09-30"), int64(1000), none, none, none)
			l.Add("readings", int64(501), 202610, day("2026-10-31"), int64(2000), sql.NullInt64{Int64: 700, Valid: true},
				sql.NullInt64{Int64: 800, Valid: true}, sql.NullInt64{Int64: 500, Valid: true})
			tariff := f.tariffIDs[billing.Residential]
			for _, b := range []struct {
				id, period int64
				through    sql.NullTime
			}{
				{801, 202609, sql.NullTime{}},
				{802, 202610, sql.NullTime{Time: day("2026-11-26"), Valid: true}},
			} {
				l.Add("bills", b.id, account, b.period, "residential", tariff, day("2026-10-01"), day("2026-10-20"), int64(10),
					int64(510), int64(0), int64(0), int64(0), b.through, "unpaid")
			}
			l.Add("prepaid_ledger", int64(901), account, day("2026-10-02"), int64(100), int64(100), "payment", none, none)
			l.Add("prepaid_ledger", int64(902), account, day("2026-10-03"), int64(-100), int64(0), "bill", none,
				sql.NullInt64{Int64: 801, Valid: true})
			if err := l.Flush(ctx); err != nil {
				t.Fatal(err)
			}

			for _, c := range []struct {
				name  string
				query string
				want  int64
			}{
				{"readings without registers", `SELECT COUNT(*) FROM readings WHERE meter_id = 501 AND peak IS NULL AND flat IS NULL AND valley IS NULL`, 1},
				{"registers of the other reading", `SELECT SUM(peak + flat + valley) FROM readings WHERE meter_id = 501`, 2000},
				{"smart meter without time of use", `SELECT COUNT(*) FROM meters WHERE id = 501 AND smart = 1 AND tou = 0`, 1},
				{"ledger entries without a receipt", `SELECT COUNT(*) FROM prepaid_ledger WHERE id IN (901, 902) AND receipt_id IS NULL`, 2},
				{"ledger entries of a bill", `SELECT COALESCE(SUM(bill_id), 0) FROM prepaid_ledger WHERE id IN (901, 902)`, 801},
			} {
				if got := queryInt(t, db, c.query); got != c.want {
					t.Errorf("%s: %s = %d, want %d", c.name, c.query, got, c.want)
				}
			}
			for id, want := range map[int64]string{801: "", 802: "2026-11-26"} {
				var v any
				if err := db.QueryRowContext(ctx, `SELECT accrued_through FROM bills WHERE id = @id`, sql.Named("id", id)).Scan(&v); err != nil {
					t.Fatal(err)
				}
				if got := dateText(v); got != want {
					t.Errorf("bill %d accrued through %q, want %q", id, got, want)
				}
			}
			// The database numbers the next row after the loaded ids, as the live system will.
			if got := f.meter(account, "3300000000502", 6, 1); got != 502 {
				t.Errorf("next meter id %d, want 502", got)
			}
		})

		t.Run("text arrives exactly", func(t *testing.T) {
			names := []string{
				"城关110kV变电站",
				`引号"与'撇号`,
				`反斜杠\与\\n`,
				"换行\n制表\t回车\r",
				"控制字符\x01\x1f",
				"表情😀与扩展汉字𠀀",
				`{"name": "像 JSON 的文字"}`,
			}
			l := db.NewLoader()
			l.Declare("substations", "id", "code", "name", "voltage_kv")
			for i, name := range names {
				l.Add("substations", int64(30_001+i), fmt.Sprintf("TEXT%02d", i), name, 35)
			}
			if err := l.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			for i, want := range names {
				var got string
				if err := db.QueryRowContext(ctx, `SELECT name FROM substations WHERE id = @id`, sql.Named("id", 30_001+i)).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("substation %d named %q, want %q", 30_001+i, got, want)
				}
			}
		})

		t.Run("misuse panics and buffers nothing", func(t *testing.T) {
			l := db.NewLoader()
			l.Declare("substations", "id", "code", "name", "voltage_kv")
			l.Declare("prepaid_ledger", "id", "account_id", "entry_on", "delta_fen", "balance_fen", "reason", "receipt_id", "bill_id")
			for _, add := range []struct {
				name  string
				table string
				vals  []any
			}{
				{"undeclared table", "lines", []any{int64(1), "XL", "线", int64(1), int64(10)}},
				{"too few values", "substations", []any{int64(1), "BD"}},
				{"too many values", "substations", []any{int64(1), "BD", "站", int64(10), "extra"}},
				// go-mssqldb sends a bare nil as TDS type 0x1F, which not every server takes.
				{"untyped nil", "prepaid_ledger", []any{int64(1), int64(1), day("2026-10-02"), int64(1), int64(1), "payment", nil, sql.NullInt64{}}},
				{"unsupported type", "substations", []any{int64(1), "BD", []byte("站"), int64(10)}},
			} {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%s: Add did not panic", add.name)
						}
					}()
					l.Add(add.table, add.vals...)
				}()
			}
			if l.Buffered() != 0 {
				t.Errorf("Buffered() = %d after refused rows, want 0", l.Buffered())
			}

			l.Add("substations", int64(1), "BD", "站", int64(10))
			func() {
				defer func() {
					if recover() == nil {
						t.Error("text in a column of integers: Add did not panic")
					}
				}()
				l.Add("substations", int64(2), "BD2", "站二", "10")
			}()
			if l.Buffered() != 1 {
				t.Errorf("Buffered() = %d after one good row and one refused, want 1", l.Buffered())
			}
		})
	})
}

func TestEmptyAndSetCounter(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		f := newFixture(t, db)
		empty, err := db.Empty(ctx)
		if err != nil || !empty {
			t.Fatalf("Empty() with base data but no accounts = %v, %v; want true", empty, err)
		}
		f.account(accountSpec{No: "3100000001"})
		if empty, err := db.Empty(ctx); err != nil || empty {
			t.Errorf("Empty() with an account = %v, %v; want false", empty, err)
		}
		if err := db.SetCounter(ctx, "receipt", 1234); err != nil {
			t.Fatal(err)
		}
		if got := queryInt(t, db, `SELECT last_no FROM counters WHERE name = 'receipt'`); got != 1234 {
			t.Errorf("receipt counter = %d, want 1234", got)
		}
	})
}

// TestSeedIsConsistent checks the seeded county the way an auditor would: on SQLite the load runs
// without foreign-key checks, so the keys are checked here, and every amount must add up.
func TestSeedIsConsistent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		seed(t, db, 7, 300, 14)
		db = reopen(t, db)
		if db.Dialect() == "sqlite" {
			rows, err := db.QueryContext(t.Context(), `PRAGMA foreign_key_check`)
			if err != nil {
				t.Fatal(err)
			}
			if rows.Next() {
				t.Error("PRAGMA foreign_key_check finds rows whose parent is missing")
			}
			rows.Close()
		}
		for _, c := range []struct{ name, query string }{
			{"bill total is the sum of its line items", `SELECT COUNT(*) FROM bills b
				LEFT JOIN (SELECT bill_id, SUM(amount_fen) AS s FROM bill_items GROUP BY bill_id) i ON i.bill_id = b.id
				WHERE b.principal_fen <> COALESCE(i.s, 0)`},
			{"receipt amount is fee + principal + prepaid", `SELECT COUNT(*) FROM receipts
				WHERE amount_fen <> fee_fen + principal_fen + prepaid_fen`},
			{"receipt fee and principal are its allocations", `SELECT COUNT(*) FROM receipts r
				LEFT JOIN (SELECT receipt_id, SUM(fee_fen) AS f, SUM(principal_fen) AS p FROM receipt_allocations
				           GROUP BY receipt_id) a ON a.receipt_id = r.id
				WHERE r.fee_fen <> COALESCE(a.f, 0) OR r.principal_fen <> COALESCE(a.p, 0)`},
			{"bill paid amounts are its allocations plus prepaid use", `SELECT COUNT(*) FROM bills b
				LEFT JOIN (SELECT bill_id, SUM(fee_fen + principal_fen) AS s FROM receipt_allocations GROUP BY bill_id) a ON a.bill_id = b.id
				LEFT JOIN (SELECT bill_id, SUM(delta_fen) AS d FROM prepaid_ledger WHERE bill_id IS NOT NULL GROUP BY bill_id) l ON l.bill_id = b.id
				WHERE b.principal_paid_fen + b.fee_paid_fen <> COALESCE(a.s, 0) - COALESCE(l.d, 0)`},
			{"no bill paid beyond its principal", `SELECT COUNT(*) FROM bills WHERE principal_paid_fen > principal_fen`},
			{"paid status means nothing open", `SELECT COUNT(*) FROM bills WHERE status = 'paid' AND principal_paid_fen < principal_fen`},
			{"prepaid balance is the ledger's sum", `SELECT COUNT(*) FROM accounts a
				LEFT JOIN (SELECT account_id, SUM(delta_fen) AS s FROM prepaid_ledger GROUP BY account_id) l ON l.account_id = a.id
				WHERE a.prepaid_fen <> COALESCE(l.s, 0)`},
			{"no negative prepaid balance", `SELECT COUNT(*) FROM prepaid_ledger WHERE balance_fen < 0`},
		} {
			if n := queryInt(t, db, c.query); n != 0 {
				t.Errorf("%s: %d rows break it", c.name, n)
			}
		}
	})
}
