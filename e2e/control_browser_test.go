//go:build unix

package e2e_test

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/commercelayer-mock/provmock/mock"
)

// attackPage is what a hostile page does to a mock on another origin: read the journal,
// reset the data and replace the fixtures, with the "simple" requests a browser sends
// without a preflight. It reports whether it could read each answer.
var attackPage = template.Must(template.New("attack").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>pending</title></head>
<body><pre id="result">pending</pre>
<script>
const mock = {{.}};
const lines = [];
async function attempt(name, url, init) {
  try {
    const r = await fetch(url, init);
    lines.push(name + ": " + (r.type === "opaque" ? "sent, answer unreadable" : r.status + " " + await r.text()));
  } catch (err) {
    lines.push(name + ": " + err.name);
  }
}
async function run() {
  await attempt("journal", mock + "/_mock/requests");
  await attempt("reset", mock + "/_mock/reset", {method: "POST"});
  await attempt("replace", mock + "/_mock/fixtures?replace=true",
    {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: "users: []"});
}
run().finally(() => { document.getElementById("result").textContent = lines.join("\n"); document.title = "done"; });
</script></body></html>
`))

// controlCalls records the status of every control API call a handler answers.
type controlCalls struct {
	mu    sync.Mutex
	calls []string
}

func (cc *controlCalls) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if strings.HasPrefix(r.URL.Path, "/_mock") {
			cc.mu.Lock()
			cc.calls = append(cc.calls, r.Method+" "+r.URL.Path+" "+http.StatusText(rec.status))
			cc.mu.Unlock()
		}
	})
}

func (cc *controlCalls) list() []string {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return append([]string(nil), cc.calls...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// startMock serves a mock on a loopback port through h, which gets the mock's handler.
func startMock(t *testing.T, opts mock.Options, h func(http.Handler) http.Handler) (*mock.Mock, *httptest.Server) {
	t.Helper()
	m, err := mock.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h(m.Handler()))
	t.Cleanup(func() { srv.Close(); _ = m.Close() })
	return m, srv
}

// createRole adds a role through the API and returns its URL.
// createRole creates a role named name in The Blue Brand through the API and returns its URL.
func createRole(t *testing.T, m *mock.Mock, base, name string) string {
	t.Helper()
	tok, err := m.Token(context.Background(), "demo-client-id", "demo-client-secret")
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"data":{"type":"roles","attributes":{"name":%q},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`, name)
	r, _ := http.NewRequest(http.MethodPost, base+"/api/roles", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("Content-Type", "application/vnd.api+json")
	r.Header.Set("Accept", "application/vnd.api+json")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create role: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// roleExists reports whether the role at url is still there.
func roleExists(t *testing.T, m *mock.Mock, url string) bool {
	t.Helper()
	tok, err := m.Token(context.Background(), "demo-client-id", "demo-client-secret")
	if err != nil {
		return false // the users are gone: the fixtures were replaced
	}
	r, _ := http.NewRequest(http.MethodGet, url, nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("Accept", "application/vnd.api+json")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func TestPageOnAnotherOriginCannotDriveTheControlAPI(t *testing.T) {
	browser := findBrowser(t)
	for _, c := range []struct {
		name  string
		allow func(pageOrigin string) []string
	}{
		{"any origin by default", func(string) []string { return nil }},
		// --allow-origins is for the API: it does not open the control API to the page.
		{"the page's origin allow-listed", func(o string) []string { return []string{o} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mockURL atomic.Value
			pages := pageServerOf(t, attackPage, &mockURL)
			var calls controlCalls
			m, srv := startMock(t, mock.Options{AllowOrigins: c.allow(pages.URL)}, calls.wrap)
			mockURL.Store(srv.URL)
			role := createRole(t, m, srv.URL, "Kept")

			got := loadPage(t, browser, pages.URL+"/")
			want := "journal: TypeError\nreset: TypeError\nreplace: sent, answer unreadable"
			if got != want {
				t.Errorf("the page shows\n%s\nwant\n%s", got, want)
			}
			// The browser did send the writes (no preflight stopped them): the mock refused them.
			wantCalls := []string{"GET /_mock/requests Forbidden", "POST /_mock/reset Forbidden", "POST /_mock/fixtures Forbidden"}
			if got := calls.list(); strings.Join(got, ", ") != strings.Join(wantCalls, ", ") {
				t.Errorf("the mock answered %v, want %v", got, wantCalls)
			}
			if !roleExists(t, m, role) {
				t.Error("the page reset or replaced the mock's data")
			}
		})
	}
}

// consolePage calls the control API on its own origin, as a page the mock serves would.
var consolePage = template.Must(template.New("console").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>pending</title></head>
<body><pre id="result">pending</pre>
<script>
async function run() {
  const r = await fetch("/_mock/reset", {method: "POST"});
  return r.status + " " + (await r.json()).error;
}
run().then(t => { document.getElementById("result").textContent = t; },
  err => { document.getElementById("result").textContent = "FAILED " + err; })
  .finally(() => { document.title = "done"; });
</script></body></html>
`))

func TestDNSRebindingCannotReachTheControlAPI(t *testing.T) {
	browser := findBrowser(t)
	// The page is served by the mock's own port, as after a rebinding: the page's origin and
	// the Host the browser sends agree, so only the Host check can tell.
	withPage := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/console" {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_ = consolePage.Execute(w, nil)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	m, srv := startMock(t, mock.Options{}, withPage)
	role := createRole(t, m, srv.URL, "Kept")
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]

	got := loadPage(t, browser, "http://rebound.test:"+port+"/console", "--host-resolver-rules=MAP rebound.test 127.0.0.1")
	want := "403 the control API answers requests to a loopback host, an IP address, the listen address " +
		"or a host named by --allow-hosts, not to rebound.test:" + port
	if got != want {
		t.Errorf("the rebound page shows\n%s\nwant\n%s", got, want)
	}
	if !roleExists(t, m, role) {
		t.Fatal("the rebound page reset the mock")
	}

	// The same page on the mock's own address (a console it serves) drives the control API.
	got = loadPage(t, browser, srv.URL+"/console")
	if got != "200 undefined" {
		t.Errorf("the page on the mock's address shows %q, want the reset's 200", got)
	}
	if roleExists(t, m, role) {
		t.Error("the page on the mock's address did not reset the mock")
	}
}
