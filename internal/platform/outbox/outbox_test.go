package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/outbox"
)

var t0 = time.UnixMilli(1_700_000_000_000).UTC()

// patience bounds every wait for an event. On PostgreSQL an unrelated
// transaction elsewhere on the server can hold the delivery horizon back for
// a moment, so tests poll instead of expecting a single Deliver to see
// everything.
const patience = 10 * time.Second

func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Read.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// cursor returns the consumer's position, zero when it has none yet.
func cursor(t *testing.T, d *db.DB, name string) (txid, id int64) {
	t.Helper()
	rows, err := d.Read.QueryContext(context.Background(),
		`SELECT last_txid, last_id FROM outbox_cursors WHERE consumer = $1`, name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&txid, &id); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return txid, id
}

// lastEvent returns the (txid, id) of the newest event in delivery order.
func lastEvent(t *testing.T, d *db.DB) (txid, id int64) {
	t.Helper()
	if err := d.Read.QueryRowContext(context.Background(),
		`SELECT txid, id FROM outbox ORDER BY txid DESC, id DESC LIMIT 1`).Scan(&txid, &id); err != nil {
		t.Fatal(err)
	}
	return txid, id
}

func outboxIDs(t *testing.T, d *db.DB) []int64 {
	t.Helper()
	return ids(t, d, `SELECT id FROM outbox ORDER BY id`)
}

func deliveredIDs(t *testing.T, d *db.DB) []int64 {
	t.Helper()
	return ids(t, d, `SELECT event_id FROM delivered ORDER BY event_id`)
}

