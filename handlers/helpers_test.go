package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// testBase is the base URL of links in tests: the real service's, as --base-url can set it.
const testBase = "https://provisioning.commercelayer.io"

// testServer is the real router over a real (in-memory) SQLite store loaded with the demo data.
type testServer struct {
	*echo.Echo
	st     *store.Store
	tokens *auth.Issuer
	actor  string // the user requests act as by default: the dataset's first user
	// cacheUsage reads the response cache's accounting: bytes and entries.
	cacheUsage func() (int64, int)
}

// Users of the demo dataset.
const (
	demoOwner  = "usrDemoOwn" // owner of both demo organizations
	demoViewer = "usrViewer1" // read_only member of The Blue Brand, no member of Green Grocer
)

// tokenFor returns a valid access token of the user.
func (s *testServer) tokenFor(tb testing.TB, userID string) string {
	tb.Helper()
	tok, err := s.tokens.Issue(userID, "test-client")
	if err != nil {
		tb.Fatal(err)
	}
	return tok.AccessToken
}

// mustServer returns a fresh server with the demo dataset, a clock that starts at
// 2025-01-01T00:00:00Z and ticks one second per reading, and ids test000001, test000002, ...
func mustServer(tb testing.TB) *testServer {
	tb.Helper()
	return mustServerWith(tb, fixtures.Demo(), handlers.Config{BaseURL: testBase})
}

// mustLoadedStore opens an in-memory store of every family's types whose clock starts at
// start and ticks a second a reading, loads the dataset into it, and closes it when the
// test ends. newID, when set, makes the ids of new records.
func mustLoadedStore(tb testing.TB, dataset []byte, start time.Time, newID func() string) (*store.Store, *fixtures.Dataset) {
	tb.Helper()
	reg := models.All()
	var tick atomic.Int64
	st, err := store.Open(store.Memory, reg, store.Options{
		Now:   func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Second) },
		NewID: newID,
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	ds, err := fixtures.Parse("dataset", dataset, reg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := ds.Load(context.Background(), st); err != nil {
		tb.Fatal(err)
	}
	return st, ds
}

func mustServerWith(tb testing.TB, dataset []byte, cfg handlers.Config) *testServer {
	tb.Helper()
	var ids atomic.Int64
	st, ds := mustLoadedStore(tb, dataset, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		func() string { return fmt.Sprintf("test%06d", ids.Add(1)) })
	if cfg.Tokens == nil {
		cfg.Tokens = auth.NewIssuer(auth.Options{Key: testTokenKey()})
	}
	e, cacheUsage := handlers.NewServerForTest(st, cfg)
	srv := &testServer{Echo: e, st: st, tokens: cfg.Tokens, cacheUsage: cacheUsage}
	if users := ds.IDs("users"); len(users) > 0 {
		srv.actor = users[0]
	}
	return srv
}

// request describes one request; JSON:API headers are added unless set.
type request struct {
	method  string
	path    string
	body    string
	headers map[string]string
}

// do sends the request through the router and returns the recorded response. It acts as
// the dataset's first user (the demo owner in the demo dataset) unless headers set
// Authorization ("" sends none).
func (s *testServer) do(tb testing.TB, r request) *httptest.ResponseRecorder {
	tb.Helper()
	if _, given := r.headers["Authorization"]; s.actor != "" && !given {
		r.headers = maps.Clone(r.headers)
		if r.headers == nil {
			r.headers = map[string]string{}
		}
		r.headers["Authorization"] = "Bearer " + s.tokenFor(tb, s.actor)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, newRequest(r))
	return rec
}

// newRequest makes the HTTP request r describes, with the JSON:API headers unless r sets
// them ("" removes one).
func newRequest(r request) *http.Request {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	if r.method == "" {
		r.method = http.MethodGet
	}
	req := httptest.NewRequest(r.method, r.path, body)
	req.Header.Set("Accept", handlers.MediaType)
	if r.body != "" {
		req.Header.Set("Content-Type", handlers.MediaType)
	}
	for k, v := range r.headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	return req
}

func (s *testServer) get(tb testing.TB, path string) *httptest.ResponseRecorder {
	tb.Helper()
	return s.do(tb, request{path: path})
}

// mustStatus fails the test unless the response has the status.
func mustStatus(tb testing.TB, rec *httptest.ResponseRecorder, want int) {
	tb.Helper()
	if rec.Code != want {
		tb.Fatalf("status = %d, want %d; body: %s", rec.Code, want, rec.Body.String())
	}
}

// decode unmarshals a response body into a generic document.
func decode(tb testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	tb.Helper()
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		tb.Fatalf("body is not JSON: %v; body: %s", err, rec.Body.String())
	}
	return doc
}

// ids returns the ids of a list document's data, in order.
func ids(tb testing.TB, rec *httptest.ResponseRecorder) []string {
	tb.Helper()
	doc := decode(tb, rec)
	data, ok := doc["data"].([]any)
	if !ok {
		tb.Fatalf("data is not a list: %s", rec.Body.String())
	}
	out := make([]string, len(data))
	for i, d := range data {
		out[i] = d.(map[string]any)["id"].(string)
	}
	return out
}

// dump returns every table's rows, to check that a refused request changed nothing.
func (s *testServer) dump(tb testing.TB) map[string][]store.Record {
	tb.Helper()
	out := map[string][]store.Record{}
	for _, def := range s.st.Registry().All() {
		recs, _, err := s.st.List(context.Background(), def, store.ListQuery{})
		if err != nil {
			tb.Fatal(err)
		}
		out[def.Type] = recs
	}
	return out
}
