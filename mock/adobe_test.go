package mock_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/mock"
)

const imsForm = "grant_type=client_credentials&client_id=demo-adobe-client-id&client_secret=demo-adobe-client-secret&scope=openid,AdobeID"

// TestIMSTokenHelper: Server.IMSToken signs a token the credentials API accepts, and refuses
// wrong client credentials as the endpoint does.
func TestIMSTokenHelper(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{})
	tok, err := srv.IMSToken("demo-adobe-client-id", "demo-adobe-client-secret")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+credentials, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("x-api-key", "demo-adobe-client-id")
	req.Header.Set("x-gw-ims-org-id", "DEMO1234567890ABCDEF0123@AdobeOrg")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("credentials with IMSToken's token: %d", res.StatusCode)
	}
	if _, err := srv.IMSToken("demo-adobe-client-id", "guess"); !errors.Is(err, domain.ErrBadIMSSecret) {
		t.Errorf("wrong secret: %v", err)
	}
}

// TestAdobeJournalMasksIMSSecrets: the journal keeps IMS requests with client_secret masked,
// in a form body and in the query string, and the access token of the answer masked.
func TestAdobeJournalMasksIMSSecrets(t *testing.T) {
	m := newMock(t, mock.Options{})
	if rec := serve(t, m.Handler(), "POST", "/ims/token/v3", imsForm, "Content-Type", "application/x-www-form-urlencoded"); rec.Code != 200 {
		t.Fatalf("form: %d %s", rec.Code, rec.Body)
	}
	if rec := serve(t, m.Handler(), "POST", "/ims/token/v3?"+imsForm, ""); rec.Code != 200 {
		t.Fatalf("query: %d %s", rec.Code, rec.Body)
	}
	entries := m.Journal()
	if len(entries) != 2 {
		t.Fatalf("journal has %d entries", len(entries))
	}
	masked := strings.Replace(imsForm, "demo-adobe-client-secret", "[masked]", 1)
	if q := entries[0].Query; q != masked {
		t.Errorf("query kept as %q, want %q", q, masked)
	}
	if b := entries[1].Body; b != masked {
		t.Errorf("body kept as %q, want %q", b, masked)
	}
	for _, e := range entries {
		if strings.Contains(e.Response, "eyJ") || !strings.Contains(e.Response, `"access_token":"[masked]"`) {
			t.Errorf("answer kept as %s", e.Response)
		}
	}
}

// TestAdobeJournalMasksCredentialSecrets: the secrets of a credential body, named in
// Adobe's camelCase, are masked in the journal, in the request and in the answer, which
// echoes them.
func TestAdobeJournalMasksCredentialSecrets(t *testing.T) {
	m := newMock(t, mock.Options{})
	h := append(adobeHeaders(t, m), "Content-Type", "application/json")
	body := `{"name":"kept","oauth2ClientAuthentication":{"url":"https://idp.example/token","clientId":"cid-kept",` +
		`"clientSecret":"cs-value","developerToken":"dt-value"},"s3Authentication":{"accessId":"aid-kept","secretKey":"sk-value"}}`
	if rec := serve(t, m.Handler(), "POST", credentials, body, h...); rec.Code != 200 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	entries := m.Journal()
	if len(entries) == 0 {
		t.Fatal("no journal entry")
	}
	e := entries[0]
	for _, secret := range []string{"cs-value", "dt-value", "sk-value"} {
		if strings.Contains(e.Body, secret) || strings.Contains(e.Response, secret) {
			t.Errorf("the journal kept %s:\nrequest %s\nanswer %s", secret, e.Body, e.Response)
		}
	}
	for _, kept := range []string{"cid-kept", "aid-kept", `"clientSecret":"[masked]"`, `"secretKey":"[masked]"`} {
		if !strings.Contains(e.Body, kept) || !strings.Contains(e.Response, kept) {
			t.Errorf("the journal lost %s:\nrequest %s\nanswer %s", kept, e.Body, e.Response)
		}
	}
}

