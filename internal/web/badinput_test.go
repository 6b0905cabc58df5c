package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"steward/internal/platform/db"
)

// TestBadInputIsRefusedAndChangesNothing sends malformed and invalid
// requests: each gets a 4xx problem+json naming the field, and no row is
// written.
func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind, maxAttachment(1<<20))
		for range 3 {
			f.incident(t, f.Agent1, map[string]any{"title": "Seed"})
		}
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		f.must(t, http.StatusOK, f.Agent1, "GET", "/api/v1/incidents?limit=1&sort=number", nil, nil).decode(t, &page)
		cur := page.NextCursor
		if cur == "" {
			t.Fatal("no cursor to tamper with")
		}
		tampered := []byte(cur)
		tampered[len(tampered)-3] ^= 1 // still base64url, no longer signed
		var groupPage struct {
			NextCursor string `json:"next_cursor"`
		}
		f.must(t, http.StatusOK, f.Admin, "GET", "/api/v1/users?limit=1", nil, nil).decode(t, &groupPage)

		const inc = "/api/v1/incidents"
		const one = inc + "/INC0000001"
		v1 := map[string]string{"If-Match": "1"}
		scenarios := []scenario{
			{Name: "malformed JSON", Principal: f.Agent1, Method: "POST", URL: inc, Body: `{"title": "x",`, WantStatus: 400},
			{Name: "not JSON at all", Principal: f.Agent1, Method: "POST", URL: inc, Body: `title=x`, WantStatus: 400},
			{Name: "JSON array", Principal: f.Agent1, Method: "POST", URL: inc, Body: `[{"title":"x"}]`, WantStatus: 422},
			{Name: "no body", Principal: f.Agent1, Method: "POST", URL: inc, Body: "", WantStatus: 400},
			{Name: "wrong type", Principal: f.Agent1, Method: "POST", URL: inc, Body: `{"title": 42}`, WantStatus: 422, WantFields: []string{"title"}},
			{Name: "wrong type of id", Principal: f.Agent1, Method: "POST", URL: inc, Body: `{"title": "x", "category_id": "one"}`, WantStatus: 422, WantFields: []string{"category_id"}},
			{Name: "unknown field", Principal: f.Agent1, Method: "POST", URL: inc, Body: `{"title": "x", "colour": "red"}`, WantStatus: 422, WantFields: []string{"colour"}},
			{Name: "unknown field in patch", Principal: f.Agent1, Method: "PATCH", URL: one, Body: `{"version": 7}`, Headers: v1, WantStatus: 422, WantFields: []string{"version"}},
			{Name: "missing title", Principal: f.Agent1, Method: "POST", URL: inc, Body: `{"description": "x"}`, WantStatus: 422, WantFields: []string{"title"}},
			{Name: "blank title", Principal: f.Agent1, Method: "POST", URL: inc, Body: `{"title": "   "}`, WantStatus: 422, WantFields: []string{"title"}},
			{Name: "title too long", Principal: f.Agent1, Method: "POST", URL: inc, Body: map[string]any{"title": strings.Repeat("x", 201)}, WantStatus: 422, WantFields: []string{"title"}},
			{Name: "unknown impact", Principal: f.Agent1, Method: "POST", URL: inc, Body: `{"title": "x", "impact": "extreme"}`, WantStatus: 422, WantFields: []string{"impact"}},
			{Name: "priority out of range", Principal: f.Agent1, Method: "POST", URL: inc, Body: `{"title": "x", "priority": 6, "priority_reason": "r"}`, WantStatus: 422, WantFields: []string{"priority"}},
			{Name: "no such group", Principal: f.Agent1, Method: "POST", URL: inc, Body: `{"title": "x", "assignment_group_id": 9999}`, WantStatus: 422, WantFields: []string{"assignment_group_id"}},
			{Name: "assignee not an agent", Principal: f.Agent1, Method: "PATCH", URL: one, Body: map[string]any{"assignee_id": f.ReqA.ID}, Headers: v1, WantStatus: 422, WantFields: []string{"assignee_id"}},
			{Name: "oversized JSON body", Principal: f.Agent1, Method: "POST", URL: inc,
				Body: `{"title": "big", "description": "` + strings.Repeat("a", 300<<10) + `"}`, WantStatus: 413},
			{Name: "oversized JSON patch", Principal: f.Agent1, Method: "PATCH", URL: one, Headers: v1,
				Body: `{"description": "` + strings.Repeat("a", 300<<10) + `"}`, WantStatus: 413},
			{Name: "oversized attachment", Principal: f.Agent1, Method: "POST", URL: one + "/attachments?name=big.bin",
				Body: bytes.Repeat([]byte{7}, 1<<20+1), Headers: map[string]string{"Content-Type": "application/octet-stream"}, WantStatus: 413},
			{Name: "number that is not one", Principal: f.Agent1, Method: "GET", URL: inc + "/XYZ", WantStatus: 404},
			{Name: "number of another practice", Principal: f.Agent1, Method: "GET", URL: inc + "/CHG0000001", WantStatus: 404},
			{Name: "number not there", Principal: f.Agent1, Method: "GET", URL: inc + "/INC0000999", WantStatus: 404},
			{Name: "patch number not there", Principal: f.Agent1, Method: "PATCH", URL: inc + "/INC0000999", Body: `{"title": "x"}`, Headers: v1, WantStatus: 404},
			{Name: "comment on number not there", Principal: f.Agent1, Method: "POST", URL: inc + "/INC0000999/comments", Body: `{"body": "x"}`, WantStatus: 404},
			{Name: "overlong number", Principal: f.Agent1, Method: "GET", URL: inc + "/INC" + strings.Repeat("0", 40), WantStatus: 422},
			{Name: "garbage cursor", Principal: f.Agent1, Method: "GET", URL: inc + "?cursor=not-a-cursor", WantStatus: 422, WantFields: []string{"cursor"}},
			{Name: "tampered cursor", Principal: f.Agent1, Method: "GET", URL: inc + "?limit=1&sort=number&cursor=" + url.QueryEscape(string(tampered)), WantStatus: 422, WantFields: []string{"cursor"}},
			{Name: "cursor of another sort", Principal: f.Agent1, Method: "GET", URL: inc + "?limit=1&sort=-priority&cursor=" + url.QueryEscape(cur), WantStatus: 422, WantFields: []string{"cursor"}},
			{Name: "incident cursor on users", Principal: f.Admin, Method: "GET", URL: "/api/v1/users?cursor=" + url.QueryEscape(cur), WantStatus: 422, WantFields: []string{"cursor"}},
			{Name: "garbage cursor on groups", Principal: f.Admin, Method: "GET", URL: "/api/v1/groups?cursor=zzz", WantStatus: 422, WantFields: []string{"cursor"}},
			{Name: "unknown sort field", Principal: f.Agent1, Method: "GET", URL: inc + "?sort=title", WantStatus: 422, WantFields: []string{"sort"}},
			{Name: "repeated sort field", Principal: f.Agent1, Method: "GET", URL: inc + "?sort=priority,-priority", WantStatus: 422, WantFields: []string{"sort"}},
			{Name: "sort on an internal field", Principal: f.ReqA, Method: "GET", URL: inc + "?sort=reassignment_count", WantStatus: 422, WantFields: []string{"sort"}},
			{Name: "unknown query parameter", Principal: f.Agent1, Method: "GET", URL: inc + "?colour=red", WantStatus: 422, WantFields: []string{"colour"}},
			{Name: "unknown state filter", Principal: f.Agent1, Method: "GET", URL: inc + "?state=bogus", WantStatus: 422, WantFields: []string{"state"}},
			{Name: "priority filter out of range", Principal: f.Agent1, Method: "GET", URL: inc + "?priority=9", WantStatus: 422, WantFields: []string{"priority"}},
			{Name: "priority filter not a number", Principal: f.Agent1, Method: "GET", URL: inc + "?priority=high", WantStatus: 422, WantFields: []string{"priority"}},
			{Name: "assignee filter nonsense", Principal: f.Agent1, Method: "GET", URL: inc + "?assignee=someone", WantStatus: 422, WantFields: []string{"assignee"}},
			{Name: "group filter me", Principal: f.Agent1, Method: "GET", URL: inc + "?assignment_group=me", WantStatus: 422, WantFields: []string{"assignment_group"}},
			{Name: "limit zero", Principal: f.Agent1, Method: "GET", URL: inc + "?limit=0", WantStatus: 422, WantFields: []string{"limit"}},
			{Name: "limit too big", Principal: f.Agent1, Method: "GET", URL: inc + "?limit=1000", WantStatus: 422, WantFields: []string{"limit"}},
			{Name: "priority override without reason", Principal: f.Agent1, Method: "POST", URL: inc, Body: `{"title": "x", "priority": 1}`, WantStatus: 422, WantFields: []string{"priority_reason"}},
			{Name: "priority change without reason", Principal: f.Agent1, Method: "PATCH", URL: one, Body: `{"priority": 1}`, Headers: v1, WantStatus: 422, WantFields: []string{"priority_reason"}},
			{Name: "state move not allowed", Principal: f.Agent1, Method: "PATCH", URL: one, Body: `{"state": "closed"}`, Headers: v1, WantStatus: 422, WantFields: []string{"state"}},
			{Name: "resolve without resolution", Principal: f.Agent1, Method: "PATCH", URL: one, Body: `{"state": "resolved"}`, Headers: v1, WantStatus: 422, WantFields: []string{"resolution_code", "resolution_notes"}},
			{Name: "hold without reason", Principal: f.Agent1, Method: "PATCH", URL: one, Body: `{"state": "on_hold"}`, Headers: v1, WantStatus: 422, WantFields: []string{"on_hold_reason"}},
			{Name: "unknown state", Principal: f.Agent1, Method: "PATCH", URL: one, Body: `{"state": "done"}`, Headers: v1, WantStatus: 422, WantFields: []string{"state"}},
			{Name: "empty comment", Principal: f.Agent1, Method: "POST", URL: one + "/comments", Body: `{"body": ""}`, WantStatus: 422, WantFields: []string{"body"}},
			{Name: "blank comment", Principal: f.Agent1, Method: "POST", URL: one + "/comments", Body: `{"body": "  \n "}`, WantStatus: 422, WantFields: []string{"body"}},
			{Name: "unknown comment kind", Principal: f.Agent1, Method: "POST", URL: one + "/comments", Body: `{"body": "x", "kind": "shout"}`, WantStatus: 422, WantFields: []string{"kind"}},
			{Name: "watcher id zero", Principal: f.Agent1, Method: "POST", URL: one + "/watchers", Body: `{"user_id": 0}`, WantStatus: 422, WantFields: []string{"user_id"}},
			{Name: "bad If-Match", Principal: f.Agent1, Method: "PATCH", URL: one, Body: `{"title": "x"}`, Headers: map[string]string{"If-Match": "-3"}, WantStatus: 422, WantFields: []string{"If-Match"}},
			{Name: "journal after negative", Principal: f.Agent1, Method: "GET", URL: one + "/journal?after=-1", WantStatus: 422, WantFields: []string{"after"}},
			{Name: "attachment id not a number", Principal: f.Agent1, Method: "GET", URL: "/api/v1/attachments/abc", WantStatus: 422, WantFields: []string{"id"}},
		}
		for _, sc := range scenarios {
			t.Run(sc.Name, func(t *testing.T) {
				before := f.counts(t)
				sc.check(t, f.do(t, sc.Principal, sc.Method, sc.URL, sc.Body, sc.Headers))
				f.unchanged(t, before)
			})
		}

		// Exactly the limit is fine.
		f.must(t, http.StatusCreated, f.Agent1, "POST", one+"/attachments?name=max.bin", bytes.Repeat([]byte{7}, 1<<20),
			map[string]string{"Content-Type": "application/octet-stream"})
	})
}

