package portal

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/pii"
	"gridpay/internal/store"
)

// Service is what the customer pages and the JSON API share: which accounts a customer may see,
// and what each owes. Every method takes the signed-in phone and refuses other people's accounts as
// not found, so that a guessed number reveals nothing.
type Service struct {
	core   store.CoreDB
	portal *store.Portal
	reads  PortalReads
	rates  billing.LateFeeRates
	now    func() time.Time
	loc    *time.Location
}

// PortalReads are the portal database's answers that every view of a signed-in customer asks: the
// portal store itself, or a cache in front of it (corecache.Portal) that the store tells of its
// changes.
type PortalReads interface {
	Bindings(ctx context.Context, phone string) ([]string, error)
	InFlight(ctx context.Context, accountNo string) (bool, error)
}

// NewService returns the service; today is the civil date of now in loc, the bureau's time zone.
// Bindings and payments in flight are read through reads, everything else of the portal database
// in portal.
func NewService(core store.CoreDB, portal *store.Portal, reads PortalReads, rates billing.LateFeeRates, now func() time.Time,
	loc *time.Location) *Service {
	return &Service{core: core, portal: portal, reads: reads, rates: rates, now: now, loc: loc}
}

// today is the bureau's civil date.
func (s *Service) today() time.Time { return billing.DateOf(s.now().In(s.loc)) }

// AccountView is an account as its customer sees it: personal data masked, as on every page.
type AccountView struct {
	No          string        `json:"account_no"`
	Name        string        `json:"name"`
	Address     string        `json:"address"`
	Class       billing.Class `json:"class"`
	ClassLabel  string        `json:"class_label"`
	Tariff      string        `json:"tariff"`
	Station     string        `json:"supply_station"`
	Registered  bool          `json:"registered"` // the account's registered phone is the customer's; else bound
	accountID   int64
	accountData store.Account
}

func viewOf(a store.Account, registered bool) AccountView {
	return AccountView{No: a.No, Name: pii.Name(a.Name), Address: pii.Address(a.Address), Class: a.Class,
		ClassLabel: a.Class.Label(), Tariff: a.TariffName, Station: a.StationName, Registered: registered,
		accountID: a.ID, accountData: a}
}

// Accounts returns the accounts the holder of phone may see: those registered to the phone, then
// those bound to it, each once, by account number.
func (s *Service) Accounts(ctx context.Context, phone string) ([]AccountView, error) {
	own, err := s.core.AccountsByPhone(ctx, phone)
	if err != nil {
		return nil, err
	}
	views := make([]AccountView, 0, len(own))
	seen := map[string]bool{}
	for _, a := range own {
		views = append(views, viewOf(a, true))
		seen[a.No] = true
	}
	bound, err := s.reads.Bindings(ctx, phone)
	if err != nil {
		return nil, err
	}
	for _, no := range bound {
		if seen[no] {
			continue
		}
		a, err := s.core.AccountByNumber(ctx, no)
		if err != nil {
			return nil, fmt.Errorf("portal: bound account %s: %w", no, err)
		}
		views = append(views, viewOf(a, false))
		seen[no] = true
	}
	slices.SortFunc(views, func(a, b AccountView) int {
		if a.Registered != b.Registered {
			if a.Registered {
				return -1
			}
			return 1
		}
		return compareStrings(a.No, b.No)
	})
	return views, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// account returns one of the phone's accounts, or not found.
func (s *Service) account(ctx context.Context, phone, accountNo string) (AccountView, error) {
	views, err := s.Accounts(ctx, phone)
	if err != nil {
		return AccountView{}, err
	}
	for _, v := range views {
		if v.No == accountNo {
			return v, nil
		}
	}
	return AccountView{}, fmt.Errorf("portal: account %s is not the customer's: %w", pii.AccountNo(accountNo), billing.ErrNotFound)
}

// Summary is what an account owes today and where it stands on the legal clock.
type Summary struct {
	Account        AccountView   `json:"account"`
	AsOf           Date          `json:"as_of"`
	Principal      billing.Money `json:"principal_fen"`
	LateFee        billing.Money `json:"late_fee_fen"`
	AmountDue      billing.Money `json:"amount_due_fen"` // principal + late fee accrued to today
	Prepaid        billing.Money `json:"prepaid_fen"`
	OpenBills      int           `json:"open_bills"`
	OldestDue      *Date         `json:"oldest_due,omitempty"`
	DaysOverdue    int           `json:"days_overdue"`
	LateFeePerDay  billing.Money `json:"late_fee_per_day_fen"`             // how much tomorrow adds if nothing is paid
	NoticeFrom     *Date         `json:"notice_from,omitempty"`            // pay before this day to avoid a disconnection notice
	NoticeMayCome  bool          `json:"notice_may_come"`                  // that day has come
	EarliestCutOff *Date         `json:"earliest_disconnection,omitempty"` // the earliest interruption a notice given now could plan
	// PaymentInFlight: money paid and not yet posted stops the legal clock (docs/domain.md): no
	// reminder and no notice while it is on its way.
	PaymentInFlight bool `json:"payment_in_flight"`
}

// Summary returns the account's amount due today, prepaid balance and legal clock.
func (s *Service) Summary(ctx context.Context, phone, accountNo string) (Summary, error) {
	v, err := s.account(ctx, phone, accountNo)
	if err != nil {
		return Summary{}, err
	}
	today := s.today()
	a, err := s.core.Arrears(ctx, v.accountID, today)
	if err != nil {
		return Summary{}, err
	}
	inFlight, err := s.reads.InFlight(ctx, accountNo)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Account: v, AsOf: Date(today), PaymentInFlight: inFlight, Principal: a.Principal, LateFee: a.LateFee, AmountDue: a.Total,
		Prepaid: a.Prepaid, OpenBills: a.Bills, DaysOverdue: a.MaxDaysOverdue}
	if a.Bills == 0 {
		return sum, nil
	}
	oldest := Date(a.OldestDue)
	sum.OldestDue = &oldest
	if a.MaxDaysOverdue > 0 {
		open, err := s.core.OpenBills(ctx, v.accountID)
		if err != nil {
			return Summary{}, err
		}
		sum.LateFeePerDay = billing.DailyLateFee(open, today, s.rates)
	}
	// The same clock the reminder ladder keeps: its first notice comes on from and plans cut.
	from, cut := billing.NoticeFrom(a.OldestDue), billing.EarliestCutOff(v.Class, a.OldestDue, today)
	sum.NoticeFrom, sum.EarliestCutOff = (*Date)(&from), (*Date)(&cut)
	sum.NoticeMayCome = !today.Before(from) && !inFlight
	return sum, nil
}

// Bills returns a page of the account's bills, newest first, and how many there are.
func (s *Service) Bills(ctx context.Context, phone, accountNo string, page store.Page) ([]store.Bill, int, error) {
	v, err := s.account(ctx, phone, accountNo)
	if err != nil {
		return nil, 0, err
	}
	return s.core.Bills(ctx, v.accountID, page)
}

// Bill returns one of the account's bills in detail.
func (s *Service) Bill(ctx context.Context, phone, accountNo string, billID int64) (store.BillDetail, error) {
	v, err := s.account(ctx, phone, accountNo)
	if err != nil {
		return store.BillDetail{}, err
	}
	return s.core.Bill(ctx, v.accountID, billID)
}

// Date is a civil date that travels in JSON as "2026-03-15".
type Date time.Time

// MarshalJSON implements json.Marshaler.
func (d Date) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(d).Format("2006-01-02") + `"`), nil
}
