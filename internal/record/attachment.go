package record

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
)

// Attach stores data as an attachment of record a.RecordID. The bytes are
// kept once per content (sha256), in the database so every node sees them.
func Attach(ctx context.Context, tx db.Querier, a *Attachment, data []byte) error {
	sum := sha256.Sum256(data)
	a.SHA256, a.Size = hex.EncodeToString(sum[:]), int64(len(data))
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO blobs (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING`,
		a.SHA256, a.Size, data); err != nil {
		return fmt.Errorf("record: store blob: %w", err)
	}
	err := tx.QueryRowContext(ctx, `
INSERT INTO attachments (record_id, name, content_type, size, sha256, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		a.RecordID, a.Name, a.ContentType, a.Size, a.SHA256, nullID(a.CreatedBy), a.CreatedAt.UnixMilli()).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("record: attach: %w", err)
	}
	return nil
}

const attachmentColumns = `id, record_id, name, content_type, size, sha256, coalesce(created_by, 0), created_at`

func scanAttachment(row interface{ Scan(...any) error }) (Attachment, error) {
	var a Attachment
	var at int64
	err := row.Scan(&a.ID, &a.RecordID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.CreatedBy, &at)
	a.CreatedAt = time.UnixMilli(at).UTC()
	return a, err
}

// AttachmentByID reads one attachment's metadata.
func AttachmentByID(ctx context.Context, q db.Querier, id int64) (Attachment, error) {
	a, err := scanAttachment(q.QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("attachment %d: %w", id, fault.ErrNotFound)
	}
	return a, err
}

// Attachments lists record id's attachments.
func Attachments(ctx context.Context, q db.Querier, recordID int64) ([]Attachment, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE record_id = $1 ORDER BY id`, recordID)
	if err != nil {
		return nil, fmt.Errorf("record: attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Blob returns the bytes stored under sha.
func Blob(ctx context.Context, q db.Querier, sha string) ([]byte, error) {
	var b []byte
	err := q.QueryRowContext(ctx, `SELECT bytes FROM blobs WHERE sha256 = $1`, sha).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("blob %s: %w", sha, fault.ErrNotFound)
	}
	return b, err
}