// TestHostileTextIsStoredVerbatim sends SQL and HTML in text fields: they
// are data, returned as JSON strings exactly as sent, and break nothing.
func TestHostileTextIsStoredVerbatim(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		texts := []string{
			"'; DROP TABLE records; --",
			"<script>alert(1)</script>",
			`Robert"); DELETE FROM journal WHERE ("1"="1`,
			"NULL \x00? no: \u2028 line sep, emoji 🔥, backslash \\ and quote \"",
		}
		texts[3] = strings.ReplaceAll(texts[3], "\x00", "") // NUL is not text
		for i, text := range texts {
			inc := f.incident(t, f.ReqA, map[string]any{"title": text, "description": text, "ci_ref": text})
			n := str(inc, "number")
			f.comment(t, f.ReqA, n, "comment", text)
			got := f.must(t, http.StatusOK, f.ReqA, "GET", "/api/v1/incidents/"+n, nil, nil).object(t)
			for _, field := range []string{"title", "description", "ci_ref"} {
				if str(got, field) != text {
					t.Errorf("text %d: %s = %q, want %q", i, field, str(got, field), text)
				}
			}
			journal := items(t, f.must(t, http.StatusOK, f.ReqA, "GET", "/api/v1/incidents/"+n+"/journal", nil, nil))
			if len(journal) == 0 || str(journal[len(journal)-1], "body") != text {
				t.Errorf("text %d: journal %v", i, journal)
			}
		}
		list := items(t, f.must(t, http.StatusOK, f.Agent1, "GET", "/api/v1/incidents?sort=number", nil, nil))
		if len(list) != len(texts) || str(list[0], "title") != texts[0] || str(list[1], "title") != texts[1] {
			t.Errorf("list after hostile text: %v", list)
		}
		// Full-text search treats operators and quotes as words.
		for _, q := range []string{"DROP TABLE", `"unterminated`, "AND OR NOT", "title:*", "NEAR(a b)", "'", "-", "*", "script", `\`} {
			r := f.do(t, f.Agent1, "GET", "/api/v1/incidents?q="+url.QueryEscape(q), nil, nil)
			if r.Status != http.StatusOK {
				t.Errorf("q=%q: %d %s", q, r.Status, r)
			}
		}
		if hits := items(t, f.must(t, http.StatusOK, f.Agent1, "GET", "/api/v1/incidents?q=DROP", nil, nil)); len(hits) != 1 || str(hits[0], "title") != texts[0] {
			t.Errorf("q=DROP: %v", hits)
		}
		// The tables are all still there and working.
		f.incident(t, f.ReqA, map[string]any{"title": "After the storm"})
		var n int
		if err := f.a.DB.Read.QueryRow("SELECT count(*) FROM records").Scan(&n); err != nil || n != len(texts)+1 {
			t.Errorf("records: %d, %v", n, err)
		}
	})
}
