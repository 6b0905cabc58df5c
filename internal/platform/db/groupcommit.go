package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/pprof"
	"sync"
	"sync/atomic"
)

// maxGroup bounds how many transactions share one commit, so that a burst
// does not hold the write lock (and the readers' view of it) for long.
const maxGroup = 64

// committer runs SQLite write transactions on the one write connection and
// lets the transactions that queued while one commit was under way share
// the next commit (group commit). On SQLite a commit costs as much as the
// writes of a small transaction, and the single writer is the ceiling of
// every write path, so sharing it is where concurrent writers gain.
//
// Each transaction of a group runs inside its own savepoint: one that
// fails is rolled back to its savepoint alone and the others commit. A
// group of one runs as a plain transaction under its caller's context, as
// if there were no committer at all.
type committer struct {
	write *sql.DB
	queue chan *pending
	stop  chan struct{}
	once  sync.Once
	// exited closes when the loop has returned, having answered all it
	// took from the queue.
	exited chan struct{}

	commits, transactions atomic.Int64
}

// CommitStats counts the SQLite writer's work since the database opened.
type CommitStats struct {
	Commits      int64 // commits made (groups of one included)
	Transactions int64 // callers' transactions committed or rolled back in them
	Waiting      int   // transactions queued for the next group now
}

// CommitStats reports how the SQLite writer's transactions shared commits;
// zero on PostgreSQL.
func (d *DB) CommitStats() CommitStats {
	if d.commits == nil {
		return CommitStats{}
	}
	return CommitStats{Commits: d.commits.commits.Load(), Transactions: d.commits.transactions.Load(), Waiting: len(d.commits.queue)}
}

// pending is one caller's transaction waiting for, or running in, a group.
type pending struct {
	ctx    context.Context
	fn     func(tx Querier) error
	result chan error
	// panicked carries a panic out of fn to its caller's goroutine.
	panicked any
}

func newCommitter(write *sql.DB) *committer {
	c := &committer{write: write, queue: make(chan *pending, maxGroup), stop: make(chan struct{}), exited: make(chan struct{})}
	go c.loop()
	return c
}

// run queues fn and waits for the commit of the group it ran in.
func (c *committer) run(ctx context.Context, fn func(tx Querier) error) error {
	p := &pending{ctx: ctx, fn: fn, result: make(chan error, 1)}
	select {
	case c.queue <- p:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stop:
		return errors.New("db: closed")
	}
	// Once queued, the outcome is awaited even if ctx ends: the
	// transaction may already be part of a commit.
	var err error
	select {
	case err = <-p.result:
	case <-c.exited:
		select { // answered just before the loop returned, or never taken
		case err = <-p.result:
		default:
			return errors.New("db: closed")
		}
	}
	if p.panicked != nil {
		panic(p.panicked)
	}
	return err
}

func (c *committer) close() {
	c.once.Do(func() { close(c.stop) })
	<-c.exited
}

func (c *committer) loop() {
	defer close(c.exited)
	group := make([]*pending, 0, maxGroup)
	for {
		select {
		case p := <-c.queue:
			group = append(group[:0], p)
		case <-c.stop:
			c.drain()
			return
		}
	more:
		for len(group) < maxGroup {
			select {
			case p := <-c.queue:
				group = append(group, p)
			default:
				break more
			}
		}
		c.commits.Add(1)
		c.transactions.Add(int64(len(group)))
		if len(group) == 1 {
			p := group[0]
			p.result <- c.alone(p)
			continue
		}
		c.together(group)
	}
}

// drain refuses what is still queued when the database closes.
func (c *committer) drain() {
	for {
		select {
		case p := <-c.queue:
			p.result <- errors.New("db: closed")
		default:
			return
		}
	}
}

// alone runs one transaction exactly as InTx would without a committer.
func (c *committer) alone(p *pending) error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	tx, err := c.write.BeginTx(p.ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	if err := p.call(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// together runs a group in one transaction, each member in a savepoint.
// The members run without their contexts' cancellation: SQLite rolls back
// the whole transaction when a write statement is interrupted, which would
// take the other members with it. A member whose context has ended before
// its turn is not run.
func (c *committer) together(group []*pending) {
	results := make([]error, len(group))
	// finish answers every member; err, if any, goes to those that
	// succeeded, since the group's commit did not happen.
	finish := func(err error) {
		for i, p := range group {
			if results[i] == nil {
				results[i] = err
			}
			p.result <- results[i]
		}
	}
	abort := func(tx *sql.Tx, err error) {
		_ = tx.Rollback()
		finish(err)
	}
	tx, err := c.write.BeginTx(context.Background(), nil)
	if err != nil {
		finish(fmt.Errorf("db: begin: %w", err))
		return
	}
	for i, p := range group {
		if results[i] = p.ctx.Err(); results[i] != nil {
			continue
		}
		if _, err := tx.Exec(`SAVEPOINT grouped`); err != nil {
			abort(tx, fmt.Errorf("db: savepoint: %w", err))
			return
		}
		if results[i] = p.call(uncancelled{tx}); results[i] != nil {
			if _, err := tx.Exec(`ROLLBACK TO grouped`); err != nil {
				// SQLite ends the transaction itself on some errors:
				// nothing of the group is written.
				abort(tx, fmt.Errorf("db: transaction rolled back with another in its commit group: %w", err))
				return
			}
		}
		if _, err := tx.Exec(`RELEASE grouped`); err != nil {
			abort(tx, fmt.Errorf("db: release savepoint: %w", err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		finish(fmt.Errorf("db: commit: %w", err))
		return
	}
	finish(nil)
}

// call runs fn on tx and turns a panic into an error, keeping the panic to
// be raised again on the caller's goroutine.
func (p *pending) call(tx Querier) (err error) {
	// The caller's profiler labels, so that a CPU profile counts the
	// work for whoever asked for it.
	pprof.SetGoroutineLabels(p.ctx)
	defer pprof.SetGoroutineLabels(context.Background())
	defer func() {
		if v := recover(); v != nil {
			p.panicked = v
			err = fmt.Errorf("db: transaction panicked: %v", v)
		}
	}()
	return p.fn(tx)
}

// uncancelled runs a grouped member's statements without their context's
// cancellation (see together).
type uncancelled struct{ tx *sql.Tx }

func (u uncancelled) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return u.tx.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (u uncancelled) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return u.tx.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (u uncancelled) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return u.tx.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}
