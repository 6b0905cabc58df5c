package web

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"steward/internal/record"
)

// EntryOut is a journal entry.
type EntryOut struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind" enum:"comment,work_note,field_change,system"`
	Actor    *Ref      `json:"actor"`
	At       time.Time `json:"at"`
	Field    string    `json:"field,omitempty"`
	OldValue string    `json:"old_value,omitempty"`
	NewValue string    `json:"new_value,omitempty"`
	Body     string    `json:"body,omitempty"`
}

func entryOut(e record.Entry) EntryOut {
	return EntryOut{ID: e.ID, Kind: string(e.Kind), Actor: ref(e.ActorID, e.ActorName), At: e.At,
		Field: e.Field, OldValue: e.OldValue, NewValue: e.NewValue, Body: e.Body}
}

// LinkOut is a link as seen from the record it was read from.
type LinkOut struct {
	ID     int64        `json:"id"`
	Kind   string       `json:"kind"`
	Record LinkedRecord `json:"record"`
}

// LinkedRecord is the record at the other end of a link.
type LinkedRecord struct {
	Number string `json:"number"`
	Type   string `json:"type"`
	Title  string `json:"title"`
	State  string `json:"state"`
}

func linkOut(l record.Link) LinkOut {
	return LinkOut{ID: l.ID, Kind: string(l.Kind), Record: LinkedRecord{Number: l.OtherNumber, Type: string(l.OtherType), Title: l.OtherTitle, State: l.OtherState}}
}

// AttachmentOut is an attachment's metadata.
type AttachmentOut struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url" doc:"Download URL"`
}

func attachmentOut(a record.Attachment) AttachmentOut {
	return AttachmentOut{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256,
		CreatedAt: a.CreatedAt, URL: fmt.Sprintf("/api/v1/attachments/%d", a.ID)}
}

type entryResponse struct {
	Body EntryOut
}

