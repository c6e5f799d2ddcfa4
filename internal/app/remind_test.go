package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/app"
	"gridpay/internal/billing"
	"gridpay/internal/pii"
	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/worker"
)

// The remind tests' county: seeded on remindSeedDay, its bills due on the 20th of the month after
// their period, so on remindDay the February bills are a day overdue (overdue_1) and the accounts
// in arrears since last year are due their 催交.
const (
	remindSeedDay = "2026-03-10"
	remindDay     = "2026-03-21"
	remindNextDay = "2026-03-22"
)

// remindEnv is a dev configuration on fresh SQLite files for `gridpay remind --date` on another
// day, which runs at the current time of day (at 08:30 when that is in quiet hours). Only the last
// minutes before quiet hours begin could catch a reminder between the run's decision and its
// sending; then the quiet hours begin an hour later.
func remindEnv(t *testing.T, e env) env {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	if now := time.Now().In(loc); now.Hour() == 20 && now.Minute() >= 50 {
		e["GRIDPAY_REMIND_QUIET_HOURS"] = "22:00-08:00"
	}
	return withDBs(t, e)
}

// seedRemindCounty seeds the small demo county of the remind tests.
func seedRemindCounty(t *testing.T, e env) {
	t.Helper()
	args := []string{"seed", "--customers", "60", "--months", "6", "--today", remindSeedDay}
	if err := app.Run(context.Background(), args, e.get, io.Discard, io.Discard); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// remind runs `gridpay remind args...` and returns what it printed; an error fails the test with
// the warnings it logged.
func remind(t *testing.T, e env, args ...string) string {
	t.Helper()
	var out, logs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := app.Run(ctx, append([]string{"remind"}, args...), e.get, &out, &logs); err != nil {
		t.Fatalf("gridpay remind %s: %v\noutput:\n%s\nlogs:\n%s", strings.Join(args, " "), err, out.String(), logs.String())
	}
	return out.String()
}

// plannedRow is one row of a dry run's table.
type plannedRow struct {
	account, class, stage, due, owed, sendAt, why string
}

var cellGap = regexp.MustCompile(`\s{2,}`)

// plannedRows reads the rows of a dry run's table: cells stand two spaces or more apart, and only
// the last ("why") has single spaces inside.
func plannedRows(t *testing.T, out string) []plannedRow {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "户号 account") || !strings.Contains(lines[0], "阶段 stage") ||
		!strings.Contains(lines[0], "原因 why") {
		t.Fatalf("dry run prints no table header:\n%s", out)
	}
	var rows []plannedRow
	for _, line := range lines[1:] {
		if line == "" {
			break
		}
		c := cellGap.Split(strings.TrimSpace(line), -1)
		if len(c) != 7 {
			t.Fatalf("dry run row %q has %d cells, want 7", line, len(c))
		}
		rows = append(rows, plannedRow{c[0], c[1], c[2], c[3], c[4], c[5], c[6]})
	}
	return rows
}

var dryRunSummary = regexp.MustCompile(`(?m)^(\d{4}-\d\d-\d\d) \(dry run: nothing sent\) scanned (\d+), due (\d+), queued 0`)

// sentReminder is a row of the core database's reminders table.
type sentReminder struct {
	account, stage, channel, status, remindOn, content string
	amount                                             billing.Money
	billID                                             sql.NullInt64
}

