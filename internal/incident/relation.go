package incident

import (
	"context"
	"fmt"
	"mime"
	"path"
	"strings"
	"unicode/utf8"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/platform/outbox"
	"steward/internal/record"
)

// Links lists the incident's links. Links are agent-only: they name other
// records a requester may not see.
func (s *Service) Links(ctx context.Context, actor auth.Principal, number string) ([]record.Link, error) {
	inc, err := s.visible(ctx, s.DB.Read, actor, number)
	if err != nil {
		return nil, err
	}
	if !auth.Can(actor, auth.ReadWorkNotes) {
		return nil, nil
	}
	return record.Links(ctx, s.DB.Read, inc.ID)
}

// Link relates the incident to the record numbered target.
func (s *Service) Link(ctx context.Context, actor auth.Principal, number string, kind record.LinkKind, target string) (record.Link, error) {
	var out record.Link
	err := s.inTx(ctx, func(tx db.Querier) error {
		inc, err := s.visible(ctx, tx, actor, number)
		if err != nil {
			return err
		}
		if err := auth.Require(actor, auth.LinkRecords); err != nil {
			return err
		}
		if _, ok := record.ParseNumber(target); !ok {
			return fault.Invalid("target", "must be a record number such as INC0000042")
		}
		other, err := record.ByNumber(ctx, tx, strings.ToUpper(target))
		if err != nil {
			return fault.Invalid("target", "no record %s", target)
		}
		now := s.Now()
		id, err := record.AddLink(ctx, tx, inc.ID, other.ID, kind, actor.UserID, now)
		if err != nil {
			return err
		}
		out = record.Link{ID: id, Kind: kind, OtherID: other.ID, OtherNumber: other.Number, OtherTitle: other.Title,
			OtherState: other.State, OtherType: other.Type, CreatedAt: now}
		e := record.Entry{RecordID: inc.ID, Kind: record.System, ActorID: actor.UserID, At: now,
			Field: "link", NewValue: string(kind) + " " + other.Number}
		if err := record.Append(ctx, tx, &e); err != nil {
			return err
		}
		return outbox.Append(ctx, tx, now, "link.added", inc.ID, map[string]any{
			"number": inc.Number, "kind": kind, "target": other.Number, "actor_id": actor.UserID})
	})
	return out, err
}

// Unlink removes link id from the incident.
func (s *Service) Unlink(ctx context.Context, actor auth.Principal, number string, linkID int64) error {
	return s.inTx(ctx, func(tx db.Querier) error {
		inc, err := s.visible(ctx, tx, actor, number)
		if err != nil {
			return err
		}
		if err := auth.Require(actor, auth.LinkRecords); err != nil {
			return err
		}
		l, err := record.RemoveLink(ctx, tx, inc.ID, linkID)
		if err != nil {
			return err
		}
		now := s.Now()
		e := record.Entry{RecordID: inc.ID, Kind: record.System, ActorID: actor.UserID, At: now,
			Field: "link", OldValue: string(l.Kind) + " " + l.OtherNumber}
		if err := record.Append(ctx, tx, &e); err != nil {
			return err
		}
		return outbox.Append(ctx, tx, now, "link.removed", inc.ID, map[string]any{
			"number": inc.Number, "kind": l.Kind, "target": l.OtherNumber, "actor_id": actor.UserID})
	})
}

// Watch adds user to the incident's watchers; a watcher can follow and
// comment on it like its requester.
func (s *Service) Watch(ctx context.Context, actor auth.Principal, number string, userID int64) error {
	return s.inTx(ctx, func(tx db.Querier) error {
		inc, err := s.visible(ctx, tx, actor, number)
		if err != nil {
			return err
		}
		if err := auth.Require(actor, auth.ManageWatchers); err != nil {
			return err
		}
		if err := record.AddWatcher(ctx, tx, inc.ID, userID); err != nil {
			return err
		}
		e := record.Entry{RecordID: inc.ID, Kind: record.System, ActorID: actor.UserID, At: s.Now(),
			Field: "watchers", NewValue: fmt.Sprint(userID)}
		return record.Append(ctx, tx, &e)
	})
}

