package incident

import (
	"context"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/audit"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/platform/settings"
)

// Policy holds the instance's incident settings.
type Policy struct {
	// ReopenWindowDays: a requester's reply within this many days of the
	// resolution reopens the incident.
	ReopenWindowDays int `json:"reopen_window_days"`
	// AutoCloseDays: a resolved incident closes itself after this many days.
	AutoCloseDays int `json:"auto_close_days"`
}

// DefaultPolicy is what a new instance uses.
var DefaultPolicy = Policy{ReopenWindowDays: 7, AutoCloseDays: 7}

const policyKey = "incident_policy"

// Validate checks the settings are usable.
func (p Policy) Validate() error {
	v := &fault.ValidationError{}
	if p.ReopenWindowDays < 0 || p.ReopenWindowDays > 365 {
		v.Add("reopen_window_days", "must be from 0 to 365")
	}
	if p.AutoCloseDays < 1 || p.AutoCloseDays > 365 {
		v.Add("auto_close_days", "must be from 1 to 365")
	}
	return v.Err()
}

func (p Policy) reopenWindow() time.Duration {
	return time.Duration(p.ReopenWindowDays) * 24 * time.Hour
}

func loadPolicy(ctx context.Context, q db.Querier) (Policy, error) {
	return settings.Load(ctx, q, policyKey, DefaultPolicy)
}

// Policy returns the incident settings.
func (s *Service) Policy(ctx context.Context) (Policy, error) { return loadPolicy(ctx, s.DB.Read) }

// SetPolicy changes the incident settings (admins).
func (s *Service) SetPolicy(ctx context.Context, actor auth.Principal, p Policy) error {
	if err := auth.Require(actor, auth.ManageSettings); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx db.Querier) error {
		if err := settings.Store(ctx, tx, policyKey, p); err != nil {
			return err
		}
		return audit.Write(ctx, tx, now, actor.UserID, "settings.incident_policy", "settings", 0, p)
	})
}
