package bench

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"steward/internal/platform/corpus"
)

func TestCorpusTexts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.csv")
	csv := "Document,Topic_group\n" +
		"\"printer on floor two jams, it's urgent\",Hardware\n" +
		",Access\n" + // empty tickets are skipped
		"cannot log in to the payroll application since monday morning please help,Access\n"
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	texts, err := LoadCorpus(path)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	if got := texts.Title(r, 0); got != "printer on floor two jams, it's urgent" {
		t.Errorf("title 0 = %q", got)
	}
	if got := texts.Title(r, 1); got != "cannot log in to the payroll application since" {
		t.Errorf("title 1 = %q, want the first eight words", got)
	}
	if got := texts.Description(r, 3); !strings.HasPrefix(got, "cannot log in") {
		t.Errorf("description wraps around the corpus: %q", got)
	}
	if w := texts.SearchWord(r); w == "" {
		t.Error("no search word")
	}
	if _, err := LoadCorpus(filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Error("a missing corpus is an error")
	}
}

// The shared ticket corpus loads whole.
func TestSharedCorpus(t *testing.T) {
	texts, err := LoadCorpus(corpus.Path(t, "it-service-tickets/all_tickets_processed_improved_v3.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(texts.tickets) < 1000 {
		t.Errorf("%d tickets", len(texts.tickets))
	}
}

func TestOwnTextsQuoteSafely(t *testing.T) {
	if got := quote("it's"); got != "'it''s'" {
		t.Errorf("quote = %s", got)
	}
}
