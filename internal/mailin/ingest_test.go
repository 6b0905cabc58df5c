package mailin_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"steward/internal/auth"
	"steward/internal/incident"
	"steward/internal/mailin"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/record"
)

func TestNewMessageOpensAnIncidentForANewRequester(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		raw := msg(`From: "Ada Lovelace" <Ada@Example.com>
Message-ID: <m1@example.com>
Subject: Printer on floor 3 is jammed
Content-Type: multipart/mixed; boundary="b"`, `--b
Content-Type: text/plain; charset=utf-8

The printer shows error 42.
--b
Content-Type: image/png
Content-Disposition: attachment; filename="error screen.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--b--
`)
		res := e.ingest(t, raw)
		if res.Outcome != mailin.Created || res.Number == "" || res.Duplicate {
			t.Fatalf("result %+v, want a new record", res)
		}
		inc := e.incident(t, res.Number)
		if inc.Title != "Printer on floor 3 is jammed" || inc.Description != "The printer shows error 42." || inc.State != incident.New {
			t.Errorf("incident %q / %q / %s", inc.Title, inc.Description, inc.State)
		}
		u, err := e.auth.UserByEmail(context.Background(), "ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != auth.Requester || u.Name != "Ada Lovelace" || inc.RequesterID != u.ID {
			t.Errorf("requester %+v, incident requester %d", u, inc.RequesterID)
		}
		atts, err := record.Attachments(context.Background(), d.Read, inc.ID)
		if err != nil || len(atts) != 1 || atts[0].Name != "error screen.png" || atts[0].ContentType != "image/png" {
			t.Errorf("attachments %+v, %v", atts, err)
		}
		if n := e.count(t, `SELECT count(*) FROM mail_message_ids WHERE message_id = 'm1@example.com' AND direction = 'in' AND record_id = $1`, inc.ID); n != 1 {
			t.Errorf("inbound message ids: %d", n)
		}
		if n := e.count(t, `SELECT count(*) FROM outbox WHERE topic = 'record.created' AND record_id = $1`, inc.ID); n != 1 {
			t.Errorf("record.created events: %d", n)
		}

		// The same message again changes nothing.
		again := e.ingest(t, raw)
		if !again.Duplicate || again.Number != res.Number || again.Outcome != mailin.Created {
			t.Errorf("second delivery %+v, want the first result marked duplicate", again)
		}
		for table, want := range map[string]int{"records": 1, "attachments": 1, "users": 3, "mail_ingested": 1} {
			if n := e.count(t, "SELECT count(*) FROM "+table); n != want {
				t.Errorf("%s rows %d, want %d", table, n, want)
			}
		}
	})
}

func TestHTMLMailIsTextWithTheSanitisedHTMLKept(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		res := e.ingest(t, msg("From: ada@example.com\nMessage-ID: <h1@x>\nSubject: HTML\nContent-Type: text/html; charset=utf-8",
			`<p>The <b>printer</b> is <i>down</i>.</p><img src="x" onerror="alert(1)"><script>steal()</script>`))
		if got := e.incident(t, res.Number).Description; got != "The printer is down." {
			t.Errorf("description %q", got)
		}
		var html string
		if err := d.Read.QueryRow(`SELECT html FROM mail_ingested WHERE message_key = 'id:h1@x'`).Scan(&html); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(html, "<b>printer</b>") || strings.Contains(html, "script") || strings.Contains(html, "onerror") {
			t.Errorf("kept html %q", html)
		}
	})
}

// Concurrent deliveries of one message (two relays, two nodes) make one
// record.
func TestConcurrentDeliveriesMakeOneRecord(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		raw := simple("ada@example.com", "twice@x", "Scanner", "Offline.")
		results := make(chan mailin.Result, 6)
		errs := make(chan error, 6)
		for range 6 {
			go func() {
				res, err := e.svc.Ingest(context.Background(), raw, mailin.Source{Name: "test"})
				results <- res
				errs <- err
			}()
		}
		numbers := map[string]int{}
		for range 6 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
			numbers[(<-results).Number]++
		}
		if len(numbers) != 1 || e.count(t, "SELECT count(*) FROM records") != 1 {
			t.Errorf("numbers %v, records %d; want one", numbers, e.count(t, "SELECT count(*) FROM records"))
		}
	})
}

