// Package ui holds the templates, stylesheet and script of Steward's pages,
// embedded in the binary so that `go run` needs nothing else.
package ui

import "embed"

// Templates are the html/template files.
//
//go:embed templates/*.html
var Templates embed.FS

// Static are the stylesheet, script and icons served under /static/.
//
//go:embed static/*
var Static embed.FS
