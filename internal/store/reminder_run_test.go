package store_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// migratePortal brings db's portal schema up to date.
func migratePortal(t *testing.T, db *store.DB) {
	t.Helper()
	if _, err := db.MigrateSchema(t.Context(), store.PortalSchema); err != nil {
		t.Fatalf("migrate portal: %v", err)
	}
}

func TestReminderRun(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		migratePortal(t, db)
		clock := time.Date(2026, 4, 20, 7, 0, 0, 0, cst)
		portal := store.NewPortal(db, func() time.Time { return clock })
		ctx := t.Context()
		runOn := day("2026-04-20")

		run, started, err := portal.StartReminderRun(ctx, runOn)
		if err != nil || !started {
			t.Fatalf("StartReminderRun = %+v, %v, %v; want a started run", run, started, err)
		}
		want := store.ReminderRun{ID: run.ID, RunOn: runOn, StartedAt: time.Date(2026, 4, 19, 23, 0, 0, 0, time.UTC),
			Status: store.RunRunning, Counts: store.RunCounts{Suppressed: map[string]int64{}}}
		if run.ID <= 0 || !reflect.DeepEqual(run, want) {
			t.Fatalf("StartReminderRun =\n %+v\nwant\n %+v", run, want)
		}

		// Each step changes the run, then the stored run is compared with want.
		steps := []struct {
			name    string
			do      func() error
			wantErr error
			change  func(r *store.ReminderRun)
		}{
			{"a first batch moves the cursor and adds its counts", func() error {
				return portal.AdvanceReminderRun(ctx, run.ID, 120, store.RunCounts{Scanned: 100, Due: 30, Enqueued: 25,
					Suppressed: map[string]int64{"in_flight": 3, "protected": 2}})
			}, nil, func(r *store.ReminderRun) {
				r.LastAccountID = 120
				r.Counts = store.RunCounts{Scanned: 100, Due: 30, Enqueued: 25,
					Suppressed: map[string]int64{"in_flight": 3, "protected": 2}}
			}},
			{"a second batch adds to the counts, reasons old and new", func() error {
				return portal.AdvanceReminderRun(ctx, run.ID, 250, store.RunCounts{Scanned: 50, Due: 10, Enqueued: 9,
					Suppressed: map[string]int64{"in_flight": 1, "dispute": 0, "holiday": 4}})
			}, nil, func(r *store.ReminderRun) {
				r.LastAccountID = 250
				r.Counts = store.RunCounts{Scanned: 150, Due: 40, Enqueued: 34,
					Suppressed: map[string]int64{"in_flight": 4, "protected": 2, "holiday": 4}}
			}},
			{"a batch that does not move the cursor forward changes nothing", func() error {
				return portal.AdvanceReminderRun(ctx, run.ID, 250, store.RunCounts{Scanned: 50})
			}, billing.ErrConflict, nil},
			{"a batch behind the cursor changes nothing", func() error {
				return portal.AdvanceReminderRun(ctx, run.ID, 200, store.RunCounts{Scanned: 50})
			}, billing.ErrConflict, nil},
			{"negative counts are refused", func() error {
				return portal.AdvanceReminderRun(ctx, run.ID, 300, store.RunCounts{Scanned: -1})
			}, billing.ErrInvalid, nil},
			{"an empty reason is refused", func() error {
				return portal.AdvanceReminderRun(ctx, run.ID, 300, store.RunCounts{Suppressed: map[string]int64{"": 1}})
			}, billing.ErrInvalid, nil},
			{"a reason that is text, not a key, is refused", func() error {
				return portal.AdvanceReminderRun(ctx, run.ID, 300, store.RunCounts{Suppressed: map[string]int64{"安静时段": 1}})
			}, billing.ErrInvalid, nil},
			{"a reason with a space is refused", func() error {
				return portal.AdvanceReminderRun(ctx, run.ID, 300, store.RunCounts{Suppressed: map[string]int64{"quiet hours": 1}})
			}, billing.ErrInvalid, nil},
			{"a reason longer than 32 characters is refused", func() error {
				return portal.AdvanceReminderRun(ctx, run.ID, 300, store.RunCounts{Suppressed: map[string]int64{strings.Repeat("x", 33): 1}})
			}, billing.ErrInvalid, nil},
			{"a negative suppression count is refused", func() error {
				return portal.AdvanceReminderRun(ctx, run.ID, 300, store.RunCounts{Suppressed: map[string]int64{"holiday": -1}})
			}, billing.ErrInvalid, nil},
			{"an unknown run is not found", func() error {
				return portal.AdvanceReminderRun(ctx, run.ID+1000, 300, store.RunCounts{Scanned: 1})
			}, billing.ErrNotFound, nil},
			{"deliveries add without moving the cursor", func() error {
				return portal.CountReminderDeliveries(ctx, run.ID, store.RunCounts{Sent: 30, Failed: 2,
					Suppressed: map[string]int64{"paid_meanwhile": 2}})
			}, nil, func(r *store.ReminderRun) {
				r.Counts.Sent, r.Counts.Failed = 30, 2
				r.Counts.Suppressed["paid_meanwhile"] = 2
			}},
			{"finishing as anything but done or failed is refused", func() error {
				return portal.FinishReminderRun(ctx, run.ID, store.RunRunning)
			}, billing.ErrInvalid, nil},
			{"finished as done", func() error {
				clock = clock.Add(90 * time.Second)
				return portal.FinishReminderRun(ctx, run.ID, store.RunDone)
			}, nil, func(r *store.ReminderRun) {
				r.Status, r.FinishedAt = store.RunDone, time.Date(2026, 4, 19, 23, 1, 30, 0, time.UTC)
			}},
			{"a done run takes no more batches", func() error {
				return portal.AdvanceReminderRun(ctx, run.ID, 300, store.RunCounts{Scanned: 1})
			}, billing.ErrConflict, nil},
			{"a done run is not finished twice", func() error {
				return portal.FinishReminderRun(ctx, run.ID, store.RunFailed)
			}, billing.ErrConflict, nil},
			{"late deliveries still count after the run is done", func() error {
				return portal.CountReminderDeliveries(ctx, run.ID, store.RunCounts{Sent: 1})
			}, nil, func(r *store.ReminderRun) { r.Counts.Sent++ }},
			{"deliveries of an unknown run are not found", func() error {
				return portal.CountReminderDeliveries(ctx, run.ID+1000, store.RunCounts{Sent: 1})
			}, billing.ErrNotFound, nil},
		}
		for _, tt := range steps {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.do()
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
				}
				if tt.change != nil {
					tt.change(&want)
				}
				got, err := portal.ReminderRun(ctx, runOn)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("run afterwards =\n %+v\nwant\n %+v", got, want)
				}
			})
		}

		t.Run("a second start of a done day returns the done run", func(t *testing.T) {
			again, started, err := portal.StartReminderRun(ctx, time.Date(2026, 4, 20, 23, 0, 0, 0, cst))
			if err != nil || started || !reflect.DeepEqual(again, want) {
				t.Errorf("StartReminderRun again = %+v, %v, %v; want the run as it is, not started", again, started, err)
			}
		})

		t.Run("a failed run is resumed where it stopped", func(t *testing.T) {
			next, _, err := portal.StartReminderRun(ctx, day("2026-04-21"))
			if err != nil {
				t.Fatal(err)
			}
			if err := portal.AdvanceReminderRun(ctx, next.ID, 77, store.RunCounts{Scanned: 77}); err != nil {
				t.Fatal(err)
			}
			if err := portal.FinishReminderRun(ctx, next.ID, store.RunFailed); err != nil {
				t.Fatal(err)
			}
			resumed, started, err := portal.StartReminderRun(ctx, day("2026-04-21"))
			if err != nil || started {
				t.Fatalf("StartReminderRun = %v, %v; want the failed run back", started, err)
			}
			if resumed.ID != next.ID || resumed.Status != store.RunRunning || resumed.LastAccountID != 77 ||
				resumed.Counts.Scanned != 77 || !resumed.FinishedAt.IsZero() {
				t.Errorf("resumed run = %+v; want run %d running again from account 77", resumed, next.ID)
			}
		})

		t.Run("a day without a run is not found", func(t *testing.T) {
			if _, err := portal.ReminderRun(ctx, day("2026-04-22")); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("ReminderRun = %v, want ErrNotFound", err)
			}
		})
	})
}

