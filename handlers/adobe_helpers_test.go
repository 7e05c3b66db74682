package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/frontdoor"
	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/store"
)

// The demo data's Adobe integrations.
const (
	demoAdobeClient  = "demo-adobe-client-id"
	demoAdobeSecret  = "demo-adobe-client-secret"
	demoAdobeOrg     = "DEMO1234567890ABCDEF0123@AdobeOrg"
	otherAdobeClient = "other-adobe-client-id"
	otherAdobeSecret = "other-adobe-client-secret"
	otherAdobeOrg    = "OTHER234567890ABCDEF0123@AdobeOrg"
	credentialsPath  = handlers.CredentialsPath
)

// adobeServer is the real router with both API families over one in-memory store of the demo
// data, with a clock that starts at 2025-01-01T00:00:00.123456Z and ticks one second per
// reading.
type adobeServer struct {
	http.Handler
	st     *store.Store
	tokens *auth.Issuer
}

func mustAdobeServer(tb testing.TB) *adobeServer {
	return mustAdobeServerWith(tb, fixtures.Demo(), handlers.Config{})
}

func mustAdobeServerWith(tb testing.TB, dataset []byte, cfg handlers.Config) *adobeServer {
	tb.Helper()
	st, _ := mustLoadedStore(tb, dataset, time.Date(2025, 1, 1, 0, 0, 0, 123456000, time.UTC), nil)
	if cfg.Tokens == nil {
		cfg.Tokens = auth.NewIssuer(auth.Options{Key: testTokenKey()})
	}
	fd := frontdoor.New(frontdoor.Config{})
	fd.Mount(handlers.Family(st, cfg))
	fd.Mount(handlers.AdobeFamily(st, cfg))
	return &adobeServer{Handler: fd, st: st, tokens: cfg.Tokens}
}

// imsToken is a valid IMS token of an integration.
func (s *adobeServer) imsToken(tb testing.TB, clientID, org string) string {
	tb.Helper()
	tok, err := s.tokens.IssueIMS(clientID, "tech@techacct.adobe.com", org, "openid,AdobeID", time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return tok.AccessToken
}

// gateway returns the headers of a request of the integration to its org's sandbox ("" is
// no x-sandbox-name).
func (s *adobeServer) gateway(tb testing.TB, clientID, org, sandbox string) []string {
	h := []string{"Authorization", "Bearer " + s.imsToken(tb, clientID, org), "x-api-key", clientID, "x-gw-ims-org-id", org}
	if sandbox != "" {
		h = append(h, "x-sandbox-name", sandbox)
	}
	return h
}

// demo is the demo integration's headers in prod.
func (s *adobeServer) demo(tb testing.TB) []string {
	return s.gateway(tb, demoAdobeClient, demoAdobeOrg, "")
}

// send sends one request; headers are name, value pairs, added in order (a name given twice
// is a repeated header). A body gets Content-Type application/json unless headers set one.
func (s *adobeServer) send(tb testing.TB, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	hasType := false
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
		hasType = hasType || strings.EqualFold(headers[i], "Content-Type")
	}
	if body != "" && !hasType {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// instanceID reads a credential's id from a created object, checking that it is a UUID v4.
func instanceID(tb testing.TB, rec *httptest.ResponseRecorder) string {
	tb.Helper()
	m := regexp.MustCompile(`^\{"instanceId":"([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if m == nil || !uuidV4.MatchString(m[1]) {
		tb.Fatalf("no UUID v4 instanceId first in %s", rec.Body)
	}
	return m[1]
}

// wantAnswer checks a response's status, Content-Type and whole body.
func wantAnswer(tb testing.TB, rec *httptest.ResponseRecorder, status int, body string) {
	tb.Helper()
	if rec.Code != status {
		tb.Errorf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); body != "" && ct != "application/json" {
		tb.Errorf("Content-Type %q, want application/json", ct)
	}
	if got := strings.TrimSpace(rec.Body.String()); got != body {
		tb.Errorf("body\n%s\nwant\n%s", got, body)
	}
}

// problem is the Destination SDK's problem document of the demo org's prod sandbox.
func problem(status int, title, detail string, errs ...string) string {
	return problemIn(status, title, detail, demoAdobeOrg, "prod", errs...)
}

func problemIn(status int, title, detail, org, sandbox string, errs ...string) string {
	code := map[int]string{400: "DSDK-0400-400", 404: "DSDK-0404-404", 405: "DSDK-0405-405", 413: "DSDK-0413-413", 429: "DSDK-0429-429", 500: "DSDK-0500-500"}[status]
	report := ""
	if len(errs) > 0 {
		report = `"errors":["` + strings.Join(errs, `","`) + `"],`
	}
	return `{"type":"https://ns.adobe.com/aep/errors/` + code + `","status":` + strconv.Itoa(status) + `,"title":"` + title +
		`","detail":"` + detail + `","report":{` + report + `"tenantInfo":{"imsOrgId":"` + org + `","sandboxName":"` + sandbox + `"}}}`
}

// badRequest is the 400 of a body the credential rules refuse.
func badRequest(errs ...string) string {
	return problem(400, "Bad Request", "The request is not valid.", errs...)
}

// notFound is the 404 of an id the org and sandbox hold no credential with.
func notFound(id string) string {
	return problem(404, "Not Found", "No credential with instanceId "+id+" was found.")
}

// listIDs returns the instanceIds of a list answer, in order.
func listIDs(tb testing.TB, rec *httptest.ResponseRecorder) []string {
	tb.Helper()
	if !strings.HasPrefix(rec.Body.String(), `{"items":[`) {
		tb.Fatalf("not a list: %d %s", rec.Code, rec.Body)
	}
	var out []string
	for _, m := range regexp.MustCompile(`"instanceId":"([^"]+)"`).FindAllStringSubmatch(rec.Body.String(), -1) {
		out = append(out, m[1])
	}
	return out
}
