package mailin_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/mailin"
	"steward/internal/platform/cursor"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
)

// benchMessages is how many messages one benchmark operation ingests.
const benchMessages = 10_000

// BenchmarkIngest10k ingests 10,000 messages per operation on each
// database: four in five open incidents for one of 500 senders (new
// requesters at first), one in five replies by In-Reply-To, one in ten
// with an attachment. Run with
//
//	go test -run '^$' -bench Ingest10k -benchmem -benchtime 1x ./internal/mailin/
func BenchmarkIngest10k(b *testing.B) {
	for _, kind := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(kind), func(b *testing.B) {
			d := dbtest.New(b, kind)
			ctx := context.Background()
			inc := incident.NewService(d, cursor.NewSigner([]byte("bench")))
			svc := mailin.New(d, inc, mailin.Config{OwnAddresses: []string{desk}})
			svc.Log = slog.New(slog.DiscardHandler)
			set := mailin.DefaultSettings
			set.RateLimitPerHour = 100_000
			if _, err := svc.SetSettings(ctx, auth.System, set); err != nil {
				b.Fatal(err)
			}
			round := 0
			b.ResetTimer()
			for b.Loop() {
				for i := range benchMessages {
					raw := benchMessage(round, i)
					res, err := svc.Ingest(ctx, raw, mailin.Source{Name: "bench"})
					if err != nil {
						b.Fatal(err)
					}
					if res.Outcome == mailin.Quarantined {
						b.Fatalf("message %d quarantined: %s", i, res.Reason)
					}
				}
				round++
			}
			b.ReportMetric(float64(benchMessages*b.N)/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(benchMessages*b.N), "µs/msg")
		})
	}
}

func benchMessage(round, i int) []byte {
	sender := fmt.Sprintf("user%03d@example.com", i%500)
	id := fmt.Sprintf("b%d-%d@example.com", round, i)
	date := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format(time.RFC1123Z)
	if i%5 == 4 {
		// A reply to this sender's previous new message (i-500 is theirs).
		parent := i - 500
		for parent >= 0 && parent%5 == 4 {
			parent -= 500
		}
		if parent >= 0 {
			return msg(fmt.Sprintf("From: %s\nMessage-ID: <%s>\nIn-Reply-To: <b%d-%d@example.com>\nSubject: Re: Issue %d\nDate: %s",
				sender, id, round, parent, parent, date),
				"Thanks, it still happens after the restart.\n\nOn Tue, 1 Dec 2026, Desk wrote:\n> Please restart and tell us.")
		}
	}
	if i%10 == 3 {
		return msg(fmt.Sprintf("From: %s\nMessage-ID: <%s>\nSubject: Issue %d\nDate: %s\nContent-Type: multipart/mixed; boundary=zz", sender, id, i, date),
			"--zz\nContent-Type: text/plain; charset=utf-8\n\nScreenshot attached, error code "+fmt.Sprint(i)+
				".\n--zz\nContent-Type: image/png\nContent-Disposition: attachment; filename=\"screen.png\"\nContent-Transfer-Encoding: base64\n\n"+
				"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"+fmt.Sprintf("%04d", i%10000)+"AAAAASUVORK5CYII=\n--zz--\n")
	}
	return msg(fmt.Sprintf("From: %s\nMessage-ID: <%s>\nSubject: Issue %d\nDate: %s", sender, id, i, date),
		fmt.Sprintf("Hello desk,\n\nMy laptop (asset %d) cannot reach the VPN since this morning.\nThe client says: timeout.\n\n-- \nUser %d", i, i%500))
}
