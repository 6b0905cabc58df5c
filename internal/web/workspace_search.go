package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"steward/internal/auth"
	"steward/internal/platform/fault"
	"steward/internal/record"
	"steward/internal/view"
)

// searchPage jumps to a record number, or lists incidents whose title or
// description match.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if number, ok := recordNumber(q); ok {
		if _, err := s.Incidents.Get(r.Context(), p, number); err == nil {
			http.Redirect(w, r, "/incidents/"+number, http.StatusSeeOther)
			return
		} else if !errors.Is(err, fault.ErrNotFound) {
			s.wsError(w, r, p, err)
			return
		}
	}
	page := listPageView{Heading: "Search", Kind: "search", Icon: "search", Path: "/search",
		Empty: "Nothing matches. Try fewer or other words, or end a word with * to match its beginning (print* finds printer)."}
	if q == "" {
		page.Hint = "Type a number such as INC0000042 to jump to it, or words to search titles and descriptions."
	} else {
		page.Hint = "Incidents whose title or description match “" + q + "”."
	}
	s.renderList(w, r, p, page, listSpec{Filter: view.Filter{Query: q}, Sort: sortNewest})
}

// recordNumber reads a record number as people type it: INC0000042,
// inc42, or just 42 (an incident).
func recordNumber(q string) (string, bool) {
	q = strings.ToUpper(strings.ReplaceAll(q, " ", ""))
	if q == "" || len(q) > 20 {
		return "", false
	}
	prefix := "INC"
	digits := q
	for _, pre := range []string{"INC", "REQ", "PRB", "CHG"} {
		if rest, ok := strings.CutPrefix(q, pre); ok {
			prefix, digits = pre, rest
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || n > 9999999 || strings.HasPrefix(digits, "-") || strings.HasPrefix(digits, "+") {
		return "", false
	}
	if prefix != "INC" {
		return "", false // the workspace shows incidents only, for now
	}
	return record.FormatNumber(record.TypeIncident, n), true
}
