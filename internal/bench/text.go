package bench

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
)

// Texts makes incident titles, descriptions and journal bodies: from a
// ticket corpus when one is given, else from our own phrase book.
type Texts struct {
	tickets []ticket // from the corpus; empty: generate
}

type ticket struct{ title, body string }

// LoadCorpus reads a ticket CSV whose first column is the ticket text (as
// in the shared it-service-tickets data); its header row is skipped.
func LoadCorpus(path string) (*Texts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bench: corpus: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		return nil, fmt.Errorf("bench: corpus %s: %w", path, err)
	}
	t := &Texts{}
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("bench: corpus %s: %w", path, err)
		}
		body := strings.ToValidUTF8(strings.ReplaceAll(strings.TrimSpace(row[0]), "\x00", ""), "")
		if body == "" {
			continue
		}
		words := strings.Fields(body)
		title := strings.Join(words[:min(len(words), 8)], " ")
		t.tickets = append(t.tickets, ticket{title: title[:min(len(title), 200)], body: body[:min(len(body), 4000)]})
	}
	if len(t.tickets) == 0 {
		return nil, fmt.Errorf("bench: corpus %s has no tickets", path)
	}
	return t, nil
}

var (
	things = []string{"VPN", "printer", "laptop", "Outlook", "Teams", "SAP", "CRM", "Wi-Fi", "monitor", "docking station",
		"badge reader", "shared drive", "payroll app", "SharePoint site", "phone", "headset", "Citrix session", "database"}
	troubles = []string{"drops every few minutes", "will not start", "is very slow", "shows error 0x80070005", "cannot connect",
		"asks for the password again and again", "crashes on save", "is not syncing", "prints blank pages", "freezes after login",
		"reports a certificate error", "lost all my settings"}
	places = []string{"on floor %d", "in meeting room %d", "at desk %d", "in the Leeds office", "since the update", "for the whole team",
		"when working from home", "on building %d"}
	sentences = []string{"It started this morning after the restart.", "Colleagues nearby have the same problem.",
		"I already tried turning it off and on again.", "This blocks the month-end close.", "The error code is shown in the attached screenshot.",
		"It works from the other network.", "Please call me back on my mobile.", "Nothing changed on my side as far as I know.",
		"It happens about every ten minutes.", "The customer is waiting for this."}
	notes = []string{"Checked the switch port and the cable; link is up.", "Cleared the credential cache and re-enrolled the device.",
		"Escalated to the vendor, case opened.", "Reproduced on a test machine.", "Asked the user for a screenshot.",
		"Restarted the service on the application server.", "Pushed the latest driver via the management tool.",
		"Replaced the toner and ran a test page.", "User confirms it works again.", "Waiting for the change window tonight."}
)

// Title returns a title for the i-th incident.
func (t *Texts) Title(r *rand.Rand, i int) string {
	if len(t.tickets) > 0 {
		return t.tickets[i%len(t.tickets)].title
	}
	place := places[r.IntN(len(places))]
	if strings.Contains(place, "%d") {
		place = fmt.Sprintf(place, 1+r.IntN(99))
	}
	return things[r.IntN(len(things))] + " " + troubles[r.IntN(len(troubles))] + " " + place
}

// Description returns a description for the i-th incident.
func (t *Texts) Description(r *rand.Rand, i int) string {
	if len(t.tickets) > 0 {
		return t.tickets[i%len(t.tickets)].body
	}
	n := 1 + r.IntN(4)
	parts := make([]string, n)
	for j := range parts {
		parts[j] = sentences[r.IntN(len(sentences))]
	}
	return strings.Join(parts, " ")
}

// Note returns the body of a comment or work note.
func (t *Texts) Note(r *rand.Rand) string {
	if len(t.tickets) > 0 && r.IntN(2) == 0 {
		b := t.tickets[r.IntN(len(t.tickets))].body
		return b[:min(len(b), 400)]
	}
	return notes[r.IntN(len(notes))]
}

// SearchWord returns a word that the generated titles contain, for the
// full-text search operation.
func (t *Texts) SearchWord(r *rand.Rand) string {
	if len(t.tickets) > 0 {
		w := strings.Fields(t.tickets[r.IntN(len(t.tickets))].title)
		return w[r.IntN(len(w))]
	}
	return []string{"vpn", "printer", "outlook", "laptop", "citrix", "payroll", "certificate", "monitor"}[r.IntN(8)]
}
