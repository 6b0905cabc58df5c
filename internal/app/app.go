// Package app wires Steward together: configuration -> database ->
// services -> HTTP server and background workers. It holds no rules.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"steward/internal/auth"
	"steward/internal/directory"
	"steward/internal/incident"
	"steward/internal/mailin"
	"steward/internal/notify"
	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/platform/outbox"
	"steward/internal/platform/settings"
	"steward/internal/sla"
	"steward/internal/view"
	"steward/internal/web"
)

// Version is the build's version, set with -ldflags at release.
var Version = "dev"

// Config is everything an operator can set. The zero value plus Defaults
// gives a working single-node instance.
type Config struct {
	Addr          string           // listen address
	DataDir       string           // where SQLite and other local state live
	DB            string           // postgres://... or a SQLite path; empty: DataDir/steward.db
	BaseURL       string           // public URL, e.g. https://desk.example.com
	AdminEmail    string           // first admin, created when there is no account
	AdminPassword string           // empty: generate one and log it once
	MaxAttachment int64            // bytes
	Role          string           // all, web or worker
	Demo          bool             // load the demo organisation on start
	SMTP          notify.SMTP      // outbound mail; an empty Host sends no notifications
	SMTPAddr      string           // inbound SMTP listener; empty: off
	SMTPDomain    string           // host name in the listener's greeting
	MailAddresses []string         // Steward's own addresses (inbound recipients; never imported as senders)
	IMAPMailboxes []mailin.Mailbox // mailboxes to poll
}

// Validate names every bad setting at once.
func (c *Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr: must be host:port, e.g. 127.0.0.1:8080"))
	} else if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr: %w", err))
	}
	if c.DB == "" && c.DataDir == "" {
		errs = append(errs, errors.New("data: a data directory is needed when no database URL is given"))
	}
	if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		errs = append(errs, errors.New("base-url: must start with http:// or https://"))
	}
	if c.MaxAttachment <= 0 || c.MaxAttachment > 1<<30 {
		errs = append(errs, errors.New("max-attachment: must be between 1 byte and 1 GiB"))
	}
	if c.SMTP.Host != "" {
		if err := c.SMTP.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	switch c.Role {
	case "all", "web", "worker":
	default:
		errs = append(errs, fmt.Errorf("role: %q is not one of all, web, worker", c.Role))
	}
	return errors.Join(errs...)
}

// App is a running Steward node's parts.
type App struct {
	Config    Config
	Log       *slog.Logger
	DB        *db.DB
	Auth      *auth.Service
	Incidents *incident.Service
	Directory *directory.Directory
	SLA       *sla.Service
	SLAEngine *sla.Engine
	Relay     *outbox.Relay
	Mail      *notify.Sender // nil when no SMTP server is configured
	MailIn    *mailin.Service
	Registry  *prometheus.Registry
	Node      string
	web       *web.Server
	migrated  atomic.Bool
}

