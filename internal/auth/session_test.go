package auth_test

import (
	"context"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

// An unchanged session is written again only once its expiry has moved
// by a minute: the idle timeout does not cost a write per page view.
// Changed data, a later expiry and a deleted session are always written.
func TestSessionCommitSkipsIdleTouches(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := auth.NewSessionStore(d)
		stored := func() (string, int64) {
			t.Helper()
			var data string
			var exp int64
			if err := d.Read.QueryRowContext(ctx, `SELECT data, expiry FROM sessions`).Scan(&data, &exp); err != nil {
				t.Fatal(err)
			}
			return data, exp
		}
		at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
		if err := s.CommitCtx(ctx, "tok", []byte("a"), at); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name     string
			data     string
			expiry   time.Time
			wantData string
			wantExp  time.Time
		}{
			{"same data, 20 s later: skipped", "a", at.Add(20 * time.Second), "a", at},
			{"new data: written", "b", at.Add(30 * time.Second), "b", at.Add(30 * time.Second)},
			{"same data, 59 s later: skipped", "b", at.Add(89 * time.Second), "b", at.Add(30 * time.Second)},
			{"same data, a minute later: written", "b", at.Add(90 * time.Second), "b", at.Add(90 * time.Second)},
		} {
			if err := s.CommitCtx(ctx, "tok", []byte(c.data), c.expiry); err != nil {
				t.Fatal(err)
			}
			if data, exp := stored(); data != c.wantData || exp != c.wantExp.UnixMilli() {
				t.Errorf("%s: stored %q until %v, want %q until %v", c.name, data, time.UnixMilli(exp).UTC(), c.wantData, c.wantExp)
			}
		}
		// A deleted session is written again by its next commit.
		if err := s.DeleteCtx(ctx, "tok"); err != nil {
			t.Fatal(err)
		}
		if err := s.CommitCtx(ctx, "tok", []byte("b"), at.Add(95*time.Second)); err != nil {
			t.Fatal(err)
		}
		if data, _ := stored(); data != "b" {
			t.Errorf("after delete and commit: %q", data)
		}
	})
}
