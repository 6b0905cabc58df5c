package lease_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/lease"
)

var t0 = time.UnixMilli(1_700_000_000_000).UTC()

const ttl = 30 * time.Second

func acquire(t *testing.T, d *db.DB, name, holder string, now time.Time) bool {
	t.Helper()
	ok, err := lease.Acquire(context.Background(), d.Write, name, holder, now, ttl)
	if err != nil {
		t.Fatalf("Acquire(%s, %s): %v", name, holder, err)
	}
	return ok
}

func row(t *testing.T, d *db.DB, name string) (holder string, expires int64) {
	t.Helper()
	if err := d.Read.QueryRowContext(context.Background(),
		`SELECT holder, expires_at FROM leases WHERE name = $1`, name).Scan(&holder, &expires); err != nil {
		t.Fatal(err)
	}
	return holder, expires
}

func TestAcquireRenewExpireRelease(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const job = "sla.timers"

		if !acquire(t, d, job, "A", t0) {
			t.Fatal("A could not take a free lease")
		}
		if h, exp := row(t, d, job); h != "A" || exp != t0.Add(ttl).UnixMilli() {
			t.Fatalf("lease = %s until %d, want A until %d", h, exp, t0.Add(ttl).UnixMilli())
		}
		if acquire(t, d, job, "B", t0.Add(time.Second)) {
			t.Fatal("B took a lease A holds")
		}

		// A renews: the expiry moves on.
		if !acquire(t, d, job, "A", t0.Add(20*time.Second)) {
			t.Fatal("A could not renew")
		}
		renewed := t0.Add(20*time.Second + ttl)
		if h, exp := row(t, d, job); h != "A" || exp != renewed.UnixMilli() {
			t.Fatalf("after renewal lease = %s until %d, want A until %d", h, exp, renewed.UnixMilli())
		}
		// Past the first expiry but within the renewed one, B still waits.
		if acquire(t, d, job, "B", t0.Add(ttl+time.Second)) {
			t.Fatal("B took the lease before the renewed expiry")
		}

		// Once A stops renewing and the lease expires, B takes it.
		later := renewed.Add(time.Second)
		if !acquire(t, d, job, "B", later) {
			t.Fatal("B could not take an expired lease")
		}
		if h, _ := row(t, d, job); h != "B" {
			t.Fatalf("holder = %s, want B", h)
		}
		if acquire(t, d, job, "A", later.Add(time.Second)) {
			t.Fatal("A took back the lease B now holds")
		}

		// Releasing a lease one does not hold changes nothing.
		if err := lease.Release(ctx, d.Write, job, "A"); err != nil {
			t.Fatal(err)
		}
		if acquire(t, d, job, "A", later.Add(2*time.Second)) {
			t.Fatal("A's release of B's lease freed it")
		}

		// B releases: A takes it at once, without waiting for the expiry.
		if err := lease.Release(ctx, d.Write, job, "B"); err != nil {
			t.Fatal(err)
		}
		if !acquire(t, d, job, "A", later.Add(2*time.Second)) {
			t.Fatal("A could not take a released lease")
		}
		// And the other way round.
		if err := lease.Release(ctx, d.Write, job, "A"); err != nil {
			t.Fatal(err)
		}
		if !acquire(t, d, job, "B", later.Add(2*time.Second)) {
			t.Fatal("B could not take a released lease")
		}

		// Leases are per name.
		if !acquire(t, d, "other.job", "A", later.Add(2*time.Second)) {
			t.Fatal("A could not take an unrelated free lease")
		}
		if h, _ := row(t, d, job); h != "B" {
			t.Fatalf("holder of %s = %s after taking another lease, want B", job, h)
		}
	})
}

func TestAcquireInsideTransaction(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		var ok bool
		err := d.InTx(context.Background(), func(tx db.Querier) error {
			var err error
			ok, err = lease.Acquire(context.Background(), tx, "tx.job", "A", t0, ttl)
			return err
		})
		if err != nil || !ok {
			t.Fatalf("Acquire in a transaction = %v, %v", ok, err)
		}
		if acquire(t, d, "tx.job", "B", t0) {
			t.Fatal("B took a lease A took in a committed transaction")
		}
	})
}

func TestConcurrentAcquireHasOneWinner(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		race := func(name string, now time.Time) []string {
			t.Helper()
			var (
				wg      sync.WaitGroup
				start   = make(chan struct{})
				mu      sync.Mutex
				winners []string
				errs    atomic.Int32
			)
			for i := range 8 {
				holder := fmt.Sprintf("node-%d", i)
				wg.Go(func() {
					<-start
					ok, err := lease.Acquire(context.Background(), d.Write, name, holder, now, ttl)
					if err != nil {
						t.Errorf("Acquire(%s): %v", holder, err)
						errs.Add(1)
						return
					}
					if ok {
						mu.Lock()
						winners = append(winners, holder)
						mu.Unlock()
					}
				})
			}
			close(start)
			wg.Wait()
			if errs.Load() > 0 {
				t.FailNow()
			}
			if len(winners) != 1 {
				t.Fatalf("%s: winners = %v, want exactly one", name, winners)
			}
			if h, _ := row(t, d, name); h != winners[0] {
				t.Fatalf("%s: stored holder %s, winner %s", name, h, winners[0])
			}
			return winners
		}

		// A free lease, never taken before.
		race("fresh", t0)
		// An expired lease held by a node that is gone.
		if !acquire(t, d, "stale", "gone", t0) {
			t.Fatal("setup: could not take stale")
		}
		race("stale", t0.Add(ttl+time.Second))
		// A released lease.
		if !acquire(t, d, "released", "gone", t0) {
			t.Fatal("setup: could not take released")
		}
		if err := lease.Release(context.Background(), d.Write, "released", "gone"); err != nil {
			t.Fatal(err)
		}
		race("released", t0.Add(time.Second))
	})
}
