//go:build unix

package e2e_test

import (
	"bytes"
	"context"
	"html"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/mock"
)

// browserNames are the executables tried, in order.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// inCI reports whether the tests run in CI, where a missing browser is a failure.
func inCI() bool {
	v := os.Getenv("CI")
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err != nil || b // CI=true, CI=1, or any non-boolean value such as "yes"
}

func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range browserNames {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := "no headless browser: none of " + strings.Join(browserNames, ", ") + " is on PATH"
	if inCI() {
		t.Fatal(msg + "; CI is set, so this is a failure: install Debian's chromium package (apt-get install -y chromium)")
	}
	t.Skip(msg + "; skipping the browser test (install chromium to run it; with CI set it fails instead)")
	return ""
}

// page is what a browser app does: get a token from the mock, list organizations, read an
// error answer, create a role; it writes what happened into #result and then sets the title.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>pending</title></head>
<body><pre id="result">pending</pre>
<script>
const mock = {{.}};
const lines = [];
async function run() {
  const t = await fetch(mock + "/oauth/token", {
    method: "POST",
    headers: {"Content-Type": "application/json", "Accept": "application/json"},
    body: JSON.stringify({grant_type: "client_credentials", client_id: "demo-client-id", client_secret: "demo-client-secret"}),
  });
  if (!t.ok) throw new Error("token: HTTP " + t.status);
  const token = (await t.json()).access_token;
  const headers = {"Authorization": "Bearer " + token, "Accept": "application/vnd.api+json"};

  const r = await fetch(mock + "/api/organizations?sort=name", {headers});
  if (!r.ok) throw new Error("organizations: HTTP " + r.status);
  const doc = await r.json();
  lines.push("organizations: " + doc.data.map(o => o.attributes.name).join(" | "));

  // An error answer is readable too: it carries the CORS headers.
  const e = await fetch(mock + "/api/roles/nope", {headers});
  lines.push("error: " + e.status + " " + (await e.json()).errors[0].code);

  const c = await fetch(mock + "/api/roles", {
    method: "POST",
    headers: {...headers, "Content-Type": "application/vnd.api+json"},
    body: JSON.stringify({data: {type: "roles", attributes: {name: "From the browser"},
      relationships: {organization: {data: {type: "organizations", id: "orgBlueBrd"}}}}}),
  });
  lines.push("create: " + c.status + " " + (await c.json()).data.attributes.name);
}
run().then(
  () => { document.getElementById("result").textContent = "OK\n" + lines.join("\n"); },
  err => { document.getElementById("result").textContent = "FAILED " + err; },
).finally(() => { document.title = "done"; });
</script></body></html>
`))

// pageServer serves the page on its own origin (another port of 127.0.0.1); mockURL is
// read when the page is asked for, so the mock may start after the page server.
func pageServer(t *testing.T, mockURL *atomic.Value) *httptest.Server {
	return pageServerOf(t, page, mockURL)
}

// pageServerOf serves the page tmpl makes of the mock's URL.
func pageServerOf(t *testing.T, tmpl *template.Template, mockURL *atomic.Value) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := tmpl.Execute(w, mockURL.Load()); err != nil {
			t.Errorf("page: %v", err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

var resultRE = regexp.MustCompile(`(?s)<pre id="result">(.*?)</pre>`)

// loadPage runs headless Chromium on url and returns the text of #result once the page's
// script has finished (or the virtual time budget ran out).
func loadPage(t *testing.T, browser, url string, flags ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
		"--user-data-dir=" + t.TempDir(),
		// Virtual time waits for pending fetches, so the DOM is dumped after the script ran.
		"--virtual-time-budget=30000",
	}, flags...)
	cmd := exec.CommandContext(ctx, browser, append(args, "--dump-dom", url)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// The browser starts helper processes: on a timeout, kill the whole group it leads.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within the time limit; stderr:\n%s", browser, tail(stderr.String()))
	}
	if err != nil {
		t.Fatalf("%s: %v; stderr:\n%s", browser, err, tail(stderr.String()))
	}
	dom := stdout.String()
	m := resultRE.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no #result in the page %s dumped:\n%s\nstderr:\n%s", browser, tail(dom), tail(stderr.String()))
	}
	if !strings.Contains(dom, "<title>done</title>") {
		t.Fatalf("the page's script did not finish; #result is %q; stderr:\n%s", m[1], tail(stderr.String()))
	}
	return html.UnescapeString(m[1])
}

func tail(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return s
}

func TestBrowserAppOnAnotherOriginUsesTheMock(t *testing.T) {
	browser := findBrowser(t)
	for _, c := range []struct {
		name  string
		allow func(pageOrigin string) []string
	}{
		{"any origin by default", func(string) []string { return nil }},
		{"the page's origin allow-listed", func(o string) []string { return []string{"http://other.example", o} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mockURL atomic.Value
			pages := pageServer(t, &mockURL)
			srv := mock.NewTestServer(t, mock.Options{AllowOrigins: c.allow(pages.URL)})
			mockURL.Store(srv.URL)
			if pages.URL == srv.URL {
				t.Fatal("the page and the mock share an origin")
			}

			got := loadPage(t, browser, pages.URL+"/")
			want := "OK\n" +
				"organizations: Green Grocer Co. | The Blue Brand\n" +
				"error: 404 RECORD_NOT_FOUND\n" +
				"create: 201 From the browser"
			if got != want {
				t.Fatalf("the page shows\n%s\nwant\n%s", got, want)
			}

			// The requests really were cross-origin, from the page's origin.
			var seen []string
			for _, e := range srv.Journal() {
				seen = append(seen, e.Method+" "+e.Path)
				if e.Headers["Origin"] != pages.URL {
					t.Errorf("%s %s came with Origin %q, want %q", e.Method, e.Path, e.Headers["Origin"], pages.URL)
				}
			}
			// Each request after its preflight: preflights are journaled too.
			wantSeen := []string{"POST /api/roles", "OPTIONS /api/roles", "GET /api/roles/nope", "OPTIONS /api/roles/nope",
				"GET /api/organizations", "OPTIONS /api/organizations", "POST /oauth/token", "OPTIONS /oauth/token"}
			if strings.Join(seen, ", ") != strings.Join(wantSeen, ", ") {
				t.Errorf("the mock received %v, want %v (newest first)", seen, wantSeen)
			}
		})
	}
}

func TestBrowserAppOnAnOriginNotAllowedIsBlocked(t *testing.T) {
	browser := findBrowser(t)
	var mockURL atomic.Value
	pages := pageServer(t, &mockURL)
	srv := mock.NewTestServer(t, mock.Options{AllowOrigins: []string{"http://allowed.example"}})
	mockURL.Store(srv.URL)

	got := loadPage(t, browser, pages.URL+"/")
	if !strings.HasPrefix(got, "FAILED TypeError") || !strings.Contains(got, "Failed to fetch") {
		t.Fatalf("the page shows %q, want the fetch blocked by CORS (FAILED TypeError: Failed to fetch)", got)
	}
	// The browser's preflight was refused, so the token request itself was never sent;
	// the preflight is journaled, so that the blocked request leaves a trace.
	j := srv.Journal()
	if len(j) != 1 || j[0].Method != "OPTIONS" || j[0].Path != "/oauth/token" || j[0].Headers["Origin"] != pages.URL {
		t.Errorf("the mock received %+v, want the token request's preflight alone", j)
	}
}
