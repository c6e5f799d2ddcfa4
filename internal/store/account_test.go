package store_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// newCore returns the core store with the national late-fee rates and a fixed clock.
func newCore(db *store.DB) *store.Core {
	return store.NewCore(db, billing.DefaultLateFeeRates(), func() time.Time {
		return time.Date(2026, 4, 25, 10, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	})
}

func TestAccountByNumber(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.account(accountSpec{No: "3100000001", Name: "张建国", Phone: "13800138000", Prepaid: 1234})
		comID := f.account(accountSpec{No: "3100000002", Name: "城关镇惠民农家乐", Phone: "13800138001",
			Class: billing.Commercial, Capacity: 50, Important: true})
		core := newCore(db)

		tests := []struct {
			name    string
			no      string
			want    store.Account
			wantErr error
		}{
			{"residential", "3100000001", store.Account{ID: id, No: "3100000001", Name: "张建国",
				Address: "城关镇解放路12号0001室", Phone: "13800138000", Class: billing.Residential, IndustryCode: "9010",
				StationID: f.stationID, StationName: fixtureStation, AreaName: fixtureArea, TariffCode: residentialTariff, TariffName: residentialName,
				Prepaid: 1234, OpenedOn: day("2019-05-06")}, nil},
			{"commercial, important", "3100000002", store.Account{ID: comID, No: "3100000002", Name: "城关镇惠民农家乐",
				Address: "城关镇解放路12号0002室", Phone: "13800138001", Class: billing.Commercial, IndustryCode: "6210",
				StationID: f.stationID, StationName: fixtureStation, AreaName: fixtureArea, TariffCode: commercialTariff, TariffName: commercialName,
				CapacityKVA: 50, Important: true, OpenedOn: day("2019-05-06")}, nil},
			{"not found", "3100000009", store.Account{}, billing.ErrNotFound},
			{"9 digits", "310000000", store.Account{}, billing.ErrInvalid},
			{"11 digits", "31000000011", store.Account{}, billing.ErrInvalid},
			{"letters", "31000000ab", store.Account{}, billing.ErrInvalid},
			{"empty", "", store.Account{}, billing.ErrInvalid},
			{"spaces around", " 310000001", store.Account{}, billing.ErrInvalid},
			{"full-width digits", "３１０００００００１", store.Account{}, billing.ErrInvalid},
			{"sql injection", "3100000001' OR '1'='1", store.Account{}, billing.ErrInvalid},
			{"sql comment", "3100000001--", store.Account{}, billing.ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := core.AccountByNumber(t.Context(), tt.no)
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
					t.Fatalf("AccountByNumber(%q) error = %v, want %v", tt.no, err, tt.wantErr)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("AccountByNumber(%q) =\n %+v\nwant\n %+v", tt.no, got, tt.want)
				}
			})
		}
	})
}

func TestAccountsByPhone(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		// Inserted out of order: the list is by account number, not by id.
		f.account(accountSpec{No: "3100000005", Phone: "13800138000"})
		f.account(accountSpec{No: "3100000003", Phone: "13800138000", Class: billing.Commercial})
		f.account(accountSpec{No: "3100000004", Phone: "13900000000"})
		core := newCore(db)

		tests := []struct {
			name  string
			phone string
			want  []string
		}{
			{"two accounts, by number", "13800138000", []string{"3100000003", "3100000005"}},
			{"one account", "13900000000", []string{"3100000004"}},
			{"unknown phone", "13700000000", []string{}},
			{"empty phone", "", []string{}},
			{"sql injection", "13800138000' OR '1'='1", []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := core.AccountsByPhone(t.Context(), tt.phone)
				if err != nil {
					t.Fatalf("AccountsByPhone(%q): %v", tt.phone, err)
				}
				if got == nil {
					t.Fatalf("AccountsByPhone(%q) = nil, want an empty list", tt.phone)
				}
				nos := []string{}
				for _, a := range got {
					nos = append(nos, a.No)
					if a.Phone != tt.phone || a.StationName != fixtureStation || a.TariffCode == "" {
						t.Errorf("account %s not filled in: %+v", a.No, a)
					}
				}
				if !reflect.DeepEqual(nos, tt.want) {
					t.Errorf("AccountsByPhone(%q) = %v, want %v", tt.phone, nos, tt.want)
				}
			})
		}
	})
}

func TestAccountBriefs(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		one := f.account(accountSpec{No: "3100000001", Name: "张建国", Phone: "13800138000"})
		two := f.account(accountSpec{No: "3100000002", Name: "城关镇惠民农家乐", Phone: "13800138001", Class: billing.Commercial, Capacity: 50})
		core := newCore(db)
		tests := []struct {
			name    string
			nos     []string
			want    map[string]store.AccountBrief
			wantErr error
		}{
			{"both, one twice, one unknown", []string{"3100000002", "3100000001", "3100000002", "3100009999"}, map[string]store.AccountBrief{
				"3100000001": {ID: one, No: "3100000001", Name: "张建国", StationID: f.stationID},
				"3100000002": {ID: two, No: "3100000002", Name: "城关镇惠民农家乐", StationID: f.stationID}}, nil},
			{"none", nil, map[string]store.AccountBrief{}, nil},
			{"a number that is not one", []string{"3100000001", "31' OR 1=1"}, nil, billing.ErrInvalid},
			{"too many", make([]string, store.MaxArrearsBatch+1), nil, billing.ErrInvalid},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := core.AccountBriefs(t.Context(), tc.nos)
				if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && !reflect.DeepEqual(got, tc.want)) {
					t.Errorf("AccountBriefs = %+v, %v; want %+v, %v", got, err, tc.want, tc.wantErr)
				}
			})
		}
	})
}
