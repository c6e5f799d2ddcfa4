package store_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

func TestBindings(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		if _, err := db.MigrateSchema(t.Context(), store.PortalSchema); err != nil {
			t.Fatal(err)
		}
		p := store.NewPortal(db, func() time.Time { return time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC) })
		ctx := t.Context()
		const phone = "13800138000"
		for _, tc := range []struct {
			name, phone, no string
			created         bool
			err             error
		}{
			{"first binding", phone, "3100000042", true, nil},
			{"second account", phone, "3100000007", true, nil},
			{"the same again", phone, "3100000042", false, nil},
			{"another phone, same account", "13900139000", "3100000042", true, nil},
			{"account number too short", phone, "310000004", false, billing.ErrInvalid},
			{"account number with SQL", phone, "31' OR '1'", false, billing.ErrInvalid},
			{"landline is not a mobile", "0791861234", "3100000042", false, billing.ErrInvalid},
			{"phone with letters", "1380013800x", "3100000042", false, billing.ErrInvalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				created, err := p.Bind(ctx, tc.phone, tc.no)
				if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) || created != tc.created {
					t.Fatalf("Bind(%q, %q) = %v, %v; want %v, %v", tc.phone, tc.no, created, err, tc.created, tc.err)
				}
			})
		}
		got, err := p.Bindings(ctx, phone)
		if want := []string{"3100000007", "3100000042"}; err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("Bindings = %v, %v; want %v", got, err, want)
		}
		if err := p.Unbind(ctx, phone, "3100000042"); err != nil {
			t.Fatalf("Unbind: %v", err)
		}
		if err := p.Unbind(ctx, phone, "3100000042"); !errors.Is(err, billing.ErrNotFound) {
			t.Errorf("second Unbind = %v, want ErrNotFound", err)
		}
		got, err = p.Bindings(ctx, phone)
		if want := []string{"3100000007"}; err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Bindings after unbind = %v, %v; want %v", got, err, want)
		}
		if got, err := p.Bindings(ctx, "13700137000"); err != nil || got == nil || len(got) != 0 {
			t.Errorf("Bindings of an unknown phone = %#v, %v; want an empty list", got, err)
		}
		if got, _ := p.Bindings(ctx, "13900139000"); !reflect.DeepEqual(got, []string{"3100000042"}) {
			t.Errorf("another phone's bindings changed: %v", got)
		}
	})
}