// TestAdobeResetAndSnapshots: the control API's reset and snapshots cover the Adobe records.
func TestAdobeResetAndSnapshots(t *testing.T) {
	m := newMock(t, mock.Options{})
	h := adobeHeaders(t, m)
	count := func() int {
		rec := serve(t, m.Handler(), "GET", credentials, "", h...)
		return strings.Count(rec.Body.String(), `"instanceId"`)
	}
	create := func() {
		if rec := serve(t, m.Handler(), "POST", credentials, `{"type":"NONE"}`, append(h, "Content-Type", "application/json")...); rec.Code != 200 {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
	}
	if n := count(); n != 2 {
		t.Fatalf("the demo org's prod holds %d credentials, want 2", n)
	}
	create()
	if rec := serve(t, m.Handler(), "POST", "/_mock/snapshots", `{"name":"three"}`, "Content-Type", "application/json"); rec.Code != 201 {
		t.Fatalf("snapshot: %d %s", rec.Code, rec.Body)
	}
	create()
	if rec := serve(t, m.Handler(), "POST", "/_mock/snapshots/three/restore", ""); rec.Code != 200 {
		t.Fatalf("restore: %d %s", rec.Code, rec.Body)
	}
	if n := count(); n != 3 {
		t.Errorf("after restoring the snapshot: %d credentials, want 3", n)
	}
	if rec := serve(t, m.Handler(), "POST", "/_mock/reset", ""); rec.Code != 200 {
		t.Fatalf("reset: %d %s", rec.Code, rec.Body)
	}
	if n := count(); n != 2 {
		t.Errorf("after reset: %d credentials, want the demo's 2", n)
	}
}

// TestAdobeRateLimits: past a limit, the Destination SDK answers its 429 problem with
// Retry-After; IMS answers in its own shape.
func TestAdobeRateLimits(t *testing.T) {
	m := newMock(t, mock.Options{})
	if rec := serve(t, m.Handler(), "PUT", "/_mock/rate-limits", `{"enabled":true,"reads_per_10s_per_endpoint":1,"token_requests_per_minute":1}`, "Content-Type", "application/json"); rec.Code != 200 {
		t.Fatalf("rate limits: %d %s", rec.Code, rec.Body)
	}
	h := adobeHeaders(t, m)
	serve(t, m.Handler(), "GET", credentials, "", h...)
	rec := serve(t, m.Handler(), "GET", credentials, "", h...)
	checkAnswer(t, rec, answer{429, plainJSON, "", `{"type":"https://ns.adobe.com/aep/errors/DSDK-0429-429","status":429,"title":"Too Many Requests",` +
		`"detail":"Too many requests: You have exceeded the limit of 1 requests per 10 seconds on this endpoint. Retry after ` + rec.Header().Get("Retry-After") + ` seconds.",` + adobeTenant + `}`})
	if ra := rec.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
}

// TestAdobeCORS: a browser app may send the gateway's headers.
func TestAdobeCORS(t *testing.T) {
	m := newMock(t, mock.Options{})
	rec := serve(t, m.Handler(), "OPTIONS", credentials, "", "Origin", "http://app.example", "Access-Control-Request-Method", "PUT",
		"Access-Control-Request-Headers", "authorization,content-type,x-api-key,x-gw-ims-org-id,x-sandbox-name")
	if rec.Code != 204 {
		t.Fatalf("preflight: %d %s", rec.Code, rec.Body)
	}
	allowed := strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers"))
	for _, h := range []string{"x-api-key", "x-gw-ims-org-id", "x-sandbox-name", "authorization"} {
		if !strings.Contains(allowed, h) {
			t.Errorf("Access-Control-Allow-Headers %q lacks %s", allowed, h)
		}
	}
	if m := rec.Header().Get("Access-Control-Allow-Methods"); !strings.Contains(m, "PUT") {
		t.Errorf("Access-Control-Allow-Methods %q", m)
	}
}
