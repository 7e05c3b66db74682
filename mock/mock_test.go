package mock_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/mock"
)

const createRole = `{"data":{"type":"roles","attributes":{"name":"Temporary"},
	"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`

// do sends one API request over a real connection and returns the status and body.
func do(tb testing.TB, base, token, method, path, body string) (int, string) {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	r.Header.Set("Accept", "application/vnd.api+json")
	if body != "" {
		r.Header.Set("Content-Type", "application/vnd.api+json")
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func dataID(tb testing.TB, body string) string {
	tb.Helper()
	var doc struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Data.ID == "" {
		tb.Fatalf("no id in %s (%v)", body, err)
	}
	return doc.Data.ID
}

func TestNewTestServerServesTheDemoDataAndStopsWithTheTest(t *testing.T) {
	var url string
	t.Run("inner", func(t *testing.T) {
		srv := mock.NewTestServer(t, mock.Options{})
		url = srv.URL
		tok, err := srv.Token("demo-client-id", "demo-client-secret")
		if err != nil {
			t.Fatal(err)
		}
		status, body := do(t, srv.URL, tok, http.MethodGet, "/api/user", "")
		if status != http.StatusOK || !strings.Contains(body, `"demo@example.com"`) {
			t.Errorf("GET /api/user: %d %s", status, body)
		}
		status, body = do(t, srv.URL, tok, http.MethodGet, "/api/organizations", "")
		if status != http.StatusOK || !strings.Contains(body, "The Blue Brand") || !strings.Contains(body, "Green Grocer Co.") {
			t.Errorf("GET /api/organizations: %d %s", status, body)
		}
		if status, _ := do(t, srv.URL, "", http.MethodGet, "/healthz", ""); status != http.StatusOK {
			t.Errorf("healthz: %d", status)
		}
		if !strings.Contains(srv.String(), srv.URL) {
			t.Errorf("String() = %q", srv.String())
		}
	})
	// The test's cleanup closed the server.
	client := &http.Client{Timeout: 5 * time.Second}
	if resp, err := client.Get(url + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("the server still answers after its test ended: %d", resp.StatusCode)
	}
}

func TestTestServersAreIndependent(t *testing.T) {
	a := mock.NewTestServer(t, mock.Options{})
	b := mock.NewTestServer(t, mock.Options{})
	ta, _ := a.Token("demo-client-id", "demo-client-secret")
	tb, _ := b.Token("demo-client-id", "demo-client-secret")
	status, body := do(t, a.URL, ta, http.MethodPost, "/api/roles", createRole)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	id := dataID(t, body)
	if status, _ := do(t, b.URL, tb, http.MethodGet, "/api/roles/"+id, ""); status != http.StatusNotFound {
		t.Errorf("a role created in one mock is seen by another: %d", status)
	}
	// Tokens are signed with a key of each mock's own.
	if status, _ := do(t, b.URL, ta, http.MethodGet, "/api/user", ""); status != http.StatusUnauthorized {
		t.Errorf("a token of another mock was accepted: %d", status)
	}
}

func TestHandlerServesInProcess(t *testing.T) {
	ctx := context.Background()
	m, err := mock.New(ctx, mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := m.Token(ctx, "viewer-client-id", "viewer-client-secret")
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler()
	serve := func(method, path, token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		r.Host = "127.0.0.1:8080" // httptest's example.com is a host the control API refuses
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	if rec := serve(http.MethodGet, "/healthz", ""); rec.Code != http.StatusOK {
		t.Errorf("healthz: %d", rec.Code)
	}
	rec := serve(http.MethodGet, "/api/user", tok)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "viewer@example.com") {
		t.Errorf("GET /api/user as the viewer: %d %s", rec.Code, rec.Body.String())
	}
	if rec := serve(http.MethodGet, "/api/user", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("without a token: %d", rec.Code)
	}
	if rec := serve(http.MethodGet, "/_mock/requests", ""); rec.Code != http.StatusOK {
		t.Errorf("the control API: %d", rec.Code)
	}
	if j := m.Journal(); len(j) != 3 || j[0].Path != "/api/user" || j[0].Status != http.StatusUnauthorized {
		t.Errorf("journal %+v", j)
	}
	if m.Loaded["organizations"] != 2 || m.Loaded["users"] != 3 {
		t.Errorf("Loaded: %v", m.Loaded)
	}
	users, err := m.Users(ctx)
	if err != nil || len(users) != 3 {
		t.Errorf("Users: %v %v", users, err)
	}
}

func TestResetGoesBackToTheFixtures(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{})
	tok, _ := srv.Token("demo-client-id", "demo-client-secret")
	status, body := do(t, srv.URL, tok, http.MethodPost, "/api/roles", createRole)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	id := dataID(t, body)
	if status, _ := do(t, srv.URL, tok, http.MethodDelete, "/api/api_credentials/apcBBStore", ""); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	if err := srv.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	if status, _ := do(t, srv.URL, tok, http.MethodGet, "/api/roles/"+id, ""); status != http.StatusNotFound {
		t.Errorf("created role after Reset: %d", status)
	}
	if status, _ := do(t, srv.URL, tok, http.MethodGet, "/api/api_credentials/apcBBStore", ""); status != http.StatusOK {
		t.Errorf("deleted credential after Reset: %d", status)
	}
}

func TestToken(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{})
	for _, c := range []struct{ id, secret string }{
		{"demo-client-id", "wrong"}, {"nobody", "demo-client-secret"}, {"", ""},
	} {
		if tok, err := srv.Token(c.id, c.secret); err == nil {
			t.Errorf("Token(%q, %q) = %q, want an error", c.id, c.secret, tok)
		}
	}
	tok, err := srv.Token("viewer-client-id", "viewer-client-secret")
	if err != nil {
		t.Fatal(err)
	}
	// The token acts for its user: the viewer is read-only in The Blue Brand.
	if status, body := do(t, srv.URL, tok, http.MethodGet, "/api/user", ""); status != http.StatusOK || !strings.Contains(body, "viewer@example.com") {
		t.Errorf("GET /api/user: %d %s", status, body)
	}
	if status, _ := do(t, srv.URL, tok, http.MethodPost, "/api/roles", createRole); status != http.StatusUnauthorized {
		t.Errorf("a read-only member's create: %d", status)
	}
}

func TestOptions(t *testing.T) {
	t.Run("own fixtures", func(t *testing.T) {
		srv := mock.NewTestServer(t, mock.Options{Fixtures: []byte(`users:
  - {id: usrOnly001, email: only@example.com, client_id: only-id, client_secret: only-secret}
`)})
		if _, err := srv.Token("demo-client-id", "demo-client-secret"); err == nil {
			t.Error("demo user present with other fixtures")
		}
		tok, err := srv.Token("only-id", "only-secret")
		if err != nil {
			t.Fatal(err)
		}
		if status, body := do(t, srv.URL, tok, http.MethodGet, "/api/organizations", ""); status != http.StatusOK || !strings.Contains(body, `"data":[]`) {
			t.Errorf("organizations: %d %s", status, body)
		}
	})
	t.Run("no fixtures", func(t *testing.T) {
		m, err := mock.New(context.Background(), mock.Options{Fixtures: mock.NoFixtures})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		if users, err := m.Users(context.Background()); err != nil || len(users) != 0 {
			t.Errorf("users: %v %v", users, err)
		}
	})
	t.Run("bad fixtures name the file and line", func(t *testing.T) {
		_, err := mock.New(context.Background(), mock.Options{Fixtures: []byte("users:\n  - id: u1\n    shoe_size: 9\n"), FixturesName: "team.yaml"})
		if err == nil || !strings.HasPrefix(err.Error(), "team.yaml:3: ") {
			t.Errorf("error %v, want it to start with team.yaml:3:", err)
		}
	})
	t.Run("clock", func(t *testing.T) {
		at := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
		srv := mock.NewTestServer(t, mock.Options{Now: func() time.Time { return at }})
		tok, _ := srv.Token("demo-client-id", "demo-client-secret")
		status, body := do(t, srv.URL, tok, http.MethodPost, "/api/roles", createRole)
		if status != http.StatusCreated || !strings.Contains(body, `"created_at":"2031-05-06T07:08:09.000Z"`) {
			t.Errorf("create with a fixed clock: %d %s", status, body)
		}
		if j := srv.Journal(); len(j) != 1 || j[0].Time != "2031-05-06T07:08:09Z" {
			t.Errorf("journal %+v", j)
		}
	})
	t.Run("admin token", func(t *testing.T) {
		srv := mock.NewTestServer(t, mock.Options{AdminToken: "adm"})
		if status, _ := do(t, srv.URL, "", http.MethodPost, "/_mock/reset", ""); status != http.StatusUnauthorized {
			t.Errorf("reset without the admin token: %d", status)
		}
		if status, _ := do(t, srv.URL, "adm", http.MethodPost, "/_mock/reset", ""); status != http.StatusOK {
			t.Errorf("reset with the admin token: %d", status)
		}
	})
	t.Run("base URL", func(t *testing.T) {
		srv := mock.NewTestServer(t, mock.Options{BaseURL: "https://provisioning.commercelayer.io"})
		tok, _ := srv.Token("demo-client-id", "demo-client-secret")
		if _, body := do(t, srv.URL, tok, http.MethodGet, "/api/user", ""); !strings.Contains(body, `"https://provisioning.commercelayer.io/api/user`) {
			t.Errorf("links: %s", body)
		}
	})
}
