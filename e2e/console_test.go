//go:build unix

package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/commercelayer-mock/provmock/mock"
)

// screenshotDir is where TestConsole leaves pictures of the console's pages for a reviewer
// (the README names it; git ignores it).
const screenshotDir = "screenshots"

// browserSession is a headless Chromium driven over the DevTools protocol, collecting
// every console error and uncaught exception of the pages it loads.
type browserSession struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowserSession(t *testing.T, browser string) *browserSession {
	t.Helper()
	// Not t.TempDir: the browser's helper processes may still write to it as the test
	// ends, which would fail the test in its cleanup.
	profile, err := os.MkdirTemp("", "provmock-console-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(profile),
		chromedp.WindowSize(1366, 860)) // a laptop's screen
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	s := &browserSession{ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value))
				}
				msg = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
			}
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError {
				msg = "log: " + ev.Entry.Text + " " + ev.Entry.URL
			}
		}
		if msg != "" {
			s.mu.Lock()
			s.errors = append(s.errors, msg)
			s.mu.Unlock()
		}
	})
	if err := chromedp.Run(ctx, log.Enable()); err != nil {
		t.Fatalf("starting %s: %v", browser, err)
	}
	return s
}

func (s *browserSession) run(t *testing.T, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(s.ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// open loads a console page and waits until its script has filled it.
func (s *browserSession) open(t *testing.T, url string) {
	t.Helper()
	var ready string
	s.run(t, "opening "+url, chromedp.Navigate(url), chromedp.WaitReady("body"),
		chromedp.Poll(`document.body.dataset.ready || (document.querySelector("h1") && !document.body.dataset.page && "true")`, &ready))
	if ready != "true" {
		var status string
		s.run(t, "reading the status", chromedp.Text("#status", &status, chromedp.ByQuery))
		t.Fatalf("%s did not load: %s", url, status)
	}
}

// screenshot writes what the browser shows to screenshotDir.
func (s *browserSession) screenshot(t *testing.T, name string) {
	t.Helper()
	var png []byte
	s.run(t, "screenshot "+name, chromedp.FullScreenshot(&png, 100))
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (s *browserSession) noErrors(t *testing.T, page string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.errors {
		t.Errorf("%s: %s", page, e)
	}
	s.errors = nil
}

// apiGet calls the API as the demo owner, as curl would, and returns the status and body.
func apiGet(t *testing.T, srv *mock.Server, path string) (int, string) {
	t.Helper()
	tok, err := srv.Token("demo-client-id", "demo-client-secret")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/vnd.api+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// roleNames lists the names of the roles the demo owner sees.
func roleNames(t *testing.T, srv *mock.Server) []string {
	t.Helper()
	status, body := apiGet(t, srv, "/api/roles?page[size]=25")
	if status != http.StatusOK {
		t.Fatalf("GET /api/roles: %d %s", status, body)
	}
	var doc struct {
		Data []struct {
			Attributes struct {
				Name string `json:"name"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range doc.Data {
		out = append(out, d.Attributes.Name)
	}
	return out
}

func TestConsole(t *testing.T) {
	browser := findBrowser(t)
	srv := mock.NewTestServer(t, mock.Options{})
	b := newBrowserSession(t, browser)

	// The landing page.
	b.open(t, srv.URL+"/")
	var text string
	b.run(t, "landing", chromedp.Text("main", &text, chromedp.ByQuery))
	for _, want := range []string{srv.URL + "/api", srv.URL + "/oauth/token", "demo-client-secret", "Console"} {
		if !strings.Contains(text, want) {
			t.Errorf("the landing page lacks %q:\n%s", want, text)
		}
	}
	b.screenshot(t, "landing")
	b.noErrors(t, "landing page")

	// The data as the demo owner: each type's count as the API gives it.
	b.open(t, srv.URL+"/console")
	b.run(t, "counts", chromedp.Text(`tr[data-type="roles"] .count`, &text, chromedp.ByQuery))
	if want := fmt.Sprint(len(roleNames(t, srv))); text != want {
		t.Errorf("the console counts %s roles, the API %s", text, want)
	}
	b.screenshot(t, "data")
	b.noErrors(t, "data")

	// A table, filtered with filter[q].
	b.open(t, srv.URL+"/console/resources/roles?q=name_eq%3Dadmin")
	var rows []string
	b.run(t, "roles table", chromedp.Evaluate(`[...document.querySelectorAll("table.records tbody tr")].map(r => r.cells[1].textContent)`, &rows))
	if len(rows) == 0 || slices.ContainsFunc(rows, func(n string) bool { return n != "admin" }) {
		t.Errorf("roles filtered by name_eq=admin show %v", rows)
	}
	b.screenshot(t, "table")
	b.noErrors(t, "roles table")

	// A record, and its relationship followed as a link.
	b.open(t, srv.URL+"/console/resources/roles/rolBBAdmin")
	b.run(t, "follow the organization", chromedp.Click(`.rels a[href="/console/resources/organizations/orgBlueBrd"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`body[data-ready="true"] .attrs td`, chromedp.ByQuery), chromedp.Text("h1", &text, chromedp.ByQuery))
	if text != "organizations orgBlueBrd" {
		t.Errorf("the organization link led to %q", text)
	}
	b.run(t, "the document", chromedp.Text(".doc", &text, chromedp.ByQuery))
	if !strings.Contains(text, `"name": "The Blue Brand"`) {
		t.Errorf("the organization's document: %s", text)
	}
	b.screenshot(t, "record")
	b.noErrors(t, "record")

	// Control: a snapshot saved, a reset, the snapshot restored, a fault added, each
	// through the console and seen through the API.
	createRole(t, srv.Mock, srv.URL, "Made before the snapshot")
	b.open(t, srv.URL+"/console/control")
	b.run(t, "save a snapshot", chromedp.SetValue(`#snapshot-save input[name="name"]`, "with-role", chromedp.ByQuery),
		chromedp.Click(`#snapshot-save button`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[data-restore="with-role"]`, chromedp.ByQuery))
	b.run(t, "reset", chromedp.Click("#reset", chromedp.ByQuery), chromedp.Poll(`document.querySelector("#status").textContent === "Reset to the fixtures"`, nil))
	if slices.Contains(roleNames(t, srv), "Made before the snapshot") {
		t.Error("the role survived the console's reset")
	}
	b.run(t, "restore", chromedp.Click(`button[data-restore="with-role"]`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector("#status").textContent === "Restored with-role"`, nil))
	if !slices.Contains(roleNames(t, srv), "Made before the snapshot") {
		t.Error("the console's snapshot restore did not bring the role back")
	}
	b.run(t, "add a fault", chromedp.SetValue(`#fault-add input[name="path"]`, "/api/roles", chromedp.ByQuery),
		chromedp.SetValue(`#fault-add input[name="status"]`, "503", chromedp.ByQuery),
		chromedp.Click(`#fault-add button`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[data-remove="fault-1"]`, chromedp.ByQuery))
	if status, body := apiGet(t, srv, "/api/roles"); status != http.StatusServiceUnavailable {
		t.Errorf("after the console added a fault, GET /api/roles answered %d %s", status, body)
	}
	b.screenshot(t, "control")
	b.noErrors(t, "control")

	// The journal: a request made outside the browser appears without a reload.
	b.open(t, srv.URL+"/console/journal")
	b.run(t, "mark the page", chromedp.Evaluate(`window.notReloaded = true`, nil))
	if status, _ := apiGet(t, srv, "/api/organizations?filter[q][name_cont]=journal-marker"); status != http.StatusOK {
		t.Fatalf("the marker request answered %d", status)
	}
	var stayed bool
	b.run(t, "the marker in the journal",
		chromedp.Poll(`[...document.querySelectorAll("#journal .path")].some(p => p.textContent.includes("journal-marker"))`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(`window.notReloaded === true`, &stayed),
		chromedp.Click(`#journal li:first-child summary`, chromedp.ByQuery),
		chromedp.Text(`#journal li:first-child details`, &text, chromedp.ByQuery))
	if !stayed {
		t.Error("the journal page reloaded")
	}
	if !strings.Contains(text, "200") || !strings.Contains(text, `"The Blue Brand"`) && !strings.Contains(text, `"data": []`) {
		t.Errorf("the marker's entry: %s", text)
	}
	var faulted bool
	b.run(t, "the faulted entry", chromedp.Evaluate(`[...document.querySelectorAll("#journal .fault")].some(f => f.textContent === "fault fault-1")`, &faulted))
	if !faulted {
		t.Error("the journal does not show the request the fault answered")
	}
	b.screenshot(t, "journal")
	b.noErrors(t, "journal")
}
