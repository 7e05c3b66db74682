package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/mock"
	"github.com/commercelayer-mock/provmock/models"
)

// snippet is a fenced code block of the README.
type snippet struct {
	lang, code string
	line       int    // of the opening fence
	marker     string // the readme-test comment just above it, if any
}

// skipMarker, on the line above a block, keeps the test from running it, saying why.
var skipMarker = regexp.MustCompile(`^<!-- readme-test: skip \((.+)\) -->$`)

func readmeSnippets(t *testing.T) []snippet {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []snippet
	var cur *snippet
	prev := ""
	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &snippet{lang: strings.TrimPrefix(line, "```"), line: i + 1}
			if m := skipMarker.FindStringSubmatch(prev); m != nil {
				cur.marker = m[1]
			}
		case cur != nil && line == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.code += line + "\n"
		}
		if strings.TrimSpace(line) != "" {
			prev = line
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: a code block is never closed", cur.line)
	}
	return out
}

// TestReadmeGoSnippetsCompileAndPass builds each Go snippet as a test file of a module of
// its own, which uses this one through a workspace, and runs it.
func TestReadmeGoSnippetsCompileAndPass(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the snippets")
	}
	repo, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, s := range readmeSnippets(t) {
		if s.lang != "go" {
			continue
		}
		found++
		t.Run("line "+strconv.Itoa(s.line), func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, content string) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			goVersion := goModVersion(t)
			write("go.mod", "module readmesnippet\n\ngo "+goVersion+"\n")
			write("go.work", "go "+goVersion+"\n\nuse (\n\t.\n\t"+repo+"\n)\n")
			write("snippet_test.go", s.code)
			cmd := exec.Command("go", "test", "-count=1", ".")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOWORK="+filepath.Join(dir, "go.work"))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("README.md:%d: the Go snippet does not compile or pass: %v\n%s", s.line, err, out)
			}
		})
	}
	if found == 0 {
		t.Fatal("no Go snippet found in README.md")
	}
}

// expectedErrors are the README's requests that answer an error on purpose, with the
// status they show.
var expectedErrors = map[string]int{"/api/api_credentials?sort=name": 400,
	"/data/core/activation/authoring/credentials?no-api-key": 403}

// TestReadmeShellSnippetsRun runs every sh block not marked to skip with bash against a
// live mock, the README's address replaced by the mock's, each curl failing on an HTTP
// error: a command that fails or an answer of 400 or more (but those expectedErrors
// lists) fails the test.
func TestReadmeShellSnippetsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mocks and runs curl")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	found := 0
	for _, s := range readmeSnippets(t) {
		if s.lang != "sh" {
			continue
		}
		if s.marker != "" {
			t.Logf("README.md:%d: not run: %s", s.line, s.marker)
			continue
		}
		found++
		t.Run("line "+strconv.Itoa(s.line), func(t *testing.T) {
			srv := mock.NewTestServer(t, mock.Options{})
			dir := t.TempDir()
			// What the control API's block posts as "my-fixtures.yaml".
			extra := "users:\n  - {id: usrReadme1, email: readme@example.com, client_id: readme-id, client_secret: readme-secret}\n"
			if err := os.WriteFile(filepath.Join(dir, "my-fixtures.yaml"), []byte(extra), 0o600); err != nil {
				t.Fatal(err)
			}
			statuses := filepath.Join(dir, "statuses")
			// Every answer's status and URL go to a file (and curl's own errors with them),
			// checked below.
			script := "set -euo pipefail\n" +
				`curl() { command curl -w '%{stderr}%{http_code} %{url_effective}\n' "$@" 2>>` + strconv.Quote(statuses) + "; }\n" +
				strings.ReplaceAll(s.code, "http://127.0.0.1:8080", srv.URL)
			cmd := exec.Command("bash", "-c", script)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("README.md:%d: the block failed: %v\n%s", s.line, err, out)
			}
			log, err := os.ReadFile(statuses)
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
				code, url, ok := strings.Cut(line, " ")
				status, err := strconv.Atoi(code)
				if !ok || err != nil {
					t.Errorf("README.md:%d: curl said %q", s.line, line)
					continue
				}
				calls++
				want, expected := expectedErrors[strings.TrimPrefix(url, srv.URL)]
				switch {
				case expected && status != want:
					t.Errorf("README.md:%d: %s answered %d, want %d", s.line, url, status, want)
				case !expected && (status >= 400 || status == 0):
					t.Errorf("README.md:%d: %s answered %d", s.line, url, status)
				}
			}
			if calls == 0 {
				t.Errorf("README.md:%d: the block made no request", s.line)
			}
		})
	}
	if found < 2 {
		t.Fatalf("%d shell blocks run, want the first session's and the control API's", found)
	}
}

// TestReadmeFixturesSnippetLoads parses each YAML block as a dataset, as --fixtures would.
func TestReadmeFixturesSnippetLoads(t *testing.T) {
	for _, s := range readmeSnippets(t) {
		if s.lang != "yaml" || s.marker != "" {
			continue // a marked block is another file (a compose file)
		}
		if _, err := fixtures.Parse("README.md block at line "+strconv.Itoa(s.line), []byte(s.code), models.Provisioning()); err != nil {
			t.Errorf("%v", err)
		}
		if _, err := mock.New(context.Background(), mock.Options{Fixtures: []byte(s.code)}); err != nil {
			t.Errorf("README.md:%d: a mock does not start with it: %v", s.line, err)
		}
	}
}

// TestReadmeGoVersionIsGoMods checks that the Go version the README asks for is go.mod's.
func TestReadmeGoVersionIsGoMods(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile(`Go (\d+\.\d+(?:\.\d+)?)`).FindAllStringSubmatch(string(data), -1)
	if len(named) == 0 {
		t.Fatal("the README names no Go version")
	}
	want := goModVersion(t)
	for _, m := range named {
		if m[1] != want {
			t.Errorf("the README names Go %s; go.mod says %s", m[1], want)
		}
	}
}

// goModVersion is the go directive of go.mod.
func goModVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(data)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}