func TestReminderRunConcurrent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		migratePortal(t, db)
		portal := store.NewPortal(db, func() time.Time { return time.Date(2026, 4, 20, 7, 0, 0, 0, cst) })
		ctx := t.Context()
		const n = 8

		t.Run("starts at once give one run", func(t *testing.T) {
			runs := make([]store.ReminderRun, n)
			started := make([]bool, n)
			errs := make([]error, n)
			atOnce(t, db, n, func(i int) { runs[i], started[i], errs[i] = portal.StartReminderRun(ctx, day("2026-04-20")) })
			starts := 0
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("caller %d: %v", i, errs[i])
				}
				if started[i] {
					starts++
				}
				if runs[i].ID != runs[0].ID {
					t.Errorf("caller %d got run %d, caller 0 run %d", i, runs[i].ID, runs[0].ID)
				}
			}
			if starts != 1 {
				t.Errorf("%d callers started the run, want 1", starts)
			}
			if got := countRows(t, db, "reminder_runs"); got != 1 {
				t.Errorf("%d runs stored, want 1", got)
			}
		})

		t.Run("deliveries counted at once all count, a new reason included", func(t *testing.T) {
			run, err := portal.ReminderRun(ctx, day("2026-04-20"))
			if err != nil {
				t.Fatal(err)
			}
			errs := make([]error, n)
			atOnce(t, db, n, func(i int) {
				errs[i] = portal.CountReminderDeliveries(ctx, run.ID, store.RunCounts{Sent: 1,
					Suppressed: map[string]int64{"quiet_hours": 1, "holiday": 2}})
			})
			for i, err := range errs {
				if err != nil {
					t.Fatalf("caller %d: %v", i, err)
				}
			}
			got, err := portal.ReminderRun(ctx, day("2026-04-20"))
			if err != nil {
				t.Fatal(err)
			}
			want := store.RunCounts{Sent: n, Suppressed: map[string]int64{"quiet_hours": n, "holiday": 2 * n}}
			if !reflect.DeepEqual(got.Counts, want) {
				t.Errorf("counts = %+v, want %+v", got.Counts, want)
			}
		})
	})
}

