package mock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/mock"
)

// newMock builds a mock with the demo data, served in process.
func newMock(tb testing.TB, opts mock.Options) *mock.Mock {
	tb.Helper()
	m, err := mock.New(context.Background(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}

// serve sends one request to the mock's handler; headers are name, value pairs.
func serve(tb testing.TB, h http.Handler, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Host = "127.0.0.1:8080" // the control API answers loopback hosts only
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// answer is what a routing miss must answer, whole.
type answer struct {
	status      int
	contentType string
	allow       string // "" asserts there is no Allow header
	body        string // the whole body; "" for none
}

func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, want answer) {
	t.Helper()
	if rec.Code != want.status {
		t.Errorf("status %d, want %d; body %s", rec.Code, want.status, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != want.contentType {
		t.Errorf("Content-Type %q, want %q", got, want.contentType)
	}
	if got := rec.Header().Get("Allow"); got != want.allow {
		t.Errorf("Allow %q, want %q", got, want.allow)
	}
	if got := strings.TrimSpace(rec.Body.String()); got != want.body {
		t.Errorf("body\n%s\nwant\n%s", got, want.body)
	}
}

const (
	jsonAPI   = "application/vnd.api+json"
	plainJSON = "application/json"
	// The Provisioning API's 404, and the token endpoints' rendering of it.
	apiNotFound   = `{"errors":[{"title":"Record not found","detail":"The requested resource was not found. Please double-check the resource id.","code":"RECORD_NOT_FOUND","status":"404"}]}`
	oauthNotFound = `{"errors":[{"title":"record_not_found","detail":"The requested resource was not found. Please double-check the resource id.","code":"RECORD_NOT_FOUND","status":404}]}`
	plainNotFound = `{"error":"not found","code":"NOT_FOUND"}`
)

// TestRoutingMissesPerFamily: a path no route serves, or a method a path is not served
// with, answers in the format of the family whose prefix the path lies under (the
// Provisioning API's JSON:API under /api, the token endpoints' shape under /oauth, the
// control API's JSON under /_mock), or plain JSON for a path no family owns; a 405's Allow
// is the router's.
func TestRoutingMissesPerFamily(t *testing.T) {
	m := newMock(t, mock.Options{})
	for _, c := range []struct {
		method, path string
		want         answer
	}{
		{"GET", "/api/nope", answer{404, jsonAPI, "", apiNotFound}},
		{"GET", "/api", answer{404, jsonAPI, "", apiNotFound}},
		{"GET", "/api/roles/rolBBAdmin/nope/", answer{404, jsonAPI, "", apiNotFound}},
		{"GET", "/oauth/nope", answer{404, plainJSON, "", oauthNotFound}},
		{"GET", "/_mock/nope", answer{404, plainJSON, "", `{"error":"the control API has no /_mock/nope; GET /_mock lists its endpoints"}`}},
		{"GET", "/data/x", answer{404, plainJSON, "", plainNotFound}},
		{"GET", "/authoring/credentials", answer{404, plainJSON, "", plainNotFound}},
		{"GET", "/elsewhere", answer{404, plainJSON, "", plainNotFound}},
		{"GET", "/apix", answer{404, plainJSON, "", plainNotFound}}, // a prefix is a whole segment
		{"GET", "/oauth/token", answer{405, plainJSON, "POST",
			`{"errors":[{"title":"method_not_allowed","detail":"GET is not allowed on this resource. Allowed methods: POST.","code":"METHOD_NOT_ALLOWED","status":405}]}`}},
		{"DELETE", "/oauth/revoke", answer{405, plainJSON, "POST",
			`{"errors":[{"title":"method_not_allowed","detail":"DELETE is not allowed on this resource. Allowed methods: POST.","code":"METHOD_NOT_ALLOWED","status":405}]}`}},
		{"DELETE", "/api/organizations/orgBlueBrd", answer{405, jsonAPI, "GET, PATCH",
			`{"errors":[{"title":"Method not allowed","detail":"DELETE is not allowed on this resource. Allowed methods: GET, PATCH.","code":"METHOD_NOT_ALLOWED","status":"405"}]}`}},
		{"HEAD", "/api/memberships/memBBJamie/resend", answer{405, "", "POST", ""}},
		{"POST", "/_mock/users", answer{405, plainJSON, "GET", `{"error":"POST is not allowed on /_mock/users; allowed: GET"}`}},
		{"DELETE", "/healthz", answer{405, plainJSON, "GET", `{"error":"DELETE is not allowed here; allowed: GET","code":"METHOD_NOT_ALLOWED"}`}},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			checkAnswer(t, serve(t, m.Handler(), c.method, c.path, ""), c.want)
		})
	}
}

// addFault adds a fault rule through the control API.
func addFault(t *testing.T, m *mock.Mock, rule string) {
	t.Helper()
	if rec := serve(t, m.Handler(), "POST", "/_mock/faults", rule, "Content-Type", "application/json"); rec.Code != http.StatusCreated {
		t.Fatalf("adding fault %s: %d %s", rule, rec.Code, rec.Body)
	}
}

// TestFaultsSpeakTheMatchedFamily: a fault says a status and a code; the family whose path
// it hit writes it in its own format: the token endpoint's error shape on /oauth/token, a
// JSON:API document on /api. A fault's own body goes out verbatim.
func TestFaultsSpeakTheMatchedFamily(t *testing.T) {
	token := `{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"demo-client-secret"}`
	for _, c := range []struct {
		name, rule, method, path, body string
		want                           answer
	}{
		{"status on the token endpoint", `{"path":"/oauth/token","status":503}`, "POST", "/oauth/token", token,
			answer{503, plainJSON, "", `{"errors":[{"title":"temporarily_unavailable","detail":"Service Unavailable","code":"SERVICE_UNAVAILABLE","status":503}]}`}},
		{"code on the token endpoint", `{"path":"/oauth/token","code":"UNAUTHORIZED"}`, "POST", "/oauth/token", token,
			answer{401, plainJSON, "", `{"errors":[{"title":"invalid_client","detail":"You are not authorized to perform this action on the requested resource.","code":"UNAUTHORIZED","status":401}]}`}},
		{"body on the token endpoint", `{"path":"/oauth/token","status":400,"body":{"error":"invalid_grant"}}`, "POST", "/oauth/token", token,
			answer{400, plainJSON, "", `{"error":"invalid_grant"}`}},
		{"status on the API", `{"path":"/api/user","status":503}`, "GET", "/api/user", "",
			answer{503, jsonAPI, "", `{"errors":[{"title":"Service Unavailable","detail":"Service Unavailable","code":"SERVICE_UNAVAILABLE","status":"503"}]}`}},
		{"code and status on the API", `{"path":"/api/*","code":"INVALID_TOKEN","status":419}`, "GET", "/api/roles", "",
			answer{419, jsonAPI, "", `{"errors":[{"title":"Invalid token","detail":"The access token you provided has expired.","code":"INVALID_TOKEN","status":"419"}]}`}},
		{"errors on the API", `{"path":"/api/user","status":422,"errors":[{"title":"x"}]}`, "GET", "/api/user", "",
			answer{422, jsonAPI, "", `{"errors":[{"title":"x"}]}`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMock(t, mock.Options{})
			addFault(t, m, c.rule)
			checkAnswer(t, serve(t, m.Handler(), c.method, c.path, c.body, "Content-Type", "application/json"), c.want)
		})
	}
	t.Run("never on the control API or paths no family owns", func(t *testing.T) {
		m := newMock(t, mock.Options{})
		addFault(t, m, `{"path":"*","status":503}`)
		for _, path := range []string{"/_mock/faults", "/healthz", "/elsewhere"} {
			if rec := serve(t, m.Handler(), "GET", path, ""); rec.Code == 503 {
				t.Errorf("GET %s was faulted: %s", path, rec.Body)
			}
		}
	})
}

// TestRequestLogLines: a 4xx/5xx line carries the error code, a faulted request's line the
// rule, a preflight's line says so; and the preflight is journaled.
func TestRequestLogLines(t *testing.T) {
	var buf bytes.Buffer
	m := newMock(t, mock.Options{RequestLog: slog.New(slog.NewJSONHandler(&buf, nil))})
	addFault(t, m, `{"path":"/api/user","status":503}`)
	serve(t, m.Handler(), "GET", "/api/nope", "")
	serve(t, m.Handler(), "GET", "/api/user", "")
	serve(t, m.Handler(), "GET", "/elsewhere", "")
	serve(t, m.Handler(), "GET", "/_mock/nope", "")
	serve(t, m.Handler(), "OPTIONS", "/api/roles", "", "Origin", "http://app.example", "Access-Control-Request-Method", "POST")
	serve(t, m.Handler(), "GET", "/healthz", "")

	type line struct {
		Method, Path, API, Code, Fault, Origin string
		Status                                 int
		Preflight                              bool
	}
	var got []line
	for _, raw := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var l line
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("log line %q: %v", raw, err)
		}
		if l.Path != "/_mock/faults" {
			got = append(got, l)
		}
	}
	want := []line{
		{Method: "GET", Path: "/api/nope", API: "provisioning", Code: "RECORD_NOT_FOUND", Status: 404},
		{Method: "GET", Path: "/api/user", API: "provisioning", Code: "SERVICE_UNAVAILABLE", Fault: "fault-1", Status: 503},
		{Method: "GET", Path: "/elsewhere", Code: "NOT_FOUND", Status: 404},
		{Method: "GET", Path: "/_mock/nope", API: "control", Code: "NOT_FOUND", Status: 404},
		{Method: "OPTIONS", Path: "/api/roles", API: "provisioning", Status: 204, Preflight: true, Origin: "http://app.example"},
		{Method: "GET", Path: "/healthz", Status: 200},
	}
	if len(got) != len(want) {
		t.Fatalf("log lines %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	journal := m.Journal()
	if len(journal) == 0 || journal[0].Path != "/healthz" || journal[1].Method != "OPTIONS" || journal[1].Status != 204 {
		t.Errorf("the preflight is not journaled: %+v", journal)
	}
}
