package db

import (
	"strings"
	"testing"
)

// The words that reach FTS5 and to_tsquery must be plain: no quotes,
// operators or column filters survive.
func FuzzSearchWords(f *testing.F) {
	for _, s := range []string{`printer "on fire"`, `a OR b NOT c*`, `title:x`, `'; DROP TABLE records; --`, "ünïcödé wörds", `\"\\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		words := searchWords(q)
		if len(words) > 16 {
			t.Fatalf("%d words", len(words))
		}
		for _, w := range words {
			if w == "" || strings.ContainsAny(w, "\"'*:()^-+ \t\n\\&|!<>") {
				t.Fatalf("searchWords(%q) let through %q", q, w)
			}
		}
		fts := ftsQuery(words)
		if strings.Count(fts, `"`)%2 != 0 {
			t.Fatalf("unbalanced FTS query %q", fts)
		}
	})
}