func TestReminderRuns(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		migratePortal(t, db)
		portal := store.NewPortal(db, func() time.Time { return time.Date(2026, 4, 20, 7, 0, 0, 0, cst) })
		ctx := t.Context()
		if runs, total, err := portal.ReminderRuns(ctx, store.Page{}); err != nil || len(runs) != 0 || total != 0 {
			t.Fatalf("no runs: ReminderRuns = %+v, %d, %v", runs, total, err)
		}
		// Started out of order: the list is the latest day first.
		ids := map[string]int64{}
		for _, on := range []string{"2026-04-18", "2026-04-20", "2026-04-19"} {
			run, _, err := portal.StartReminderRun(ctx, day(on))
			if err != nil {
				t.Fatal(err)
			}
			ids[on] = run.ID
		}
		if err := portal.AdvanceReminderRun(ctx, ids["2026-04-19"], 40, store.RunCounts{Scanned: 40, Due: 12, Enqueued: 9,
			Suppressed: map[string]int64{"protected": 2, "suppressed_day": 1}}); err != nil {
			t.Fatal(err)
		}
		if err := portal.AdvanceReminderRun(ctx, ids["2026-04-18"], 7, store.RunCounts{Scanned: 7, Due: 3,
			Suppressed: map[string]int64{"dispute": 3}}); err != nil {
			t.Fatal(err)
		}
		if err := portal.FinishReminderRun(ctx, ids["2026-04-18"], store.RunDone); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name      string
			page      store.Page
			wantDays  []string
			wantTotal int
		}{
			{"every run", store.Page{Limit: 10}, []string{"2026-04-20", "2026-04-19", "2026-04-18"}, 3},
			{"the first page", store.Page{Limit: 2}, []string{"2026-04-20", "2026-04-19"}, 3},
			{"the second page", store.Page{Limit: 2, Offset: 2}, []string{"2026-04-18"}, 3},
			{"past the end", store.Page{Limit: 2, Offset: 6}, nil, 3},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				runs, total, err := portal.ReminderRuns(ctx, tc.page)
				if err != nil || total != tc.wantTotal {
					t.Fatalf("ReminderRuns = %d runs, %d, %v", len(runs), total, err)
				}
				var days []string
				for _, r := range runs {
					days = append(days, r.RunOn.Format(time.DateOnly))
					// Each run of the list is the run as ReminderRun reads it.
					one, err := portal.ReminderRun(ctx, r.RunOn)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(r, one) {
						t.Errorf("listed %+v\nwant %+v", r, one)
					}
				}
				if !reflect.DeepEqual(days, tc.wantDays) {
					t.Errorf("days = %v, want %v", days, tc.wantDays)
				}
			})
		}
		runs, _, err := portal.ReminderRuns(ctx, store.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if got := runs[1].Counts; got.Scanned != 40 || got.Suppressed["protected"] != 2 || got.SuppressedTotal() != 3 {
			t.Errorf("the 19th's counts = %+v", got)
		}
		if runs[2].Status != store.RunDone || runs[2].FinishedAt.IsZero() || runs[2].Counts.Suppressed["dispute"] != 3 {
			t.Errorf("the 18th = %+v, want done with its suppression", runs[2])
		}
	})
}
