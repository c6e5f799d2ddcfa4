package store_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/staff"
	"gridpay/internal/store"
)

// cliAudit is the audit of an account made on the command line.
var cliAudit = store.Audit{Action: "staff.create", Reason: "gridpay admin create-user", ClientAddr: "cli"}

// staffHash is a well-formed hash for tests that do not sign in; hashing costs 64 MiB and ~50 ms.
const staffHash = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"

func TestCreateStaff(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newDisputeStore(t, db)
		ctx := t.Context()
		created, err := p.CreateStaff(ctx, store.NewStaff{Username: "zhang.wei", DisplayName: "张伟 𠮷", Role: staff.Supervisor,
			StationID: 7, PasswordHash: staffHash, MustChangePassword: true}, cliAudit)
		if err != nil {
			t.Fatalf("CreateStaff: %v", err)
		}
		at := time.Date(2026, 11, 26, 8, 0, 0, 123_000_000, time.UTC)
		want := store.Staff{ID: created.ID, Username: "zhang.wei", DisplayName: "张伟 𠮷", Role: staff.Supervisor, StationID: 7,
			PasswordHash: staffHash, MustChangePassword: true, CreatedAt: at, UpdatedAt: at}
		if created.ID <= 0 || created != want {
			t.Errorf("CreateStaff = %+v, want %+v", created, want)
		}
		got, err := p.StaffByUsername(ctx, "zhang.wei")
		if err != nil || got != want {
			t.Errorf("StaffByUsername = %+v, %v; want %+v", got, err, want)
		}

		clock.t = clock.t.Add(time.Hour)
		county, err := p.CreateStaff(ctx, store.NewStaff{Username: "li-na_2", DisplayName: "Li Na", Role: staff.Auditor,
			PasswordHash: staffHash}, store.Audit{StaffID: created.ID, Action: "staff.create", Reason: "新任审计", ClientAddr: "[2001:db8::1]:443"})
		if err != nil {
			t.Fatalf("CreateStaff without a station: %v", err)
		}
		if got, err := p.StaffByUsername(ctx, "li-na_2"); err != nil || got.StationID != 0 || got.MustChangePassword || got.Disabled {
			t.Errorf("StaffByUsername of a county-wide auditor = %+v, %v", got, err)
		}

		entries, total, err := p.AuditLog(ctx, store.AuditFilter{}, store.Page{})
		if err != nil || total != 2 || len(entries) != 2 {
			t.Fatalf("AuditLog = %d entries of %d, %v; want 2 of 2", len(entries), total, err)
		}
		newest, oldest := entries[0], entries[1]
		if newest.StaffID != created.ID || newest.Target != "staff:li-na_2" || newest.Reason != "新任审计" ||
			newest.ClientAddr != "[2001:db8::1]:443" || !newest.At.Equal(at.Add(time.Hour)) || newest.Before != "" {
			t.Errorf("newest audit row = %+v", newest)
		}
		if oldest.StaffID != 0 || oldest.Action != "staff.create" || oldest.Target != "staff:zhang.wei" || oldest.ClientAddr != "cli" ||
			!oldest.At.Equal(at) {
			t.Errorf("oldest audit row = %+v", oldest)
		}
		var state map[string]any
		if err := json.Unmarshal([]byte(oldest.After), &state); err != nil {
			t.Fatalf("after state %q: %v", oldest.After, err)
		}
		if state["username"] != "zhang.wei" || state["role"] != "supervisor" || state["display_name"] != "张伟 𠮷" ||
			state["station_id"] != float64(7) || state["must_change_password"] != true || state["id"] != float64(created.ID) {
			t.Errorf("after state = %v", state)
		}
		if strings.Contains(oldest.After, "argon2") || strings.Contains(newest.After, "argon2") {
			t.Errorf("the audit log holds a password hash: %s", oldest.After)
		}
		if county.ID == created.ID {
			t.Error("two accounts share an id")
		}
	})
}

