package web_test

import (
	"net/http"
	"testing"

	"steward/internal/platform/db"
)

// TestOpsEndpoints checks the probes and that metrics count requests by
// route pattern, never by raw path.
func TestOpsEndpoints(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		f.incident(t, f.ReqA, map[string]any{"title": "Counted"})
		f.must(t, http.StatusOK, f.ReqA, "GET", "/api/v1/incidents/INC0000001", nil, nil)
		f.must(t, http.StatusNotFound, f.ReqB, "GET", "/api/v1/incidents/INC0000001", nil, nil)
		f.must(t, http.StatusNotFound, anonymous, "GET", "/no/such/page", nil, nil)

		f.run(t, []scenario{
			{Name: "healthz", Method: "GET", URL: "/healthz", WantStatus: 200, WantContains: []string{"ok"}},
			{Name: "readyz", Method: "GET", URL: "/readyz", WantStatus: 200, WantContains: []string{"ready"}},
			{Name: "static file", Method: "GET", URL: "/static/app.css", WantStatus: 200, WantHeaders: map[string]string{"Cache-Control": "max-age=86400"}},
			{Name: "metrics", Method: "GET", URL: "/metrics", WantStatus: 200, WantContains: []string{
				"steward_http_requests_total",
				`steward_http_requests_total{method="GET",route="GET /api/v1/incidents/{number}",status="200"} 1`,
				`steward_http_requests_total{method="GET",route="GET /api/v1/incidents/{number}",status="404"} 1`,
				`steward_http_requests_total{method="POST",route="POST /api/v1/incidents",status="201"} 1`,
				`steward_http_request_duration_seconds_bucket{method="GET",route="GET /api/v1/incidents/{number}"`,
				`route="unmatched"`,
			}, WantNotContains: []string{"INC0000001", "/no/such/page"}},
		})
	})
}