// Open connects to the database, applies migrations and builds the services.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	d, err := db.Open(ctx, cfg.DB, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	n, err := d.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("applied migrations", "count", n)
	}
	key, err := settings.Ensure(ctx, d, "cursor_key", func() string { return auth.RandomSecret(32) })
	if err != nil {
		d.Close()
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: d, Node: nodeName()}
	a.migrated.Store(true)
	a.Auth = auth.NewService(d)
	signer := cursor.NewSigner([]byte(key))
	a.Incidents = incident.NewService(d, signer)
	a.Directory = directory.New(d)
	a.SLA = sla.NewService(d)
	a.SLAEngine = &sla.Engine{DB: d, Now: func() time.Time { return time.Now().UTC() }, Calendar: a.SLA.Hours}
	own := slices.Clone(cfg.MailAddresses)
	if cfg.SMTP.From != "" {
		own = append(own, cfg.SMTP.From)
	}
	a.MailIn = mailin.New(d, a.Incidents, mailin.Config{OwnAddresses: own})
	a.MailIn.Log = log
	consumers := []outbox.Consumer{a.SLAEngine.Consumer(), a.Incidents.Escalations()}
	if cfg.SMTP.Host != "" {
		consumers = append(consumers, (&notify.Notifier{BaseURL: cfg.BaseURL}).Consumer())
		a.Mail = &notify.Sender{DB: d, SMTP: cfg.SMTP, Node: a.Node, Log: log}
	}
	a.Relay = outbox.NewRelay(d, log, consumers...)
	a.Incidents.Committed = a.Relay.Wake
	a.Incidents.Members = func(ctx context.Context, groupID int64) ([]auth.Member, error) {
		g, err := a.Auth.Group(ctx, auth.System, groupID)
		return g.Members, err
	}
	a.Registry = prometheus.NewRegistry()
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(d.Write, "write"))
	if d.Read != d.Write {
		a.Registry.MustRegister(collectors.NewDBStatsCollector(d.Read, "read"))
	}
	sessions := scs.New()
	sessions.Store = auth.NewSessionStore(d)
	sessions.Lifetime = 12 * time.Hour
	sessions.IdleTimeout = 2 * time.Hour
	sessions.Cookie.Name = "steward_session"
	sessions.Cookie.HttpOnly = true
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	sessions.Cookie.Secure = strings.HasPrefix(cfg.BaseURL, "https://")
	sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		if r.Context().Err() != nil {
			// The browser went away before its session was saved: nobody
			// is there to answer, and nothing is wrong on our side.
			log.Debug("session", "err", err)
			return
		}
		log.Error("session", "err", err)
		http.Error(w, "session error", http.StatusInternalServerError)
	}
	a.web = &web.Server{
		Config: web.Config{BaseURL: cfg.BaseURL, SecureCookies: sessions.Cookie.Secure, MaxAttachment: cfg.MaxAttachment, Version: Version},
		DB:     d, Auth: a.Auth, Incidents: a.Incidents, Directory: a.Directory, Views: view.NewService(d), Cursor: signer,
		SLA: a.SLA, SLAEngine: a.SLAEngine, MailIn: a.MailIn,
		Sessions: sessions, Log: log, Metrics: web.NewMetrics(a.Registry), Ready: a.ready,
	}
	return a, nil
}

// Handler is the node's HTTP handler (for tests and embedding).
func (a *App) Handler() http.Handler { return a.web.Handler() }

// Routes lists the patterns the last Handler registered (for tests).
func (a *App) Routes() []string { return a.web.Routes() }

// OpenAPI is the API document the last Handler built (for tests).
func (a *App) OpenAPI() *huma.OpenAPI { return a.web.OpenAPI() }

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

func (a *App) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.DB.Ping(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	if !a.migrated.Load() {
		pending, err := a.DB.Pending(ctx)
		if err != nil || pending {
			return errors.New("migrations pending")
		}
		a.migrated.Store(true)
	}
	return nil
}

// EnsureAdmin creates the first admin account on an empty instance and logs
// its credentials once.
func (a *App) EnsureAdmin(ctx context.Context) error {
	created, password, err := a.Auth.EnsureAdmin(ctx, a.Config.AdminEmail, a.Config.AdminPassword)
	if err != nil {
		return fmt.Errorf("create admin: %w", err)
	}
	if created && password != "" {
		a.Log.Warn("created the first admin account; this password is shown once, change it after signing in",
			"email", a.Config.AdminEmail, "password", password)
	} else if created {
		a.Log.Info("created the first admin account", "email", a.Config.AdminEmail)
	}
	return nil
}

// Serve runs the HTTP server and the background workers until ctx ends, then
// shuts down gracefully: in-flight requests finish, workers stop.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(a.web.StopStreams)
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	if a.Config.Role != "web" {
		wg.Go(func() { a.Relay.Run(workCtx) })
		wg.Go(func() { a.sweep(workCtx) })
		wg.Go(func() { a.autoClose(workCtx) })
		wg.Go(func() { a.slaSweep(workCtx) })
		if a.Mail != nil {
			wg.Go(func() { a.Mail.Run(workCtx) })
		}
		for _, box := range a.Config.IMAPMailboxes {
			p := mailin.NewPoller(a.MailIn, box, a.Node)
			wg.Go(func() {
				if err := p.Run(workCtx); err != nil && workCtx.Err() == nil {
					a.Log.Error("imap poller stopped", "host", box.Host, "folder", box.Folder, "err", err)
				}
			})
		}
	}
	if a.Config.SMTPAddr != "" {
		l := mailin.NewSMTP(a.MailIn, mailin.SMTPConfig{Addr: a.Config.SMTPAddr, Domain: a.Config.SMTPDomain, Recipients: a.Config.MailAddresses})
		wg.Go(func() {
			if err := l.Run(workCtx); err != nil && workCtx.Err() == nil {
				a.Log.Error("smtp listener stopped", "err", err)
			}
		})
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("steward is ready", "url", "http://"+ln.Addr().String(), "db", string(a.DB.Dialect), "node", a.Node, "role", a.Config.Role)
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		a.Log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	stopWork()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func nodeName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}