func TestCreateStaffDuplicate(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newDisputeStore(t, db)
		ctx := t.Context()
		s := store.NewStaff{Username: "wang.fang", DisplayName: "王芳", Role: staff.Agent, PasswordHash: staffHash}
		if _, err := p.CreateStaff(ctx, s, cliAudit); err != nil {
			t.Fatal(err)
		}
		s.Role = staff.Admin
		if _, err := p.CreateStaff(ctx, s, cliAudit); !errors.Is(err, billing.ErrConflict) {
			t.Errorf("second wang.fang: err = %v, want ErrConflict", err)
		}
		// The failed creation left no audit row behind: the row and the account are one transaction.
		if n := countRows(t, db, "staff_audit"); n != 1 {
			t.Errorf("%d audit rows, want 1", n)
		}
		if n := countRows(t, db, "staff"); n != 1 {
			t.Errorf("%d staff rows, want 1", n)
		}
	})
}

// TestCreateStaffAtOnce creates one username from many goroutines: exactly one wins, the rest
// conflict, and exactly one audit row is written.
func TestCreateStaffAtOnce(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newDisputeStore(t, db)
		const n = 8
		var (
			mu              sync.Mutex
			won, conflicted int
			unexpected      []error
		)
		atOnce(t, db, n, func(int) {
			_, err := p.CreateStaff(t.Context(), store.NewStaff{Username: "zhao.lei", DisplayName: "赵雷", Role: staff.Finance,
				PasswordHash: staffHash, MustChangePassword: true}, cliAudit)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, billing.ErrConflict):
				conflicted++
			default:
				unexpected = append(unexpected, err)
			}
		})
		if won != 1 || conflicted != n-1 || len(unexpected) > 0 {
			t.Errorf("won %d, conflicted %d, other errors %v; want 1, %d, none", won, conflicted, unexpected, n-1)
		}
		if got := countRows(t, db, "staff_audit"); got != 1 {
			t.Errorf("%d audit rows, want 1", got)
		}
	})
}