func ids(t *testing.T, d *db.DB, query string) []int64 {
	t.Helper()
	rows, err := d.Read.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func createDelivered(t *testing.T, d *db.DB) {
	t.Helper()
	if _, err := d.Write.ExecContext(context.Background(),
		`CREATE TABLE delivered (event_id BIGINT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
}

// recordDelivered is a handler that writes one row per event in the
// delivery transaction; a duplicate delivery fails on the primary key.
func recordDelivered(ctx context.Context, tx db.Querier, events []outbox.Event) error {
	for _, e := range events {
		if _, err := tx.ExecContext(ctx, `INSERT INTO delivered (event_id) VALUES ($1)`, e.ID); err != nil {
			return fmt.Errorf("record %d: %w", e.ID, err)
		}
	}
	return nil
}

// appendN commits n events (topics prefix0..prefixN-1) in one transaction.
func appendN(t *testing.T, d *db.DB, prefix string, n int) {
	t.Helper()
	err := d.InTx(context.Background(), func(tx db.Querier) error {
		for i := range n {
			if err := outbox.Append(context.Background(), tx, t0.Add(time.Duration(i)*time.Second),
				fmt.Sprintf("%s%d", prefix, i), int64(100+i), map[string]int{"i": i}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// deliverUntil calls Deliver until want events have been delivered in total
// and returns the sizes of the non-empty batches.
func deliverUntil(t *testing.T, d *db.DB, c outbox.Consumer, want int) []int {
	t.Helper()
	var sizes []int
	total := 0
	deadline := time.Now().Add(patience)
	for total < want {
		n, err := outbox.Deliver(context.Background(), d, c, t0)
		if err != nil {
			t.Fatalf("deliver %s: %v", c.Name, err)
		}
		if n > 0 {
			sizes = append(sizes, n)
			total += n
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliver %s: %d of %d events after %v", c.Name, total, want, patience)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if total != want {
		t.Fatalf("deliver %s: delivered %d events, want %d", c.Name, total, want)
	}
	return sizes
}

func assertNothingMore(t *testing.T, d *db.DB, c outbox.Consumer) {
	t.Helper()
	n, err := outbox.Deliver(context.Background(), d, c, t0)
	if err != nil || n != 0 {
		t.Fatalf("deliver %s again = %d, %v; want 0, nil", c.Name, n, err)
	}
}

func TestAppendCommitsWithTheTransaction(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		err := d.InTx(ctx, func(tx db.Querier) error {
			if err := outbox.Append(ctx, tx, t0, "record.created", 42, map[string]any{"number": "INC-1"}); err != nil {
				return err
			}
			return outbox.Append(ctx, tx, t0.Add(time.Minute), "system.tick", 0, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		var (
			at       int64
			topic    string
			recordID *int64
			payload  string
		)
		if err := d.Read.QueryRowContext(ctx,
			`SELECT at, topic, record_id, payload FROM outbox ORDER BY id LIMIT 1`).Scan(&at, &topic, &recordID, &payload); err != nil {
			t.Fatal(err)
		}
		if at != t0.UnixMilli() || topic != "record.created" || recordID == nil || *recordID != 42 {
			t.Fatalf("stored event = at %d topic %q record %v; want %d record.created 42", at, topic, recordID, t0.UnixMilli())
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(payload), &p); err != nil || p["number"] != "INC-1" {
			t.Fatalf("payload = %s (%v)", payload, err)
		}
		if n := count(t, d, `SELECT count(*) FROM outbox WHERE record_id IS NULL AND topic = 'system.tick' AND payload = 'null'`); n != 1 {
			t.Fatalf("event without record: %d rows with NULL record_id, want 1", n)
		}

		// A rolled-back transaction leaves no event behind.
		boom := errors.New("boom")
		err = d.InTx(ctx, func(tx db.Querier) error {
			if err := outbox.Append(ctx, tx, t0, "record.updated", 42, map[string]any{}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		if n := count(t, d, `SELECT count(*) FROM outbox`); n != 2 {
			t.Fatalf("outbox has %d events after rollback, want 2", n)
		}
		if n := count(t, d, `SELECT count(*) FROM outbox WHERE topic = 'record.updated'`); n != 0 {
			t.Fatalf("rolled-back event stored %d times", n)
		}

		// A payload that cannot be encoded fails before touching the table.
		err = d.InTx(ctx, func(tx db.Querier) error {
			return outbox.Append(ctx, tx, t0, "bad", 1, make(chan int))
		})
		if err == nil {
			t.Fatal("Append of an unencodable payload succeeded")
		}
	})
}

func TestDeliverInOrderInBatches(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, "e", 10)

		var got []outbox.Event
		c := outbox.Consumer{Name: "indexer", Batch: 3, Handle: func(ctx context.Context, tx db.Querier, events []outbox.Event) error {
			got = append(got, events...)
			return nil
		}}
		sizes := deliverUntil(t, d, c, 10)
		if !slices.Equal(sizes, []int{3, 3, 3, 1}) {
			t.Fatalf("batch sizes = %v, want [3 3 3 1]", sizes)
		}
		for i, e := range got {
			if want := fmt.Sprintf("e%d", i); e.Topic != want {
				t.Fatalf("event %d topic = %q, want %q (order broken)", i, e.Topic, want)
			}
			if e.RecordID != int64(100+i) || !e.At.Equal(t0.Add(time.Duration(i)*time.Second)) {
				t.Fatalf("event %d = record %d at %v", i, e.RecordID, e.At)
			}
			var p map[string]int
			if err := json.Unmarshal(e.Payload, &p); err != nil || p["i"] != i {
				t.Fatalf("event %d payload = %s (%v)", i, e.Payload, err)
			}
			if i > 0 && (e.TxID < got[i-1].TxID || e.TxID == got[i-1].TxID && e.ID <= got[i-1].ID) {
				t.Fatalf("event %d (%d,%d) not after (%d,%d)", i, e.TxID, e.ID, got[i-1].TxID, got[i-1].ID)
			}
		}
		ltx, lid := cursor(t, d, "indexer")
		wtx, wid := lastEvent(t, d)
		if ltx != wtx || lid != wid || lid != got[9].ID {
			t.Fatalf("cursor = (%d,%d), want last event (%d,%d)", ltx, lid, wtx, wid)
		}
		assertNothingMore(t, d, c)

		// New events after the cursor are delivered next, and only they.
		appendN(t, d, "f", 2)
		got = nil
		deliverUntil(t, d, c, 2)
		if len(got) != 2 || got[0].Topic != "f0" || got[1].Topic != "f1" {
			t.Fatalf("second round = %+v", got)
		}
		assertNothingMore(t, d, c)
	})
}

func TestCrashBeforeCursorAdvanceLosesNothing(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		createDelivered(t, d)
		// The change is committed with its events.
		appendN(t, d, "a", 3)
		appendN(t, d, "b", 4)
		const total = 7
		crash := errors.New("crash")

		// deliverUntilHandled retries until the handler has run once (the
		// horizon may hide the events for a moment on PostgreSQL).
		deliverUntilHandled := func(mk func() (context.Context, outbox.Consumer, *bool)) error {
			t.Helper()
			deadline := time.Now().Add(patience)
			for {
				ctx, c, handled := mk()
				n, err := outbox.Deliver(ctx, d, c, t0)
				if *handled {
					if n != 0 {
						t.Fatalf("crashed delivery reported %d events", n)
					}
					return err
				}
				if err != nil {
					t.Fatalf("deliver before handler ran: %v", err)
				}
				if time.Now().After(deadline) {
					t.Fatal("handler never called")
				}
				time.Sleep(2 * time.Millisecond)
			}
		}

		// 1. The handler writes its rows, then fails before the cursor moves.
		err := deliverUntilHandled(func() (context.Context, outbox.Consumer, *bool) {
			handled := new(bool)
			return context.Background(), outbox.Consumer{Name: "mailer", Handle: func(ctx context.Context, tx db.Querier, events []outbox.Event) error {
				*handled = true
				if err := recordDelivered(ctx, tx, events); err != nil {
					return err
				}
				return crash
			}}, handled
		})
		if !errors.Is(err, crash) {
			t.Fatalf("Deliver = %v, want the handler's error", err)
		}
		if n := count(t, d, `SELECT count(*) FROM delivered`); n != 0 {
			t.Fatalf("failed handler left %d delivered rows", n)
		}
		if tx, id := cursor(t, d, "mailer"); tx != 0 || id != 0 {
			t.Fatalf("cursor moved to (%d,%d) after a failed handler", tx, id)
		}

		// 2. The process dies mid-way: the context is cancelled while the
		// handler runs, after it wrote its rows.
		err = deliverUntilHandled(func() (context.Context, outbox.Consumer, *bool) {
			handled := new(bool)
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			return ctx, outbox.Consumer{Name: "mailer", Handle: func(ctx context.Context, tx db.Querier, events []outbox.Event) error {
				*handled = true
				if err := recordDelivered(ctx, tx, events); err != nil {
					return err
				}
				cancel()
				return nil
			}}, handled
		})
		if err == nil {
			t.Fatal("Deliver with a context cancelled during the handler succeeded")
		}
		if n := count(t, d, `SELECT count(*) FROM delivered`); n != 0 {
			t.Fatalf("cancelled delivery left %d delivered rows", n)
		}
		if tx, id := cursor(t, d, "mailer"); tx != 0 || id != 0 {
			t.Fatalf("cursor moved to (%d,%d) after a cancelled delivery", tx, id)
		}

		// 3. A crash after the first batch keeps that batch and only it.
		calls := 0
		partial := outbox.Consumer{Name: "mailer", Batch: 2, Handle: func(ctx context.Context, tx db.Querier, events []outbox.Event) error {
			calls++
			if err := recordDelivered(ctx, tx, events); err != nil {
				return err
			}
			if calls > 1 {
				return crash
			}
			return nil
		}}
		deliverUntil(t, d, partial, 2)
		if _, err := outbox.Deliver(context.Background(), d, partial, t0); !errors.Is(err, crash) {
			t.Fatalf("second batch = %v, want crash", err)
		}
		all := outboxIDs(t, d)
		if got := deliveredIDs(t, d); !slices.Equal(got, all[:2]) {
			t.Fatalf("after a crash in batch 2 delivered = %v, want %v", got, all[:2])
		}
		if _, id := cursor(t, d, "mailer"); id != all[1] {
			t.Fatalf("cursor id = %d, want %d (end of the committed batch)", id, all[1])
		}

		// 4. The restarted consumer delivers every event exactly once (a
		// second delivery would fail on delivered's primary key).
		healthy := outbox.Consumer{Name: "mailer", Batch: 2, Handle: recordDelivered}
		deliverUntil(t, d, healthy, total-2)
		if got := deliveredIDs(t, d); !slices.Equal(got, all) {
			t.Fatalf("delivered = %v, want %v", got, all)
		}
		ltx, lid := cursor(t, d, "mailer")
		if wtx, wid := lastEvent(t, d); ltx != wtx || lid != wid {
			t.Fatalf("cursor = (%d,%d), want (%d,%d)", ltx, lid, wtx, wid)
		}
		assertNothingMore(t, d, healthy)
		if n := count(t, d, `SELECT count(*) FROM delivered`); n != total {
			t.Fatalf("delivered %d rows, want %d", n, total)
		}
	})
}

func TestConsumersHaveTheirOwnCursor(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, "e", 5)
		got := map[string][]int64{}
		mk := func(name string, batch int) outbox.Consumer {
			return outbox.Consumer{Name: name, Batch: batch, Handle: func(ctx context.Context, tx db.Querier, events []outbox.Event) error {
				for _, e := range events {
					got[name] = append(got[name], e.ID)
				}
				return nil
			}}
		}
		a, b := mk("search", 2), mk("notify", 0)
		deliverUntil(t, d, a, 5)
		assertNothingMore(t, d, a)
		// b still starts from the beginning.
		deliverUntil(t, d, b, 5)
		assertNothingMore(t, d, b)
		all := outboxIDs(t, d)
		if !slices.Equal(got["search"], all) || !slices.Equal(got["notify"], all) {
			t.Fatalf("search got %v, notify got %v; want %v each", got["search"], got["notify"], all)
		}
		atx, aid := cursor(t, d, "search")
		btx, bid := cursor(t, d, "notify")
		if atx != btx || aid != bid || aid != all[4] {
			t.Fatalf("cursors (%d,%d) and (%d,%d), want both at id %d", atx, aid, btx, bid, all[4])
		}
	})
}

// TestHorizonWaitsForOlderTransactions pins the PostgreSQL case the horizon
// exists for: a transaction that took its id first but commits last.
func TestHorizonWaitsForOlderTransactions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if d.Dialect != db.Postgres {
			t.Skip("SQLite has a single writer: ids are allocated in commit order")
		}
		t.Parallel()
		ctx := context.Background()
		slow, err := d.Write.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Rollback()
		if err := outbox.Append(ctx, slow, t0, "slow", 1, nil); err != nil {
			t.Fatal(err)
		}
		appendN(t, d, "fast", 1) // a newer transaction commits first

		var got []string
		c := outbox.Consumer{Name: "c", Handle: func(ctx context.Context, tx db.Querier, events []outbox.Event) error {
			for _, e := range events {
				got = append(got, e.Topic)
			}
			return nil
		}}
		// While the older transaction runs, the newer event must wait: had
		// the cursor passed it, the older one would be skipped for good.
		if n, err := outbox.Deliver(ctx, d, c, t0); err != nil || n != 0 {
			t.Fatalf("Deliver with an older transaction open = %d, %v; want 0, nil", n, err)
		}
		if err := slow.Commit(); err != nil {
			t.Fatal(err)
		}
		deliverUntil(t, d, c, 2)
		if !slices.Equal(got, []string{"slow", "fast0"}) {
			t.Fatalf("delivered %v, want [slow fast0]", got)
		}
	})
}

func TestConcurrentNodesDeliverExactlyOnce(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		createDelivered(t, d)
		ctx := context.Background()
		c := outbox.Consumer{Name: "nodes", Batch: 4, Handle: recordDelivered}

		const (
			appenders = 4
			txPer     = 12
			nodes     = 4
		)
		var (
			appended atomic.Int64
			mu       sync.Mutex
			errs     []error
		)
		fail := func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}

		var writers sync.WaitGroup
		for w := range appenders {
			writers.Go(func() {
				for i := range txPer {
					k := 1 + (w+i)%3
					// On PostgreSQL one writer keeps some transactions open after
					// taking its id while the others commit around it.
					slow := d.Dialect == db.Postgres && w == 0 && i%3 == 0
					err := d.InTx(ctx, func(tx db.Querier) error {
						for j := range k {
							if err := outbox.Append(ctx, tx, t0, fmt.Sprintf("w%d.%d.%d", w, i, j), int64(w), nil); err != nil {
								return err
							}
							if slow && j == 0 {
								time.Sleep(50 * time.Millisecond)
							}
						}
						return nil
					})
					if err != nil {
						fail(err)
						return
					}
					appended.Add(int64(k))
					if d.Dialect == db.Postgres && w != 0 {
						time.Sleep(time.Duration(1+i%3) * time.Millisecond)
					}
				}
			})
		}

		var (
			stop      atomic.Bool
			delivered atomic.Int64
			readers   sync.WaitGroup
		)
		for range nodes {
			readers.Go(func() {
				for !stop.Load() {
					n, err := outbox.Deliver(ctx, d, c, t0)
					if err != nil {
						fail(err)
						return
					}
					delivered.Add(int64(n))
					if n == 0 {
						time.Sleep(time.Millisecond)
					}
				}
			})
		}
		writers.Wait()
		stop.Store(true)
		readers.Wait()
		if len(errs) > 0 {
			t.Fatalf("errors during concurrent delivery: %v", errs)
		}

		total := int(appended.Load())
		if want := appenders * txPer * 2; total != want {
			t.Fatalf("appended %d events, want %d", total, want)
		}
		// Drain what the nodes did not get to.
		deliverUntil(t, d, c, total-int(delivered.Load()))
		assertNothingMore(t, d, c)
		if n := count(t, d, `SELECT count(*) FROM delivered`); n != total {
			t.Fatalf("delivered table has %d rows, want %d", n, total)
		}
		if got, all := deliveredIDs(t, d), outboxIDs(t, d); !slices.Equal(got, all) {
			t.Fatalf("delivered ids differ from outbox ids:\n got %v\nwant %v", got, all)
		}
	})
}

func TestRelay(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		createDelivered(t, d)
		// The handler records through the delivery transaction: an in-memory
		// record could repeat an event whose commit a cancel interrupted.
		c := outbox.Consumer{Name: "relay", Handle: recordDelivered}
		waitFor := func(want int, wake func()) {
			t.Helper()
			deadline := time.Now().Add(patience)
			for {
				got, all := deliveredIDs(t, d), outboxIDs(t, d)
				if len(got) == want {
					if !slices.Equal(got, all[:want]) {
						t.Fatalf("relay delivered %v, want %v", got, all[:want])
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("relay delivered %v, want the first %d of %v", got, want, all)
				}
				if wake != nil {
					wake()
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		run := func(r *outbox.Relay) (stop func()) {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				r.Run(ctx)
			}()
			return func() {
				cancel()
				select {
				case <-done:
				case <-time.After(patience):
					t.Fatal("Run did not stop after cancel")
				}
			}
		}

		log := slog.New(slog.DiscardHandler)
		r := outbox.NewRelay(d, log, c)
		r.Interval = 20 * time.Millisecond
		stop := run(r)
		appendN(t, d, "x", 2)
		r.Wake()
		waitFor(2, nil)
		stop()

		// Stopped: new events stay in the outbox.
		appendN(t, d, "y", 1)
		time.Sleep(50 * time.Millisecond)
		if n := count(t, d, `SELECT count(*) FROM delivered`); n != 2 {
			t.Fatalf("stopped relay delivered %d events, want 2", n)
		}

		// With a ticker too slow to matter, Wake alone gets events through
		// (including the one appended while stopped).
		r2 := outbox.NewRelay(d, log, c)
		r2.Interval = time.Hour
		stop2 := run(r2)
		defer stop2()
		appendN(t, d, "z", 1)
		waitFor(4, r2.Wake)
	})
}

func TestRelayWithoutConsumersReturns(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		outbox.NewRelay(nil, slog.New(slog.DiscardHandler)).Run(context.Background())
	}()
	select {
	case <-done:
	case <-time.After(patience):
		t.Fatal("Run without consumers did not return")
	}
}

// A consumer's read seeks through the (txid, id) index on both engines: it
// never scans the outbox, which keeps every event ever written.
func TestReadSeeksTheOrderIndex(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		text := dbtest.PlanWithoutSeqScans(t, d, outbox.ReadQuery(d.OutboxHorizon(), 10), 0, 5)
		// On SQLite every event has txid 0: only an equality on txid with a
		// range on id starts the read at the cursor.
		if strings.Contains(text, "SCAN outbox") || strings.Contains(text, "Seq Scan") || !strings.Contains(text, "outbox_order") ||
			(d.Dialect == db.SQLite && !strings.Contains(text, "txid=? AND id>?")) {
			t.Errorf("the read does not seek the index:\n%s", text)
		}
	})
}
