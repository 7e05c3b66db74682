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
	// The Adobe family's answers: the Destination SDK's problem for the demo org in prod.
	adobeTenant = `"report":{"tenantInfo":{"imsOrgId":"DEMO1234567890ABCDEF0123@AdobeOrg","sandboxName":"prod"}}`
	credentials = "/data/core/activation/authoring/credentials"
)

// adobeHeaders are the gateway headers of a request of the demo integration, with a fresh
// IMS token.
func adobeHeaders(t *testing.T, m *mock.Mock) []string {
	t.Helper()
	tok, err := m.IMSToken(context.Background(), "demo-adobe-client-id", "demo-adobe-client-secret")
	if err != nil {
		t.Fatal(err)
	}
	return []string{"Authorization", "Bearer " + tok, "x-api-key", "demo-adobe-client-id", "x-gw-ims-org-id", "DEMO1234567890ABCDEF0123@AdobeOrg"}
}

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
		adobe        bool // sends the demo integration's gateway headers
	}{
		{"GET", "/api/nope", answer{404, jsonAPI, "", apiNotFound}, false},
		{"GET", "/api", answer{404, jsonAPI, "", apiNotFound}, false},
		{"GET", "/api/roles/rolBBAdmin/nope/", answer{404, jsonAPI, "", apiNotFound}, false},
		{"GET", "/oauth/nope", answer{404, plainJSON, "", oauthNotFound}, false},
		{"GET", "/_mock/nope", answer{404, plainJSON, "", `{"error":"the control API has no /_mock/nope; GET /_mock lists its endpoints"}`}, false},
		// Under /data the gateway's checks come first, then the router's 404 and 405.
		{"GET", "/data/x", answer{403, plainJSON, "", `{"error_code":"403010","message":"Oauth token is missing."}`}, false},
		{"GET", "/data/x", answer{404, plainJSON, "", `{"type":"https://ns.adobe.com/aep/errors/DSDK-0404-404","status":404,"title":"Not Found","detail":"No resource was found at /data/x.",` + adobeTenant + `}`}, true},
		{"PATCH", credentials, answer{405, plainJSON, "GET, POST", `{"type":"https://ns.adobe.com/aep/errors/DSDK-0405-405","status":405,"title":"Method Not Allowed","detail":"Method PATCH is not allowed; allowed: GET, POST.",` + adobeTenant + `}`}, true},
		{"GET", "/ims/x", answer{404, plainJSON, "", `{"error":"not_found","error_description":"No resource was found at /ims/x."}`}, false},
		{"GET", "/ims/token/v3", answer{405, plainJSON, "POST", `{"error":"method_not_allowed","error_description":"Method GET is not allowed; allowed: POST."}`}, false},
		{"GET", "/authoring/credentials", answer{404, plainJSON, "", plainNotFound}, false},
		{"GET", "/elsewhere", answer{404, plainJSON, "", plainNotFound}, false},
		{"GET", "/apix", answer{404, plainJSON, "", plainNotFound}, false}, // a prefix is a whole segment
		{"GET", "/oauth/token", answer{405, plainJSON, "POST",
			`{"errors":[{"title":"method_not_allowed","detail":"GET is not allowed on this resource. Allowed methods: POST.","code":"METHOD_NOT_ALLOWED","status":405}]}`}, false},
		{"DELETE", "/oauth/revoke", answer{405, plainJSON, "POST",
			`{"errors":[{"title":"method_not_allowed","detail":"DELETE is not allowed on this resource. Allowed methods: POST.","code":"METHOD_NOT_ALLOWED","status":405}]}`}, false},
		{"DELETE", "/api/organizations/orgBlueBrd", answer{405, jsonAPI, "GET, PATCH",
			`{"errors":[{"title":"Method not allowed","detail":"DELETE is not allowed on this resource. Allowed methods: GET, PATCH.","code":"METHOD_NOT_ALLOWED","status":"405"}]}`}, false},
		{"HEAD", "/api/memberships/memBBJamie/resend", answer{405, "", "POST", ""}, false},
		{"POST", "/_mock/users", answer{405, plainJSON, "GET", `{"error":"POST is not allowed on /_mock/users; allowed: GET"}`}, false},
		{"DELETE", "/healthz", answer{405, plainJSON, "GET", `{"error":"DELETE is not allowed here; allowed: GET","code":"METHOD_NOT_ALLOWED"}`}, false},
	} {
		name := c.method + " " + c.path
		var headers []string
		if c.adobe {
			name += " with the gateway's headers"
			headers = adobeHeaders(t, m)
		}
		t.Run(name, func(t *testing.T) {
			checkAnswer(t, serve(t, m.Handler(), c.method, c.path, "", headers...), c.want)
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
	ims := "grant_type=client_credentials&client_id=demo-adobe-client-id&client_secret=demo-adobe-client-secret"
	for _, c := range []struct {
		name, rule, method, path, body string
		want                           answer
		adobe                          bool // sends the demo integration's gateway headers
	}{
		{"status on the token endpoint", `{"path":"/oauth/token","status":503}`, "POST", "/oauth/token", token,
			answer{503, plainJSON, "", `{"errors":[{"title":"temporarily_unavailable","detail":"Service Unavailable","code":"SERVICE_UNAVAILABLE","status":503}]}`}, false},
		{"code on the token endpoint", `{"path":"/oauth/token","code":"UNAUTHORIZED"}`, "POST", "/oauth/token", token,
			answer{401, plainJSON, "", `{"errors":[{"title":"invalid_client","detail":"You are not authorized to perform this action on the requested resource.","code":"UNAUTHORIZED","status":401}]}`}, false},
		{"body on the token endpoint", `{"path":"/oauth/token","status":400,"body":{"error":"invalid_grant"}}`, "POST", "/oauth/token", token,
			answer{400, plainJSON, "", `{"error":"invalid_grant"}`}, false},
		{"status on the API", `{"path":"/api/user","status":503}`, "GET", "/api/user", "",
			answer{503, jsonAPI, "", `{"errors":[{"title":"Service Unavailable","detail":"Service Unavailable","code":"SERVICE_UNAVAILABLE","status":"503"}]}`}, false},
		{"code and status on the API", `{"path":"/api/*","code":"INVALID_TOKEN","status":419}`, "GET", "/api/roles", "",
			answer{419, jsonAPI, "", `{"errors":[{"title":"Invalid token","detail":"The access token you provided has expired.","code":"INVALID_TOKEN","status":"419"}]}`}, false},
		{"errors on the API", `{"path":"/api/user","status":422,"errors":[{"title":"x"}]}`, "GET", "/api/user", "",
			answer{422, jsonAPI, "", `{"errors":[{"title":"x"}]}`}, false},
		{"gateway code on the Destination SDK", `{"path":"/data/*","code":"401013"}`, "GET", credentials, "",
			answer{401, plainJSON, "", `{"error_code":"401013","message":"Oauth token is not valid"}`}, true},
		{"service code on the Destination SDK", `{"path":"/data/*","code":"DSDK-0500-500"}`, "GET", credentials, "",
			answer{500, plainJSON, "", `{"type":"https://ns.adobe.com/aep/errors/DSDK-0500-500","status":500,"title":"Internal Server Error","detail":"Internal Server Error (injected fault).",` + adobeTenant + `}`}, true},
		{"status on the Destination SDK", `{"path":"/data/*","status":503}`, "GET", credentials, "",
			answer{503, plainJSON, "", `{"type":"https://ns.adobe.com/aep/errors/DSDK-0503-503","status":503,"title":"Service Unavailable","detail":"Service Unavailable (injected fault).",` + adobeTenant + `}`}, true},
		{"body on the Destination SDK", `{"path":"/data/*","status":502,"body":{"error_code":"502000","message":"Bad gateway"}}`, "GET", credentials, "",
			answer{502, plainJSON, "", `{"error_code":"502000","message":"Bad gateway"}`}, true},
		{"status on IMS", `{"path":"/ims/token/v3","status":503}`, "POST", "/ims/token/v3", ims,
			answer{503, plainJSON, "", `{"error":"temporarily_unavailable","error_description":"Service Unavailable (injected fault)."}`}, false},
		{"code on IMS", `{"path":"/ims/token/v3","code":"invalid_client"}`, "POST", "/ims/token/v3", ims,
			answer{400, plainJSON, "", `{"error":"invalid_client","error_description":"invalid client_id parameter"}`}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMock(t, mock.Options{})
			addFault(t, m, c.rule)
			headers := []string{"Content-Type", "application/json"}
			if c.path == "/ims/token/v3" {
				headers = []string{"Content-Type", "application/x-www-form-urlencoded"}
			}
			if c.adobe {
				headers = append(headers, adobeHeaders(t, m)...)
			}
			checkAnswer(t, serve(t, m.Handler(), c.method, c.path, c.body, headers...), c.want)
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