func TestCreateStaffInvalid(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newDisputeStore(t, db)
		good := store.NewStaff{Username: "sun.li", DisplayName: "孙丽", Role: staff.Agent, PasswordHash: staffHash}
		tests := []struct {
			name  string
			edit  func(*store.NewStaff)
			audit func(*store.Audit)
		}{
			{"username too short", func(s *store.NewStaff) { s.Username = "sl" }, nil},
			{"username too long", func(s *store.NewStaff) { s.Username = strings.Repeat("s", 33) }, nil},
			{"username of 10 KB", func(s *store.NewStaff) { s.Username = strings.Repeat("s", 10<<10) }, nil},
			{"username in capitals", func(s *store.NewStaff) { s.Username = "Sun.Li" }, nil},
			{"username with NUL", func(s *store.NewStaff) { s.Username = "sun\x00li" }, nil},
			{"username in Chinese", func(s *store.NewStaff) { s.Username = "孙丽丽" }, nil},
			{"username with a quote", func(s *store.NewStaff) { s.Username = "sun'li" }, nil},
			{"blank display name", func(s *store.NewStaff) { s.DisplayName = "  " }, nil},
			{"display name of 51 characters", func(s *store.NewStaff) { s.DisplayName = strings.Repeat("丽", 51) }, nil},
			{"display name of 26 rare characters", func(s *store.NewStaff) { s.DisplayName = strings.Repeat("𠮷", 26) }, nil},
			{"display name with NUL", func(s *store.NewStaff) { s.DisplayName = "孙\x00丽" }, nil},
			{"display name with a newline", func(s *store.NewStaff) { s.DisplayName = "孙\n丽" }, nil},
			{"display name not UTF-8", func(s *store.NewStaff) { s.DisplayName = "\xff\xfe" }, nil},
			{"unknown role", func(s *store.NewStaff) { s.Role = "root" }, nil},
			{"role in capitals", func(s *store.NewStaff) { s.Role = "AGENT" }, nil},
			{"empty role", func(s *store.NewStaff) { s.Role = "" }, nil},
			{"negative station", func(s *store.NewStaff) { s.StationID = -1 }, nil},
			{"station beyond INT", func(s *store.NewStaff) { s.StationID = 1 << 31 }, nil},
			{"empty hash", func(s *store.NewStaff) { s.PasswordHash = "" }, nil},
			{"hash of 10 KB", func(s *store.NewStaff) { s.PasswordHash = strings.Repeat("a", 10<<10) }, nil},
			{"hash with a space", func(s *store.NewStaff) { s.PasswordHash = "$argon2id$ x" }, nil},
			{"negative actor", nil, func(a *store.Audit) { a.StaffID = -1 }},
			{"no action", nil, func(a *store.Audit) { a.Action = "" }},
			{"action in capitals", nil, func(a *store.Audit) { a.Action = "STAFF.CREATE" }},
			{"action too long", nil, func(a *store.Audit) { a.Action = strings.Repeat("a", 33) }},
			{"action with a space", nil, func(a *store.Audit) { a.Action = "staff create" }},
			{"reason of 501 characters", nil, func(a *store.Audit) { a.Reason = strings.Repeat("因", 501) }},
			{"reason of 10 KB", nil, func(a *store.Audit) { a.Reason = strings.Repeat("a", 10<<10) }},
			{"reason with NUL", nil, func(a *store.Audit) { a.Reason = "new\x00hire" }},
			{"blank reason", nil, func(a *store.Audit) { a.Reason = " \n " }},
			{"no client address", nil, func(a *store.Audit) { a.ClientAddr = "" }},
			{"client address with a space", nil, func(a *store.Audit) { a.ClientAddr = "1.2.3.4 evil" }},
			{"client address of 65 bytes", nil, func(a *store.Audit) { a.ClientAddr = strings.Repeat("1", 65) }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s, a := good, cliAudit
				if tt.edit != nil {
					tt.edit(&s)
				}
				if tt.audit != nil {
					tt.audit(&a)
				}
				if _, err := p.CreateStaff(t.Context(), s, a); !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("CreateStaff = %v, want ErrInvalid", err)
				}
			})
		}
		if n := countRows(t, db, "staff") + countRows(t, db, "staff_audit"); n != 0 {
			t.Errorf("%d rows written by invalid creations", n)
		}
		// The bounds themselves pass.
		s := good
		s.Username, s.DisplayName, s.StationID = strings.Repeat("s", 32), strings.Repeat("𠮷", 25), 1<<31-1
		a := cliAudit
		a.Reason, a.ClientAddr = strings.Repeat("因", 498)+"\n\t", strings.Repeat("1", 64)
		if _, err := p.CreateStaff(t.Context(), s, a); err != nil {
			t.Errorf("CreateStaff at the bounds: %v", err)
		}
	})
}

func TestStaffByUsername(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, _ := newDisputeStore(t, db)
		if _, err := p.CreateStaff(t.Context(), store.NewStaff{Username: "zhou.jie", DisplayName: "周杰", Role: staff.Admin,
			PasswordHash: staffHash}, cliAudit); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name     string
			username string
			want     error
		}{
			{"known", "zhou.jie", nil},
			{"unknown", "zhou.jia", billing.ErrNotFound},
			// SQL Server's usual collations would find these; the binary one does not.
			{"in capitals", "ZHOU.JIE", billing.ErrInvalid},
			{"with a trailing space", "zhou.jie ", billing.ErrInvalid},
			{"empty", "", billing.ErrInvalid},
			{"10 KB", strings.Repeat("z", 10<<10), billing.ErrInvalid},
			{"NUL", "zhou.jie\x00", billing.ErrInvalid},
			{"SQL", "' OR 1=1 --", billing.ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := p.StaffByUsername(t.Context(), tt.username)
				if tt.want == nil && (err != nil || got.Username != "zhou.jie" || got.Role != staff.Admin) {
					t.Errorf("StaffByUsername = %+v, %v", got, err)
				}
				if tt.want != nil && !errors.Is(err, tt.want) {
					t.Errorf("StaffByUsername = %v, want %v", err, tt.want)
				}
			})
		}
	})
}

