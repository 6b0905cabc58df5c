// Command steward runs Steward, an IT service management platform, and its
// administration commands.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"steward/internal/app"
	"steward/internal/auth"
	"steward/internal/demo"
	"steward/internal/mailin"
	"steward/internal/notify"
	"steward/internal/platform/fault"
	_ "time/tzdata" // IANA zones inside the binary, whatever the host has
)

// Globals are the settings every command shares.
type Globals struct {
	Data      string `default:"./steward-data" env:"STEWARD_DATA" help:"Directory for the SQLite database and other local state."`
	DB        string `env:"STEWARD_DB" placeholder:"URL" help:"Database: postgres://user:pass@host/db for PostgreSQL, or a SQLite file path. Default: SQLite in --data."`
	LogLevel  string `default:"info" enum:"debug,info,warn,error" env:"STEWARD_LOG_LEVEL" help:"Log level: debug, info, warn, error."`
	LogFormat string `default:"text" enum:"text,json" env:"STEWARD_LOG_FORMAT" help:"Log format: text or json."`

	// Settings of the server (serve, the default command).

	Addr          string `default:"127.0.0.1:8080" env:"STEWARD_ADDR" help:"Address to listen on."`
	BaseURL       string `env:"STEWARD_BASE_URL" placeholder:"URL" help:"Public URL of this instance (https://... enables Secure cookies)."`
	Demo          bool   `env:"STEWARD_DEMO" help:"Load a demo organisation (users, groups, categories, services, incidents) if not loaded yet."`
	AdminEmail    string `default:"admin@steward.localhost" env:"STEWARD_ADMIN_EMAIL" help:"Email of the first admin, created when there is no account."`
	AdminPassword string `env:"STEWARD_ADMIN_PASSWORD" help:"Password of the first admin; generated and logged once if empty."`
	MaxAttachment int64  `default:"26214400" env:"STEWARD_MAX_ATTACHMENT" help:"Largest attachment in bytes."`

	// Inbound mail.

	SMTPAddr      string   `name:"smtp-addr" env:"STEWARD_SMTP_ADDR" placeholder:"HOST:PORT" help:"Receive mail over SMTP on this address, for a mail server to relay to (off when empty)."`
	SMTPDomain    string   `name:"smtp-domain" env:"STEWARD_SMTP_DOMAIN" help:"Host name in the SMTP greeting."`
	MailAddresses []string `name:"mail-addresses" env:"STEWARD_MAIL_ADDRESSES" placeholder:"ADDRESS" help:"Steward's own addresses (@example.com for a whole domain): SMTP accepts mail for them, and mail from them is never imported."`
	IMAPMailboxes []string `name:"imap-mailboxes" env:"STEWARD_IMAP_MAILBOXES" sep:";" placeholder:"URL" help:"IMAP mailboxes to poll, such as imaps://user:pass@host/INBOX?move=Processed&every=1m&type=incident."`

	// Outbound mail (notifications).

	SMTPHost     string `name:"smtp-host" env:"STEWARD_SMTP_HOST" placeholder:"HOST" help:"Mail server that sends notifications (none are sent without one)."`
	SMTPPort     int    `name:"smtp-port" default:"587" env:"STEWARD_SMTP_PORT" help:"Mail server port (587 with starttls, 465 with tls, 25 with none)."`
	SMTPSecurity string `name:"smtp-security" default:"starttls" enum:"starttls,tls,none" env:"STEWARD_SMTP_SECURITY" help:"Connection security to the mail server (starttls, tls or none)."`
	SMTPUser     string `name:"smtp-user" env:"STEWARD_SMTP_USER" help:"Login at the mail server (none when empty)."`
	SMTPPassword string `name:"smtp-password" env:"STEWARD_SMTP_PASSWORD" help:"Password of the mail server login."`
	SMTPFrom     string `name:"smtp-from" env:"STEWARD_SMTP_FROM" placeholder:"ADDRESS" help:"From address of notifications, such as Service Desk <desk@example.com>."`
}

// CLI is the whole command line.
type CLI struct {
	Globals
	Serve   ServeCmd   `cmd:"" default:"withargs" help:"Run the server (the default command)."`
	Migrate MigrateCmd `cmd:"" help:"Apply database migrations and exit (also done at start)."`
	User    struct {
		Create UserCreateCmd `cmd:"" help:"Create a user account."`
	} `cmd:"" help:"Manage user accounts."`
	Token struct {
		Create TokenCreateCmd `cmd:"" help:"Create an API token and print it once."`
	} `cmd:"" help:"Manage API tokens."`
	Version VersionCmd `cmd:"" help:"Print the version."`
	Bench   BenchCmd   `cmd:"" help:"Measure: generate a data set, drive a server over HTTP, compare with the database's own limit."`
}

// ServeCmd runs a node; its settings are global flags so that
// `steward --help` lists them all.
type ServeCmd struct {
	Role string `default:"all" enum:"all,web,worker" env:"STEWARD_ROLE" help:"What this node runs: all, web (HTTP only) or worker (background work only)."`
}