// coreReminders reads every reminder the core database keeps as proof, with its account masked as
// the dry run prints it.
func coreReminders(t *testing.T, e env) []sentReminder {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, e["GRIDPAY_CORE_DB"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT a.account_no, r.stage, r.channel, r.status, r.remind_on, r.content, r.amount_fen, r.bill_id
FROM reminders r JOIN accounts a ON a.id = r.account_id ORDER BY r.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []sentReminder
	for rows.Next() {
		var r sentReminder
		if err := rows.Scan(&r.account, &r.stage, &r.channel, &r.status, &r.remindOn, &r.content, &r.amount, &r.billID); err != nil {
			t.Fatal(err)
		}
		r.account = pii.AccountNo(r.account)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// reminderRuns counts the arrears runs the portal database records.
func reminderRuns(t *testing.T, e env) int {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, e["GRIDPAY_PORTAL_DB"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM reminder_runs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRemindDryRunThenRun runs `gridpay remind` on the embedded defaults over a seeded county. The
// dry run prints who would be reminded, at which stage and why, and writes nothing; the run then
// sends exactly what the dry run showed through the dev inbox and keeps each reminder in the core
// database's reminders table; a second run the same day sends and writes nothing more; and the
// next day's dry run reads that proof back: the accounts given their 催交 are due their
// disconnection notice, with the law's lead time.
func TestRemindDryRunThenRun(t *testing.T) {
	e := remindEnv(t, env{})
	seedRemindCounty(t, e)

	out := remind(t, e, "--dry-run", "--date", remindDay)
	planned := plannedRows(t, out)
	m := dryRunSummary.FindStringSubmatch(out)
	if m == nil || m[1] != remindDay {
		t.Fatalf("dry run prints no summary of %s:\n%s", remindDay, out)
	}
	if due := atoi(t, m[3]); due != len(planned) || due == 0 || atoi(t, m[2]) < due {
		t.Errorf("dry run: scanned %s, due %s, with %d rows; want as many rows as due, and some", m[2], m[3], len(planned))
	}
	stages := map[string]int{}
	want := map[string]plannedRow{} // by account and stage: what the run should send
	for _, r := range planned {
		stages[r.stage]++
		if r.stage == "-" {
			continue // held back: the why names the reason
		}
		want[r.account+" "+r.stage] = r
		if !regexp.MustCompile(`^\d\d-\d\d \d\d:\d\d$`).MatchString(r.sendAt) || !strings.HasPrefix(r.sendAt, remindDay[5:]) {
			t.Errorf("row %+v: send at %q, want %s at a time of day", r, r.sendAt, remindDay[5:])
		}
		if !strings.Contains(r.why, "days past due") && !strings.Contains(r.why, "day past due") {
			t.Errorf("row %+v: why %q names no days past due", r, r.why)
		}
	}
	if stages[string(billing.StageOverdue1)] == 0 || stages[string(billing.StageCuijiao)] == 0 {
		t.Errorf("dry run of %s: stages %v, want overdue_1 (the February bills) and cuijiao (the accounts in arrears)\n%s",
			remindDay, stages, out)
	}
	if got := coreReminders(t, e); len(got) != 0 {
		t.Errorf("the dry run wrote %d reminders to the core database", len(got))
	}
	if n := reminderRuns(t, e); n != 0 {
		t.Errorf("the dry run recorded %d arrears runs", n)
	}

	out = remind(t, e, "--date", remindDay)
	run := regexp.MustCompile(`(?m)^` + remindDay + ` run \d+: scanned (\d+), due (\d+), queued (\d+)`).FindStringSubmatch(out)
	sent := regexp.MustCompile(`(?m)^delivered: (\d+) sent, 0 failed, 0 stopped by the check before sending$`).FindStringSubmatch(out)
	if run == nil || sent == nil {
		t.Fatalf("run prints no summary with its counts:\n%s", out)
	}
	if atoi(t, run[3]) != len(want) || atoi(t, sent[1]) != len(want) {
		t.Errorf("run queued %s and sent %s, want the dry run's %d:\n%s", run[3], sent[1], len(want), out)
	}
	got := coreReminders(t, e)
	if len(got) != len(want) {
		t.Errorf("core database keeps %d reminders, want the dry run's %d", len(got), len(want))
	}
	for _, r := range got {
		p, ok := want[r.account+" "+r.stage]
		if !ok {
			t.Errorf("reminder %+v was not in the dry run", r)
			continue
		}
		if r.channel != "dev" || r.status != string(billing.ReminderSent) || r.remindOn != remindDay || !r.billID.Valid ||
			r.amount.String() != p.owed {
			t.Errorf("reminder %+v, want sent through the dev inbox on %s about a bill, amount %s", r, remindDay, p.owed)
		}
		if !strings.Contains(r.content, "云溪县供电公司") || !strings.Contains(r.content, "/payfor?account=") ||
			!strings.Contains(r.content, r.account) {
			t.Errorf("reminder text %q lacks the bureau, the masked account or the pay link", r.content)
		}
	}
	if n := reminderRuns(t, e); n != 1 {
		t.Errorf("portal records %d arrears runs, want 1", n)
	}

	out = remind(t, e, "--date", remindDay)
	if !strings.Contains(out, "was done already") || !strings.Contains(out, "nothing queued again") {
		t.Errorf("second run the same day does not say it was done already:\n%s", out)
	}
	if again := coreReminders(t, e); len(again) != len(got) {
		t.Errorf("second run the same day: %d reminders on record, want still %d", len(again), len(got))
	}
	out = remind(t, e, "--dry-run", "--date", remindDay)
	if !strings.Contains(out, "is done already") {
		t.Errorf("dry run of a day whose run is done does not say so:\n%s", out)
	}

	// The next day the 催交 on record makes the disconnection notice lawful.
	cuijiao := map[string]bool{}
	for _, r := range got {
		if r.stage == string(billing.StageCuijiao) {
			cuijiao[r.account] = true
		}
	}
	next := plannedRows(t, remind(t, e, "--dry-run", "--date", remindNextDay))
	notices := 0
	for _, r := range next {
		if r.stage != string(billing.StageNotice) {
			continue
		}
		notices++
		if !cuijiao[r.account] {
			t.Errorf("%s: a notice without a 催交 on record: %+v", remindNextDay, r)
		}
		cut, ok := strings.CutPrefix(r.why, "停电日 cut-off ")
		day, err := time.Parse(time.DateOnly, cut)
		if !ok || err != nil {
			t.Errorf("notice %+v: why %q names no cut-off day", r, r.why)
			continue
		}
		lead := 3 // days of notice the law asks: residential 7, the others 3
		if r.class == string(billing.Residential) {
			lead = 7
		}
		if from, _ := time.Parse(time.DateOnly, remindNextDay); day.Sub(from) < time.Duration(lead)*24*time.Hour {
			t.Errorf("notice %+v: cut-off %s is less than %d days after %s", r, cut, lead, remindNextDay)
		}
	}
	if notices != len(cuijiao) {
		t.Errorf("%s: %d notices, want one for each of the %d accounts given their 催交", remindNextDay, notices, len(cuijiao))
	}
}

// TestRemindDeliversBesideWorkers runs `gridpay remind` in dev with a real Redis, whose queues the
// workers share: a payment task waiting there is handled as a worker would (here, an order that
// does not exist is given up), never taken and left for a retry for want of a handler.
func TestRemindDeliversBesideWorkers(t *testing.T) {
	e := remindEnv(t, env{"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp)})
	seedRemindCounty(t, e)
	conn, err := asynq.ParseRedisURI(e["GRIDPAY_REDIS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClient(conn)
	defer client.Close()
	task, err := worker.NewPaymentPostTask(999999, 1)
	if err != nil {
		t.Fatal(err)
	}
	info, err := client.Enqueue(task)
	if err != nil {
		t.Fatal(err)
	}

	out := remind(t, e, "--date", remindDay)
	if !regexp.MustCompile(`(?m)^delivered: [1-9]\d* sent, 0 failed`).MatchString(out) || len(coreReminders(t, e)) == 0 {
		t.Errorf("run with a real Redis sent nothing:\n%s", out)
	}
	in := asynq.NewInspector(conn)
	defer in.Close()
	got, err := in.GetTaskInfo(worker.QueuePayments, info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != asynq.TaskStateArchived || !strings.Contains(got.LastErr, "order 999999") {
		t.Errorf("payment task after gridpay remind: %s, last error %q; want it handled: archived for an order that does not exist",
			got.State, got.LastErr)
	}
}

// TestRemindInProduction: production sends only today's reminders (a dry run may look at any
// day), refuses the demo county as serve and worker do, and changes no schema of its own.
func TestRemindInProduction(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	yesterday := time.Now().In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
	ctx := context.Background()

	t.Run("another day is refused without --dry-run", func(t *testing.T) {
		e := productionEnv(t, nil)
		err := app.Run(ctx, []string{"remind", "--date", yesterday}, e.get, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--date "+yesterday+" is not today") || !strings.Contains(err.Error(), "--dry-run") {
			t.Fatalf("production remind --date %s = %v, want a refusal naming the day and --dry-run", yesterday, err)
		}
		if n := reminderRuns(t, e); n != 0 {
			t.Errorf("the refused run recorded %d arrears runs", n)
		}
	})

	t.Run("another day with --dry-run", func(t *testing.T) {
		e := productionEnv(t, nil)
		out := remind(t, e, "--dry-run", "--date", yesterday)
		if rows := plannedRows(t, out); len(rows) != 0 || !strings.Contains(out, yesterday+" (dry run: nothing sent) scanned 0, due 0, queued 0") {
			t.Errorf("production dry run on an empty database:\n%s", out)
		}
	})

	t.Run("the demo county is refused", func(t *testing.T) {
		dev := withDBs(t, env{})
		seedRemindCounty(t, dev)
		e := productionEnv(t, env{"GRIDPAY_CORE_DB": dev["GRIDPAY_CORE_DB"], "GRIDPAY_PORTAL_DB": dev["GRIDPAY_PORTAL_DB"]})
		for _, args := range [][]string{{"remind"}, {"remind", "--dry-run", "--date", remindDay}} {
			err := app.Run(ctx, args, e.get, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "demo") || !strings.Contains(err.Error(), "GRIDPAY_CORE_DB") {
				t.Errorf("production gridpay %s on the demo county = %v, want a refusal naming the demo seed and GRIDPAY_CORE_DB",
					strings.Join(args, " "), err)
			}
		}
		if got := coreReminders(t, e); len(got) != 0 {
			t.Errorf("refused: yet %d reminders on record", len(got))
		}
	})

	t.Run("databases not migrated", func(t *testing.T) {
		e := withSMS(withDBs(t, env{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://pay.example.cn", "GRIDPAY_BUREAU": "青山县供电公司",
			"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp), "GRIDPAY_BANK_SECRET": strings.Repeat("ab", 32)}))
		err := app.Run(ctx, []string{"remind", "--dry-run"}, e.get, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "gridpay migrate") {
			t.Fatalf("production remind on databases never migrated = %v, want an error pointing to gridpay migrate", err)
		}
		db, err := store.Open(ctx, e["GRIDPAY_CORE_DB"])
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var tables int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("production remind created %d tables in the core database", tables)
		}
	})
}

// TestRemindFlags: a bad flag or argument stops `gridpay remind` with an error that names it,
// before any database is opened.
func TestRemindFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"month 13", []string{"--date", "2026-13-01"}, `--date "2026-13-01" is not a date: want YYYY-MM-DD`},
		{"a day February 2026 lacks", []string{"--dry-run", "--date", "2026-02-29"}, `--date "2026-02-29" is not a date`},
		{"day first", []string{"--date", "21/03/2026"}, `--date "21/03/2026" is not a date`},
		{"no leading zeros", []string{"--date", "2026-3-1"}, `--date "2026-3-1" is not a date`},
		{"before 2000", []string{"--dry-run", "--date", "1999-12-31"}, "want a day from 2000-01-01 to 2099-12-30"},
		{"year zero", []string{"--dry-run", "--date", "0000-01-01"}, "want a day from 2000-01-01 to 2099-12-30"},
		{"the last day of 2099", []string{"--dry-run", "--date", "2099-12-31"}, "want a day from 2000-01-01 to 2099-12-30"},
		{"a date of 100,000 characters", []string{"--date", strings.Repeat("9", 100_000)}, "is not a date"},
		{"an extra argument", []string{"--dry-run", "now"}, `remind: unexpected argument "now"`},
		{"a long extra argument", []string{strings.Repeat("x", 100_000)}, "unexpected argument"},
		{"an unknown flag", []string{"--force"}, "flag provided but not defined: -force"},
		{"dry run not a boolean", []string{"--dry-run=maybe"}, "invalid boolean value"},
		{"date without its value", []string{"--date"}, "flag needs an argument: -date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := withDBs(t, env{})
			err := app.Run(context.Background(), append([]string{"remind"}, tc.args...), e.get, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("gridpay remind %.60q = %v, want an error containing %q", strings.Join(tc.args, " "), err, tc.want)
			}
			if len(err.Error()) > 200 {
				t.Errorf("error of %d bytes: an argument is echoed whole", len(err.Error()))
			}
			if _, err := os.Stat(filepath.Clean(strings.TrimPrefix(e["GRIDPAY_CORE_DB"], "sqlite:"))); !os.IsNotExist(err) {
				t.Errorf("a bad command line opened the core database (stat: %v)", err)
			}
		})
	}
}
