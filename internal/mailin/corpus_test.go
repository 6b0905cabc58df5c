package mailin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"steward/internal/mailin"
	"steward/internal/platform/corpus"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/record"
)

// Every real-world message in the shared mail corpus becomes a record, a
// comment or a quarantine entry with a reason; the decoded text of a sample
// of charsets and transfer encodings is checked.
func TestEveryCorpusMessageLandsSomewhere(t *testing.T) {
	t.Parallel()
	dir := corpus.Path(t, "mail")
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no messages in %s: %v", dir, err)
	}
	// Decoded text a reader must see (a phrase of each body, written here
	// in UTF-8), by file.
	wantText := map[string]string{
		"mikel-euc-kr-plain.eml":                 "Jamis입니다",       // EUC-KR, 8bit
		"mikel-iso-2022-jp.eml":                  "すみません",          // ISO-2022-JP
		"mikel-ks-c-5601-1987.eml":               "스티해",            // ks_c_5601-1987
		"enmime-alternative-iso-8859-1.eml":      "Quick Start",    // ISO-8859-1 alternative
		"enmime-html-only-inline-iso-8859-1.eml": "Test of HTML",   // HTML only, converted
		"enmime-quoted-printable-mime.eml":       "Lorem ipsum",    // quoted-printable
		"enmime-incorrect-charset.eml":           "∮ E⋅da = Q",     // UTF-8 labelled wrongly
		"mikel-attachment-pdf.eml":               "Just attaching", // base64 parts beside text
	}
	wantTitle := map[string]string{
		"mikel-euc-kr-plain.eml":         "NOTE: 한국말로 하는 것",
		"mikel-iso-2022-jp.eml":          "まみむめも",
		"enmime-qp-utf8-header.eml":      "MIME UTF8 Test ¢ More Text",
		"mikel-attachment-pdf.eml":       "Another PDF with 🎉 Unicode chars in it 🍿",
		"mikel-rfc6532-utf8-headers.eml": "Säying Hello",
	}
	wantAttachment := map[string]string{
		"mikel-attachment-nonascii-filename.eml": "ciële.txt",
		"enmime-bad-8bit-filename.eml":           "管理.doc",
		"mikel-forwarded-message-rfc822.eml":     "ForwardedMessage.eml",
		"enmime-html-only-inline-iso-8859-1.eml": "favicon.png",
		"mikel-attachment-only-gzip.eml":         "blah.gz",
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		outcomes := map[mailin.Outcome]int{}
		// The Thunderbird reply answers a notification Steward sent about
		// an incident its sender opened earlier: it must land there.
		earlier := e.ingest(t, simple("xxxxxxxx@xxx.org", "earlier@xxx.org", "Test email", "Original question."))
		e.sent(t, "348F04F142D69C21-291E56D292BC@xxxx.net", earlier.RecordID)
		for _, f := range files {
			name := filepath.Base(f)
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.svc.Ingest(ctx, raw, mailin.Source{Name: "corpus"})
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			outcomes[res.Outcome]++
			switch res.Outcome {
			case mailin.Created, mailin.Commented:
				if res.Number == "" {
					t.Errorf("%s: %+v without a record", name, res)
				}
			case mailin.Quarantined:
				if res.Reason == "" || res.QuarantineID == 0 {
					t.Errorf("%s: quarantined without a reason: %+v", name, res)
				}
			default:
				t.Errorf("%s: outcome %q", name, res.Outcome)
			}
			if name == "mikel-reply-thunderbird-irt.eml" && (res.Outcome != mailin.Commented || res.Number != earlier.Number) {
				t.Errorf("%s: %+v, want a comment on %s", name, res, earlier.Number)
			}
			if res.Outcome != mailin.Created {
				t.Logf("%s: %s %s %s", name, res.Outcome, res.Number, res.Reason)
				continue
			}
			inc := e.incident(t, res.Number)
			if w, ok := wantText[name]; ok && !strings.Contains(inc.Description, w) {
				t.Errorf("%s: description %q does not hold %q", name, inc.Description, w)
			}
			if w, ok := wantTitle[name]; ok && inc.Title != w {
				t.Errorf("%s: title %q, want %q", name, inc.Title, w)
			}
			if w, ok := wantAttachment[name]; ok {
				atts, err := record.Attachments(ctx, d.Read, inc.ID)
				found := false
				for _, a := range atts {
					found = found || a.Name == w
				}
				if err != nil || !found {
					t.Errorf("%s: attachments %+v lack %q", name, atts, w)
				}
			}
		}
		if outcomes[mailin.Created]+outcomes[mailin.Commented]+outcomes[mailin.Quarantined] != len(files) {
			t.Errorf("outcomes %v for %d files", outcomes, len(files))
		}
		// The bounces, DSNs and list mail in the corpus are quarantined.
		for _, f := range []string{"enmime-dsn-auto-submitted.eml", "enmime-dsn-delayed.eml", "mikel-bounce-dsn-530.eml"} {
			var kind string
			err := d.Read.QueryRowContext(ctx, `SELECT q.kind FROM mail_quarantine q WHERE q.id = (
				SELECT quarantine_id FROM mail_ingested WHERE message_key = (
					SELECT message_key FROM mail_quarantine WHERE raw = $1))`, mustRead(t, filepath.Join(dir, f))).Scan(&kind)
			if err != nil || kind != mailin.KindAutomatic {
				t.Errorf("%s: quarantine kind %q, %v; want automatic", f, kind, err)
			}
		}
		t.Logf("%d messages: %v", len(files), outcomes)
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
