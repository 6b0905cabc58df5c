package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"steward/internal/platform/dbtest"
)

var builtBinary string

// TestMain builds the real binary once for every test here.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "steward-e2e")
	if err != nil {
		panic(err)
	}
	builtBinary = filepath.Join(dir, "steward")
	if out, err := exec.Command("go", "build", "-o", builtBinary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func binary(t *testing.T) string {
	t.Helper()
	return builtBinary
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// run executes a steward command and returns its standard output.
func run(t *testing.T, bin string, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("steward %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path string, body any, header ...string) (int, http.Header, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, res.Header, out
}

// TestBinaryEndToEnd builds the real binary, creates a user and a token with
// the CLI, serves on a free port and drives the API, then stops it with
// SIGTERM, on SQLite and on PostgreSQL.
func TestBinaryEndToEnd(t *testing.T) {
	bin := binary(t)
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			env := []string{"STEWARD_DATA=" + t.TempDir(), "STEWARD_LOG_LEVEL=info", "STEWARD_ADMIN_EMAIL=root@example.com"}
			if kind == "postgres" {
				env = append(env, "STEWARD_DB="+dbtest.PostgresDSN(t))
			}
			if out := run(t, bin, env, "", "migrate"); !strings.Contains(out, "schema version") {
				t.Fatalf("migrate said %q", out)
			}
			out := run(t, bin, env, "a long enough password\n", "user", "create", "--email", "ada@example.com",
				"--name", "Ada Lovelace", "--role", "agent", "--group", "Service Desk", "--password-stdin")
			if !strings.Contains(out, "ada@example.com") {
				t.Fatalf("user create said %q", out)
			}
			token := strings.TrimSpace(run(t, bin, env, "", "token", "create", "--email", "ada@example.com", "--name", "e2e"))
			if !strings.HasPrefix(token, "stw_") {
				t.Fatalf("token create printed %q", token)
			}

			addr := freePort(t)
			srv := exec.Command(bin, "serve", "--addr", addr)
			srv.Env = append(os.Environ(), env...)
			logs, _ := srv.StderrPipe()
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			var logText strings.Builder
			logDone := make(chan struct{})
			go func() {
				sc := bufio.NewScanner(logs)
				for sc.Scan() {
					logText.WriteString(sc.Text() + "\n")
				}
				close(logDone)
			}()
			stopped := false
			defer func() {
				if !stopped {
					srv.Process.Kill()
					srv.Wait()
				}
			}()
			base := "http://" + addr
			waitReady(t, base)

			c := client{t: t, base: base, token: token}
			status, h, body := c.do("POST", "/api/v1/incidents", map[string]any{"title": "Mail server rejects <b>attachments</b>", "urgency": "high"})
			if status != 201 || body["number"] != "INC0000001" || h.Get("ETag") != `"1"` {
				t.Fatalf("create: %d %v %v", status, h, body)
			}
			status, _, body = c.do("PATCH", "/api/v1/incidents/INC0000001", map[string]any{"state": "in_progress"}, "If-Match", `"1"`)
			if status != 200 || body["state"] != "in_progress" {
				t.Fatalf("update: %d %v", status, body)
			}
			status, _, body = c.do("PATCH", "/api/v1/incidents/INC0000001", map[string]any{"title": "stale"}, "If-Match", `"1"`)
			if status != 412 || body["current_version"] != float64(2) {
				t.Fatalf("stale update: %d %v", status, body)
			}
			status, _, _ = c.do("POST", "/api/v1/incidents/INC0000001/comments", map[string]any{"body": "Looking at it", "kind": "work_note"})
			if status != 201 {
				t.Fatalf("work note: %d", status)
			}
			status, _, body = c.do("GET", "/api/v1/incidents/INC0000001/journal", nil)
			if status != 200 || len(body["items"].([]any)) != 2 {
				t.Fatalf("journal: %d %v", status, body)
			}
			status, _, body = c.do("GET", "/api/v1/incidents?state=open&sort=-priority", nil)
			if status != 200 || len(body["items"].([]any)) != 1 {
				t.Fatalf("list: %d %v", status, body)
			}
			if status, _, _ = c.do("GET", "/api/v1/incidents", nil, "Authorization", "Bearer stw_wrong"); status != 401 {
				t.Fatalf("bad token: %d", status)
			}

			// Graceful shutdown on SIGTERM: the process exits by itself, cleanly.
			srv.Process.Signal(syscall.SIGTERM)
			done := make(chan error, 1)
			go func() { done <- srv.Wait() }()
			select {
			case err := <-done:
				stopped = true
				<-logDone
				if err != nil {
					t.Fatalf("exit after SIGTERM: %v\n%s", err, logText.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("steward did not stop within 30 s of SIGTERM\n%s", logText.String())
			}
			if !strings.Contains(logText.String(), "shutting down") {
				t.Errorf("log lacks the shutdown line:\n%s", logText.String())
			}
		})
	}
}

// TestFirstStartPrintsAdminPasswordOnce checks the zero-config start.
func TestFirstStartPrintsAdminPasswordOnce(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	start := func() string {
		addr := freePort(t)
		srv := exec.Command(bin, "--addr", addr, "--data", data)
		var logs bytes.Buffer
		srv.Stderr = &logs
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		waitReady(t, "http://"+addr)
		srv.Process.Signal(syscall.SIGTERM)
		if err := srv.Wait(); err != nil {
			t.Fatalf("exit: %v\n%s", err, logs.String())
		}
		return logs.String()
	}
	first := start()
	if !strings.Contains(first, "password=") || !strings.Contains(first, "admin@steward.localhost") {
		t.Fatalf("first start did not print the admin credentials:\n%s", first)
	}
	if _, err := os.Stat(filepath.Join(data, "steward.db")); err != nil {
		t.Fatalf("no database in the data directory: %v", err)
	}
	if second := start(); strings.Contains(second, "password=") {
		t.Fatalf("second start printed a password again:\n%s", second)
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	bin := binary(t)
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	for _, flag := range []string{"--addr", "--data", "--db", "--log-level", "--base-url", "--demo", "STEWARD_ADDR", "STEWARD_DB"} {
		if !strings.Contains(string(out), flag) {
			t.Errorf("steward --help does not mention %s:\n%s", flag, out)
		}
	}
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal(fmt.Sprintf("%s never became ready", base))
}

// startNode runs `steward serve` with env on a free port until the test ends.
func startNode(t *testing.T, env []string) string {
	t.Helper()
	addr := freePort(t)
	srv := exec.Command(binary(t), "serve", "--addr", addr)
	srv.Env = append(os.Environ(), env...)
	var logs bytes.Buffer
	srv.Stderr = &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Signal(syscall.SIGTERM)
		if err := srv.Wait(); err != nil {
			t.Errorf("node %s: %v\n%s", addr, err, logs.String())
		}
	})
	return "http://" + addr
}

// TestTwoNodesShareOnePostgres starts two stateless nodes on one fresh
// PostgreSQL schema at the same moment (both migrate at start), creates
// incidents through both at once, and reads each node's work from the other.
func TestTwoNodesShareOnePostgres(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	env := []string{"STEWARD_DB=" + dsn, "STEWARD_DATA=" + t.TempDir(), "STEWARD_ADMIN_PASSWORD=first admin password"}
	bases := make([]string, 2)
	done := make(chan int, 2)
	for i := range bases {
		go func() { bases[i] = startNode(t, env); done <- i }()
	}
	<-done
	<-done
	for _, b := range bases {
		waitReady(t, b)
	}
	token := strings.TrimSpace(run(t, binary(t), env, "", "token", "create", "--email", "admin@steward.localhost", "--name", "nodes"))
	const perNode = 15
	errs := make(chan error, 2*perNode)
	for _, base := range bases {
		for i := range perNode {
			go func() {
				body, _ := json.Marshal(map[string]any{"title": fmt.Sprintf("node test %d", i)})
				r, _ := http.NewRequest("POST", base+"/api/v1/incidents", bytes.NewReader(body))
				r.Header.Set("Authorization", "Bearer "+token)
				r.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(r)
				if err == nil {
					res.Body.Close()
					if res.StatusCode != 201 {
						err = fmt.Errorf("create via %s: %d", base, res.StatusCode)
					}
				}
				errs <- err
			}()
		}
	}
	for range 2 * perNode {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// Every number from 1 to 30 exists exactly once, and each node sees all.
	for _, base := range bases {
		c := client{t: t, base: base, token: token}
		seen := map[string]bool{}
		cursor := ""
		for {
			status, _, body := c.do("GET", "/api/v1/incidents?sort=number&limit=7"+cursor, nil)
			if status != 200 {
				t.Fatalf("list via %s: %d %v", base, status, body)
			}
			for _, it := range body["items"].([]any) {
				seen[it.(map[string]any)["number"].(string)] = true
			}
			next, _ := body["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = "&cursor=" + next
		}
		for n := 1; n <= 2*perNode; n++ {
			if num := fmt.Sprintf("INC%07d", n); !seen[num] {
				t.Errorf("%s does not list %s", base, num)
			}
		}
		if len(seen) != 2*perNode {
			t.Errorf("%s lists %d incidents, want %d", base, len(seen), 2*perNode)
		}
	}
}
