package web

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
)

// maxFilesPerForm is how many files one portal form may carry.
const portalMaxFiles = 5

// parseForm reads a portal form, urlencoded or multipart, refusing a body
// larger than the most files it may carry plus the text fields. Files
// beyond a few MB wait on disk, not in memory.
func (p *portal) parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, portalMaxFiles*p.s.Config.MaxAttachment+256<<10)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(8 << 20)
	}
	return r.ParseForm()
}

// files returns the files chosen in the form's "files" input, or a message
// saying why they cannot be taken.
func (p *portal) files(r *http.Request) ([]*multipart.FileHeader, string) {
	if r.MultipartForm == nil {
		return nil, ""
	}
	var out []*multipart.FileHeader
	for _, h := range r.MultipartForm.File["files"] {
		if h.Filename == "" && h.Size == 0 { // the input, left empty
			continue
		}
		out = append(out, h)
	}
	max := p.s.Config.MaxAttachment
	if len(out) > portalMaxFiles {
		return nil, fmt.Sprintf("Attach at most %d files at a time.", portalMaxFiles)
	}
	for _, h := range out {
		switch {
		case h.Size > max:
			return nil, fmt.Sprintf("%s is larger than the %s limit for each file.", h.Filename, portalSize(max))
		case h.Size == 0:
			return nil, h.Filename + " is empty."
		}
	}
	return out, ""
}

// attach stores each file on record number, one at a time, and returns the
// names of those that could not be stored.
func (p *portal) attach(ctx context.Context, number string, files []*multipart.FileHeader) []string {
	var failed []string
	for _, h := range files {
		if err := p.attachOne(ctx, number, h); err != nil {
			p.s.Log.WarnContext(ctx, "portal attach", "number", number, "file", h.Filename, "err", err)
			failed = append(failed, h.Filename)
		}
	}
	return failed
}

func (p *portal) attachOne(ctx context.Context, number string, h *multipart.FileHeader) error {
	f, err := h.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, p.s.Config.MaxAttachment+1))
	if err != nil {
		return err
	}
	if int64(len(data)) > p.s.Config.MaxAttachment {
		return fmt.Errorf("%s: larger than %d bytes", h.Filename, p.s.Config.MaxAttachment)
	}
	ct := h.Header.Get("Content-Type")
	if ct == "" || ct == "application/octet-stream" {
		ct = http.DetectContentType(data)
	}
	_, err = p.s.Incidents.Attach(ctx, principal(ctx), number, h.Filename, ct, data)
	return err
}

// uploadHint tells the user how many and how large files may be.
func (p *portal) uploadHint() string {
	return fmt.Sprintf("Up to %d files, %s each. Screenshots help a lot.", portalMaxFiles, portalSize(p.s.Config.MaxAttachment))
}
