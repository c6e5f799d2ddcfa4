package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"regexp"
	"strings"
	"testing"

	"gridpay/internal/app"
	"gridpay/internal/redistest"
	"gridpay/internal/staff"
	"gridpay/internal/store"
)

// createUser runs `gridpay admin create-user args...` and returns what it printed.
func createUser(t *testing.T, e env, args ...string) (string, error) {
	t.Helper()
	var out, logs bytes.Buffer
	err := app.Run(context.Background(), append([]string{"admin", "create-user"}, args...), e.get, &out, &logs)
	return out.String(), err
}

var oneTimePassword = regexp.MustCompile(`(?m)^one-time password: +(\S+)$`)

// staffRow is a staff account as the portal database holds it, read with plain SQL.
type staffRow struct {
	id                   int64
	displayName, role    string
	station              sql.NullInt64
	hash                 string
	mustChange, disabled bool
}

func readStaff(t *testing.T, dsn, username string) staffRow {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var r staffRow
	if err := db.QueryRowContext(context.Background(), `SELECT id, display_name, role, station_id, password_hash, must_change_password, disabled
FROM staff WHERE username = @u`, sql.Named("u", username)).Scan(&r.id, &r.displayName, &r.role, &r.station, &r.hash, &r.mustChange, &r.disabled); err != nil {
		t.Fatalf("staff %s: %v", username, err)
	}
	return r
}

func TestAdminCreateUser(t *testing.T) {
	e := withDBs(t, env{})
	// The station must be one the core database knows: the demo county's.
	if err := app.Run(context.Background(), []string{"seed", "--customers", "5", "--months", "2"}, e.get, ioDiscard{}, ioDiscard{}); err != nil {
		t.Fatal(err)
	}
	out, err := createUser(t, e, "--username", "zhang.wei", "--role", "supervisor", "--station", "3", "--name", "张伟")
	if err != nil {
		t.Fatalf("create-user: %v", err)
	}
	m := oneTimePassword.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no one-time password in:\n%s", out)
	}
	password := m[1]
	for _, want := range []string{"username:           zhang.wei\n", "role:               supervisor\n", "station:            3 ",
		"must be changed at the first sign-in", "authenticator app (TOTP)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, password) != 1 {
		t.Errorf("the password is printed %d times, want once", strings.Count(out, password))
	}

	row := readStaff(t, e["GRIDPAY_PORTAL_DB"], "zhang.wei")
	if row.displayName != "张伟" || row.role != "supervisor" || row.station != (sql.NullInt64{Int64: 3, Valid: true}) ||
		!row.mustChange || row.disabled {
		t.Errorf("staff row = %+v", row)
	}
	if strings.Contains(row.hash, password) || !strings.HasPrefix(row.hash, "$argon2id$v=19$") {
		t.Errorf("stored password %q is not an argon2id hash", row.hash)
	}
	if ok, err := staff.CheckPassword(row.hash, password); !ok || err != nil {
		t.Errorf("CheckPassword(stored hash, printed password) = %v, %v", ok, err)
	}
	if ok, _ := staff.CheckPassword(row.hash, password+"x"); ok {
		t.Error("another password matches the stored hash")
	}

	db, err := store.Open(context.Background(), e["GRIDPAY_PORTAL_DB"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var (
		actor                       sql.NullInt64
		action, target, after, addr string
	)
	if err := db.QueryRowContext(context.Background(), `SELECT staff_id, action, target, after_json, client_addr FROM staff_audit`).
		Scan(&actor, &action, &target, &after, &addr); err != nil {
		t.Fatalf("audit row: %v", err)
	}
	if actor.Valid || action != "staff.create" || target != "staff:zhang.wei" || addr != "cli" ||
		!strings.Contains(after, `"role":"supervisor"`) || strings.Contains(after, "argon2") {
		t.Errorf("audit row = %v %q %q %q %q", actor, action, target, after, addr)
	}

	// An agent needs no second factor, and without --name the username is shown.
	out, err = createUser(t, e, "--username", "li.na", "--role", "agent")
	if err != nil {
		t.Fatalf("create-user agent: %v", err)
	}
	if strings.Contains(out, "TOTP") || strings.Contains(out, "station:") {
		t.Errorf("an agent of the whole county is told of TOTP or a station:\n%s", out)
	}
	if row := readStaff(t, e["GRIDPAY_PORTAL_DB"], "li.na"); row.displayName != "li.na" || row.station.Valid || row.role != "agent" {
		t.Errorf("agent row = %+v", row)
	}
	if m := oneTimePassword.FindStringSubmatch(out); m == nil || m[1] == password {
		t.Errorf("the second account's password is missing or the first one's:\n%s", out)
	}
}

func TestAdminCreateUserErrors(t *testing.T) {
	e := withDBs(t, env{})
	if _, err := createUser(t, e, "--username", "wang.fang", "--role", "finance"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"duplicate username", []string{"--username", "wang.fang", "--role", "agent"}, "the username wang.fang is taken"},
		{"no username", []string{"--role", "agent"}, "--username"},
		{"username in capitals", []string{"--username", "Wang.Fang", "--role", "agent"}, "--username"},
		{"username too short", []string{"--username", "wf", "--role", "agent"}, "--username"},
		{"username of 10 KB", []string{"--username", strings.Repeat("w", 10<<10), "--role", "agent"}, "--username"},
		{"username with NUL", []string{"--username", "wang\x00fang", "--role", "agent"}, "--username"},
		{"no role", []string{"--username", "zhao.lei"}, "--role"},
		{"unknown role", []string{"--username", "zhao.lei", "--role", "root"}, "want one of agent, supervisor, finance, auditor, admin"},
		{"role in capitals", []string{"--username", "zhao.lei", "--role", "ADMIN"}, "--role"},
		{"station zero", []string{"--username", "zhao.lei", "--role", "agent", "--station", "0"}, "--station"},
		{"negative station", []string{"--username", "zhao.lei", "--role", "agent", "--station", "-3"}, "--station"},
		{"station not a number", []string{"--username", "zhao.lei", "--role", "agent", "--station", "城关"}, "--station"},
		{"station the core does not know", []string{"--username", "zhao.lei", "--role", "agent", "--station", "999"}, "no such supply station"},
		{"station beyond INT", []string{"--username", "zhao.lei", "--role", "agent", "--station", "2147483648"}, "--station"},
		{"name with a newline", []string{"--username", "zhao.lei", "--role", "agent", "--name", "赵\n雷"}, "display name"},
		{"name of 51 characters", []string{"--username", "zhao.lei", "--role", "agent", "--name", strings.Repeat("雷", 51)}, "display name"},
		{"blank name", []string{"--username", "zhao.lei", "--role", "agent", "--name", "   "}, "display name"},
		{"an extra argument", []string{"--username", "zhao.lei", "--role", "agent", "now"}, "unexpected argument"},
		{"an unknown flag", []string{"--username", "zhao.lei", "--role", "agent", "--password", "admin"}, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := createUser(t, e, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("create-user = %v, want an error with %q", err, tt.want)
			}
			if strings.Contains(out, "one-time password") {
				t.Errorf("a failed create-user printed a password:\n%s", out)
			}
		})
	}
	if _, err := createUser(t, e, "--username", "zhao.lei", "--role", "agent"); err != nil {
		t.Errorf("zhao.lei after the failed attempts: %v", err)
	}
	var out, logs bytes.Buffer
	if err := app.Run(context.Background(), []string{"admin", "delete-user"}, e.get, &out, &logs); err == nil ||
		!strings.Contains(err.Error(), "unknown action") {
		t.Errorf("admin delete-user = %v, want an unknown action", err)
	}
	if err := app.Run(context.Background(), []string{"admin"}, e.get, &out, &logs); err == nil {
		t.Error("admin with no action succeeded")
	}
}

