package app

import (
	"context"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/lease"
)

// sweepEvery is how often housekeeping runs, on one node at a time.
const sweepEvery = 10 * time.Minute

// closeEvery is how often resolved incidents past their auto-close time are
// closed.
const closeEvery = time.Minute

// autoClose closes resolved incidents whose reopen time has passed, under a
// lease so that one node does it.
func (a *App) autoClose(ctx context.Context) {
	t := time.NewTicker(closeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok, err := lease.Acquire(ctx, a.DB.Write, "incident.auto_close", a.Node, time.Now(), closeEvery)
		if err != nil || !ok {
			continue
		}
		for {
			n, err := a.Incidents.CloseResolved(ctx, 200)
			if err != nil {
				a.Log.Error("auto-close resolved incidents", "err", err)
			}
			if n > 0 {
				a.Log.Info("closed resolved incidents", "count", n)
			}
			if err != nil || n < 200 {
				break
			}
		}
	}
}

// sweep removes expired sessions and old idempotency keys. It runs under a
// lease, so with several nodes only one does the work each round.
func (a *App) sweep(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		ok, err := lease.Acquire(ctx, a.DB.Write, "housekeeping", a.Node, now, sweepEvery/2)
		if err != nil || !ok {
			continue
		}
		if n, err := auth.NewSessionStore(a.DB).DeleteExpired(ctx); err != nil {
			a.Log.Error("sweep sessions", "err", err)
		} else if n > 0 {
			a.Log.Debug("swept expired sessions", "count", n)
		}
		cutoff := now.Add(-24 * time.Hour).UnixMilli()
		if _, err := a.DB.Write.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, cutoff); err != nil {
			a.Log.Error("sweep idempotency keys", "err", err)
		}
	}
}
