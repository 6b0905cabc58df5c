package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

// TestConcurrentTransactionsKeepTheirOwnOutcome queues transactions behind
// one that holds the writer, so that on SQLite they share a commit, and
// checks that each one's outcome is its own: the failing ones leave no
// row, the others all commit, a panic reaches its caller, and one whose
// context ended while it waited does not run.
func TestConcurrentTransactionsKeepTheirOwnOutcome(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.InTx(ctx, func(tx db.Querier) error {
			_, err := tx.ExecContext(ctx, `CREATE TABLE group_probe (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		insert := func(tx db.Querier, k string, v int) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO group_probe (k, v) VALUES ($1, $2)`, k, v)
			return err
		}

		hold, held := make(chan struct{}), make(chan struct{})
		blocker := make(chan error, 1)
		go func() {
			blocker <- d.InTx(ctx, func(tx db.Querier) error {
				err := insert(tx, "first", 0)
				close(held)
				<-hold
				return err
			})
		}()
		<-held

		errBoom := errors.New("boom")
		cancelled, cancel := context.WithCancel(ctx)
		type outcome struct {
			name     string
			err      error
			panicked any
		}
		cases := []struct {
			name string
			ctx  context.Context
			fn   func(tx db.Querier) error
		}{
			{"ok-1", ctx, func(tx db.Querier) error { return insert(tx, "ok-1", 1) }},
			{"fails-after-writing", ctx, func(tx db.Querier) error {
				if err := insert(tx, "failed", 2); err != nil {
					return err
				}
				return errBoom
			}},
			{"ok-2", ctx, func(tx db.Querier) error {
				if err := insert(tx, "ok-2", 3); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `UPDATE group_probe SET v = v + 10 WHERE k = 'ok-2'`)
				return err
			}},
			{"unique-violation", ctx, func(tx db.Querier) error {
				if err := insert(tx, "dup-only", 4); err != nil {
					return err
				}
				return insert(tx, "first", 5)
			}},
			{"panics", ctx, func(tx db.Querier) error {
				if err := insert(tx, "panicked", 6); err != nil {
					return err
				}
				panic("transaction bug")
			}},
			{"cancelled-while-waiting", cancelled, func(tx db.Querier) error { return insert(tx, "cancelled", 7) }},
			{"ok-3", ctx, func(tx db.Querier) error { return insert(tx, "ok-3", 8) }},
		}
		results := make(chan outcome, len(cases))
		var wg sync.WaitGroup
		for _, c := range cases {
			wg.Go(func() {
				defer func() {
					if v := recover(); v != nil {
						results <- outcome{name: c.name, panicked: v}
					}
				}()
				results <- outcome{name: c.name, err: d.InTx(c.ctx, c.fn)}
			})
		}
		// Let them all queue behind the held transaction (on SQLite; on
		// PostgreSQL they run at once, blocking only on the row "first");
		// the cancelled one's context ends while it waits.
		before := d.CommitStats()
		if d.Dialect == db.SQLite {
			for d.CommitStats().Waiting < len(cases) {
				time.Sleep(time.Millisecond)
			}
		} else {
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		close(hold)
		if err := <-blocker; err != nil {
			t.Fatalf("holding transaction: %v", err)
		}
		wg.Wait()
		close(results)

		got := map[string]outcome{}
		for o := range results {
			got[o.name] = o
		}
		for _, name := range []string{"ok-1", "ok-2", "ok-3"} {
			if got[name].err != nil || got[name].panicked != nil {
				t.Errorf("%s: err %v, panic %v", name, got[name].err, got[name].panicked)
			}
		}
		if !errors.Is(got["fails-after-writing"].err, errBoom) {
			t.Errorf("fails-after-writing: err %v, want boom", got["fails-after-writing"].err)
		}
		if !db.IsUniqueViolation(got["unique-violation"].err) {
			t.Errorf("unique-violation: err %v", got["unique-violation"].err)
		}
		if fmt.Sprint(got["panics"].panicked) != "transaction bug" {
			t.Errorf("panics: panic %v, err %v", got["panics"].panicked, got["panics"].err)
		}
		if d.Dialect == db.SQLite {
			after := d.CommitStats()
			if c, n := after.Commits-before.Commits, after.Transactions-before.Transactions; c != 1 || n != int64(len(cases)) {
				t.Errorf("queued transactions took %d commits for %d transactions, want 1 for %d", c, n, len(cases))
			}
			if !errors.Is(got["cancelled-while-waiting"].err, context.Canceled) {
				t.Errorf("cancelled-while-waiting: err %v", got["cancelled-while-waiting"].err)
			}
		}
		if err := got["cancelled-while-waiting"].err; err == nil {
			// Whether it ran before its context ended is a race on
			// PostgreSQL, whose pool runs it at once; what matters is
			// that its error and its row agree, checked below.
			t.Logf("cancelled-while-waiting committed before its context ended")
		}

		want := map[string]int{"first": 0, "ok-1": 1, "ok-2": 13, "ok-3": 8}
		if got["cancelled-while-waiting"].err == nil {
			want["cancelled"] = 7
		}
		rows, err := d.Read.QueryContext(ctx, `SELECT k, v FROM group_probe`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		have := map[string]int{}
		for rows.Next() {
			var k string
			var v int
			if err := rows.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			have[k] = v
		}
		if fmt.Sprint(have) != fmt.Sprint(want) {
			t.Errorf("rows = %v, want %v", have, want)
		}
	})
}

