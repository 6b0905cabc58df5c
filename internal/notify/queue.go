package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// newMessageID returns a fresh Message-ID (without angle brackets) on host.
func newMessageID(host string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b) + "@" + host
}

// maxReferences bounds the References header: the first Message-ID of the
// record's thread and the latest ones.
const maxReferences = 10

// thread returns the Message-IDs a new mail about record id should
// reference, oldest first: every mail in and out about the record is in
// mail_message_ids.
func thread(ctx context.Context, q db.Querier, recordID int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `
SELECT message_id FROM (
  SELECT message_id, created_at FROM mail_message_ids WHERE record_id = $1 ORDER BY created_at DESC, message_id DESC `+db.Limit(maxReferences)+`
) t ORDER BY created_at, message_id`, recordID)
	if err != nil {
		return nil, fmt.Errorf("notify: thread: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var first string
	err = q.QueryRowContext(ctx, `SELECT message_id FROM mail_message_ids WHERE record_id = $1 ORDER BY created_at, message_id LIMIT 1`, recordID).Scan(&first)
	if err == nil && len(ids) > 0 && ids[0] != first {
		ids = append([]string{first}, ids[1:]...)
	}
	return ids, nil
}

// enqueue writes m to the queue and its Message-ID to mail_message_ids, in
// tx, so that a reply to it finds the record. The ID is recorded when the
// mail is queued, so mails queued together reference each other in order.
func enqueue(ctx context.Context, tx db.Querier, m *Mail, now time.Time) error {
	var rid, uid any
	if m.RecordID != 0 {
		rid = m.RecordID
	}
	if m.UserID != 0 {
		uid = m.UserID
	}
	err := tx.QueryRowContext(ctx, `
INSERT INTO mail_queue (event_id, kind, record_id, user_id, to_addr, subject, text_body, html_body, message_id, in_reply_to, refs,
  status, next_attempt_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'queued', $12, $12) RETURNING id`,
		m.EventID, string(m.Kind), rid, uid, m.To, m.Subject, m.Text, m.HTML, m.MessageID, m.InReplyTo,
		strings.Join(m.References, " "), now.UnixMilli()).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("notify: queue mail: %w", err)
	}
	if m.RecordID != 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mail_message_ids (message_id, record_id, direction, created_at) VALUES ($1, $2, 'out', $3)`,
			m.MessageID, m.RecordID, now.UnixMilli()); err != nil {
			return fmt.Errorf("notify: record message id: %w", err)
		}
	}
	m.Status, m.NextAttemptAt, m.CreatedAt = Queued, now, now
	return nil
}

const mailColumns = `m.id, m.event_id, m.kind, coalesce(m.record_id, 0), coalesce(r.number, ''), coalesce(m.user_id, 0), m.to_addr,
  m.subject, m.text_body, m.html_body, m.message_id, m.in_reply_to, m.refs, m.status, m.attempts, m.next_attempt_at,
  m.last_error, m.created_at, coalesce(m.sent_at, 0)`

func scanMail(row interface{ Scan(...any) error }) (Mail, error) {
	var m Mail
	var kind, status, refs string
	var next, created, sent int64
	err := row.Scan(&m.ID, &m.EventID, &kind, &m.RecordID, &m.RecordNumber, &m.UserID, &m.To, &m.Subject, &m.Text, &m.HTML,
		&m.MessageID, &m.InReplyTo, &refs, &status, &m.Attempts, &next, &m.LastError, &created, &sent)
	if err != nil {
		return m, err
	}
	m.Kind, m.Status, m.References = Kind(kind), Status(status), strings.Fields(refs)
	m.NextAttemptAt, m.CreatedAt = time.UnixMilli(next).UTC(), time.UnixMilli(created).UTC()
	if sent != 0 {
		m.SentAt = time.UnixMilli(sent).UTC()
	}
	return m, nil
}

func scanMails(rows *sql.Rows, err error) ([]Mail, error) {
	if err != nil {
		return nil, fmt.Errorf("notify: mail: %w", err)
	}
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Outbox lists queued, sent and failed mail, newest first, with ids below
// before (0: from the newest), optionally of one status.
func Outbox(ctx context.Context, q db.Querier, status Status, before int64, limit int) ([]Mail, error) {
	var args []any
	where := "1 = 1"
	if before > 0 {
		args = append(args, before)
		where += fmt.Sprintf(" AND m.id < $%d", len(args))
	}
	if status != "" {
		args = append(args, string(status))
		where += fmt.Sprintf(" AND m.status = $%d", len(args))
	}
	return scanMails(q.QueryContext(ctx, `SELECT `+mailColumns+` FROM mail_queue m LEFT JOIN records r ON r.id = m.record_id
WHERE `+where+` ORDER BY m.id DESC `+db.Limit(limit), args...))
}

// claim takes up to limit due mails for holder until now+lease, counting
// an attempt for each. A row is claimable when it is queued, due and not
// held by a live claim; the UPDATE re-checks that, so of two nodes racing
// for a row one gets it. PostgreSQL also skips rows another claim has
// locked.
func claim(ctx context.Context, d *db.DB, holder string, now time.Time, lease time.Duration, limit int) ([]Mail, error) {
	lock := ""
	if d.Dialect == db.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []Mail
	err := d.InTx(ctx, func(tx db.Querier) error {
		rows, err := tx.QueryContext(ctx, `
UPDATE mail_queue SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1
WHERE id IN (
  SELECT id FROM mail_queue WHERE status = 'queued' AND next_attempt_at <= $3 AND claimed_until < $3
  ORDER BY next_attempt_at, id `+db.Limit(limit)+lock+`
) AND status = 'queued' AND claimed_until < $3
RETURNING id`, holder, now.Add(lease).UnixMilli(), now.UnixMilli())
		if err != nil {
			return fmt.Errorf("notify: claim: %w", err)
		}
		var ids []any
		var ph []string
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
			ph = append(ph, fmt.Sprintf("$%d", len(ids)))
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		out, err = scanMails(tx.QueryContext(ctx, `SELECT `+mailColumns+` FROM mail_queue m LEFT JOIN records r ON r.id = m.record_id
WHERE m.id IN (`+strings.Join(ph, ", ")+`) ORDER BY m.next_attempt_at, m.id`, ids...))
		return err
	})
	return out, err
}

// markSent records that holder delivered mail id.
func markSent(ctx context.Context, d *db.DB, id int64, holder string, now time.Time) error {
	_, err := d.Write.ExecContext(ctx, `UPDATE mail_queue SET status = 'sent', sent_at = $3, claimed_by = '', claimed_until = 0, last_error = ''
WHERE id = $1 AND claimed_by = $2`, id, holder, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("notify: mark sent %d: %w", id, err)
	}
	return nil
}

// markFailed records a failed attempt: the mail is tried again at next,
// or given up when next is zero.
func markFailed(ctx context.Context, d *db.DB, id int64, holder string, next time.Time, reason string) error {
	status, at := Queued, next.UnixMilli()
	if next.IsZero() {
		status, at = Failed, 0
	}
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	_, err := d.Write.ExecContext(ctx, `UPDATE mail_queue SET status = $3, next_attempt_at = $4, last_error = $5, claimed_by = '', claimed_until = 0
WHERE id = $1 AND claimed_by = $2`, id, holder, string(status), at, reason)
	if err != nil {
		return fmt.Errorf("notify: mark failed %d: %w", id, err)
	}
	return nil
}

// Retry puts a failed mail back in the queue for a fresh round of
// attempts, due now.
func Retry(ctx context.Context, tx db.Querier, id int64, now time.Time) (Mail, error) {
	m, err := scanMail(tx.QueryRowContext(ctx, `SELECT `+mailColumns+` FROM mail_queue m LEFT JOIN records r ON r.id = m.record_id WHERE m.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Mail{}, fmt.Errorf("notify: mail %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return Mail{}, fmt.Errorf("notify: mail %d: %w", id, err)
	}
	if m.Status != Failed {
		return Mail{}, fault.Invalid("status", "only failed mail can be retried; this one is %s", m.Status)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE mail_queue SET status = 'queued', attempts = 0, next_attempt_at = $2 WHERE id = $1 AND status = 'failed'`,
		id, now.UnixMilli()); err != nil {
		return Mail{}, fmt.Errorf("notify: retry mail %d: %w", id, err)
	}
	m.Status, m.Attempts, m.NextAttemptAt = Queued, 0, now
	return m, nil
}
