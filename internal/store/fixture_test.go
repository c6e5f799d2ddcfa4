package store_test

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// fixture writes base data with plain SQL, as the utility's own systems would: named parameters
// (@name with sql.Named, which both drivers bind) and dates as 'YYYY-MM-DD' text.
type fixture struct {
	t         *testing.T
	db        *store.DB
	stationID int64
	areaID    int64
	tariffIDs map[billing.Class]int64
}

// row is one row to insert, by column name.
type row map[string]any

// Names of the fixture's base data, for assertions.
const (
	fixtureStation     = "城关供电所"
	fixtureArea        = "城关镇解放村1号台区"
	residentialTariff  = "R-TIER-M"
	residentialName    = "居民生活阶梯电价(月度)"
	commercialTariff   = "C-FLAT"
	commercialName     = "一般工商业单一制"
	commercialFlatRate = billing.Price(6500)
)

// residentialTiers are docs/domain.md's monthly tiers.
var residentialTiers = []billing.Tier{{UpTo: 160, Price: 5100}, {UpTo: 240, Price: 5600}, {UpTo: 0, Price: 8100}}

// newFixture writes a substation, a line, a supply station, a transformer area, the residential
// tiered tariff with its prices and the commercial flat tariff.
func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, tariffIDs: map[billing.Class]int64{}}
	sub := f.insert("substations", row{"code": "BD01", "name": "城关110kV变电站", "voltage_kv": 110})
	line := f.insert("lines", row{"code": "XL0101", "name": "城关变10kV东线", "substation_id": sub, "voltage_kv": 10})
	f.stationID = f.insert("supply_stations", row{"code": "GDS01", "name": fixtureStation, "town": "城关镇", "phone": "0791-86010001"})
	f.areaID = f.insert("transformer_areas", row{"code": "TQ01011", "name": fixtureArea, "station_id": f.stationID,
		"line_id": line, "capacity_kva": 400, "no_load_loss_w": 680, "load_loss_w": 4800})
	res := f.insert("tariffs", row{"code": residentialTariff, "name": residentialName, "class": string(billing.Residential),
		"kind": string(billing.Tiered), "tier_mode": string(billing.Monthly), "flat_price": 0, "capacity_price": 0, "valid_from": "2020-01-01"})
	for i, tier := range residentialTiers {
		f.exec("tariff_prices", row{"tariff_id": res, "item": fmt.Sprintf("tier%d", i+1), "seq": i + 1,
			"up_to_kwh": tier.UpTo, "price": int64(tier.Price)})
	}
	com := f.insert("tariffs", row{"code": commercialTariff, "name": commercialName, "class": string(billing.Commercial),
		"kind": string(billing.FlatRate), "tier_mode": "", "flat_price": int64(commercialFlatRate), "capacity_price": 0, "valid_from": "2020-01-01"})
	f.tariffIDs[billing.Residential], f.tariffIDs[billing.Commercial] = res, com
	return f
}

// parts returns a row's columns, their @parameters and the named arguments, in column order.
func (r row) parts() (cols, params string, args []any) {
	names := make([]string, 0, len(r))
	for k := range r {
		names = append(names, k)
	}
	slices.Sort(names)
	ps := make([]string, len(names))
	for i, n := range names {
		ps[i] = "@" + n
		args = append(args, sql.Named(n, r[n]))
	}
	return strings.Join(names, ", "), strings.Join(ps, ", "), args
}

// insert writes a row into a table with an identity id and returns the id.
func (f *fixture) insert(table string, r row) int64 {
	f.t.Helper()
	cols, params, args := r.parts()
	q := "INSERT INTO " + table + " (" + cols + ") VALUES (" + params + ") RETURNING id"
	if f.db.Dialect() == "sqlserver" {
		q = "INSERT INTO " + table + " (" + cols + ") OUTPUT INSERTED.id VALUES (" + params + ")"
	}
	var id int64
	if err := f.db.QueryRowContext(f.t.Context(), q, args...).Scan(&id); err != nil {
		f.t.Fatalf("fixture: insert into %s: %v", table, err)
	}
	return id
}

// exec writes a row into a table without an id.
func (f *fixture) exec(table string, r row) {
	f.t.Helper()
	cols, params, args := r.parts()
	if _, err := f.db.ExecContext(f.t.Context(), "INSERT INTO "+table+" ("+cols+") VALUES ("+params+")", args...); err != nil {
		f.t.Fatalf("fixture: insert into %s: %v", table, err)
	}
}

// accountSpec is a customer account; zero fields get plain defaults.
type accountSpec struct {
	No        string
	Name      string
	Phone     string
	Class     billing.Class
	Capacity  int64
	Important bool
	Prepaid   billing.Money
}

