package mailin

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/audit"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/platform/settings"
)

// The admin's side of mail in: the quarantine and the settings.

// Quarantine lists quarantined messages, newest first, without their raw
// bytes. cursor is the next_cursor of the previous page ("" for the first).
func (s *Service) Quarantine(ctx context.Context, actor auth.Principal, cursor string, limit int) ([]Entry, string, error) {
	if err := auth.Require(actor, auth.ManageMail); err != nil {
		return nil, "", err
	}
	var before int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return nil, "", fault.Invalid("cursor", "is not a cursor from this list")
		}
		before = n
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	items, err := quarantineEntries(ctx, s.DB.Read, before, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = strconv.FormatInt(items[limit-1].ID, 10)
	}
	return items, next, nil
}

// Quarantined returns one quarantined message with its raw bytes.
func (s *Service) Quarantined(ctx context.Context, actor auth.Principal, id int64) (Entry, error) {
	if err := auth.Require(actor, auth.ManageMail); err != nil {
		return Entry{}, err
	}
	return quarantineEntry(ctx, s.DB.Read, id)
}

// Retry runs a quarantined message through Ingest again (after the admin
// changed a setting or an account, say), without the sender's rate limit.
// When it now becomes a record or a comment the entry goes; otherwise the
// entry stays with the new reason.
func (s *Service) Retry(ctx context.Context, actor auth.Principal, id int64) (Result, error) {
	if err := auth.Require(actor, auth.ManageMail); err != nil {
		return Result{}, err
	}
	e, err := quarantineEntry(ctx, s.DB.Read, id)
	if err != nil {
		return Result{}, err
	}
	return s.ingest(ctx, e.Raw, Source{Name: e.Source}, id, actor.UserID)
}

// DeleteQuarantined drops a quarantined message for good. The message stays
// known, so that a new delivery of it is ignored as a duplicate.
func (s *Service) DeleteQuarantined(ctx context.Context, actor auth.Principal, id int64) error {
	if err := auth.Require(actor, auth.ManageMail); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx db.Querier) error {
		ok, err := deleteQuarantine(ctx, tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("quarantined message %d: %w", id, fault.ErrNotFound)
		}
		return audit.Write(ctx, tx, s.Now(), actor.UserID, "mail.quarantine.delete", "mail_quarantine", id, nil)
	})
}

// Settings returns the mail-in settings.
func (s *Service) Settings(ctx context.Context, actor auth.Principal) (Settings, error) {
	if err := auth.Require(actor, auth.ManageMail); err != nil {
		return Settings{}, err
	}
	return loadSettings(ctx, s.DB.Read)
}

// SetSettings changes the mail-in settings.
func (s *Service) SetSettings(ctx context.Context, actor auth.Principal, set Settings) (Settings, error) {
	if err := auth.Require(actor, auth.ManageMail); err != nil {
		return Settings{}, err
	}
	if set.AllowedDomains == nil {
		set.AllowedDomains = []string{}
	}
	if err := set.Validate(); err != nil {
		return Settings{}, err
	}
	err := s.DB.InTx(ctx, func(tx db.Querier) error {
		if err := settings.Store(ctx, tx, settingsKey, set); err != nil {
			return err
		}
		return audit.Write(ctx, tx, s.Now(), actor.UserID, "settings.mail_in", "settings", 0, set)
	})
	return set, err
}

// Housekeep drops the per-sender counts of past hours (senders who wrote
// once and never again). Run it now and then on one node.
func (s *Service) Housekeep(ctx context.Context) (int64, error) {
	window := s.Now().Truncate(time.Hour).UnixMilli()
	res, err := s.DB.Write.ExecContext(ctx, `DELETE FROM mail_rate WHERE window_start < $1`, window)
	if err != nil {
		return 0, fmt.Errorf("mailin: housekeep: %w", err)
	}
	return res.RowsAffected()
}