func TestMessageWithoutMessageIDIsDeduplicatedByContent(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		raw := msg("From: bob@example.com\nSubject: VPN down", "Cannot connect.")
		first, second := e.ingest(t, raw), e.ingest(t, raw)
		if first.Outcome != mailin.Created || !second.Duplicate || second.Number != first.Number {
			t.Errorf("first %+v second %+v", first, second)
		}
		other := e.ingest(t, msg("From: bob@example.com\nSubject: VPN down", "Cannot connect, still."))
		if other.Duplicate || other.Number == first.Number {
			t.Errorf("a different message was taken as a duplicate: %+v", other)
		}
	})
}

func TestAReusedMessageIDDoesNotHideADifferentMessage(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		first := e.ingest(t, simple("ada@example.com", "same@x", "Printer", "Jammed."))
		// The same message through another relay: new transport headers.
		relayed := e.ingest(t, append([]byte("Received: from relay2.example.com\r\n"), simple("ada@example.com", "same@x", "Printer", "Jammed.")...))
		if !relayed.Duplicate || relayed.Number != first.Number {
			t.Errorf("relayed copy %+v, want a duplicate of %s", relayed, first.Number)
		}
		other := e.ingest(t, simple("bob@example.com", "same@x", "Monitor", "Flickers."))
		if other.Duplicate || other.Outcome != mailin.Created || other.Number == first.Number {
			t.Errorf("a different message with a reused Message-ID: %+v", other)
		}
		if again := e.ingest(t, simple("bob@example.com", "same@x", "Monitor", "Flickers.")); !again.Duplicate || again.Number != other.Number {
			t.Errorf("second delivery of the different message: %+v", again)
		}
	})
}

func TestReplyBecomesACommentOnItsRecord(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		first := e.ingest(t, simple("ada@example.com", "m1@example.com", "Laptop will not boot", "Black screen."))
		e.sent(t, "out-1@steward.test", first.RecordID)
		tests := []struct {
			name, headers, body string
			wantComment         string
		}{
			{"in-reply-to our notification", "From: ada@example.com\nMessage-ID: <r1@example.com>\nIn-Reply-To: <out-1@steward.test>\nSubject: Re: something else",
				"It beeps now.\n\nOn Tue, 1 Dec 2026 at 10:00, Desk <desk@steward.test> wrote:\n> Please try again", "It beeps now."},
			{"references to her own first message", "From: ada@example.com\nMessage-ID: <r2@example.com>\nReferences: <unknown@x> <m1@example.com>\nSubject: Re: Laptop",
				"Still beeping.\n-- \nAda", "Still beeping."},
			{"number in the subject", "From: ada@example.com\nMessage-ID: <r3@example.com>\nSubject: RE: [" + first.Number + "] Laptop will not boot",
				"Fixed by itself.\n-----Original Message-----\nFrom: Desk\nSent: today", "Fixed by itself."},
		}
		for _, tt := range tests {
			res := e.ingest(t, msg(tt.headers, tt.body))
			if res.Outcome != mailin.Commented || res.Number != first.Number || res.JournalID == 0 {
				t.Errorf("%s: result %+v, want a comment on %s", tt.name, res, first.Number)
				continue
			}
			j := e.journal(t, first.Number)
			last := j[len(j)-1]
			if last.Kind != record.Comment || last.Body != tt.wantComment || last.ActorID != e.incident(t, first.Number).RequesterID {
				t.Errorf("%s: last journal entry %+v, want comment %q by the requester", tt.name, last, tt.wantComment)
			}
		}
		msgs, err := e.svc.Messages(context.Background(), e.agent, first.Number)
		if err != nil || len(msgs) != 4 || msgs[0].Outcome != mailin.Created || msgs[1].JournalID == 0 ||
			!strings.Contains(msgs[1].Quoted, "> Please try again") || !strings.Contains(msgs[2].Quoted, "--\nAda") {
			t.Errorf("the record's mail %+v, %v; want the opening message and three replies with their history kept", msgs, err)
		}
		if _, err := e.svc.Messages(context.Background(), e.user(t, "eve@example.com", auth.Requester), first.Number); err == nil {
			t.Error("another requester read the record's mail")
		}

		// The same subject without the number is a new conversation.
		res := e.ingest(t, simple("ada@example.com", "m9@example.com", "Laptop will not boot", "Another laptop."))
		if res.Outcome != mailin.Created || res.Number == first.Number {
			t.Errorf("subject text alone matched a record: %+v", res)
		}
	})
}

