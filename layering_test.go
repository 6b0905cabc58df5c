package steward_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The layering rule of the house plan: cmd -> app -> web -> practices ->
// record -> platform, one way only. This test fails when a package reaches
// up or sideways where it must not.
func TestLayering(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "./...")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	const mod = "steward/"
	layer := func(pkg string) (string, bool) {
		p, ok := strings.CutPrefix(pkg, mod)
		if !ok {
			return "", false
		}
		switch {
		case strings.HasPrefix(p, "cmd/"), p == "internal/bench":
			// The benchmark harness drives the whole app, as a command does.
			return "cmd", true
		case p == "internal/app":
			return "app", true
		case p == "internal/web" || strings.HasPrefix(p, "internal/web/"):
			return "web", true
		case p == "internal/record":
			return "record", true
		case strings.HasPrefix(p, "internal/platform/"):
			return "platform", true
		case strings.HasPrefix(p, "internal/"):
			return "practice", true
		}
		return "root", true
	}
	// may lists which layers each layer may import.
	may := map[string][]string{
		"cmd":      {"cmd", "app", "web", "practice", "record", "platform"},
		"app":      {"web", "practice", "record", "platform"},
		"web":      {"web", "practice", "record", "platform"},
		"practice": {"practice", "record", "platform"},
		"record":   {"platform"},
		"platform": {"platform"},
		"root":     {},
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		from, _ := layer(pkg)
		seen++
		for _, imp := range strings.Fields(imports) {
			if (from == "practice" || from == "record" || from == "platform") && imp == "net/http" {
				t.Errorf("%s (%s) imports net/http: only web speaks HTTP", pkg, from)
			}
			to, ours := layer(imp)
			if !ours {
				continue
			}
			if !slices.Contains(may[from], to) {
				t.Errorf("%s (%s) imports %s (%s): not allowed by cmd -> app -> web -> practices -> record -> platform", pkg, from, imp, to)
			}
			// Practices use each other's exported API, never each other's
			// internal sub-packages.
			if from == "practice" && to == "practice" && strings.Count(strings.TrimPrefix(imp, mod+"internal/"), "/") > 0 &&
				!strings.HasPrefix(strings.TrimPrefix(pkg, mod+"internal/"), strings.Split(strings.TrimPrefix(imp, mod+"internal/"), "/")[0]) {
				t.Errorf("%s imports %s, another practice's internals", pkg, imp)
			}
		}
	}
	if seen < 10 {
		t.Fatalf("go list found only %d packages; is the module intact?", seen)
	}
}
