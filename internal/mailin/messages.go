package mailin

import (
	"context"
	"fmt"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/db"
)

// Message is an inbound message as it landed on a record: the history and
// signature folded away from the comment, and the sanitised HTML to show
// the message as it was written.
type Message struct {
	ID         int64
	Sender     string
	Source     string
	Outcome    Outcome // created or commented
	JournalID  int64   // the comment it became; zero for the opening message
	Quoted     string
	HTML       string
	ReceivedAt time.Time
}

// maxMessages bounds one record's listed mail.
const maxMessages = 200

// Messages lists the mail that came in on incident number, oldest first,
// to someone who may read the incident.
func (s *Service) Messages(ctx context.Context, actor auth.Principal, number string) ([]Message, error) {
	inc, err := s.Incidents.Get(ctx, actor, number)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Read.QueryContext(ctx, `
SELECT id, sender, source, outcome, coalesce(journal_id, 0), quoted, html, created_at
FROM mail_ingested WHERE record_id = $1 ORDER BY id `+db.Limit(maxMessages), inc.ID)
	if err != nil {
		return nil, fmt.Errorf("mailin: messages of %s: %w", number, err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var at int64
		if err := rows.Scan(&m.ID, &m.Sender, &m.Source, &m.Outcome, &m.JournalID, &m.Quoted, &m.HTML, &at); err != nil {
			return nil, err
		}
		m.ReceivedAt = time.UnixMilli(at).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}