func TestAuditLogFilters(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		p, clock := newDisputeStore(t, db)
		ctx := t.Context()
		start := clock.t.Truncate(time.Millisecond)
		admin, err := p.CreateStaff(ctx, store.NewStaff{Username: "admin.one", DisplayName: "管理员", Role: staff.Admin,
			PasswordHash: staffHash}, cliAudit)
		if err != nil {
			t.Fatal(err)
		}
		// Five accounts an hour apart, made by the admin; one more on the command line.
		for i, name := range []string{"agent.a", "agent.b", "agent.c", "agent.d", "agent.e"} {
			clock.t = start.Add(time.Duration(i+1) * time.Hour)
			if _, err := p.CreateStaff(ctx, store.NewStaff{Username: name, DisplayName: name, Role: staff.Agent, PasswordHash: staffHash},
				store.Audit{StaffID: admin.ID, Action: "staff.create", ClientAddr: "10.0.0.1"}); err != nil {
				t.Fatal(err)
			}
		}
		clock.t = start.Add(6 * time.Hour)
		if _, err := p.CreateStaff(ctx, store.NewStaff{Username: "imported", DisplayName: "imported", Role: staff.Auditor,
			PasswordHash: staffHash}, store.Audit{Action: "staff.import", ClientAddr: "cli"}); err != nil {
			t.Fatal(err)
		}

		targets := func(es []store.AuditEntry) string {
			var s []string
			for _, e := range es {
				s = append(s, strings.TrimPrefix(e.Target, "staff:"))
			}
			return strings.Join(s, " ")
		}
		tests := []struct {
			name   string
			filter store.AuditFilter
			page   store.Page
			want   string
			total  int
		}{
			{"everything, newest first", store.AuditFilter{}, store.Page{}, "imported agent.e agent.d agent.c agent.b agent.a admin.one", 7},
			{"by the admin", store.AuditFilter{StaffID: admin.ID}, store.Page{}, "agent.e agent.d agent.c agent.b agent.a", 5},
			{"by nobody known", store.AuditFilter{StaffID: admin.ID + 100}, store.Page{}, "", 0},
			{"one action", store.AuditFilter{Action: "staff.import"}, store.Page{}, "imported", 1},
			{"from, included", store.AuditFilter{From: start.Add(5 * time.Hour)}, store.Page{}, "imported agent.e", 2},
			{"to, excluded", store.AuditFilter{To: start.Add(time.Hour)}, store.Page{}, "admin.one", 1},
			{"between", store.AuditFilter{From: start.Add(2 * time.Hour), To: start.Add(4 * time.Hour)}, store.Page{}, "agent.c agent.b", 2},
			{"from in another zone", store.AuditFilter{From: start.Add(5 * time.Hour).In(time.FixedZone("CST", 8*3600))}, store.Page{}, "imported agent.e", 2},
			{"all filters", store.AuditFilter{StaffID: admin.ID, Action: "staff.create", From: start.Add(time.Hour), To: start.Add(3 * time.Hour)},
				store.Page{}, "agent.b agent.a", 2},
			{"a page", store.AuditFilter{}, store.Page{Limit: 2, Offset: 2}, "agent.d agent.c", 7},
			{"past the end", store.AuditFilter{}, store.Page{Limit: 2, Offset: 70}, "", 7},
			{"a negative offset starts at the top", store.AuditFilter{}, store.Page{Limit: 1, Offset: -5}, "imported", 7},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := p.AuditLog(ctx, tt.filter, tt.page)
				if err != nil || targets(got) != tt.want || total != tt.total {
					t.Errorf("AuditLog = %q of %d, %v; want %q of %d", targets(got), total, err, tt.want, tt.total)
				}
			})
		}

		invalid := []struct {
			name   string
			filter store.AuditFilter
		}{
			{"negative staff", store.AuditFilter{StaffID: -1}},
			{"action in capitals", store.AuditFilter{Action: "STAFF.CREATE"}},
			{"action of 10 KB", store.AuditFilter{Action: strings.Repeat("a", 10<<10)}},
			{"action with SQL", store.AuditFilter{Action: "x' OR '1'='1"}},
			{"to before from", store.AuditFilter{From: start.Add(time.Hour), To: start}},
			{"to equal to from", store.AuditFilter{From: start, To: start}},
			{"from in year 1", store.AuditFilter{From: time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC)}},
			{"to in year 9999", store.AuditFilter{To: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}},
		}
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				if _, _, err := p.AuditLog(ctx, tt.filter, store.Page{}); !errors.Is(err, billing.ErrInvalid) {
					t.Errorf("AuditLog = %v, want ErrInvalid", err)
				}
			})
		}
	})
}