func (f *fixture) account(a accountSpec) int64 {
	f.t.Helper()
	if a.Class == "" {
		a.Class = billing.Residential
	}
	if a.Name == "" {
		a.Name = "用户" + a.No
	}
	if a.Phone == "" {
		a.Phone = "139" + a.No[2:]
	}
	industry := "9010"
	if a.Class != billing.Residential {
		industry = "6210"
	}
	important := 0
	if a.Important {
		important = 1
	}
	return f.insert("accounts", row{"account_no": a.No, "name": a.Name, "address": "城关镇解放路12号" + a.No[6:] + "室",
		"phone": a.Phone, "class": string(a.Class), "industry_code": industry, "station_id": f.stationID,
		"area_id": f.areaID, "tariff_id": f.tariffIDs[a.Class], "capacity_kva": a.Capacity, "important": important,
		"prepaid_fen": int64(a.Prepaid), "opened_on": "2019-05-06"})
}

// meter adds a smart meter to an account.
func (f *fixture) meter(accountID int64, assetNo string, digits int, multiplier int64) int64 {
	f.t.Helper()
	return f.insert("meters", row{"asset_no": assetNo, "account_id": accountID, "digits": digits,
		"multiplier": multiplier, "smart": 1, "tou": 0, "installed_on": "2019-05-06"})
}

// reading adds a monthly reading (total in 0.01 kWh) taken on the period's last day.
func (f *fixture) reading(meterID int64, period int, total int64) {
	f.t.Helper()
	last := billing.Period(period).FirstDay().AddDate(0, 1, -1)
	f.exec("readings", row{"meter_id": meterID, "period": period, "read_on": last.Format("2006-01-02"), "total": total})
}

// daily adds a daily smart-meter reading (total in 0.01 kWh).
func (f *fixture) daily(meterID int64, on string, total int64) {
	f.t.Helper()
	f.exec("daily_readings", row{"meter_id": meterID, "read_on": on, "total": total})
}

// billSpec is a bill; Status defaults to unpaid.
type billSpec struct {
	Account        int64
	Class          billing.Class
	Period         int
	Due            string
	KWh            int64
	Principal      billing.Money
	PrincipalPaid  billing.Money
	FeeAccrued     billing.Money
	FeePaid        billing.Money
	AccruedThrough string
	Status         billing.Status
	Items          []billing.LineItem
}

// bill writes a bill, issued on the 1st of the month after its period, with its line items.
func (f *fixture) bill(b billSpec) int64 {
	f.t.Helper()
	if b.Class == "" {
		b.Class = billing.Residential
	}
	if b.Status == "" {
		b.Status = billing.Unpaid
	}
	// A typed NULL: SQL Server engines may refuse an untyped one.
	through := sql.NullString{String: b.AccruedThrough, Valid: b.AccruedThrough != ""}
	issued := billing.Period(b.Period).FirstDay().AddDate(0, 1, 0)
	id := f.insert("bills", row{"account_id": b.Account, "period": b.Period, "class": string(b.Class),
		"tariff_id": f.tariffIDs[b.Class], "issued_on": issued.Format("2006-01-02"), "due_on": b.Due, "kwh": b.KWh,
		"principal_fen": int64(b.Principal), "principal_paid_fen": int64(b.PrincipalPaid),
		"fee_accrued_fen": int64(b.FeeAccrued), "fee_paid_fen": int64(b.FeePaid), "accrued_through": through,
		"status": string(b.Status)})
	for i, it := range b.Items {
		f.exec("bill_items", row{"bill_id": id, "line_no": i + 1, "code": it.Code, "quantity": it.Quantity,
			"unit_price": int64(it.UnitPrice), "amount_fen": int64(it.Amount)})
	}
	return id
}

// billState is a bill's settlement columns as stored.
type billState struct {
	PrincipalPaid, FeeAccrued, FeePaid billing.Money
	AccruedThrough                     string
	Status                             string
}

func (f *fixture) billState(id int64) billState {
	f.t.Helper()
	var (
		s       billState
		through any
	)
	err := f.db.QueryRowContext(f.t.Context(), `SELECT principal_paid_fen, fee_accrued_fen, fee_paid_fen, accrued_through, status
FROM bills WHERE id = @id`, sql.Named("id", id)).Scan(&s.PrincipalPaid, &s.FeeAccrued, &s.FeePaid, &through, &s.Status)
	if err != nil {
		f.t.Fatalf("bill %d: %v", id, err)
	}
	s.AccruedThrough = dateText(through)
	return s
}