func logger(g *Globals, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(g.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if g.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (g *Globals) config() app.Config {
	return app.Config{DataDir: g.Data, DB: g.DB, Addr: "127.0.0.1:0", MaxAttachment: 1, Role: "all"}
}

// Run starts the server and blocks until SIGINT or SIGTERM.
func (s *ServeCmd) Run(g *Globals) error {
	c := g
	log := logger(g, os.Stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var boxes []mailin.Mailbox
	for _, u := range c.IMAPMailboxes {
		b, err := mailin.ParseMailbox(u)
		if err != nil {
			return fmt.Errorf("imap-mailboxes: %w", err)
		}
		boxes = append(boxes, b)
	}
	cfg := app.Config{Addr: c.Addr, DataDir: g.Data, DB: g.DB, BaseURL: c.BaseURL, AdminEmail: c.AdminEmail,
		AdminPassword: c.AdminPassword, MaxAttachment: c.MaxAttachment, Role: s.Role, Demo: c.Demo,
		SMTP: notify.SMTP{Host: c.SMTPHost, Port: c.SMTPPort, Security: c.SMTPSecurity, Username: c.SMTPUser,
			Password: c.SMTPPassword, From: c.SMTPFrom},
		SMTPAddr: c.SMTPAddr, SMTPDomain: c.SMTPDomain, MailAddresses: c.MailAddresses, IMAPMailboxes: boxes}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.EnsureAdmin(ctx); err != nil {
		return err
	}
	if c.Demo {
		n, err := demo.Load(ctx, demo.Services{DB: a.DB, Auth: a.Auth, Directory: a.Directory, Incidents: a.Incidents, SLA: a.SLA}, demo.Options{})
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if n > 0 {
			log.Info("loaded the demo organisation", "incidents", n, "sign_in_as", demo.AgentEmail, "password", demo.Password)
		}
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	return a.Serve(ctx, ln)
}

// MigrateCmd applies migrations.
type MigrateCmd struct{}

// Run applies migrations and reports the schema version.
func (MigrateCmd) Run(g *Globals) error {
	log := logger(g, os.Stderr)
	a, err := app.Open(context.Background(), g.config(), log)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.DB.SchemaVersion(context.Background())
	if err != nil {
		return err
	}
	fmt.Printf("database %s is at schema version %d\n", a.DB.Source, v)
	return nil
}

// UserCreateCmd creates an account.
type UserCreateCmd struct {
	Email         string   `required:"" help:"Email address (the sign-in name)."`
	Name          string   `required:"" help:"Full name."`
	Role          string   `default:"requester" enum:"requester,agent,manager,admin" help:"Role: requester, agent, manager or admin."`
	Group         []string `help:"Assignment group to join (created if missing); repeat for several."`
	PasswordStdin bool     `help:"Read the password from the first line of standard input."`
}

// Run creates the user.
func (c *UserCreateCmd) Run(g *Globals) error {
	ctx := context.Background()
	a, err := app.Open(ctx, g.config(), logger(g, io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	var password string
	if c.PasswordStdin {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return errors.New("--password-stdin: standard input had no password")
		}
	}
	var groups []int64
	for _, name := range c.Group {
		grp, err := a.Auth.GroupByName(ctx, name)
		if errors.Is(err, fault.ErrNotFound) {
			grp, err = a.Auth.CreateGroup(ctx, auth.System, auth.GroupInput{Name: name})
		}
		if err != nil {
			return explain(err)
		}
		groups = append(groups, grp.ID)
	}
	u, err := a.Auth.CreateUser(ctx, auth.System, auth.NewUser{Email: c.Email, Name: c.Name, Role: auth.Role(c.Role), Password: password, Groups: groups})
	if err != nil {
		return explain(err)
	}
	fmt.Printf("created user %d %s (%s)\n", u.ID, u.Email, u.Role)
	return nil
}

// TokenCreateCmd creates an API token.
type TokenCreateCmd struct {
	Email string `required:"" help:"Email of the account the token acts as."`
	Name  string `required:"" help:"What the token is for (e.g. monitoring)."`
}

// Run prints the new token's secret, once.
func (c *TokenCreateCmd) Run(g *Globals) error {
	ctx := context.Background()
	a, err := app.Open(ctx, g.config(), logger(g, io.Discard))
	if err != nil {
		return err
	}
	defer a.Close()
	secret, _, err := a.Auth.CreateToken(ctx, auth.System, c.Email, c.Name)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintln(os.Stderr, "This token is shown once; store it now. Use it as: Authorization: Bearer <token>")
	fmt.Println(secret)
	return nil
}

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints the version.
func (VersionCmd) Run() error {
	fmt.Println("steward", app.Version)
	return nil
}

// explain turns a validation error into one line per field.
func explain(err error) error {
	var v *fault.ValidationError
	if errors.As(err, &v) {
		var b strings.Builder
		for _, f := range v.Fields {
			fmt.Fprintf(&b, "\n  --%s: %s", strings.ReplaceAll(f.Field, "_", "-"), f.Message)
		}
		return fmt.Errorf("invalid input:%s", b.String())
	}
	if errors.Is(err, fault.ErrNotFound) {
		return fmt.Errorf("not found: %w", err)
	}
	return err
}

func main() {
	var cli CLI
	ctx := kong.Parse(&cli,
		kong.Name("steward"),
		kong.Description("Steward: IT service management in one binary. Every flag can also be set with the STEWARD_* variable shown."),
		kong.UsageOnError(),
		kong.Bind(&cli.Globals),
	)
	ctx.FatalIfErrorf(ctx.Run())
}
