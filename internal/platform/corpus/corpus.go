// Package corpus finds the shared real-world test data (ticket texts, mail,
// alert payloads) that lives beside the repository, never inside it. Tests
// that use it skip with a message where it is absent; CI always has it.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns the absolute path of rel inside the shared data folder, or
// skips the test (fails it under STEWARD_TEST_REQUIRE_ALL) when absent.
func Path(t testing.TB, rel string) string {
	t.Helper()
	if dir := os.Getenv("STEWARD_TEST_DATA"); dir != "" {
		return check(t, filepath.Join(dir, rel))
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// Walk up to the module root (go.mod); the data sits in ../shared/data.
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return check(t, filepath.Join(dir, "..", "shared", "data", rel))
		}
		if filepath.Dir(dir) == dir {
			return check(t, filepath.Join(wd, rel))
		}
	}
}

func check(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("STEWARD_TEST_REQUIRE_ALL") != "" {
			t.Fatalf("shared test data %s is missing and STEWARD_TEST_REQUIRE_ALL forbids skipping", path)
		}
		t.Skipf("shared test data not found at %s (set STEWARD_TEST_DATA to its folder)", path)
	}
	abs, _ := filepath.Abs(path)
	return abs
}