// TestAdminCreateUserProduction checks that production changes no schema: create-user refuses a
// database that `gridpay migrate` has not brought up to date, and works on one it has.
func TestAdminCreateUserProduction(t *testing.T) {
	e := withSMS(withDBs(t, env{"GRIDPAY_ENV": "production", "GRIDPAY_PUBLIC_URL": "https://pay.example.cn", "GRIDPAY_BUREAU": "青山县供电公司",
		"GRIDPAY_REDIS_URL": redistest.URL(t, redistest.DBApp), "GRIDPAY_BANK_SECRET": strings.Repeat("ab", 32)}))
	if _, err := createUser(t, e, "--username", "root.admin", "--role", "admin"); err == nil || !strings.Contains(err.Error(), "gridpay migrate") {
		t.Fatalf("create-user on an unmigrated database = %v, want an error naming gridpay migrate", err)
	}
	db, err := store.Open(context.Background(), e["GRIDPAY_PORTAL_DB"])
	if err != nil {
		t.Fatal(err)
	}
	pending, err := db.SchemaPending(context.Background(), store.PortalSchema)
	db.Close()
	if err != nil || !pending {
		t.Fatalf("after a refused create-user the portal schema is pending = %v, %v; want true: it changed", pending, err)
	}

	if err := app.Run(context.Background(), []string{"migrate"}, e.get, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	out, err := createUser(t, e, "--username", "root.admin", "--role", "admin")
	if err != nil {
		t.Fatalf("create-user after migrate: %v", err)
	}
	m := oneTimePassword.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no password in:\n%s", out)
	}
	if err := staff.CheckStrength(m[1]); err != nil {
		t.Errorf("production's one-time password is weak: %v", err)
	}
	if ok, err := staff.CheckPassword(readStaff(t, e["GRIDPAY_PORTAL_DB"], "root.admin").hash, m[1]); !ok || err != nil {
		t.Errorf("CheckPassword = %v, %v", ok, err)
	}
}

func TestAdminUsage(t *testing.T) {
	var out bytes.Buffer
	if err := app.Run(context.Background(), []string{"help"}, env{}.get, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "gridpay admin") || !strings.Contains(out.String(), "create-user") {
		t.Errorf("usage does not name gridpay admin create-user:\n%s", out.String())
	}
}
