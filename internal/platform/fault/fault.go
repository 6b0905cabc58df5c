// Package fault holds the few kinds of failure every practice reports, so
// that the web layer maps each kind to one HTTP status in one place.
package fault

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrNotFound: the thing does not exist, or the caller may not know it does.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the caller is known but may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrConflict: the request clashes with existing data (a duplicate name).
	ErrConflict = errors.New("conflict")
	// ErrUnauthenticated: no valid credentials.
	ErrUnauthenticated = errors.New("authentication required")
	// ErrPreconditionRequired: a write did not state the version it read.
	ErrPreconditionRequired = errors.New("precondition required")
	// ErrTooMany: rate limited.
	ErrTooMany = errors.New("too many attempts")
)

// FieldError is one problem with one input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every problem found with an input.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	var parts []string
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a problem with field.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns e if it holds any problem, nil otherwise.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Invalid is a shorthand for a one-field validation error.
func Invalid(field, format string, args ...any) error {
	v := &ValidationError{}
	v.Add(field, format, args...)
	return v
}

// StaleError says a write was based on an old version of the record.
type StaleError struct {
	Current int64
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("stale write: the record is at version %d", e.Current)
}

// FieldNames returns the fields err names when it is (or wraps) a
// *ValidationError, in order; ok is false otherwise.
func FieldNames(err error) (names []string, ok bool) {
	var v *ValidationError
	if !errors.As(err, &v) {
		return nil, false
	}
	for _, f := range v.Fields {
		names = append(names, f.Field)
	}
	return names, true
}
