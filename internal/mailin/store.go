package mailin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"steward/internal/mail"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/platform/settings"
	"steward/internal/record"
)

const settingsKey = "mail_in"

func loadSettings(ctx context.Context, q db.Querier) (Settings, error) {
	return settings.Load(ctx, q, settingsKey, DefaultSettings)
}

// ingestedByKey returns what the message with key became, if it came in
// before.
func ingestedByKey(ctx context.Context, q db.Querier, key string) (Result, string, bool, error) {
	var r Result
	var fp string
	var rid, jid, qid sql.NullInt64
	err := q.QueryRowContext(ctx,
		`SELECT outcome, record_id, journal_id, quarantine_id, fingerprint FROM mail_ingested WHERE message_key = $1`, key).
		Scan(&r.Outcome, &rid, &jid, &qid, &fp)
	if errors.Is(err, sql.ErrNoRows) {
		return Result{}, "", false, nil
	}
	if err != nil {
		return Result{}, "", false, fmt.Errorf("mailin: ingested %s: %w", key, err)
	}
	r.RecordID, r.JournalID, r.QuarantineID = rid.Int64, jid.Int64, qid.Int64
	if r.RecordID != 0 {
		rec, err := record.ByID(ctx, q, r.RecordID)
		if err != nil {
			return Result{}, "", false, err
		}
		r.Number = rec.Number
	}
	if r.QuarantineID != 0 {
		err := q.QueryRowContext(ctx, `SELECT kind, reason FROM mail_quarantine WHERE id = $1`, r.QuarantineID).Scan(&r.Kind, &r.Reason)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Result{}, "", false, fmt.Errorf("mailin: quarantine %d: %w", r.QuarantineID, err)
		}
	}
	return r, fp, true, nil
}