func (s *Server) registerRecordParts(api huma.API) {
	tags := []string{"Incidents"}
	huma.Register(api, huma.Operation{
		OperationID: "add-incident-comment", Method: http.MethodPost, Path: "/api/v1/incidents/{number}/comments", Tags: tags,
		Summary: "Add a public comment or an internal work note", DefaultStatus: http.StatusCreated, MaxBodyBytes: 128 << 10,
		Description: "kind comment is seen by the requester; work_note only by agents (requesters may not write them).",
	}, func(ctx context.Context, in *struct {
		NumberPath
		Body struct {
			Body string `json:"body" minLength:"1" maxLength:"32000"`
			Kind string `json:"kind,omitempty" enum:"comment,work_note" default:"comment"`
		}
	}) (*entryResponse, error) {
		e, err := s.Incidents.Comment(ctx, principal(ctx), in.Number, in.Body.Kind == "work_note", in.Body.Body)
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		return &entryResponse{Body: entryOut(e)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-incident-journal", Method: http.MethodGet, Path: "/api/v1/incidents/{number}/journal", Tags: tags,
		Summary:     "Read an incident's journal",
		Description: "Comments, work notes and every field change, oldest first. Requesters never receive work notes or internal changes.",
	}, func(ctx context.Context, in *struct {
		NumberPath
		After int64 `query:"after" minimum:"0" doc:"Return entries after this id"`
		Limit int   `query:"limit" minimum:"1" maximum:"500" default:"200"`
	}) (*struct {
		Body struct {
			Items     []EntryOut `json:"items"`
			NextAfter int64      `json:"next_after,omitempty" doc:"Pass as after for more; absent when there is no more"`
		}
	}, error) {
		entries, err := s.Incidents.Journal(ctx, principal(ctx), in.Number, in.After, in.Limit+1)
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		out := &struct {
			Body struct {
				Items     []EntryOut `json:"items"`
				NextAfter int64      `json:"next_after,omitempty" doc:"Pass as after for more; absent when there is no more"`
			}
		}{}
		if len(entries) > in.Limit {
			entries = entries[:in.Limit]
			out.Body.NextAfter = entries[len(entries)-1].ID
		}
		out.Body.Items = make([]EntryOut, len(entries))
		for i, e := range entries {
			out.Body.Items[i] = entryOut(e)
		}
		return out, nil
	})

	s.registerLinks(api, tags)
	s.registerWatchers(api, tags)
	s.registerAttachments(api, tags)
}

func (s *Server) registerLinks(api huma.API, tags []string) {
	type linksOut struct {
		Body struct {
			Items []LinkOut `json:"items"`
		}
	}
	huma.Register(api, huma.Operation{
		OperationID: "list-incident-links", Method: http.MethodGet, Path: "/api/v1/incidents/{number}/links", Tags: tags,
		Summary: "List an incident's links to other records", Description: "Agents only; requesters get an empty list.",
	}, func(ctx context.Context, in *NumberPath) (*linksOut, error) {
		links, err := s.Incidents.Links(ctx, principal(ctx), in.Number)
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		out := &linksOut{}
		out.Body.Items = make([]LinkOut, len(links))
		for i, l := range links {
			out.Body.Items[i] = linkOut(l)
		}
		return out, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "add-incident-link", Method: http.MethodPost, Path: "/api/v1/incidents/{number}/links", Tags: tags,
		Summary: "Link an incident to another record", DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct {
		NumberPath
		Body struct {
			Kind   string `json:"kind" enum:"parent_of,child_of,caused_by,causes,duplicate_of,duplicated_by,related_to,fixed_by,fixes" doc:"How this record relates to the target"`
			Target string `json:"target" maxLength:"20" example:"INC0000043"`
		}
	}) (*struct{ Body LinkOut }, error) {
		l, err := s.Incidents.Link(ctx, principal(ctx), in.Number, record.LinkKind(in.Body.Kind), in.Body.Target)
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		return &struct{ Body LinkOut }{Body: linkOut(l)}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "remove-incident-link", Method: http.MethodDelete, Path: "/api/v1/incidents/{number}/links/{id}", Tags: tags,
		Summary: "Remove a link", DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *struct {
		NumberPath
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		return nil, apiError(ctx, s.Log, s.Incidents.Unlink(ctx, principal(ctx), in.Number, in.ID))
	})
}

func (s *Server) registerWatchers(api huma.API, tags []string) {
	huma.Register(api, huma.Operation{
		OperationID: "add-incident-watcher", Method: http.MethodPost, Path: "/api/v1/incidents/{number}/watchers", Tags: tags,
		Summary: "Add a watcher", Description: "A watcher follows the record and may comment on it like its requester.",
		DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *struct {
		NumberPath
		Body struct {
			UserID int64 `json:"user_id" minimum:"1"`
		}
	}) (*struct{}, error) {
		return nil, apiError(ctx, s.Log, s.Incidents.Watch(ctx, principal(ctx), in.Number, in.Body.UserID))
	})
	huma.Register(api, huma.Operation{
		OperationID: "remove-incident-watcher", Method: http.MethodDelete, Path: "/api/v1/incidents/{number}/watchers/{user_id}", Tags: tags,
		Summary: "Remove a watcher", DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *struct {
		NumberPath
		UserID int64 `path:"user_id"`
	}) (*struct{}, error) {
		return nil, apiError(ctx, s.Log, s.Incidents.Unwatch(ctx, principal(ctx), in.Number, in.UserID))
	})
}

func (s *Server) registerAttachments(api huma.API, tags []string) {
	max := s.Config.MaxAttachment
	huma.Register(api, huma.Operation{
		OperationID: "list-incident-attachments", Method: http.MethodGet, Path: "/api/v1/incidents/{number}/attachments", Tags: tags,
		Summary: "List an incident's attachments",
	}, func(ctx context.Context, in *NumberPath) (*struct {
		Body struct {
			Items []AttachmentOut `json:"items"`
		}
	}, error) {
		list, err := s.Incidents.Attachments(ctx, principal(ctx), in.Number)
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		out := &struct {
			Body struct {
				Items []AttachmentOut `json:"items"`
			}
		}{}
		out.Body.Items = make([]AttachmentOut, len(list))
		for i, a := range list {
			out.Body.Items[i] = attachmentOut(a)
		}
		return out, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "upload-incident-attachment", Method: http.MethodPost, Path: "/api/v1/incidents/{number}/attachments", Tags: tags,
		// huma refuses a body that reaches MaxBodyBytes, so allow one more byte
		// than the largest attachment.
		Summary: "Upload an attachment", DefaultStatus: http.StatusCreated, MaxBodyBytes: max + 1, SkipValidateBody: true,
		Description: fmt.Sprintf("The request body is the file itself; name it with ?name= and give its Content-Type. At most %d bytes.", max),
	}, func(ctx context.Context, in *struct {
		NumberPath
		Name        string `query:"name" minLength:"1" maxLength:"255" required:"true"`
		ContentType string `header:"Content-Type"`
		RawBody     []byte `contentType:"application/octet-stream"`
	}) (*struct {
		Location string `header:"Location"`
		Body     AttachmentOut
	}, error) {
		ct := in.ContentType
		if ct == "" || ct == "application/octet-stream" || ct == "application/x-www-form-urlencoded" {
			ct = http.DetectContentType(in.RawBody)
		}
		a, err := s.Incidents.Attach(ctx, principal(ctx), in.Number, in.Name, ct, in.RawBody)
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		o := attachmentOut(a)
		return &struct {
			Location string `header:"Location"`
			Body     AttachmentOut
		}{Location: o.URL, Body: o}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "download-attachment", Method: http.MethodGet, Path: "/api/v1/attachments/{id}", Tags: []string{"Attachments"},
		Summary: "Download an attachment", Description: "Always served as a download, never rendered inline.",
	}, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*huma.StreamResponse, error) {
		a, data, err := s.Incidents.Download(ctx, principal(ctx), in.ID)
		if err != nil {
			return nil, apiError(ctx, s.Log, err)
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			hctx.SetHeader("Content-Type", a.ContentType)
			hctx.SetHeader("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
			hctx.SetHeader("Content-Length", strconv.Itoa(len(data)))
			hctx.SetHeader("Content-Security-Policy", "sandbox")
			hctx.SetHeader("Cache-Control", "private, max-age=0")
			hctx.SetHeader("ETag", `"`+a.SHA256+`"`)
			w := hctx.BodyWriter()
			_, _ = w.Write(data)
		}}, nil
	})
}