func TestReplyToAResolvedIncidentFollowsTheReopenWindow(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		resolve := func(number string) {
			inc := e.incident(t, number)
			_, err := e.inc.Update(ctx, e.agent, number, inc.Version, incident.Patch{State: new(incident.Resolved),
				ResolutionCode: new("solved"), ResolutionNotes: new("Replaced the toner.")})
			if err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name  string
			after time.Duration
			want  string
		}{
			{"within the window", 2 * 24 * time.Hour, incident.InProgress},
			{"after the window", 8 * 24 * time.Hour, incident.Resolved},
		}
		for i, tt := range tests {
			id := []string{"a", "b"}[i]
			first := e.ingest(t, simple("ada@example.com", "open-"+id+"@example.com", "Toner", "Empty."))
			resolve(first.Number)
			e.now = e.now.Add(tt.after)
			res := e.ingest(t, msg("From: ada@example.com\nMessage-ID: <reply-"+id+"@example.com>\nIn-Reply-To: <open-"+id+"@example.com>\nSubject: Re: Toner", "Still empty."))
			if res.Outcome != mailin.Commented {
				t.Fatalf("%s: %+v", tt.name, res)
			}
			if got := e.incident(t, first.Number).State; got != tt.want {
				t.Errorf("%s: state %s, want %s", tt.name, got, tt.want)
			}
		}
	})
}

func TestMachineMailNeverOpensRecords(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		tests := []struct{ name, headers string }{
			{"out of office", "From: ada@example.com\nAuto-Submitted: auto-replied\nSubject: Out of office"},
			{"x-autoreply", "From: ada@example.com\nX-Autoreply: yes\nSubject: away"},
			{"bounce", "From: MAILER-DAEMON@example.com\nReturn-Path: <>\nSubject: Undelivered Mail"},
			{"list", "From: list@lists.example.com\nList-Id: <users.lists.example.com>\nSubject: digest"},
			{"bulk", "From: news@example.com\nPrecedence: bulk\nSubject: newsletter"},
			{"our own notification", "From: Steward <" + desk + ">\nSubject: [INC0000001] created"},
		}
		for i, tt := range tests {
			res := e.ingest(t, msg(tt.headers+"\nMessage-ID: <auto"+string(rune('a'+i))+"@x>", "automatic text"))
			if res.Outcome != mailin.Quarantined || res.Kind != mailin.KindAutomatic || res.Reason == "" {
				t.Errorf("%s: %+v, want quarantined as automatic with a reason", tt.name, res)
			}
		}
		if n := e.count(t, "SELECT count(*) FROM records"); n != 0 {
			t.Errorf("%d records from machine mail", n)
		}
		if n := e.count(t, "SELECT count(*) FROM outbox WHERE topic = 'mail.refused'"); n != 0 {
			t.Errorf("machine mail was answered %d times", n)
		}
	})
}

func TestUnknownSendersFollowTheSettings(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		e.user(t, "known@elsewhere.test", auth.Requester)
		set := mailin.DefaultSettings
		set.AllowedDomains = []string{"Example.com"}
		if _, err := e.svc.SetSettings(ctx, e.admin, set); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			sender, wantKind string
			want             mailin.Outcome
		}{
			{"new@example.com", "", mailin.Created},
			{"known@elsewhere.test", "", mailin.Created},
			{"stranger@elsewhere.test", mailin.KindRefused, mailin.Quarantined},
		}
		for i, tt := range tests {
			res := e.ingest(t, simple(tt.sender, "u"+string(rune('a'+i))+"@x", "Help", "Please."))
			if res.Outcome != tt.want || res.Kind != tt.wantKind {
				t.Errorf("%s: %+v, want %s %s", tt.sender, res, tt.want, tt.wantKind)
			}
		}
		set.RefuseUnknown = true
		if _, err := e.svc.SetSettings(ctx, e.admin, set); err != nil {
			t.Fatal(err)
		}
		res := e.ingest(t, simple("other@example.com", "ud@x", "Help", "Please."))
		if res.Kind != mailin.KindRefused {
			t.Errorf("refuse unknown: %+v", res)
		}
		if _, err := e.auth.UserByEmail(ctx, "other@example.com"); err == nil {
			t.Error("a refused sender got an account")
		}
		var payload string
		err := d.Read.QueryRow(`SELECT payload FROM outbox WHERE topic = 'mail.refused' ORDER BY id DESC LIMIT 1`).Scan(&payload)
		if err != nil || !strings.Contains(payload, `"to":"other@example.com"`) || !strings.Contains(payload, `"in_reply_to":"ud@x"`) {
			t.Errorf("mail.refused event %q, %v", payload, err)
		}
		if n := e.count(t, "SELECT count(*) FROM outbox WHERE topic = 'mail.refused'"); n != 2 {
			t.Errorf("%d refusals, want 2", n)
		}
	})
}