// A transaction asked for after the database closed is refused, not left
// waiting for a writer that is gone.
func TestTransactionAfterCloseIsRefused(t *testing.T) {
	t.Parallel()
	d, err := db.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.InTx(context.Background(), func(db.Querier) error { return nil }) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a transaction ran on a closed database")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("InTx after Close did not return")
	}
}

// A statement kept prepared can run again while its rows are still being
// read on the same connection, and after it failed.
func TestPreparedStatementsRunNestedAndAfterErrors(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.InTx(ctx, func(tx db.Querier) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE stmt_probe (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
				return err
			}
			for k := 1; k <= 3; k++ {
				if _, err := tx.ExecContext(ctx, `INSERT INTO stmt_probe (k, v) VALUES ($1, $2)`, k, fmt.Sprint("v", k)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if d.Dialect == db.SQLite { // PostgreSQL runs one query at a time on a connection
			nestedRuns(t, d)
		}
		insert := func() error {
			return d.InTx(ctx, func(tx db.Querier) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO stmt_probe (k, v) VALUES ($1, $2)`, 2, "again")
				return err
			})
		}
		for range 2 { // the failed statement is usable (or prepared anew) the second time
			if err := insert(); !db.IsUniqueViolation(err) {
				t.Fatalf("duplicate key: err %v", err)
			}
		}
		var v string
		if err := d.Read.QueryRowContext(ctx, `SELECT v FROM stmt_probe WHERE k = $1`, 2).Scan(&v); err != nil || v != "v2" {
			t.Fatalf("row 2 = %q, err %v", v, err)
		}
	})
}

// nestedRuns runs a statement again on the same connection while its rows
// are still being read.
func nestedRuns(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	conn, err := d.Read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const q = `SELECT k, v FROM stmt_probe WHERE k >= $1 ORDER BY k`
	outer, err := conn.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer outer.Close() // before the connection, should a check fail
	var got []string
	for outer.Next() {
		var k int
		var v string
		if err := outer.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		var n int
		// The same statement while its outer rows are open.
		inner, err := conn.QueryContext(ctx, q, k)
		if err != nil {
			t.Fatal(err)
		}
		for inner.Next() {
			n++
		}
		inner.Close()
		got = append(got, fmt.Sprintf("%s:%d", v, n))
	}
	outer.Close()
	if want := "[v1:3 v2:2 v3:1]"; fmt.Sprint(got) != want {
		t.Errorf("nested runs = %v, want %s", got, want)
	}
}