func insertIngested(ctx context.Context, tx db.Querier, d *delivery, r Result, sender, quoted string) error {
	html := ""
	if d.msg != nil && r.Outcome != Quarantined {
		html = d.msg.HTML
	}
	_, err := tx.ExecContext(ctx, `
INSERT INTO mail_ingested (message_key, sender, source, outcome, record_id, journal_id, quarantine_id, quoted, html, fingerprint, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		d.key, sender, d.src.Name, string(r.Outcome), nullID(r.RecordID), nullID(r.JournalID), nullID(r.QuarantineID), quoted, html, d.fp, d.now.UnixMilli())
	if err != nil {
		return fmt.Errorf("mailin: remember message: %w", err)
	}
	return nil
}

// forgetIngested drops the quarantined outcome of a message being retried.
func forgetIngested(ctx context.Context, tx db.Querier, key string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM mail_ingested WHERE message_key = $1 AND outcome = 'quarantined'`, key); err != nil {
		return fmt.Errorf("mailin: forget message: %w", err)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// maxThreadIDs bounds how many References are looked up.
const maxThreadIDs = 30

// findRecord finds the record a message answers: by In-Reply-To, then by
// References (newest first) among the Message-IDs Steward sent or took in,
// then by a record number in brackets in the subject. It never matches on
// subject text alone. The zero Record means a new conversation.
func findRecord(ctx context.Context, q db.Querier, m *mail.Message) (record.Record, error) {
	ids := append([]string{}, m.InReplyTo...)
	for i := len(m.References) - 1; i >= 0; i-- {
		ids = append(ids, m.References[i])
	}
	if len(ids) > maxThreadIDs {
		ids = ids[:maxThreadIDs]
	}
	if len(ids) > 0 {
		found, err := threadRecords(ctx, q, ids)
		if err != nil {
			return record.Record{}, err
		}
		for _, id := range ids {
			if rid := found[id]; rid != 0 {
				return record.ByID(ctx, q, rid)
			}
		}
	}
	for _, n := range mail.SubjectNumbers(m.Subject) {
		if _, ok := record.ParseNumber(n); !ok {
			continue
		}
		r, err := record.ByNumber(ctx, q, n)
		if errors.Is(err, fault.ErrNotFound) {
			continue
		}
		return r, err
	}
	return record.Record{}, nil
}

func threadRecords(ctx context.Context, q db.Querier, ids []string) (map[string]int64, error) {
	args := make([]any, len(ids))
	marks := make([]string, len(ids))
	for i, id := range ids {
		args[i], marks[i] = id, fmt.Sprintf("$%d", i+1)
	}
	rows, err := q.QueryContext(ctx,
		`SELECT message_id, record_id FROM mail_message_ids WHERE message_id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("mailin: thread: %w", err)
	}
	defer rows.Close()
	found := map[string]int64{}
	for rows.Next() {
		var id string
		var rid int64
		if err := rows.Scan(&id, &rid); err != nil {
			return nil, err
		}
		found[id] = rid
	}
	return found, rows.Err()
}

// rememberMessageID keeps an inbound Message-ID, so that later replies
// that reference it find the record.
func rememberMessageID(ctx context.Context, tx db.Querier, id string, recordID int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `
INSERT INTO mail_message_ids (message_id, record_id, direction, created_at) VALUES ($1, $2, 'in', $3)
ON CONFLICT (message_id) DO NOTHING`, id, recordID, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("mailin: message id: %w", err)
	}
	return nil
}

// countMessage counts one message from sender in the current hour and
// returns the hour's count. The row is shared by every node; Housekeep
// drops past hours.
func countMessage(ctx context.Context, tx db.Querier, sender string, now time.Time) (int64, error) {
	window := now.Truncate(time.Hour).UnixMilli()
	var n int64
	err := tx.QueryRowContext(ctx, `
INSERT INTO mail_rate (sender, window_start, count) VALUES ($1, $2, 1)
ON CONFLICT (sender, window_start) DO UPDATE SET count = mail_rate.count + 1
RETURNING count`, sender, window).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("mailin: rate: %w", err)
	}
	return n, nil
}

func insertQuarantine(ctx context.Context, tx db.Querier, d *delivery, ref *refusal, sender, subject string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `
INSERT INTO mail_quarantine (message_key, kind, reason, sender, subject, source, size, raw, attempts, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id`,
		d.key, ref.kind, truncate(ref.reason, 2000, "…"), truncate(sender, 320, ""), truncate(subject, 500, "…"), d.src.Name,
		len(d.raw), d.raw, d.now.UnixMilli()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("mailin: quarantine: %w", err)
	}
	return id, nil
}

func updateQuarantine(ctx context.Context, tx db.Querier, id int64, ref *refusal, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE mail_quarantine SET kind = $2, reason = $3, attempts = attempts + 1, updated_at = $4 WHERE id = $1`,
		id, ref.kind, truncate(ref.reason, 2000, "…"), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("mailin: quarantine %d: %w", id, err)
	}
	return nil
}

const entryColumns = `id, message_key, kind, reason, sender, subject, source, size, attempts, created_at, updated_at`

func scanEntry(row interface{ Scan(...any) error }, raw bool) (Entry, error) {
	var e Entry
	var created, updated int64
	dst := []any{&e.ID, &e.MessageKey, &e.Kind, &e.Reason, &e.Sender, &e.Subject, &e.Source, &e.Size, &e.Attempts, &created, &updated}
	if raw {
		dst = append(dst, &e.Raw)
	}
	err := row.Scan(dst...)
	e.CreatedAt, e.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return e, err
}

// quarantineEntries lists entries older (smaller id) than before, newest
// first; before zero starts at the newest.
func quarantineEntries(ctx context.Context, q db.Querier, before int64, limit int) ([]Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+entryColumns+` FROM mail_quarantine
WHERE ($1 = 0 OR id < $1) ORDER BY id DESC `+db.Limit(limit), before)
	if err != nil {
		return nil, fmt.Errorf("mailin: quarantine list: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scanEntry(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func quarantineEntry(ctx context.Context, q db.Querier, id int64) (Entry, error) {
	e, err := scanEntry(q.QueryRowContext(ctx, `SELECT `+entryColumns+`, raw FROM mail_quarantine WHERE id = $1`, id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("quarantined message %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("mailin: quarantine %d: %w", id, err)
	}
	return e, nil
}

func deleteQuarantine(ctx context.Context, tx db.Querier, id int64) (bool, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE mail_ingested SET quarantine_id = NULL WHERE quarantine_id = $1`, id); err != nil {
		return false, fmt.Errorf("mailin: quarantine %d: %w", id, err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM mail_quarantine WHERE id = $1`, id)
	if err != nil {
		return false, fmt.Errorf("mailin: delete quarantine %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
