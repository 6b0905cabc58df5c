package incident_test

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/platform/corpus"
	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/record"
)

// realTickets reads up to n ticket texts from the shared helpdesk corpus.
func realTickets(t *testing.T, n int) []string {
	t.Helper()
	f, err := os.Open(corpus.Path(t, "it-service-tickets/all_tickets_processed_improved_v3.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	if _, err := r.Read(); err != nil { // header
		t.Fatal(err)
	}
	var out []string
	for len(out) < n {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(row) > 0 && strings.TrimSpace(row[0]) != "" {
			out = append(out, row[0])
		}
	}
	return out
}

// Real ticket text goes in and comes out unchanged, and full-text search
// finds each ticket by a word of its own on both databases.
func TestRealTicketTextRoundTripsAndIsSearchable(t *testing.T) {
	t.Parallel()
	texts := realTickets(t, 300)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := auth.NewService(d)
		u, err := a.CreateUser(ctx, auth.System, auth.NewUser{Email: "desk@example.com", Name: "Desk Agent", Role: auth.Agent})
		if err != nil {
			t.Fatal(err)
		}
		p := auth.Principal{UserID: u.ID, Name: u.Name, Role: u.Role}
		s := incident.NewService(d, cursor.NewSigner([]byte("k")))
		numbers := make([]string, len(texts))
		for i, text := range texts {
			words := strings.Fields(text)
			title := strings.Join(words[:min(8, len(words))], " ")
			inc, _, err := s.Create(ctx, p, incident.NewIncident{Title: title, Description: text})
			if err != nil {
				t.Fatalf("ticket %d: %v", i, err)
			}
			numbers[i] = inc.Number
		}
		for i, text := range texts {
			got, err := s.Get(ctx, p, numbers[i])
			if err != nil || got.Description != text {
				t.Fatalf("ticket %d did not round-trip: %v", i, err)
			}
		}
		// Search for the longest word of some tickets: each must be among the hits.
		for i := 0; i < len(texts); i += 37 {
			word := ""
			for _, w := range strings.Fields(texts[i]) {
				if len(w) > len(word) && strings.IndexFunc(w, func(r rune) bool { return r < 'a' || r > 'z' }) < 0 {
					word = w
				}
			}
			if word == "" {
				continue
			}
			found := false
			cur := ""
			for range 20 {
				items, next, err := s.List(ctx, p, incident.ListInput{Filter: record.Filter{Query: word}, Sort: "number", Cursor: cur, Limit: 200})
				if err != nil {
					t.Fatalf("search %q: %v", word, err)
				}
				for _, it := range items {
					found = found || it.Number == numbers[i]
				}
				if found || next == "" {
					break
				}
				cur = next
			}
			if !found {
				t.Errorf("searching %q did not find %s", word, numbers[i])
			}
		}
	})
}
