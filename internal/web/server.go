// Package web is Steward's HTTP face: the REST API under /api/v1 with its
// OpenAPI document, the server-rendered pages, and the middleware around
// them. It holds no business rules and writes no SQL: every handler calls a
// practice's service.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"golang.org/x/sync/singleflight"

	"steward/internal/auth"
	"steward/internal/directory"
	"steward/internal/incident"
	"steward/internal/mailin"
	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/sla"
	"steward/internal/view"
)

// Config is what the HTTP layer needs to know about its deployment.
type Config struct {
	BaseURL         string // public URL, e.g. https://desk.example.com
	SecureCookies   bool   // set when served over TLS
	MaxAttachment   int64  // bytes
	Version         string
	LoginRateWindow time.Duration
}

// Server holds the services the handlers call.
type Server struct {
	Config    Config
	DB        *db.DB
	Auth      *auth.Service
	Incidents *incident.Service
	Directory *directory.Directory
	Views     *view.Service
	SLA       *sla.Service
	SLAEngine *sla.Engine
	MailIn    *mailin.Service // nil: built on demand with default settings
	Cursor    *cursor.Signer
	Sessions  *scs.SessionManager
	Log       *slog.Logger
	Metrics   *Metrics
	// Ready reports whether the node may take traffic (database reachable,
	// migrations applied).
	Ready func(ctx context.Context) error

	pages *pages
	ws    *workspace
	// counts and directory cache what every workspace page shows
	// (workspace_counts.go).
	counts      countCache
	countFlight singleflight.Group
	directory   directoryCache

	streamMu    sync.Mutex
	stopStreams chan struct{} // closed by StopStreams
	limiter     *limiter
	routes      []string
	openAPI     *huma.OpenAPI
}

// OpenAPI returns the API's OpenAPI document (after Handler).
func (s *Server) OpenAPI() *huma.OpenAPI { return s.openAPI }

// routeMux records every pattern registered on the mux, so that tests can
// check each API route against the OpenAPI document.
type routeMux struct {
	mux *http.ServeMux
	s   *Server
}

func (m routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.s.routes = append(m.s.routes, pattern)
	m.mux.HandleFunc(pattern, h)
}

func (m routeMux) Handle(pattern string, h http.Handler) {
	m.s.routes = append(m.s.routes, pattern)
	m.mux.Handle(pattern, h)
}

func (m routeMux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

// Routes lists the patterns Handler registered ("GET /api/v1/incidents/{number}").
func (s *Server) Routes() []string { return s.routes }

// api builds the huma API on mux and registers every operation.
func (s *Server) api(mux routeMux) huma.API {
	cfg := huma.DefaultConfig("Steward API", s.Config.Version)
	cfg.Info.Description = "IT service management: incidents, requests, problems, changes and more. " +
		"Authenticate with `Authorization: Bearer <token>` (create one with `steward token create`) or a web session."
	cfg.OpenAPIPath = "/api/v1/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil
	cfg.RejectUnknownQueryParameters = true
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer":  {Type: "http", Scheme: "bearer"},
		"session": {Type: "apiKey", In: "cookie", Name: "steward_session"},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}, {"session": {}}}
	api := humago.New(mux, cfg)
	s.registerIncidents(api)
	s.registerIncidentActions(api)
	s.registerSLA(api)
	s.registerCalendars(api)
	s.registerRecordParts(api)
	s.registerDirectory(api)
	s.registerAccounts(api)
	s.registerSettings(api)
	s.registerReports(api)
	s.registerNotify(api)
	s.registerMail(api)
	return api
}

// Handler returns the whole HTTP handler with its middleware.
func (s *Server) Handler() http.Handler {
	mux := routeMux{mux: http.NewServeMux(), s: s}
	s.routes = nil
	s.openAPI = s.api(mux).OpenAPI()
	s.registerPages(mux)
	s.registerOps(mux)
	csrf := http.NewCrossOriginProtection()
	if s.Config.BaseURL != "" {
		_ = csrf.AddTrustedOrigin(s.Config.BaseURL)
	}
	h := recordRoute(mux.mux)
	h = s.authenticate(h)
	h = s.Sessions.LoadAndSave(h)
	h = csrf.Handler(h)
	h = securityHeaders(h)
	h = s.observe(h)
	return h
}

type principalKey struct{}

// principal returns who is acting in ctx (anonymous if nobody).
func principal(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey{}).(auth.Principal)
	return p
}

func withPrincipal(ctx context.Context, p auth.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}
