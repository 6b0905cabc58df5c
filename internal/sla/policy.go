package sla

import (
	"context"

	"steward/internal/auth"
	"steward/internal/platform/audit"
	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/platform/settings"
)

// Policy holds the instance's SLA settings.
type Policy struct {
	// Match says which definitions give a record its timers: the first
	// that applies, in definition order, or every one that applies.
	Match string `json:"match"`
	// Recompute says how a replacement timer counts when a record moves to
	// another definition (say its priority changed): from the record's
	// start, keeping the time already counted, or from the change, counting
	// afresh.
	Recompute string `json:"recompute"`
}

// Policy values.
const (
	MatchFirst          = "first"
	MatchAll            = "all"
	RecomputeFromStart  = "from_start"
	RecomputeFromChange = "from_change"
)

const policyKey = "sla_policy"

// DefaultPolicy is what a new instance uses.
var DefaultPolicy = Policy{Match: MatchFirst, Recompute: RecomputeFromStart}

// Validate checks the settings are known values.
func (p Policy) Validate() error {
	v := &fault.ValidationError{}
	if p.Match != MatchFirst && p.Match != MatchAll {
		v.Add("match", "must be %q or %q", MatchFirst, MatchAll)
	}
	if p.Recompute != RecomputeFromStart && p.Recompute != RecomputeFromChange {
		v.Add("recompute", "must be %q or %q", RecomputeFromStart, RecomputeFromChange)
	}
	return v.Err()
}

func loadPolicy(ctx context.Context, q db.Querier) (Policy, error) {
	return settings.Load(ctx, q, policyKey, DefaultPolicy)
}

// Policy returns the SLA settings.
func (s *Service) Policy(ctx context.Context) (Policy, error) { return loadPolicy(ctx, s.DB.Read) }

// SetPolicy changes the SLA settings (admins). It applies to the record
// changes observed from then on; running timers are left as they are.
func (s *Service) SetPolicy(ctx context.Context, actor auth.Principal, p Policy) error {
	if err := auth.Require(actor, auth.ManageSettings); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx db.Querier) error {
		if err := settings.Store(ctx, tx, policyKey, p); err != nil {
			return err
		}
		return audit.Write(ctx, tx, s.Now(), actor.UserID, "settings.sla_policy", "settings", 0, p)
	})
}
