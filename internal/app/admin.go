package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/config"
	"gridpay/internal/demo"
	"gridpay/internal/staff"
	"gridpay/internal/store"
)

const adminUsage = `Usage:
  gridpay admin create-user --username U --role R [--station N] [--name NAME]

Roles: agent, supervisor, finance, auditor, admin.
`

// runAdmin runs `gridpay admin <action>`: staff accounts from the command line.
func runAdmin(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, adminUsage)
		return errors.New("admin: no action given")
	}
	switch args[0] {
	case "create-user":
		return runCreateUser(ctx, cfg, log, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, adminUsage)
		return nil
	default:
		fmt.Fprint(stderr, adminUsage)
		return fmt.Errorf("admin: unknown action %q", clip(args[0]))
	}
}

// runCreateUser creates a staff account with a one-time password, which it prints once: the first
// account of a deployment can come from nowhere else. Its audit row has no actor, and "cli" for
// the client address.
func runCreateUser(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gridpay admin create-user", stderr)
	username := fs.String("username", "", "the sign-in name: 3 to 32 of a-z 0-9 . _ - (required)")
	role := fs.String("role", "", "agent, supervisor, finance, auditor or admin (required)")
	station := fs.String("station", "", "the supply station whose customers alone the account sees (default: the whole county)")
	name := fs.String("name", "", "the name staff pages show (default: the username)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("admin create-user: unexpected argument %q", clip(fs.Arg(0)))
	}
	if !staff.ValidUsername(*username) {
		return fmt.Errorf("admin create-user: --username %q: want %d to %d characters of a-z 0-9 . _ - (lower case)",
			clip(*username), staff.MinUsername, staff.MaxUsername)
	}
	if r := staff.Role(*role); !r.Valid() {
		return fmt.Errorf("admin create-user: --role %q: want one of %s", clip(*role), roleList())
	}
	stationID := int64(0)
	if *station != "" {
		n, err := strconv.ParseInt(*station, 10, 64)
		if err != nil || n <= 0 || n > math.MaxInt32 {
			return fmt.Errorf("admin create-user: --station %q: want a station id, a whole number from 1", clip(*station))
		}
		stationID = n
	}
	display := *name
	if display == "" {
		display = *username
	}

	dbs, err := openDatabases(ctx, cfg)
	if err != nil {
		return err
	}
	defer dbs.close()
	// Dev keeps its schemas current, as seed does. Production changes no schema on its own
	// (`gridpay migrate` is a deliberate step), so it asks for one that is current already.
	if cfg.Production() {
		pending, err := dbs.portal.SchemaPending(ctx, store.PortalSchema)
		if err != nil {
			return err
		}
		if pending {
			return errors.New("admin create-user: the portal database is not migrated: run `gridpay migrate` first")
		}
	} else if err := dbs.migrate(ctx, log); err != nil {
		return err
	}

	stationName := ""
	if stationID > 0 {
		// Station staff see only its customers: a station the core database does not know would
		// show them nobody.
		core := store.NewCore(dbs.core, billing.DefaultLateFeeRates(), time.Now)
		if stationName, err = core.StationName(ctx, stationID); errors.Is(err, billing.ErrNotFound) {
			return fmt.Errorf("admin create-user: --station %d: the core database has no such supply station", stationID)
		} else if err != nil {
			return err
		}
	}
	password := staff.NewOneTimePassword()
	hash, err := staff.HashPassword(password)
	if err != nil {
		return err
	}
	portal := store.NewPortal(dbs.portal, time.Now)
	account, err := portal.CreateStaff(ctx, store.NewStaff{Username: *username, DisplayName: display, Role: staff.Role(*role),
		StationID: stationID, PasswordHash: hash, MustChangePassword: true},
		store.Audit{Action: "staff.create", Reason: "gridpay admin create-user", ClientAddr: "cli"})
	switch {
	case errors.Is(err, billing.ErrConflict):
		return fmt.Errorf("admin create-user: the username %s is taken", *username)
	case errors.Is(err, billing.ErrInvalid):
		return fmt.Errorf("admin create-user: %w", err)
	case err != nil:
		return err
	}
	log.Info("staff account created", "username", account.Username, "role", account.Role, "id", account.ID)

	fmt.Fprintf(stdout, "username:           %s\n", account.Username)
	fmt.Fprintf(stdout, "role:               %s\n", account.Role)
	if account.StationID > 0 {
		fmt.Fprintf(stdout, "station:            %d %s\n", account.StationID, stationName)
	}
	fmt.Fprintf(stdout, "one-time password:  %s\n\n", password)
	fmt.Fprintln(stdout, "The password is shown this once and must be changed at the first sign-in.")
	if account.Role.NeedsTOTP() {
		fmt.Fprintf(stdout, "A %s also enrols an authenticator app (TOTP) at the first sign-in.\n", account.Role)
	}
	return nil
}

// roleList names the roles for an error message.
func roleList() string {
	var names []string
	for _, r := range staff.Roles() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

// ensureDemoStaff makes the demo staff accounts (demo.Staff) that do not exist yet, with their
// fixed second factors: dev only, so that `make run` has a login of every role to try. Production
// never calls it; neither does a dev `serve`, whose schema may not be migrated (`all` migrates).
func ensureDemoStaff(ctx context.Context, p *store.Portal) error {
	for _, d := range demo.Staff() {
		_, err := p.StaffByUsername(ctx, d.Username)
		if err == nil {
			continue
		}
		if !errors.Is(err, billing.ErrNotFound) {
			return err
		}
		a := store.Audit{Action: "staff.create", Reason: "demo staff (dev only)", ClientAddr: "cli"}
		s, err := p.CreateStaff(ctx, store.NewStaff{Username: d.Username, DisplayName: d.DisplayName, Role: d.Role, PasswordHash: demo.StaffPasswordHash}, a)
		if err != nil {
			return fmt.Errorf("demo staff %s: %w", d.Username, err)
		}
		if d.TOTPSecret != "" {
			if _, err := p.SetStaffTOTP(ctx, s.ID, d.TOTPSecret, store.Audit{Reason: "demo staff (dev only)", ClientAddr: "cli"}); err != nil {
				return fmt.Errorf("demo staff %s: %w", d.Username, err)
			}
		}
	}
	return nil
}