// TestAuditLogIsAppendOnly holds the store to the audit log's promise: no statement of the store
// updates or deletes its rows, so that no route built on the store can either. It reads the store's
// own source and its migrations, and fails if such a statement ever appears.
func TestAuditLogIsAppendOnly(t *testing.T) {
	forbidden := regexp.MustCompile(`(?is)\b(UPDATE|DELETE\s+FROM|DELETE|TRUNCATE\s+TABLE|MERGE\s+INTO|MERGE)\s+(\[?dbo\]?\.)?\[?staff_audit\b`)
	var files []string
	for _, pattern := range []string{"*.go", "migrations/*/*/*.sql"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := forbidden.Find(b); m != nil {
			t.Errorf("%s: %q changes the append-only audit log", f, m)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("checked only %d files: is the test still in internal/store?", checked)
	}
	// The pattern itself must catch what it is for, else the test above cannot fail.
	for _, bad := range []string{"UPDATE staff_audit SET reason = ''", "delete from staff_audit where id = 1",
		"DELETE staff_audit WHERE 1 = 1", "update [dbo].[staff_audit] set x = 1", "TRUNCATE TABLE staff_audit", "UPDATE\n\tstaff_audit"} {
		if !forbidden.MatchString(bad) {
			t.Errorf("the pattern misses %q", bad)
		}
	}
	if forbidden.MatchString("INSERT INTO staff_audit (at) VALUES (@at)") || forbidden.MatchString("SELECT id FROM staff_audit") {
		t.Error("the pattern takes an insert or a select for a change")
	}
}

func TestSchemaPending(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if pending, err := db.SchemaPending(ctx, store.PortalSchema); err != nil || !pending {
			t.Errorf("SchemaPending of an empty database = %v, %v; want true, nil", pending, err)
		}
		if pending, err := db.SchemaPending(ctx, store.PortalSchema); err != nil || !pending {
			t.Errorf("SchemaPending asked again = %v, %v; want true, nil: the first ask changed something", pending, err)
		}
		// Asking creates nothing, not even goose's version table.
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM goose_portal_version`).Scan(&n); err == nil {
			t.Error("SchemaPending created the version table")
		}
		if _, err := db.MigrateSchema(ctx, store.PortalSchema); err != nil {
			t.Fatal(err)
		}
		if pending, err := db.SchemaPending(ctx, store.PortalSchema); err != nil || pending {
			t.Errorf("SchemaPending of a migrated portal schema = %v, %v; want false, nil", pending, err)
		}
		if pending, err := db.SchemaPending(ctx, store.CoreSchema); err != nil || !pending {
			t.Errorf("SchemaPending of the core schema, not migrated = %v, %v; want true, nil", pending, err)
		}
	})
}
