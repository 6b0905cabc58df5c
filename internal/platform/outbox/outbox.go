// Package outbox stores domain events in the same transaction as the change
// that caused them, and delivers them to named consumers, each with its own
// cursor, so that a crash loses nothing and nothing is delivered twice.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"steward/internal/platform/db"
)

// Event is one domain event.
type Event struct {
	ID       int64
	TxID     int64
	At       time.Time
	Topic    string // record.created, record.updated, comment.added, ...
	RecordID int64
	Payload  json.RawMessage
}

// Append writes an event inside the caller's transaction.
func Append(ctx context.Context, tx db.Querier, at time.Time, topic string, recordID int64, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("outbox: encode %s: %w", topic, err)
	}
	var rid any
	if recordID != 0 {
		rid = recordID
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO outbox (at, topic, record_id, payload) VALUES ($1, $2, $3, $4)`,
		at.UnixMilli(), topic, rid, string(b)); err != nil {
		return fmt.Errorf("outbox: append %s: %w", topic, err)
	}
	return nil
}

// Handler receives a batch of events in order, with the transaction that
// will also advance the consumer's cursor. Work written through tx commits
// together with the cursor: exactly once. Work sent elsewhere (mail, a
// webhook) may be repeated if the commit fails, so it should be keyed by
// Event.ID.
type Handler func(ctx context.Context, tx db.Querier, events []Event) error

// Consumer is a named reader of the outbox.
type Consumer struct {
	Name   string
	Handle Handler
	Batch  int // events per transaction; 100 if zero
}

// Deliver hands the next batch of events after the consumer's cursor to its
// handler and advances the cursor in the same transaction. It returns how
// many events were delivered. Several nodes may call it at once: the cursor
// row is locked by the first, the others wait and then see the advanced
// cursor.
func Deliver(ctx context.Context, d *db.DB, c Consumer, now time.Time) (int, error) {
	batch := c.Batch
	if batch <= 0 {
		batch = 100
	}
	var n int
	err := d.InTx(ctx, func(tx db.Querier) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO outbox_cursors (consumer, updated_at) VALUES ($1, $2) ON CONFLICT (consumer) DO NOTHING`,
			c.Name, now.UnixMilli()); err != nil {
			return fmt.Errorf("outbox: cursor %s: %w", c.Name, err)
		}
		var lastTx, lastID int64
		if err := tx.QueryRowContext(ctx,
			`UPDATE outbox_cursors SET updated_at = $2 WHERE consumer = $1 RETURNING last_txid, last_id`,
			c.Name, now.UnixMilli()).Scan(&lastTx, &lastID); err != nil {
			return fmt.Errorf("outbox: lock cursor %s: %w", c.Name, err)
		}
		events, err := read(ctx, tx, d.OutboxHorizon(), lastTx, lastID, batch)
		if err != nil || len(events) == 0 {
			return err
		}
		if err := c.Handle(ctx, tx, events); err != nil {
			return fmt.Errorf("outbox: consumer %s: %w", c.Name, err)
		}
		last := events[len(events)-1]
		if _, err := tx.ExecContext(ctx,
			`UPDATE outbox_cursors SET last_txid = $2, last_id = $3 WHERE consumer = $1`,
			c.Name, last.TxID, last.ID); err != nil {
			return fmt.Errorf("outbox: advance %s: %w", c.Name, err)
		}
		n = len(events)
		return nil
	})
	return n, err
}

// readQuery reads events after ($1, $2), at most limit, below horizon.
func readQuery(horizon string, limit int) string {
	const cols = `SELECT id, txid, at, topic, coalesce(record_id, 0), payload FROM outbox `
	return `SELECT * FROM (` + cols + `WHERE txid = $1 AND id > $2 AND txid < ` + horizon + ` ORDER BY txid, id ` + db.Limit(limit) + `) a
UNION ALL
SELECT * FROM (` + cols + `WHERE txid > $1 AND txid < ` + horizon + ` ORDER BY txid, id ` + db.Limit(limit) + `) b
ORDER BY 2, 1 ` + db.Limit(limit)
}

// read returns up to limit events after (lastTx, lastID) in order: the
// rest of transaction lastTx, then later transactions, each part a seek on
// the (txid, id) index. (One condition with OR, or a row comparison, makes
// SQLite read every event ever written: there all events have txid 0.)
func read(ctx context.Context, q db.Querier, horizon string, lastTx, lastID int64, limit int) ([]Event, error) {
	rows, err := q.QueryContext(ctx, readQuery(horizon, limit), lastTx, lastID)
	if err != nil {
		return nil, fmt.Errorf("outbox: read: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var payload string
		if err := rows.Scan(&e.ID, &e.TxID, &at, &e.Topic, &e.RecordID, &payload); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at).UTC()
		e.Payload = json.RawMessage(payload)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Relay runs consumers until ctx ends, polling every Interval and whenever
// Wake is signalled.
type Relay struct {
	DB        *db.DB
	Consumers []Consumer
	Interval  time.Duration
	Log       *slog.Logger
	wake      chan struct{}
}

// NewRelay builds a relay for consumers.
func NewRelay(d *db.DB, log *slog.Logger, consumers ...Consumer) *Relay {
	return &Relay{DB: d, Consumers: consumers, Interval: time.Second, Log: log, wake: make(chan struct{}, 1)}
}

// Wake asks the relay to look for events now (after a commit on this node).
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done.
func (r *Relay) Run(ctx context.Context) {
	if len(r.Consumers) == 0 {
		return
	}
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	for {
		for _, c := range r.Consumers {
			for {
				n, err := Deliver(ctx, r.DB, c, time.Now())
				if err != nil {
					if ctx.Err() == nil {
						r.Log.Error("outbox delivery failed", "consumer", c.Name, "err", err)
					}
					break
				}
				if n == 0 {
					break
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.wake:
		}
	}
}
