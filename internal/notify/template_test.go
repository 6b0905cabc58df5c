package notify_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"steward/internal/incident"
	"steward/internal/notify"
	"steward/internal/platform/db"
	"steward/internal/platform/dbtest"
	"steward/internal/platform/fault"
)

func TestDefaultTemplatesRenderEveryKind(t *testing.T) {
	t.Parallel()
	for _, k := range notify.Kinds {
		t.Run(string(k), func(t *testing.T) {
			tpl := notify.Default(k)
			if err := notify.Validate(tpl); err != nil {
				t.Fatalf("default template: %v", err)
			}
			out, err := notify.Render(tpl, notify.Sample(k, "https://desk.example.com"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out.Subject, "[INC0000042] ") {
				t.Errorf("subject %q lacks the number in brackets", out.Subject)
			}
			link := "https://desk.example.com/incidents/INC0000042"
			if !strings.Contains(out.Text, link) || !strings.Contains(out.HTML, `href="`+link+`"`) {
				t.Errorf("the link is missing:\n%s\n%s", out.Text, out.HTML)
			}
			// The sample title holds markup: escaped in HTML, as-is in text.
			if strings.Contains(out.HTML, "<every>") || !strings.Contains(out.HTML, "&lt;every&gt;") || !strings.Contains(out.Text, "<every>") {
				t.Errorf("title escaping: html %q text %q", out.HTML, out.Text)
			}
		})
	}
}

func TestSubjectCannotAddHeaders(t *testing.T) {
	t.Parallel()
	d := notify.Sample(notify.Created, "")
	d.Title = "Hello\r\nBcc: victim@example.com\x00"
	out, err := notify.Render(notify.Default(notify.Created), d)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[INC0000042] Hello Bcc: victim@example.com"; out.Subject != want {
		t.Errorf("subject = %q, want %q", out.Subject, want)
	}
}

func TestTemplateValidation(t *testing.T) {
	t.Parallel()
	ok := notify.Default(notify.Commented)
	tests := []struct {
		name       string
		edit       func(*notify.Template)
		wantFields []string
	}{
		{"valid", func(*notify.Template) {}, nil},
		{"html does not parse", func(t *notify.Template) { t.HTML = "<p>{{.Title</p>" }, []string{"html"}},
		{"unknown field in text", func(t *notify.Template) { t.Text = "{{.Nope}}" }, []string{"text"}},
		{"subject and html empty", func(t *notify.Template) { t.Subject, t.HTML = " ", "" }, []string{"subject", "html"}},
		{"text too long", func(t *notify.Template) { t.Text = strings.Repeat("x", notify.MaxTemplate+1) }, []string{"text"}},
		{"unclosed action in subject", func(t *notify.Template) { t.Subject = "{{if .Title}}x" }, []string{"subject"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := ok
			tt.edit(&tpl)
			err := notify.Validate(tpl)
			if got := fields(err); !slices.Equal(got, tt.wantFields) {
				t.Errorf("fields = %v (%v), want %v", got, err, tt.wantFields)
			}
		})
	}
}

func fields(err error) []string {
	names, _ := fault.FieldNames(err)
	return names
}

func TestEditedTemplateIsUsedAndBadEditsAreNotSaved(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		save := func(tpl notify.Template) error {
			return d.InTx(ctx, func(tx db.Querier) error { return notify.SaveTemplate(ctx, tx, tpl, w.manager.UserID, time.Now()) })
		}
		bad := notify.Default(notify.Created)
		bad.Text = "{{.Missing}}"
		if err := save(bad); len(fields(err)) != 1 {
			t.Fatalf("saving a bad template: %v, want a field error", err)
		}
		if cur, err := notify.TemplateOf(ctx, d.Read, notify.Created); err != nil || cur.Custom {
			t.Fatalf("after a refused edit: custom %v, err %v; want the default", cur.Custom, err)
		}
		good := notify.Default(notify.Created)
		good.Subject = "We are on it: {{.Title}}"
		good.HTML = "<p>{{.Recipient}}, see <a href=\"{{.Link}}\">{{.Number}}</a></p>"
		if err := save(good); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.inc.Create(ctx, w.requester, incident.NewIncident{Title: "Mouse <blink>"}); err != nil {
			t.Fatal(err)
		}
		got := w.deliver(t)
		if len(got) != 1 {
			t.Fatalf("%d mails, want 1", len(got))
		}
		if !strings.HasSuffix(got[0].Subject, "] We are on it: Mouse <blink>") || !strings.Contains(got[0].HTML, "Rita Requester, see <a href=") {
			t.Errorf("edited template not used: %q\n%s", got[0].Subject, got[0].HTML)
		}
	})
}

func TestPreferences(t *testing.T) {
	t.Parallel()
	dbtest.EachParallel(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		set := func(p ...notify.Preference) error {
			return d.InTx(ctx, func(tx db.Querier) error { return notify.SetPreferences(ctx, tx, w.agent1.UserID, p, time.Now()) })
		}
		if err := set(notify.Preference{Kind: "spam", Enabled: true}); !slices.Equal(fields(err), []string{"items[0].kind"}) {
			t.Fatalf("unknown kind: %v", err)
		}
		if err := set(notify.Preference{Kind: notify.Mentioned, Enabled: false}, notify.Preference{Kind: notify.Assigned, Enabled: false}); err != nil {
			t.Fatal(err)
		}
		if err := set(notify.Preference{Kind: notify.Assigned, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		prefs, err := notify.Preferences(ctx, d.Read, w.agent1.UserID)
		if err != nil {
			t.Fatal(err)
		}
		var off []notify.Kind
		for _, p := range prefs {
			if !p.Enabled {
				off = append(off, p.Kind)
			}
		}
		if len(prefs) != len(notify.Kinds) || !slices.Equal(off, []notify.Kind{notify.Mentioned}) {
			t.Errorf("preferences %v: off %v, want only mentioned", prefs, off)
		}
	})
}
