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
			if w.text == "" || strings.ContainsAny(w.text, "\"'*:()^-+ \t\n\\&|!<>") {
				t.Fatalf("searchWords(%q) let through %q", q, w.text)
			}
		}
		fts := ftsQuery(words)
		if strings.Count(fts, `"`)%2 != 0 {
			t.Fatalf("unbalanced FTS query %q", fts)
		}
	})
}

func TestSearchWordsMatchWholeUnlessStarred(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ q, fts, pg string }{
		{"Printer jam", `"printer" "jam"`, `'printer' & 'jam'`},
		{"print*", `"print"*`, `'print':*`},
		{"e-mail* bounce", `"e" "mail"* "bounce"`, `'e' & 'mail':* & 'bounce'`},
		{"vpn *", `"vpn"`, `'vpn'`},
		{`"quoted" OR title:x*`, `"quoted" "or" "title" "x"*`, `'quoted' & 'or' & 'title' & 'x':*`},
		{"  ", `""`, `''`},
	} {
		words := searchWords(c.q)
		if got := ftsQuery(words); got != c.fts {
			t.Errorf("ftsQuery(%q) = %s, want %s", c.q, got, c.fts)
		}
		if got := pgTSQuery(words); got != c.pg {
			t.Errorf("pgTSQuery(%q) = %s, want %s", c.q, got, c.pg)
		}
	}
}
