package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// recipient is an account a notification may go to. The consumer reads
// accounts directly (read-only, in its own transaction) rather than through
// the auth service, which asks for a principal.
type recipient struct {
	ID    int64
	Name  string
	Email string
	Role  string
}

func (r recipient) agent() bool { return r.Role != "requester" }

const userColumns = `u.id, u.name, u.email, u.role`

func scanRecipients(rows *sql.Rows, err error) ([]recipient, error) {
	if err != nil {
		return nil, fmt.Errorf("notify: recipients: %w", err)
	}
	defer rows.Close()
	var out []recipient
	for rows.Next() {
		var r recipient
		if err := rows.Scan(&r.ID, &r.Name, &r.Email, &r.Role); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func userByID(ctx context.Context, q db.Querier, id int64) ([]recipient, error) {
	if id == 0 {
		return nil, nil
	}
	return scanRecipients(q.QueryContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1 AND u.active`, id))
}

func groupMembers(ctx context.Context, q db.Querier, groupID int64) ([]recipient, error) {
	if groupID == 0 {
		return nil, nil
	}
	return scanRecipients(q.QueryContext(ctx, `SELECT `+userColumns+` FROM group_members gm JOIN users u ON u.id = gm.user_id
WHERE gm.group_id = $1 AND u.active ORDER BY u.id`, groupID))
}

func watchersOf(ctx context.Context, q db.Querier, recordID int64) ([]recipient, error) {
	return scanRecipients(q.QueryContext(ctx, `SELECT `+userColumns+` FROM watchers w JOIN users u ON u.id = w.user_id
WHERE w.record_id = $1 AND u.active ORDER BY u.id`, recordID))
}

// managers are who approve major incidents and hear of SLA escalations:
// the active accounts with the manager role.
func managers(ctx context.Context, q db.Querier) ([]recipient, error) {
	return scanRecipients(q.QueryContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.role = 'manager' AND u.active ORDER BY u.id LIMIT 100`))
}

var (
	mentionEmail = regexp.MustCompile(`@([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+[A-Za-z0-9])`)
	mentionName  = regexp.MustCompile(`@([\pL\pN._\-']+(?:[ \t]+[\pL\pN._\-']+){0,2})`)
)

// mentioned returns the agents a work note names, as @email or @Full Name
// (up to three words, matched case-insensitively on the account's name).
func mentioned(ctx context.Context, q db.Querier, body string) ([]recipient, error) {
	var emails, names []string
	for _, m := range mentionEmail.FindAllStringSubmatch(body, 20) {
		emails = append(emails, strings.ToLower(m[1]))
	}
	stripped := mentionEmail.ReplaceAllString(body, " ")
	for _, m := range mentionName.FindAllStringSubmatch(stripped, 20) {
		words := strings.Fields(strings.ToLower(m[1]))
		for i := range words {
			names = append(names, strings.Join(words[:i+1], " "))
		}
	}
	if len(emails)+len(names) == 0 {
		return nil, nil
	}
	args := []any{}
	in := func(vals []string) string {
		if len(vals) == 0 {
			return "''"
		}
		ph := make([]string, len(vals))
		for i, v := range vals {
			args = append(args, v)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		return strings.Join(ph, ", ")
	}
	query := `SELECT ` + userColumns + ` FROM users u WHERE u.active AND u.role <> 'requester'
AND (lower(u.email) IN (` + in(emails) + `) OR lower(u.name) IN (` + in(names) + `)) ORDER BY u.id LIMIT 50`
	return scanRecipients(q.QueryContext(ctx, query, args...))
}

// journalBody returns the text of journal entry id.
func journalBody(ctx context.Context, q db.Querier, id int64) (string, error) {
	var body string
	err := q.QueryRowContext(ctx, `SELECT body FROM journal WHERE id = $1`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return body, err
}

func userName(ctx context.Context, q db.Querier, id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	var name string
	err := q.QueryRowContext(ctx, `SELECT name FROM users WHERE id = $1`, id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return name, err
}

// enabled reports whether user wants notifications of kind k (on unless
// turned off).
func enabled(ctx context.Context, q db.Querier, userID int64, k Kind) (bool, error) {
	var on bool
	err := q.QueryRowContext(ctx, `SELECT enabled FROM notification_prefs WHERE user_id = $1 AND kind = $2`, userID, string(k)).Scan(&on)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("notify: preference: %w", err)
	}
	return on, nil
}

// Preferences returns user's choice for every kind.
func Preferences(ctx context.Context, q db.Querier, userID int64) ([]Preference, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, enabled FROM notification_prefs WHERE user_id = $1`, userID)
	if err != nil {
		return nil, fmt.Errorf("notify: preferences: %w", err)
	}
	defer rows.Close()
	off := map[Kind]bool{}
	for rows.Next() {
		var k string
		var on bool
		if err := rows.Scan(&k, &on); err != nil {
			return nil, err
		}
		off[Kind(k)] = !on
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Preference, len(Kinds))
	for i, k := range Kinds {
		out[i] = Preference{Kind: k, Enabled: !off[k]}
	}
	return out, nil
}

// SetPreferences stores user's choices; kinds not listed keep theirs.
func SetPreferences(ctx context.Context, tx db.Querier, userID int64, prefs []Preference, now time.Time) error {
	if userID == 0 {
		return fault.ErrUnauthenticated
	}
	v := &fault.ValidationError{}
	for i, p := range prefs {
		if !slices.Contains(Kinds, p.Kind) {
			v.Add(fmt.Sprintf("items[%d].kind", i), "must be one of %s", kindList())
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	for _, p := range prefs {
		if _, err := tx.ExecContext(ctx, `
INSERT INTO notification_prefs (user_id, kind, enabled, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id, kind) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`,
			userID, string(p.Kind), p.Enabled, now.UnixMilli()); err != nil {
			return fmt.Errorf("notify: set preference: %w", err)
		}
	}
	return nil
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
