package mock_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/mock"
)

// TestControlWritesRefreshEveryCachedAnswer: what the control API puts back (a reset, a
// snapshot restored, fixtures replaced) shows in the very next read of every type, however
// well cached the answer was.
func TestControlWritesRefreshEveryCachedAnswer(t *testing.T) {
	for _, op := range []struct {
		name    string
		prepare func(t *testing.T, base string) string // before the changes: what undo needs
		undo    func(t *testing.T, base, prepared string)
	}{
		{"reset",
			func(*testing.T, string) string { return "" },
			func(t *testing.T, base, _ string) { control(t, base, "/_mock/reset", "") }},
		{"snapshot restored",
			func(t *testing.T, base string) string {
				control(t, base, "/_mock/snapshots", `{"name":"before"}`)
				return ""
			},
			func(t *testing.T, base, _ string) { control(t, base, "/_mock/snapshots/before/restore", "") }},
		{"fixtures replaced", export,
			func(t *testing.T, base, fixtures string) { control(t, base, "/_mock/fixtures?replace=true", fixtures) }},
	} {
		t.Run(op.name, func(t *testing.T) {
			srv := mock.NewTestServer(t, mock.Options{})
			tok, _ := srv.Token("demo-client-id", "demo-client-secret")
			prepared := op.prepare(t, srv.URL)
			// Changes of three tables, each read twice, so that the answers are cached.
			status, body := do(t, srv.URL, tok, http.MethodPost, "/api/roles", createRole)
			if status != http.StatusCreated {
				t.Fatalf("create: %d %s", status, body)
			}
			role := dataID(t, body)
			if status, _ := do(t, srv.URL, tok, http.MethodDelete, "/api/api_credentials/apcBBStore", ""); status != http.StatusNoContent {
				t.Fatalf("delete: %d", status)
			}
			if status, body := do(t, srv.URL, tok, http.MethodPatch, "/api/user", `{"data":{"type":"users","attributes":{"first_name":"Changed"}}}`); status != http.StatusOK {
				t.Fatalf("update: %d %s", status, body)
			}
			reads := map[string]func(string) bool{
				"/api/roles":           func(b string) bool { return strings.Contains(b, role) },
				"/api/api_credentials": func(b string) bool { return !strings.Contains(b, "apcBBStore") },
				"/api/user":            func(b string) bool { return strings.Contains(b, `"Changed"`) },
			}
			for path, changed := range reads {
				for range 2 {
					if _, b := do(t, srv.URL, tok, http.MethodGet, path, ""); !changed(b) {
						t.Fatalf("%s does not show the change: %s", path, b)
					}
				}
			}
			op.undo(t, srv.URL, prepared)
			for path, changed := range reads {
				if status, b := do(t, srv.URL, tok, http.MethodGet, path, ""); status != http.StatusOK || changed(b) {
					t.Errorf("%s after the %s: %d %s", path, op.name, status, b)
				}
			}
		})
	}
}

// control sends a POST to the control API and wants a 2xx.
func control(t *testing.T, base, path, body string) {
	t.Helper()
	r, err := http.Post(base+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d", path, r.StatusCode)
	}
}

// export is the mock's data as fixtures.
func export(t *testing.T, base string) string {
	t.Helper()
	r, err := http.Get(base + "/_mock/fixtures")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /_mock/fixtures: %d %s", r.StatusCode, b)
	}
	return string(b)
}
