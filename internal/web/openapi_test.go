package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"steward/internal/platform/db"
)

var docMethods = []string{"get", "put", "post", "patch", "delete", "head", "options"}

// TestOpenAPIMatchesRoutes checks the document against the handlers the
// server really registered, both ways, and the document's own rules.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, db.SQLite)

	registered := map[string]bool{}
	for _, pattern := range f.a.Routes() {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			t.Errorf("route %q has no method", pattern)
			continue
		}
		if !strings.HasPrefix(path, "/api/v1/") || strings.HasPrefix(path, "/api/v1/openapi") {
			continue
		}
		registered[method+" "+path] = true
	}
	if len(registered) < 30 {
		t.Fatalf("only %d API routes registered: %v", len(registered), f.a.Routes())
	}

	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	f.must(t, http.StatusOK, anonymous, "GET", "/api/v1/openapi.json", nil, nil).decode(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}

	documented := map[string]bool{}
	ids := map[string]string{}
	for path, item := range doc.Paths {
		for method, op := range item {
			if !slices.Contains(docMethods, method) {
				continue
			}
			key := strings.ToUpper(method) + " " + path
			documented[key] = true
			id := str(op, "operationId")
			if id == "" {
				t.Errorf("%s has no operationId", key)
			} else if other, dup := ids[id]; dup {
				t.Errorf("operationId %q used by %s and %s", id, other, key)
			}
			ids[id] = key
			if str(op, "summary") == "" {
				t.Errorf("%s has no summary", key)
			}
			if _, ok := op["responses"].(map[string]any); !ok {
				t.Errorf("%s documents no responses", key)
			}
			checkRequestBody(t, key, op, doc.Components.Schemas)
		}
	}

	for route := range registered {
		if !documented[route] {
			t.Errorf("route %s is registered but not in the OpenAPI document", route)
		}
	}
	for op := range documented {
		if !registered[op] {
			t.Errorf("operation %s is documented but no handler is registered for it", op)
		}
	}
	t.Logf("%d routes, %d operations", len(registered), len(documented))
	if n := len(f.a.OpenAPI().Paths); n != len(doc.Paths) {
		t.Errorf("served document has %d paths, the server's has %d", len(doc.Paths), n)
	}
}

// checkRequestBody requires a schema for every request body, and a closed
// object (additionalProperties false) for every JSON body.
func checkRequestBody(t *testing.T, key string, op map[string]any, schemas map[string]map[string]any) {
	t.Helper()
	rb, ok := op["requestBody"].(map[string]any)
	if !ok {
		// Every write here takes a body but for actions that need none (confirm,
		// retry); a missing one elsewhere would be a gap in the document.
		if (strings.HasPrefix(key, "POST ") || strings.HasPrefix(key, "PATCH ")) && !strings.HasSuffix(key, "/confirm") && !strings.HasSuffix(key, "/retry") {
			t.Errorf("%s documents no request body", key)
		}
		return
	}
	content, _ := rb["content"].(map[string]any)
	if len(content) == 0 {
		t.Errorf("%s: request body without content", key)
	}
	for ct, media := range content {
		schema, _ := media.(map[string]any)["schema"].(map[string]any)
		if schema == nil {
			t.Errorf("%s: %s body without schema", key, ct)
			continue
		}
		if ref := str(schema, "$ref"); ref != "" {
			name := strings.TrimPrefix(ref, "#/components/schemas/")
			if schema = schemas[name]; schema == nil {
				t.Errorf("%s: %s body refers to missing schema %s", key, ct, ref)
				continue
			}
		}
		switch ct {
		case "application/json":
			if schema["type"] != "object" || schema["additionalProperties"] != false {
				t.Errorf("%s: JSON body schema type %v additionalProperties %v, want a closed object", key, schema["type"], schema["additionalProperties"])
			}
		case "application/octet-stream", "text/calendar":
			if schema["format"] != "binary" {
				t.Errorf("%s: raw body schema %v, want format binary", key, schema)
			}
		default:
			t.Errorf("%s: unexpected request content type %s", key, ct)
		}
	}
}
