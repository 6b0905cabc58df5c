package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"steward/internal/platform/db"
)

// SessionStore keeps web sessions in the database, so every node sees them
// and they can be revoked. Rows are keyed by a hash of the cookie token: a
// copy of the table does not hand out live sessions.
type SessionStore struct {
	DB  *db.DB
	Now func() time.Time

	// written remembers, per session, what this node last stored. The
	// session manager commits on every request to move the idle expiry
	// on; when the data is the same and the expiry moved by less than
	// touchEvery, the write is skipped (the idle timeout may then end up
	// to touchEvery early), which spares a write transaction per page view.
	mu      sync.Mutex
	written map[string]writtenSession
}

type writtenSession struct {
	data   string
	expiry time.Time
}

// touchEvery is how far a session's expiry must move before an unchanged
// session is written again.
const touchEvery = time.Minute

// NewSessionStore returns a store on d.
func NewSessionStore(d *db.DB) *SessionStore {
	return &SessionStore{DB: d, Now: time.Now}
}

// FindCtx returns the session data for token, if it exists and is unexpired.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.DB.Read.QueryRowContext(ctx, `SELECT data FROM sessions WHERE token = $1 AND expiry > $2`,
		hashToken(token), s.Now().UnixMilli()).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("auth: find session: %w", err)
	}
	return b, true, nil
}

// CommitCtx stores the session data for token until expiry.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	key := hashToken(token)
	s.mu.Lock()
	last, ok := s.written[key]
	s.mu.Unlock()
	if ok && last.data == string(b) && !expiry.Before(last.expiry) && expiry.Sub(last.expiry) < touchEvery {
		return nil
	}
	_, err := s.DB.Write.ExecContext(ctx, `
INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		key, b, expiry.UnixMilli())
	if err != nil {
		return fmt.Errorf("auth: save session: %w", err)
	}
	s.mu.Lock()
	if s.written == nil || len(s.written) > 50_000 { // bound memory: start afresh
		s.written = map[string]writtenSession{}
	}
	s.written[key] = writtenSession{data: string(b), expiry: expiry}
	s.mu.Unlock()
	return nil
}

// DeleteCtx removes the session for token.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	s.mu.Lock()
	delete(s.written, hashToken(token))
	s.mu.Unlock()
	_, err := s.DB.Write.ExecContext(ctx, `DELETE FROM sessions WHERE token = $1`, hashToken(token))
	return err
}

// Find, Commit and Delete satisfy scs.Store for callers without a context.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s *SessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// DeleteExpired removes sessions past their expiry and returns how many.
func (s *SessionStore) DeleteExpired(ctx context.Context) (int64, error) {
	res, err := s.DB.Write.ExecContext(ctx, `DELETE FROM sessions WHERE expiry <= $1`, s.Now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("auth: sweep sessions: %w", err)
	}
	return res.RowsAffected()
}
