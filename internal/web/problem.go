package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"steward/internal/auth"
	"steward/internal/platform/fault"
)

// Problem is an RFC 9457 problem document with field-level details.
type Problem struct {
	Type           string             `json:"type,omitempty" doc:"A URI reference for the problem type"`
	Title          string             `json:"title" doc:"Short summary of the problem type"`
	Status         int                `json:"status" doc:"HTTP status code"`
	Detail         string             `json:"detail,omitempty" doc:"Explanation of this occurrence"`
	Errors         []fault.FieldError `json:"errors,omitempty" doc:"One entry per invalid field"`
	CurrentVersion int64              `json:"current_version,omitempty" doc:"On 412: the record's current version"`
}

func (p *Problem) Error() string  { return p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes every problem application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

func newProblem(status int, detail string, fields ...fault.FieldError) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Errors: fields}
}

// fieldName turns huma's "body.title" or "query.limit" into "title", "limit".
func fieldName(location string) string {
	for _, p := range []string{"body.", "query.", "path.", "header."} {
		if strings.HasPrefix(location, p) {
			return strings.TrimPrefix(location, p)
		}
	}
	if location == "body" {
		return ""
	}
	return location
}

// missingField names the property itself when huma reports a missing
// required property at its parent ("body" + "expected required property
// title to be present" is field "title").
func missingField(field, message string) string {
	rest, ok := strings.CutPrefix(message, "expected required property ")
	name, ok2 := strings.CutSuffix(rest, " to be present")
	if !ok || !ok2 || name == "" {
		return field
	}
	if field == "" {
		return name
	}
	return field + "." + name
}

func init() {
	// huma builds its own errors (bad JSON, schema violations) through this
	// hook; make them the same problem documents our handlers return.
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		p := newProblem(status, msg)
		for _, err := range errs {
			if err == nil {
				continue
			}
			var d huma.ErrorDetailer
			if errors.As(err, &d) {
				ed := d.ErrorDetail()
				p.Errors = append(p.Errors, fault.FieldError{Field: missingField(fieldName(ed.Location), ed.Message), Message: ed.Message})
			} else {
				p.Errors = append(p.Errors, fault.FieldError{Message: err.Error()})
			}
		}
		if status == http.StatusUnprocessableEntity && len(p.Errors) > 0 {
			p.Detail = "The request has invalid fields: see errors."
		}
		return p
	}
}

// apiError maps a service error to the problem the client sees. This is the
// one place where domain errors become HTTP statuses.
func apiError(ctx context.Context, log *slog.Logger, err error) error {
	var v *fault.ValidationError
	var stale *fault.StaleError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &v):
		p := newProblem(http.StatusUnprocessableEntity, "The request has invalid fields: see errors.", v.Fields...)
		return p
	case errors.As(err, &stale):
		p := newProblem(http.StatusPreconditionFailed,
			fmt.Sprintf("The record has changed since you read it: it is now at version %d. Read it again and reapply your change.", stale.Current))
		p.CurrentVersion = stale.Current
		h := http.Header{}
		h.Set("ETag", etag(stale.Current))
		return huma.ErrorWithHeaders(p, h)
	case errors.Is(err, fault.ErrPreconditionRequired):
		return newProblem(http.StatusPreconditionRequired, "Send If-Match with the version (ETag) you read, so that a concurrent change is not overwritten.",
			fault.FieldError{Field: "If-Match", Message: "is required"})
	case errors.Is(err, fault.ErrNotFound):
		return newProblem(http.StatusNotFound, "Not found.")
	case errors.Is(err, fault.ErrUnauthenticated), errors.Is(err, auth.ErrBadCredentials):
		h := http.Header{}
		h.Set("WWW-Authenticate", `Bearer realm="steward"`)
		return huma.ErrorWithHeaders(newProblem(http.StatusUnauthorized, "Sign in or send a valid API token."), h)
	case errors.Is(err, fault.ErrForbidden):
		return newProblem(http.StatusForbidden, "You are not allowed to do this.")
	case errors.Is(err, fault.ErrConflict):
		return newProblem(http.StatusConflict, "This conflicts with existing data.")
	case errors.Is(err, fault.ErrTooMany), errors.Is(err, auth.ErrLocked):
		return newProblem(http.StatusTooManyRequests, err.Error())
	case errors.Is(err, context.Canceled):
		return newProblem(499, "Request canceled.")
	}
	log.ErrorContext(ctx, "request failed", "err", err)
	return newProblem(http.StatusInternalServerError, "Something went wrong on our side; it has been logged.")
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// parseIfMatch reads the version from an If-Match header ("3", "W/\"3\"" or 3).
func parseIfMatch(h string) (int64, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, fault.ErrPreconditionRequired
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil || v <= 0 {
		return 0, fault.Invalid("If-Match", "must be the version (ETag) you read, such as \"3\"")
	}
	return v, nil
}