// Unwatch removes user from the incident's watchers.
func (s *Service) Unwatch(ctx context.Context, actor auth.Principal, number string, userID int64) error {
	return s.inTx(ctx, func(tx db.Querier) error {
		inc, err := s.visible(ctx, tx, actor, number)
		if err != nil {
			return err
		}
		if err := auth.Require(actor, auth.ManageWatchers); err != nil {
			return err
		}
		ok, err := record.RemoveWatcher(ctx, tx, inc.ID, userID)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("watcher %d: %w", userID, fault.ErrNotFound)
		}
		e := record.Entry{RecordID: inc.ID, Kind: record.System, ActorID: actor.UserID, At: s.Now(),
			Field: "watchers", OldValue: fmt.Sprint(userID)}
		return record.Append(ctx, tx, &e)
	})
}

// MaxAttachmentName is the longest file name kept.
const MaxAttachmentName = 255

// cleanName keeps the base name of a file, without path or control characters.
func cleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 32 || r == 127 || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "." || name == ".." || name == "/" {
		return ""
	}
	return name
}

// Attach stores a file on the incident. A content type that does not parse
// is stored as application/octet-stream (the web layer sniffs one first).
func (s *Service) Attach(ctx context.Context, actor auth.Principal, number, name, contentType string, data []byte) (record.Attachment, error) {
	name = cleanName(name)
	v := &fault.ValidationError{}
	if name == "" || len(name) > MaxAttachmentName || !utf8.ValidString(name) {
		v.Add("name", "must be a file name of 1 to %d characters", MaxAttachmentName)
	}
	if len(data) == 0 {
		v.Add("file", "is empty")
	}
	if err := v.Err(); err != nil {
		return record.Attachment{}, err
	}
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt == "" {
		contentType = "application/octet-stream"
	} else {
		contentType = mt
	}
	var a record.Attachment
	err := s.inTx(ctx, func(tx db.Querier) error {
		inc, err := s.visible(ctx, tx, actor, number)
		if err != nil {
			return err
		}
		if err := auth.Require(actor, auth.AddAttachment); err != nil {
			return err
		}
		now := s.Now()
		a = record.Attachment{RecordID: inc.ID, Name: name, ContentType: contentType, CreatedBy: actor.UserID, CreatedAt: now}
		if err := record.Attach(ctx, tx, &a, data); err != nil {
			return err
		}
		e := record.Entry{RecordID: inc.ID, Kind: record.System, ActorID: actor.UserID, At: now,
			Field: "attachment", NewValue: name}
		if err := record.Append(ctx, tx, &e); err != nil {
			return err
		}
		if _, err := record.Touch(ctx, tx, inc.ID, 0, now); err != nil {
			return err
		}
		return outbox.Append(ctx, tx, now, "attachment.added", inc.ID, map[string]any{
			"number": inc.Number, "attachment_id": a.ID, "name": name, "size": a.Size, "actor_id": actor.UserID})
	})
	return a, err
}

// Attachments lists the incident's files.
func (s *Service) Attachments(ctx context.Context, actor auth.Principal, number string) ([]record.Attachment, error) {
	inc, err := s.visible(ctx, s.DB.Read, actor, number)
	if err != nil {
		return nil, err
	}
	return record.Attachments(ctx, s.DB.Read, inc.ID)
}

// Download returns an attachment and its bytes, if the actor may read the
// record it belongs to. Identical bytes stored by others reveal nothing:
// access is decided per attachment row, never per blob.
func (s *Service) Download(ctx context.Context, actor auth.Principal, attachmentID int64) (record.Attachment, []byte, error) {
	if !actor.Authenticated() {
		return record.Attachment{}, nil, fault.ErrUnauthenticated
	}
	a, err := record.AttachmentByID(ctx, s.DB.Read, attachmentID)
	if err != nil {
		return a, nil, err
	}
	r, err := record.ByID(ctx, s.DB.Read, a.RecordID)
	if err != nil {
		return a, nil, err
	}
	if _, err := s.visible(ctx, s.DB.Read, actor, r.Number); err != nil {
		return record.Attachment{}, nil, fmt.Errorf("attachment %d: %w", attachmentID, fault.ErrNotFound)
	}
	b, err := record.Blob(ctx, s.DB.Read, a.SHA256)
	return a, b, err
}
