package web

import (
	"html/template"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"steward/internal/auth"
	"steward/internal/mailin"
	"steward/internal/web/ui"
)

// The mail quarantine for admins: what mail in could not import, why, and
// the raw message; retry it (after fixing an account or a setting, say) or
// delete it.

type quarantineRow struct {
	ID                    int64
	Kind, Reason, Sender  string
	Subject, Source, Size string
	Attempts              int64
	When                  time.Time
	Raw                   string // on the entry page only
	RawCut                bool
}

type quarantineView struct {
	shell
	Rows    []quarantineRow
	NextURL string
	Entry   *quarantineRow
}

// maxRawOnPage is how much of a raw message the page shows.
const maxRawOnPage = 200_000

func (s *Server) registerQuarantinePages(mux routeMux) {
	list := template.Must(template.New("ws_quarantine.html").Funcs(wsFuncs).ParseFS(ui.Templates,
		"templates/layout.html", "templates/ws_shell.html", "templates/ws_quarantine.html"))
	mux.HandleFunc("GET /admin/mail/quarantine", s.agentPage(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		items, next, err := s.mail().Quarantine(r.Context(), p, r.URL.Query().Get("after"), 50)
		if err != nil {
			s.wsError(w, r, p, err)
			return
		}
		v := quarantineView{shell: s.shell(r, p, "Mail quarantine", "/admin/mail/quarantine")}
		v.Page = "quarantine"
		for _, e := range items {
			v.Rows = append(v.Rows, quarantineRowOf(e))
		}
		if next != "" {
			v.NextURL = "/admin/mail/quarantine?after=" + next
		}
		s.render(w, list, http.StatusOK, v)
	}))
	mux.HandleFunc("GET /admin/mail/quarantine/{id}", s.agentPage(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		e, err := s.mail().Quarantined(r.Context(), p, id)
		if err != nil {
			s.wsError(w, r, p, err)
			return
		}
		row := quarantineRowOf(e)
		raw := e.Raw
		if len(raw) > maxRawOnPage {
			raw, row.RawCut = raw[:maxRawOnPage], true
		}
		row.Raw = string(raw)
		if !utf8.ValidString(row.Raw) {
			row.Raw = string([]rune(row.Raw)) // invalid bytes shown as U+FFFD
		}
		v := quarantineView{shell: s.shell(r, p, "Quarantined mail", "/admin/mail/quarantine"), Entry: &row}
		v.Page = "quarantine"
		s.render(w, list, http.StatusOK, v)
	}))
	mux.HandleFunc("POST /admin/mail/quarantine/{id}/retry", s.agentAction(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		res, err := s.mail().Retry(r.Context(), p, id)
		if err != nil {
			s.wsError(w, r, p, err)
			return
		}
		switch res.Outcome {
		case mailin.Created:
			s.setFlash(r.Context(), flash{Kind: "ok", Message: "Imported: it opened " + res.Number + "."})
		case mailin.Commented:
			s.setFlash(r.Context(), flash{Kind: "ok", Message: "Imported: it is now a comment on " + res.Number + "."})
		default:
			s.setFlash(r.Context(), flash{Kind: "error", Message: "Still not imported: " + res.Reason})
			http.Redirect(w, r, "/admin/mail/quarantine/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/admin/mail/quarantine", http.StatusSeeOther)
	}))
	mux.HandleFunc("POST /admin/mail/quarantine/{id}/delete", s.agentAction(func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err := s.mail().DeleteQuarantined(r.Context(), p, id); err != nil {
			s.wsError(w, r, p, err)
			return
		}
		s.setFlash(r.Context(), flash{Kind: "ok", Message: "Deleted. The same message delivered again will be ignored."})
		http.Redirect(w, r, "/admin/mail/quarantine", http.StatusSeeOther)
	}))
}

func quarantineRowOf(e mailin.Entry) quarantineRow {
	return quarantineRow{ID: e.ID, Kind: codeLabel(e.Kind), Reason: e.Reason, Sender: e.Sender, Subject: e.Subject,
		Source: e.Source, Size: byteSize(e.Size), Attempts: e.Attempts, When: e.UpdatedAt}
}