func TestRateAndSizeLimits(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		set := mailin.DefaultSettings
		set.RateLimitPerHour = 3
		set.MaxMessageBytes = 50_000
		if _, err := e.svc.SetSettings(context.Background(), e.admin, set); err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for i := range 5 {
			res := e.ingest(t, simple("loop@example.com", "l"+string(rune('a'+i))+"@x", "Ping", "ping"))
			kinds = append(kinds, string(res.Outcome)+"/"+res.Kind)
		}
		want := "created/ created/ created/ quarantined/rate_limited quarantined/rate_limited"
		if got := strings.Join(kinds, " "); got != want {
			t.Errorf("outcomes %s, want %s", got, want)
		}
		e.now = e.now.Add(time.Hour)
		if n, err := e.svc.Housekeep(context.Background()); err != nil || n != 1 {
			t.Errorf("housekeeping dropped %d past counts, %v; want 1", n, err)
		}
		if res := e.ingest(t, simple("loop@example.com", "lz@x", "Ping", "ping")); res.Outcome != mailin.Created {
			t.Errorf("the next hour: %+v", res)
		}
		long := strings.Repeat("All work and no play. ", 2000)
		res := e.ingest(t, simple("long@example.com", "long@x", "Long", long))
		inc := e.incident(t, res.Number)
		atts, err := record.Attachments(context.Background(), d.Read, inc.ID)
		if err != nil || len(inc.Description) > incident.MaxDescription || len(atts) != 1 || atts[0].Name != "message.txt" || atts[0].Size != int64(len(strings.TrimSpace(long))) {
			t.Errorf("long message: description %d bytes, attachments %+v, %v", len(inc.Description), atts, err)
		}
		big := e.ingest(t, simple("big@example.com", "big@x", "Big", strings.Repeat("x\n", 30000)))
		if big.Kind != mailin.KindTooLarge {
			t.Errorf("large message: %+v", big)
		}
	})
}

func TestWhatCannotBeRoutedIsQuarantinedWhole(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		first := e.ingest(t, simple("ada@example.com", "p1@x", "Private", "Mine."))
		tests := []struct {
			name     string
			raw      []byte
			wantKind string
		}{
			{"empty", []byte("\r\n"), mailin.KindUnparseable},
			{"no sender", msg("Subject: who?\nMessage-ID: <ns@x>", "body"), mailin.KindUnroutable},
			{"reply to someone else's record", msg("From: eve@example.com\nMessage-ID: <eve@x>\nIn-Reply-To: <p1@x>\nSubject: Re: Private", "Let me in"), mailin.KindUnroutable},
			{"empty reply", msg("From: ada@example.com\nMessage-ID: <er@x>\nIn-Reply-To: <p1@x>\nSubject: Re", ""), mailin.KindUnroutable},
		}
		before := e.count(t, "SELECT count(*) FROM journal")
		for _, tt := range tests {
			res := e.ingest(t, tt.raw)
			if res.Outcome != mailin.Quarantined || res.Kind != tt.wantKind || res.QuarantineID == 0 {
				t.Errorf("%s: %+v, want quarantined %s", tt.name, res, tt.wantKind)
				continue
			}
			entry, err := e.svc.Quarantined(context.Background(), e.admin, res.QuarantineID)
			if err != nil || string(entry.Raw) != string(tt.raw) || entry.Reason == "" {
				t.Errorf("%s: entry %+v, %v; want the raw message and a reason", tt.name, entry, err)
			}
		}
		if n := e.count(t, "SELECT count(*) FROM journal"); n != before {
			t.Errorf("journal grew by %d from quarantined mail", n-before)
		}
		if n := e.count(t, "SELECT count(*) FROM users WHERE email = 'eve@example.com'"); n != 0 {
			t.Error("a half-import left eve's account behind")
		}
		if n := e.count(t, "SELECT count(*) FROM records"); n != 1 || first.Number == "" {
			t.Errorf("records %d", n)
		}
	})
}

