package web

import (
	"context"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"steward/internal/auth"
)

// Session keys.
const (
	sessionUser  = "user_id"
	sessionEpoch = "epoch"
	sessionCSRF  = "csrf"
)

// authenticate finds the principal: a bearer token, else the web session.
// A bad token is refused outright; a session whose account changed its
// password or role since is ended.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			p, err := s.Auth.PrincipalForToken(ctx, strings.TrimSpace(token))
			if !ok || err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="steward", error="invalid_token"`)
				writeProblem(w, newProblem(http.StatusUnauthorized, "The API token is missing, malformed, revoked or unknown."))
				return
			}
			next.ServeHTTP(w, r.WithContext(withPrincipal(ctx, p)))
			return
		}
		if id := s.Sessions.GetInt64(ctx, sessionUser); id != 0 {
			p, err := s.Auth.PrincipalFor(ctx, id)
			if err != nil || p.Epoch != s.Sessions.GetInt64(ctx, sessionEpoch) {
				_ = s.Sessions.Destroy(ctx)
			} else {
				ctx = withPrincipal(ctx, p)
			}
		}
		// Every API route but the OpenAPI document needs a caller; refusing
		// here means an anonymous request learns nothing from validation.
		if !principal(ctx).Authenticated() && strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasPrefix(r.URL.Path, "/api/v1/openapi") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="steward"`)
			writeProblem(w, newProblem(http.StatusUnauthorized, "Sign in or send a valid API token."))
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		next.ServeHTTP(w, r)
	})
}

// Metrics are the HTTP figures exported at /metrics.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "steward_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "steward_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// observe logs each request once, counts it by route pattern (never by raw
// path, which would explode the label set) and turns a panic into a 500.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		route := "unmatched"
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, &route))
		defer func() {
			if v := recover(); v != nil {
				s.Log.Error("panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeProblem(sw, newProblem(http.StatusInternalServerError, "Something went wrong on our side; it has been logged."))
				}
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			elapsed := time.Since(start)
			if s.Metrics != nil {
				s.Metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Inc()
				s.Metrics.latency.WithLabelValues(route, r.Method).Observe(elapsed.Seconds())
			}
			s.Log.Debug("request", "method", r.Method, "path", r.URL.Path, "route", route, "status", sw.status, "ms", elapsed.Milliseconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

type routeKey struct{}

// recordRoute tells observe which pattern the mux matched. The mux sets
// Pattern on the request it is handed, a copy made by the middleware in
// between (WithContext), so observe's own request never carries it.
func recordRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { // also when the handler panics
			if route, ok := r.Context().Value(routeKey{}).(*string); ok && r.Pattern != "" {
				*route = r.Pattern
			}
		}()
		mux.ServeHTTP(w, r)
	})
}

// requireRole wraps a handler that only roles at least min may use.
func requireRole(min auth.Role, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !principal(r.Context()).Role.AtLeast(min) {
			writeProblem(w, newProblem(http.StatusForbidden, "You are not allowed to do this."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func metricsHandler(m *Metrics) http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
