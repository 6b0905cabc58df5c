package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/web/ui"
)

type pages struct {
	login *template.Template
}

func parsePages() *pages {
	parse := func(name string) *template.Template {
		// Named after the page, so that render (which executes t.Name())
		// runs the page and not the layout file's bare definitions.
		return template.Must(template.New(name).ParseFS(ui.Templates, "templates/layout.html", "templates/"+name))
	}
	return &pages{login: parse("login.html")}
}

func (s *Server) registerPages(mux routeMux) {
	s.pages = parsePages()
	s.limiter = newLimiter(10, time.Minute)
	static, _ := fs.Sub(ui.Static, "static")
	fileServer := http.FileServerFS(static)
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(24*time.Hour, fileServer)))
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginSubmit)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /{$}", s.homePage)
	s.registerWorkspace(mux)
	s.registerReportPages(mux)
	s.registerNotifyPages(mux)
	s.registerQuarantinePages(mux)
	s.registerMailAdminPages(mux)
	s.registerPortal(mux)
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age="+itoa64(int64(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}

// csrfToken returns the session's form token, making one if needed. It backs
// up the Fetch-metadata check (http.CrossOriginProtection) for browsers that
// send neither Sec-Fetch-Site nor Origin.
func (s *Server) csrfToken(ctx context.Context) string {
	t := s.Sessions.GetString(ctx, sessionCSRF)
	if t == "" {
		t = auth.RandomSecret(24)
		s.Sessions.Put(ctx, sessionCSRF, t)
	}
	return t
}

func (s *Server) checkCSRF(r *http.Request) bool {
	want := s.Sessions.GetString(r.Context(), sessionCSRF)
	got := r.PostFormValue("csrf")
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

type loginView struct {
	Title, CSRF, Email, Next, Error string
	Fields                          map[string]string
}

func (s *Server) render(w http.ResponseWriter, t *template.Template, status int, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, t.Name(), data); err != nil {
		if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
			// The browser went away mid-page: nothing to fix on our side.
			s.Log.Debug("render", "template", t.Name(), "err", err)
			return
		}
		s.Log.Error("render", "template", t.Name(), "err", err)
	}
}

// safeNext keeps only local paths as a post-login destination.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if principal(r.Context()).UserID != 0 {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, s.pages.login, http.StatusOK, loginView{Title: "Sign in", CSRF: s.csrfToken(r.Context()), Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	view := loginView{Title: "Sign in", Email: strings.TrimSpace(r.PostFormValue("email")), Next: safeNext(r.PostFormValue("next")), Fields: map[string]string{}}
	if !s.checkCSRF(r) {
		view.CSRF = s.csrfToken(ctx)
		view.Error = "Your session expired. Please sign in again."
		s.render(w, s.pages.login, http.StatusForbidden, view)
		return
	}
	password := r.PostFormValue("password")
	if view.Email == "" {
		view.Fields["email"] = "Enter your email address."
	}
	if password == "" {
		view.Fields["password"] = "Enter your password."
	}
	status := http.StatusUnprocessableEntity
	if len(view.Fields) == 0 {
		if !s.limiter.allow(clientIP(r)) {
			view.Error, status = "Too many sign-in attempts from your network. Wait a minute and try again.", http.StatusTooManyRequests
		} else {
			p, err := s.Auth.Authenticate(ctx, view.Email, password)
			switch {
			case err == nil:
				s.startSession(ctx, p)
				http.Redirect(w, r, view.Next, http.StatusSeeOther)
				return
			case errors.Is(err, auth.ErrLocked):
				view.Error, status = "Too many failed sign-ins for this account. Try again later.", http.StatusTooManyRequests
			case errors.Is(err, auth.ErrBadCredentials):
				view.Error, status = "Wrong email or password.", http.StatusUnauthorized
			default:
				s.Log.Error("login", "err", err)
				view.Error, status = "Something went wrong on our side. Please try again.", http.StatusInternalServerError
			}
		}
	}
	view.CSRF = s.csrfToken(ctx)
	s.render(w, s.pages.login, status, view)
}

// startSession signs p in: a new session id (no fixation), the account's
// credential epoch, and a fresh form token.
func (s *Server) startSession(ctx context.Context, p auth.Principal) {
	_ = s.Sessions.RenewToken(ctx)
	s.Sessions.Put(ctx, sessionUser, p.UserID)
	s.Sessions.Put(ctx, sessionEpoch, p.Epoch)
	s.Sessions.Put(ctx, sessionCSRF, auth.RandomSecret(24))
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if s.checkCSRF(r) {
		_ = s.Sessions.Destroy(r.Context())
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// homePage sends each person to where their work is: agents to their
// queue, requesters to the portal.
func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	switch {
	case p.UserID == 0:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	case auth.Can(p, auth.UpdateRecord):
		http.Redirect(w, r, "/queues/my-work", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
	}
}

func stateLabel(name string) string {
	if st, ok := incident.Lifecycle.State(name); ok {
		return st.Label
	}
	return name
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter allows n attempts per window per key (a client address). It is per
// node; the per-account lockout in auth is shared by all nodes.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	seen   map[string][]time.Time
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, seen: map[string][]time.Time{}}
}

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if len(l.seen) > 10000 { // bound memory under a spray of addresses
		l.seen = map[string][]time.Time{}
	}
	recent := l.seen[key][:0]
	for _, t := range l.seen[key] {
		if now.Sub(t) < l.window {
			recent = append(recent, t)
		}
	}
	if len(recent) >= l.n {
		l.seen[key] = recent
		return false
	}
	l.seen[key] = append(recent, now)
	return true
}
