package store

import (
	"context"
	"time"

	"gridpay/internal/billing"
)

// CoreDB is every operation gridpay performs on the core marketing database (营销库). In production
// that database belongs to the utility; mapping gridpay onto a utility's own schema means
// implementing this one interface.
type CoreDB interface {
	AccountByNumber(ctx context.Context, accountNo string) (Account, error)
	AccountsByPhone(ctx context.Context, phone string) ([]Account, error)
	Bills(ctx context.Context, accountID int64, page Page) ([]Bill, int, error)
	Bill(ctx context.Context, accountID, billID int64) (BillDetail, error)
	Usage(ctx context.Context, accountID int64, months, days int, asOf time.Time) (Usage, error)
	Arrears(ctx context.Context, accountID int64, asOf time.Time) (Arrears, error)
	OpenBills(ctx context.Context, accountID int64) ([]billing.BillBalance, error)
	PostPayment(ctx context.Context, p Payment) (Receipt, error)
	ReverseReceipt(ctx context.Context, channel, orderNo, ref string) (Receipt, error)
	ReceiptOf(ctx context.Context, channel, orderNo string) (Receipt, error)
	PostAdjustment(ctx context.Context, a Adjustment) (AdjustmentRecord, error)
	Adjustments(ctx context.Context, accountID int64, page Page) ([]AdjustmentRecord, int, error)
	BillAdjustments(ctx context.Context, accountID, billID int64) ([]AdjustmentRecord, error)
	Receipts(ctx context.Context, accountID int64, page Page) ([]Receipt, int, error)
	RecordReminder(ctx context.Context, r Reminder) (Reminder, bool, error)
	MarkReminderDelivered(ctx context.Context, channel, messageID string, at time.Time) (Reminder, error)
	MarkReminderUndelivered(ctx context.Context, channel, messageID, code string, at time.Time) (Reminder, error)
	Reminders(ctx context.Context, accountID int64, page Page) ([]Reminder, int, error)
	CountOverdueAccounts(ctx context.Context, dueBy time.Time, lowBalance billing.Money) (int, error)
	OverdueAccounts(ctx context.Context, dueBy time.Time, lowBalance billing.Money, after int64, limit int) ([]ArrearsAccount, error)
	ArrearsAccount(ctx context.Context, accountID int64) (ArrearsAccount, error)
}

var _ CoreDB = (*Core)(nil)

// Core implements CoreDB on gridpay's reference schema.
type Core struct {
	db    *DB
	rates billing.LateFeeRates
	now   func() time.Time
}

// NewCore returns the core store over db, computing late fees with rates and stamping postings with now.
func NewCore(db *DB, rates billing.LateFeeRates, now func() time.Time) *Core {
	return &Core{db: db, rates: rates, now: now}
}

// Account is a customer account (户号) with the names of its station, area and tariff.
type Account struct {
	ID           int64
	No           string
	Name         string
	Address      string
	Phone        string
	Class        billing.Class
	IndustryCode string
	StationID    int64 // the supply station (供电所) that serves the account
	StationName  string
	AreaName     string
	TariffCode   string
	TariffName   string
	CapacityKVA  int64
	Important    bool // 重要用户: disconnection notices are copied to the power administration department
	Prepaid      billing.Money
	OpenedOn     time.Time
	// Protected accounts (低保/五保 households, home medical equipment) get no arrears reminders.
	Protected bool
	// RemindersExemptUntil is the date an exemption from reminders runs until (whether that day is
	// still exempt is the ladder's rule, not the store's); zero when there is none.
	RemindersExemptUntil time.Time
}

// Page selects a slice of a long list.
type Page struct {
	Limit  int
	Offset int
}

// normalized gives a page 24 rows when it asks for none, at most 100, from a non-negative offset.
func (p Page) normalized() Page {
	switch {
	case p.Limit <= 0:
		p.Limit = 24
	case p.Limit > 100:
		p.Limit = 100
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	return p
}

// Bill is one monthly bill with its settlement state.
type Bill struct {
	ID         int64
	AccountID  int64
	Period     int // YYYYMM
	Class      billing.Class
	TariffCode string
	IssuedOn   time.Time
	DueOn      time.Time
	KWh        int64
	Balance    billing.BillBalance
}

// Status is the bill's payment status.
func (b Bill) Status() billing.Status { return b.Balance.Status() }

// MeterReading is one meter's part of a bill: the readings that bound the period.
type MeterReading struct {
	AssetNo    string
	Digits     int
	Multiplier int64
	Previous   billing.Reading
	Current    billing.Reading
	KWh        int64
}

// BillDetail is a bill with its line items, readings, the tariff it was computed with and its
// adjustments.
type BillDetail struct {
	Bill
	Items    []billing.LineItem
	Readings []MeterReading
	Tariff   billing.Tariff
	// Adjustments are the bill's posted adjustments, oldest first: Balance.Principal is the line
	// items' total less the principal ones.
	Adjustments []AdjustmentRecord
}

// MonthlyUsage is one billing period's energy and amount.
type MonthlyUsage struct {
	Period int
	KWh    int64
	Amount billing.Money
}

// DailyUsage is one day's energy from smart-meter readings.
type DailyUsage struct {
	Day time.Time
	KWh int64
}

// Usage is an account's consumption series: billing periods oldest first and, where smart meters
// report, days oldest first.
type Usage struct {
	Monthly []MonthlyUsage
	Daily   []DailyUsage
}

// Arrears is an account's amount due on a date plus its prepaid balance.
type Arrears struct {
	billing.Arrears
	AsOf    time.Time
	Prepaid billing.Money
}

// Payment is money received for an account through a channel, to be posted (销账).
type Payment struct {
	AccountNo string
	Channel   string // wechat | alipay | bank | counter | ...
	OrderNo   string // the channel's order number; (Channel, OrderNo) identifies the payment
	Amount    billing.Money
	PaidOn    time.Time // payment date: late fees are counted up to and including it
}

// Receipt is a posted payment (收费流水) and how it was applied.
type Receipt struct {
	ID          int64
	No          string
	AccountID   int64
	Channel     string
	OrderNo     string
	Amount      billing.Money
	Fee         billing.Money
	Principal   billing.Money
	Prepaid     billing.Money
	PaidOn      time.Time
	PostedAt    time.Time
	Allocations []Allocation
}

// Allocation is the part of a receipt applied to one bill.
type Allocation struct {
	BillID    int64
	Fee       billing.Money
	Principal billing.Money
}

// Reminder is a record of one arrears reminder or notice, kept as proof (催交记录): one per account,
// stage, day and channel.
type Reminder struct {
	ID        int64
	AccountID int64
	Stage     string // a billing.Stage, kept as the code it was sent under
	Channel   string // the channel that took it: wechat, tencent (SMS), dev, ...
	RemindOn  time.Time
	SentAt    time.Time
	Amount    billing.Money
	Recipient string // masked
	Content   string
	Status    billing.ReminderStatus
	BillID    int64     // the bill it is about; 0 for none (a low-balance alert)
	DueOn     time.Time // that bill's due date; zero for none
	PlannedOn time.Time // a notice's planned interruption; zero for any other stage
	MessageID string    // the channel's id of the message, which its delivery reports name; "" for none
	ErrorCode string    // the channel's error code of a failure; "" unless Status is failed
	// DeliveredAt is when a delivery report confirmed the reminder (Status delivered); zero until then.
	DeliveredAt time.Time
}
