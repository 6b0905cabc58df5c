package web_test

import (
	"net/http"
	"slices"
	"testing"

	"steward/internal/platform/db"
)

// TestPriorityMatrix changes the matrix through the API and checks that new
// incidents follow it, that bad matrices are refused, and that the change
// is audited.
func TestPriorityMatrix(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, kind db.Dialect) {
		f := newFixture(t, kind)
		const u = "/api/v1/settings/priority-matrix"
		type matrix struct {
			Matrix [][]int `json:"matrix"`
		}
		read := func(who user) [][]int {
			var m matrix
			f.must(t, http.StatusOK, who, "GET", u, nil, nil).decode(t, &m)
			return m.Matrix
		}
		def := [][]int{{1, 2, 3}, {2, 3, 4}, {3, 4, 5}}
		if got := read(f.ReqA); !equalMatrix(got, def) {
			t.Fatalf("default matrix %v, want %v", got, def)
		}
		old := f.incident(t, f.ReqA, map[string]any{"title": "Before", "impact": "medium", "urgency": "medium"})
		if num(old, "priority") != 3 {
			t.Fatalf("medium/medium under the default matrix: P%d", num(old, "priority"))
		}

		changed := [][]int{{1, 1, 2}, {1, 2, 4}, {3, 5, 5}}
		f.must(t, http.StatusOK, f.Admin, "PUT", u, matrix{changed}, nil)
		if got := read(f.Agent1); !equalMatrix(got, changed) {
			t.Fatalf("matrix after PUT %v, want %v", got, changed)
		}
		for _, c := range []struct {
			impact, urgency string
			want            int64
		}{{"medium", "medium", 2}, {"high", "medium", 1}, {"low", "medium", 5}, {"medium", "low", 4}} {
			inc := f.incident(t, f.ReqA, map[string]any{"title": "After", "impact": c.impact, "urgency": c.urgency})
			if num(inc, "priority") != c.want {
				t.Errorf("%s/%s: P%d, want P%d", c.impact, c.urgency, num(inc, "priority"), c.want)
			}
		}
		if again := f.must(t, http.StatusOK, f.Agent1, "GET", "/api/v1/incidents/"+str(old, "number"), nil, nil).object(t); num(again, "priority") != 3 {
			t.Errorf("existing incident changed priority to P%d", num(again, "priority"))
		}

		before := f.counts(t)
		bad := []scenario{
			{Name: "cell 0", Body: matrix{[][]int{{0, 1, 2}, {1, 2, 4}, {3, 5, 5}}}, WantFields: []string{"matrix[0][0]"}},
			{Name: "cell 6", Body: matrix{[][]int{{1, 1, 2}, {1, 2, 4}, {3, 5, 6}}}, WantFields: []string{"matrix[2][2]"}},
			{Name: "two rows", Body: matrix{[][]int{{1, 1, 2}, {1, 2, 4}}}, WantFields: []string{"matrix"}},
			{Name: "short row", Body: matrix{[][]int{{1, 1}, {1, 2, 4}, {3, 5, 5}}}, WantFields: []string{"matrix[0]"}},
			{Name: "strings", Body: `{"matrix": [["1","1","2"],["1","2","4"],["3","5","5"]]}`, WantFields: []string{"matrix[0][0]"}},
			{Name: "no matrix", Body: `{}`, WantFields: []string{"matrix"}},
		}
		for i := range bad {
			bad[i].Principal, bad[i].Method, bad[i].URL, bad[i].WantStatus = f.Admin, "PUT", u, 422
		}
		f.run(t, bad)
		f.unchanged(t, before)
		if got := read(f.Admin); !equalMatrix(got, changed) {
			t.Errorf("matrix after refused changes %v, want %v", got, changed)
		}

		var audit struct {
			Items []struct {
				Action  string `json:"action"`
				ActorID int64  `json:"actor_id"`
				Entity  string `json:"entity"`
				Detail  string `json:"detail"`
			} `json:"items"`
		}
		f.must(t, http.StatusOK, f.Admin, "GET", "/api/v1/audit?limit=200", nil, nil).decode(t, &audit)
		var entries int
		for _, e := range audit.Items {
			if e.Action == "settings.priority_matrix" {
				entries++
				if e.ActorID != f.Admin.ID || e.Entity != "settings" || e.Detail != "[[1,1,2],[1,2,4],[3,5,5]]" {
					t.Errorf("audit entry: %+v", e)
				}
			}
		}
		if entries != 1 {
			t.Errorf("%d settings.priority_matrix audit entries, want 1: %+v", entries, audit.Items)
		}
	})
}

func equalMatrix(a, b [][]int) bool {
	return slices.EqualFunc(a, b, func(x, y []int) bool { return slices.Equal(x, y) })
}