func TestQuarantineAdministration(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		set := mailin.DefaultSettings
		set.RefuseUnknown = true
		if _, err := e.svc.SetSettings(ctx, e.admin, set); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := range 5 {
			res := e.ingest(t, simple("s"+string(rune('a'+i))+"@example.com", "q"+string(rune('a'+i))+"@x", "Help", "Please."))
			ids = append(ids, res.QuarantineID)
		}
		// Keyset pages, newest first.
		var seen []int64
		cur := ""
		for {
			page, next, err := e.svc.Quarantine(ctx, e.admin, cur, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page {
				seen = append(seen, p.ID)
			}
			if next == "" {
				break
			}
			cur = next
		}
		if len(seen) != 5 || seen[0] != ids[4] || seen[4] != ids[0] {
			t.Errorf("pages %v, want %v reversed", seen, ids)
		}
		if _, _, err := e.svc.Quarantine(ctx, e.admin, "x", 2); err == nil {
			t.Error("a bad cursor was accepted")
		}
		if _, _, err := e.svc.Quarantine(ctx, e.agent, "", 2); err == nil {
			t.Error("an agent read the quarantine")
		}
		if _, err := e.svc.Retry(ctx, e.agent, ids[0]); err == nil {
			t.Error("an agent retried")
		}

		// Retry fails again with the same settings, then succeeds after a change.
		res, err := e.svc.Retry(ctx, e.admin, ids[0])
		if err != nil || res.Outcome != mailin.Quarantined || res.QuarantineID != ids[0] {
			t.Fatalf("retry under the same settings: %+v %v", res, err)
		}
		entry, _ := e.svc.Quarantined(ctx, e.admin, ids[0])
		if entry.Attempts != 2 {
			t.Errorf("attempts %d, want 2", entry.Attempts)
		}
		set.RefuseUnknown = false
		if _, err := e.svc.SetSettings(ctx, e.admin, set); err != nil {
			t.Fatal(err)
		}
		res, err = e.svc.Retry(ctx, e.admin, ids[0])
		if err != nil || res.Outcome != mailin.Created {
			t.Fatalf("retry after allowing unknown senders: %+v %v", res, err)
		}
		if _, err := e.svc.Quarantined(ctx, e.admin, ids[0]); err == nil {
			t.Error("the retried entry is still quarantined")
		}
		// Delivered again, it is the record it became.
		if again := e.ingest(t, simple("sa@example.com", "qa@x", "Help", "Please.")); !again.Duplicate || again.Number != res.Number {
			t.Errorf("redelivery after retry: %+v", again)
		}

		if err := e.svc.DeleteQuarantined(ctx, e.admin, ids[1]); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteQuarantined(ctx, e.admin, ids[1]); err == nil {
			t.Error("deleted twice")
		}
		if again := e.ingest(t, simple("sb@example.com", "qb@x", "Help", "Please.")); !again.Duplicate {
			t.Errorf("a deleted message came back: %+v", again)
		}
		if n := e.count(t, "SELECT count(*) FROM audit WHERE action LIKE 'mail.%'"); n != 2 {
			t.Errorf("%d audit entries for retry and delete, want 2", n)
		}
	})
}

func TestSettingsValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		set   mailin.Settings
		field string
	}{
		{"bad domain", mailin.Settings{AllowedDomains: []string{"not a domain"}, RateLimitPerHour: 5, MaxMessageBytes: 1 << 20}, "allowed_domains[0]"},
		{"zero rate", mailin.Settings{RateLimitPerHour: 0, MaxMessageBytes: 1 << 20}, "rate_limit_per_hour"},
		{"tiny size", mailin.Settings{RateLimitPerHour: 5, MaxMessageBytes: 10}, "max_message_bytes"},
	}
	for _, tt := range tests {
		err := tt.set.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: %v, want a message about %s", tt.name, err, tt.field)
		}
	}
	ok := mailin.Settings{AllowedDomains: []string{" Example.COM ", "example.com"}, RateLimitPerHour: 5, MaxMessageBytes: 1 << 20}
	if err := ok.Validate(); err != nil || len(ok.AllowedDomains) != 1 || ok.AllowedDomains[0] != "example.com" {
		t.Errorf("normalised %v, %v", ok.AllowedDomains, err)
	}
}

// Two different first messages from one new sender at the same time: one
// account, two records, nothing quarantined.
func TestConcurrentFirstMessagesFromOneSender(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		errs := make(chan error, 4)
		for i := range 4 {
			go func() {
				res, err := e.svc.Ingest(context.Background(), simple("new@example.com", "first-"+string(rune('a'+i))+"@x", "Help", "Please."), mailin.Source{Name: "test"})
				if err == nil && res.Outcome != mailin.Created {
					err = errors.New("outcome " + string(res.Outcome) + ": " + res.Reason)
				}
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		if u, r := e.count(t, "SELECT count(*) FROM users WHERE email = 'new@example.com'"), e.count(t, "SELECT count(*) FROM records"); u != 1 || r != 4 {
			t.Errorf("%d accounts and %d records, want 1 and 4", u, r)
		}
	})
}
