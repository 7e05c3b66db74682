package control_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/mock"
)

// env is a mock driven in-process through its handler, with a token of the demo owner.
type env struct {
	m     *mock.Mock
	token string
}

// testTokenKey signs the tests' tokens: a key is costly to make, so the mocks share one.
var testTokenKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newEnv(tb testing.TB, opts mock.Options) *env {
	tb.Helper()
	ctx := context.Background()
	if opts.TokenKey == nil {
		opts.TokenKey = testTokenKey()
	}
	m, err := mock.New(ctx, opts)
	if err != nil {
		tb.Fatalf("mock.New: %v", err)
	}
	tb.Cleanup(func() { _ = m.Close() })
	e := &env{m: m}
	if opts.Fixtures == nil { // the demo data
		tok, err := m.Token(ctx, "demo-client-id", "demo-client-secret")
		if err != nil {
			tb.Fatalf("token: %v", err)
		}
		e.token = tok
	}
	return e
}

// req is one request; headers are pairs of name and value.
type req struct {
	method, path, body string
	headers            []string
}

func (e *env) serve(tb testing.TB, r req) *httptest.ResponseRecorder {
	tb.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	// Where a mock on the default address is reached (httptest's own default, example.com,
	// is a host the control API refuses); a "Host" pair in headers sets another.
	hr.Host = "127.0.0.1:8080"
	for i := 0; i+1 < len(r.headers); i += 2 {
		if r.headers[i] == "Host" {
			hr.Host = r.headers[i+1]
			continue
		}
		hr.Header.Set(r.headers[i], r.headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.m.Handler().ServeHTTP(rec, hr)
	return rec
}

// api calls the emulated API as the demo owner, as a JSON:API client would.
func (e *env) api(tb testing.TB, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	h := []string{"Authorization", "Bearer " + e.token, "Accept", "application/vnd.api+json"}
	if body != "" {
		h = append(h, "Content-Type", "application/vnd.api+json")
	}
	return e.serve(tb, req{method, path, body, append(h, headers...)})
}

// ctl calls the control API.
func (e *env) ctl(tb testing.TB, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	h := []string{"Accept", "application/json"}
	if body != "" {
		h = append(h, "Content-Type", "application/json")
	}
	return e.serve(tb, req{method, "/_mock" + path, body, append(h, headers...)})
}

func mustStatus(tb testing.TB, rec *httptest.ResponseRecorder, want int) {
	tb.Helper()
	if rec.Code != want {
		tb.Fatalf("status %d, want %d; body: %s", rec.Code, want, rec.Body.String())
	}
}

func decodeInto(tb testing.TB, rec *httptest.ResponseRecorder, v any) {
	tb.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		tb.Fatalf("decoding %q: %v", rec.Body.String(), err)
	}
}

// apiError is the first error object of an API error document.
func apiError(tb testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	tb.Helper()
	var doc struct {
		Errors []map[string]any `json:"errors"`
	}
	decodeInto(tb, rec, &doc)
	if len(doc.Errors) == 0 {
		tb.Fatalf("no errors in %s", rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/vnd.api+json" {
		tb.Errorf("error Content-Type %q", ct)
	}
	return doc.Errors[0]
}

// controlError is the control API's error message.
func controlError(tb testing.TB, rec *httptest.ResponseRecorder) string {
	tb.Helper()
	var p struct {
		Error string `json:"error"`
	}
	decodeInto(tb, rec, &p)
	if p.Error == "" {
		tb.Fatalf("no error message in %s", rec.Body.String())
	}
	return p.Error
}

// ids lists the ids of a list document.
func ids(tb testing.TB, rec *httptest.ResponseRecorder) []string {
	tb.Helper()
	var doc struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	decodeInto(tb, rec, &doc)
	out := make([]string, len(doc.Data))
	for i, d := range doc.Data {
		out[i] = d.ID
	}
	return out
}

// roleIDs lists the roles the demo owner sees.
func (e *env) roleIDs(tb testing.TB) []string {
	tb.Helper()
	rec := e.api(tb, http.MethodGet, "/api/roles?page[size]=25", "")
	mustStatus(tb, rec, http.StatusOK)
	return ids(tb, rec)
}

// createRole adds a role to The Blue Brand and returns its id.
func (e *env) createRole(tb testing.TB, name string) string {
	tb.Helper()
	rec := e.api(tb, http.MethodPost, "/api/roles", `{"data":{"type":"roles","attributes":{"name":"`+name+`"},
		"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`)
	mustStatus(tb, rec, http.StatusCreated)
	var doc struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	decodeInto(tb, rec, &doc)
	return doc.Data.ID
}

// entries reads the journal through the control API.
func (e *env) entries(tb testing.TB, query string) []journalEntry {
	tb.Helper()
	rec := e.ctl(tb, http.MethodGet, "/requests"+query, "")
	mustStatus(tb, rec, http.StatusOK)
	var out []journalEntry
	decodeInto(tb, rec, &out)
	return out
}

type journalEntry struct {
	ID      int64             `json:"id"`
	Time    string            `json:"time"`
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   string            `json:"query"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	// BodyTruncated and HeadersTruncated mark what was cut.
	BodyTruncated    bool    `json:"body_truncated"`
	HeadersTruncated bool    `json:"headers_truncated"`
	Status           int     `json:"status"`
	DurationMS       float64 `json:"duration_ms"`
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// draws returns a Rand that yields the values in turn, then fails the test.
func draws(tb testing.TB, values ...float64) func() float64 {
	var mu sync.Mutex
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		if len(values) == 0 {
			tb.Error("more random draws than expected")
			return 0
		}
		v := values[0]
		values = values[1:]
		return v
	}
}

type testingRecorder = httptest.ResponseRecorder

// post sends a JSON body over a real connection and checks the status.
func post(tb testing.TB, url, body string, want int) {
	tb.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(resp.Body)
		tb.Fatalf("POST %s: %d, want %d: %s", url, resp.StatusCode, want, b)
	}
}
