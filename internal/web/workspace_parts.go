package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"steward/internal/auth"
	"steward/internal/platform/fault"
	"steward/internal/record"
)

// incidentAttach stores an uploaded file (a multipart form; app.js adds
// drag and drop on top of the same form).
func (s *Server) incidentAttach(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	number := normaliseNumber(r.PathValue("number"))
	fail := func(msg string) {
		s.showIncident(w, r, p, http.StatusUnprocessableEntity, func(v *incidentView) { v.UploadError = msg })
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		fail("Choose a file to upload.")
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, s.Config.MaxAttachment+1))
	if err != nil {
		s.wsError(w, r, p, err)
		return
	}
	if int64(len(data)) > s.Config.MaxAttachment {
		fail("The file is larger than " + byteSize(s.Config.MaxAttachment) + ".")
		return
	}
	ct := header.Header.Get("Content-Type")
	if ct == "" || ct == "application/octet-stream" {
		ct = http.DetectContentType(data)
	}
	a, err := s.Incidents.Attach(ctx, p, number, header.Filename, ct, data)
	if err != nil {
		if errs, ok := fieldErrors(err); ok {
			msg := errs["file"]
			if msg == "" {
				msg = "The file name " + errs["name"]
			}
			fail(msg)
			return
		}
		s.wsError(w, r, p, err)
		return
	}
	s.setFlash(ctx, flash{Kind: "ok", Message: "Attached " + a.Name + "."})
	http.Redirect(w, r, "/incidents/"+number+"#attachments", http.StatusSeeOther)
}

// incidentLink relates the incident to another record by number.
func (s *Server) incidentLink(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	number := normaliseNumber(r.PathValue("number"))
	form := map[string]string{"kind": r.PostFormValue("kind"), "target": strings.TrimSpace(r.PostFormValue("target"))}
	l, err := s.Incidents.Link(ctx, p, number, record.LinkKind(form["kind"]), normaliseNumber(form["target"]))
	if err == nil {
		s.setFlash(ctx, flash{Kind: "ok", Message: "Linked " + l.OtherNumber + "."})
		http.Redirect(w, r, "/incidents/"+number+"#related", http.StatusSeeOther)
		return
	}
	errs, ok := fieldErrors(err)
	if !ok && errors.Is(err, fault.ErrConflict) {
		errs, ok = map[string]string{"target": "These records are already linked that way."}, true
	}
	if !ok {
		s.wsError(w, r, p, err)
		return
	}
	s.showIncident(w, r, p, http.StatusUnprocessableEntity, func(v *incidentView) { v.Link, v.LinkErrors = form, errs })
}

// incidentUnlink removes a link.
func (s *Server) incidentUnlink(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	number := normaliseNumber(r.PathValue("number"))
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.wsProblem(w, r, p, http.StatusNotFound, "There is no such link.")
		return
	}
	if err := s.Incidents.Unlink(ctx, p, number, id); err != nil {
		s.wsError(w, r, p, err)
		return
	}
	s.setFlash(ctx, flash{Kind: "ok", Message: "Link removed."})
	http.Redirect(w, r, "/incidents/"+number+"#related", http.StatusSeeOther)
}
