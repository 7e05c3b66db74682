package handlers_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
)

// Credentials of the demo users (fixtures/demo.yaml).
const (
	ownerClientID     = "demo-client-id"
	ownerClientSecret = "demo-client-secret"
	viewerClientID    = "viewer-client-id"
	viewerSecret      = "viewer-client-secret"
)

// The SPEC's texts of the two authentication errors.
const (
	unauthorizedTitle  = "Access denied"
	unauthorizedDetail = "You are not authorized to perform this action on the requested resource."
)

// The RSA keys of the tests' issuers: costly to make, so made once. otherTokenKey is
// another server's.
var (
	testTokenKey  = sync.OnceValue(func() *rsa.PrivateKey { return mustRSAKey() })
	otherTokenKey = sync.OnceValue(func() *rsa.PrivateKey { return mustRSAKey() })
)

func mustRSAKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, auth.KeyBits)
	if err != nil {
		panic(err)
	}
	return k
}

// testKid is the key id of the tests' issuers' tokens.
func testKid() string {
	return auth.NewIssuer(auth.Options{Key: testTokenKey()}).JWKS().Keys[0].Kid
}

// fakeClock is a clock the test moves by hand, for token lifetimes without sleeping.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// serveRaw sends a request exactly as built: no header is added.
func (s *testServer) serveRaw(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// tokenRequest is one call of POST /oauth/token.
type tokenRequest struct {
	contentType string // "" sends none
	body        string
	basic       string // the Authorization header, sent as is when not empty
}

func (s *testServer) postToken(tr tokenRequest) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(tr.body))
	if tr.contentType != "" {
		req.Header.Set("Content-Type", tr.contentType)
	}
	if tr.basic != "" {
		req.Header.Set("Authorization", tr.basic)
	}
	return s.serveRaw(req)
}

func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// basicAuthEncoded is Basic client authentication as RFC 6749 2.3.1 defines it: each
// credential form-encoded before the pair is base64-encoded.
func basicAuthEncoded(id, secret string) string {
	return basicAuth(url.QueryEscape(id), url.QueryEscape(secret))
}

func jsonBody(kv ...string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func formBody(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

// specialCredentials is a dataset whose only user has credentials with characters that
// Basic authentication must form-encode.
const (
	specialClientID     = "client:with spaces&+/é"
	specialClientSecret = "p@ss:w/rd+%&=é?#"
	specialDataset      = `
users:
  - id: usrSpecial
    email: special@example.com
    first_name: Spec
    last_name: Ial
    client_id: "client:with spaces&+/é"
    client_secret: "p@ss:w/rd+%&=é?#"
`
)

// mustHeaderMediaType fails unless the response's Content-Type is that media type.
func mustHeaderMediaType(tb testing.TB, rec *httptest.ResponseRecorder, want string) {
	tb.Helper()
	mt, _, err := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	if err != nil || mt != want {
		tb.Errorf("Content-Type = %q, want %s", rec.Header().Get("Content-Type"), want)
	}
}

// jwtPart decodes one part of a JWT without verifying anything, as the official SDK reads
// the payload to learn when the token expires.
func jwtPart(tb testing.TB, token string, i int) map[string]any {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("access token %q is not a JWS in compact form", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		tb.Fatalf("JWT part %d is not base64url: %v", i, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatalf("JWT part %d is not a JSON object: %v (%s)", i, err, raw)
	}
	return m
}

// checkTokenResponse checks a successful token response: headers, the exact set of members,
// and the token's payload; it returns the access token.
func checkTokenResponse(tb testing.TB, rec *httptest.ResponseRecorder, wantUser string, ttl time.Duration, now time.Time) string {
	tb.Helper()
	if rec.Code != http.StatusOK {
		tb.Fatalf("status = %d, want 200; body: %s", rec.Code, rec.Body.String())
	}
	mustHeaderMediaType(tb, rec, "application/json")
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		tb.Errorf("Cache-Control = %q, want no-store", got)
	}
	body := decode(tb, rec)
	if got, want := slices.Sorted(maps.Keys(body)), []string{"access_token", "created_at", "expires_in", "scope", "token_type"}; !reflect.DeepEqual(got, want) {
		tb.Errorf("token response members = %v, want %v; body: %s", got, want, rec.Body.String())
	}
	tok, _ := body["access_token"].(string)
	if tok == "" {
		tb.Fatalf("access_token = %v", body["access_token"])
	}
	if body["token_type"] != "bearer" {
		tb.Errorf("token_type = %v, want bearer", body["token_type"])
	}
	if body["scope"] != auth.Scope {
		tb.Errorf("scope = %v, want %q", body["scope"], auth.Scope)
	}
	if got := body["expires_in"]; got != float64(ttl/time.Second) {
		tb.Errorf("expires_in = %v, want %d", got, int64(ttl/time.Second))
	}
	if got := body["created_at"]; got != float64(now.Unix()) {
		tb.Errorf("created_at = %v, want %d", got, now.Unix())
	}

	header := jwtPart(tb, tok, 0)
	if want := map[string]any{"alg": "RS512", "typ": "JWT", "kid": testKid()}; !reflect.DeepEqual(header, want) {
		tb.Errorf("JWT header = %v, want %v", header, want)
	}
	claims := jwtPart(tb, tok, 1)
	exp, expOK := claims["exp"].(float64)
	iat, iatOK := claims["iat"].(float64)
	if !expOK || !iatOK {
		tb.Fatalf("JWT payload without numeric exp and iat: %v", claims)
	}
	if exp-iat != float64(ttl/time.Second) {
		tb.Errorf("exp - iat = %v, want the lifetime %d", exp-iat, int64(ttl/time.Second))
	}
	if iat != float64(now.Unix()) {
		tb.Errorf("iat = %v, want %d", iat, now.Unix())
	}
	if exp != body["expires_in"].(float64)+body["created_at"].(float64) {
		tb.Errorf("exp = %v, want created_at + expires_in", exp)
	}
	user, _ := claims["user"].(map[string]any)
	if user == nil || user["id"] != wantUser {
		tb.Errorf("JWT user = %v, want id %s", claims["user"], wantUser)
	}
	return tok
}

// oauthErrors are the auth service's error objects, by OAuth error: the API's errors
// document, with the status as a number (js-auth returns this errors list).
var oauthErrors = map[string]map[string]any{
	"invalid_client": {"title": "invalid_client",
		"detail": "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
		"code":   "UNAUTHORIZED", "status": 401.0},
	"invalid_request": {"title": "invalid_request",
		"detail": "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.",
		"code":   "BAD_REQUEST", "status": 400.0},
	"unsupported_grant_type": {"title": "unsupported_grant_type",
		"detail": "The authorization grant type is not supported by the authorization server.",
		"code":   "BAD_REQUEST", "status": 400.0},
	"unauthorized_client": {"title": "unauthorized_client", "detail": "You are not authorized to revoke this token",
		"code": "FORBIDDEN", "status": 403.0},
}

// checkOAuthError checks an error of the auth service: the whole document.
func checkOAuthError(tb testing.TB, rec *httptest.ResponseRecorder, status int, code string) {
	tb.Helper()
	if rec.Code != status {
		tb.Fatalf("status = %d, want %d; body: %s", rec.Code, status, rec.Body.String())
	}
	mustHeaderMediaType(tb, rec, "application/json")
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		tb.Errorf("Cache-Control = %q, want no-store", got)
	}
	want := map[string]any{"errors": []any{oauthErrors[code]}}
	if got := decode(tb, rec); !reflect.DeepEqual(got, want) {
		tb.Errorf("error document = %v, want %v", got, want)
	}
	if status == http.StatusUnauthorized && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic") {
		tb.Errorf("401 without a Basic WWW-Authenticate challenge: %q", rec.Header().Get("WWW-Authenticate"))
	}
}

// mustWhoAmI fails unless the token is accepted on /api and acts as the user.
func mustWhoAmI(tb testing.TB, s *testServer, token, wantUser string) {
	tb.Helper()
	rec := s.do(tb, request{path: "/api/user", headers: hdr("Authorization", "Bearer "+token)})
	mustStatus(tb, rec, http.StatusOK)
	if got := decode(tb, rec)["data"].(map[string]any)["id"]; got != wantUser {
		tb.Fatalf("/api/user with the issued token is %v, want %s", got, wantUser)
	}
}

func TestTokenEndpoint(t *testing.T) {
	const (
		jsonCT = "application/json"
		formCT = "application/x-www-form-urlencoded"
	)
	grant := []string{"grant_type", "client_credentials"}
	owner := []string{"client_id", ownerClientID, "client_secret", ownerClientSecret}
	with := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}

	type tokenCase struct {
		name    string
		dataset string // "" is the demo dataset
		req     tokenRequest

		wantStatus int
		wantError  string // OAuth2 error code; "" means a token
		wantUser   string
	}
	cases := []tokenCase{
		// Accepted credentials: JSON body, form body, HTTP Basic.
		{name: "json", req: tokenRequest{contentType: jsonCT, body: jsonBody(with(grant, owner)...)},
			wantStatus: 200, wantUser: demoOwner},
		{name: "json with charset", req: tokenRequest{contentType: jsonCT + "; charset=utf-8", body: jsonBody(with(grant, owner)...)},
			wantStatus: 200, wantUser: demoOwner},
		{name: "json as the JSON:API media type", req: tokenRequest{contentType: handlers.MediaType, body: jsonBody(with(grant, owner)...)},
			wantStatus: 200, wantUser: demoOwner},
		{name: "json viewer", req: tokenRequest{contentType: jsonCT,
			body: jsonBody("grant_type", "client_credentials", "client_id", viewerClientID, "client_secret", viewerSecret)},
			wantStatus: 200, wantUser: demoViewer},
		{name: "json with extra members", req: tokenRequest{contentType: jsonCT,
			body: jsonBody(with(grant, owner, []string{"scope", "market:all"})...)},
			wantStatus: 200, wantUser: demoOwner},
		{name: "form", req: tokenRequest{contentType: formCT, body: formBody(with(grant, owner)...)},
			wantStatus: 200, wantUser: demoOwner},
		{name: "form viewer", req: tokenRequest{contentType: formCT,
			body: formBody("grant_type", "client_credentials", "client_id", viewerClientID, "client_secret", viewerSecret)},
			wantStatus: 200, wantUser: demoViewer},
		{name: "basic with a form body", req: tokenRequest{contentType: formCT, body: formBody(grant...),
			basic: basicAuth(ownerClientID, ownerClientSecret)},
			wantStatus: 200, wantUser: demoOwner},
		{name: "basic with a json body", req: tokenRequest{contentType: jsonCT, body: jsonBody(grant...),
			basic: basicAuth(viewerClientID, viewerSecret)},
			wantStatus: 200, wantUser: demoViewer},
		{name: "basic percent-encoded plain characters", req: tokenRequest{contentType: formCT, body: formBody(grant...),
			basic: basicAuth("demo%2Dclient%2Did", "demo%2dclient%2dsecret")},
			wantStatus: 200, wantUser: demoOwner},
		{name: "basic form-encoded special characters", dataset: specialDataset,
			req: tokenRequest{contentType: formCT, body: formBody(grant...),
				basic: basicAuthEncoded(specialClientID, specialClientSecret)},
			wantStatus: 200, wantUser: "usrSpecial"},
		{name: "json special characters", dataset: specialDataset,
			req: tokenRequest{contentType: jsonCT,
				body: jsonBody("grant_type", "client_credentials", "client_id", specialClientID, "client_secret", specialClientSecret)},
			wantStatus: 200, wantUser: "usrSpecial"},
		{name: "form special characters", dataset: specialDataset,
			req: tokenRequest{contentType: formCT,
				body: formBody("grant_type", "client_credentials", "client_id", specialClientID, "client_secret", specialClientSecret)},
			wantStatus: 200, wantUser: "usrSpecial"},

		// Refused credentials: 401 invalid_client.
		{name: "wrong secret json", req: tokenRequest{contentType: jsonCT,
			body: jsonBody("grant_type", "client_credentials", "client_id", ownerClientID, "client_secret", "nope")},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "wrong secret form", req: tokenRequest{contentType: formCT,
			body: formBody("grant_type", "client_credentials", "client_id", ownerClientID, "client_secret", ownerClientSecret+"x")},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "secret of another client", req: tokenRequest{contentType: jsonCT,
			body: jsonBody("grant_type", "client_credentials", "client_id", ownerClientID, "client_secret", viewerSecret)},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "secret in another case", req: tokenRequest{contentType: jsonCT,
			body: jsonBody("grant_type", "client_credentials", "client_id", ownerClientID, "client_secret", strings.ToUpper(ownerClientSecret))},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "wrong secret basic", req: tokenRequest{contentType: formCT, body: formBody(grant...),
			basic: basicAuth(ownerClientID, "nope")},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "unknown client", req: tokenRequest{contentType: jsonCT,
			body: jsonBody("grant_type", "client_credentials", "client_id", "nobody-client-id", "client_secret", ownerClientSecret)},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "unknown client basic", req: tokenRequest{contentType: formCT, body: formBody(grant...),
			basic: basicAuth("nobody-client-id", "whatever")},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "client id in another case", req: tokenRequest{contentType: jsonCT,
			body: jsonBody("grant_type", "client_credentials", "client_id", strings.ToUpper(ownerClientID), "client_secret", ownerClientSecret)},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "missing credentials json", req: tokenRequest{contentType: jsonCT, body: jsonBody(grant...)},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "missing credentials form", req: tokenRequest{contentType: formCT, body: formBody(grant...)},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "missing secret", req: tokenRequest{contentType: jsonCT, body: jsonBody("grant_type", "client_credentials", "client_id", ownerClientID)},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "missing client id", req: tokenRequest{contentType: jsonCT, body: jsonBody("grant_type", "client_credentials", "client_secret", ownerClientSecret)},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "empty credentials", req: tokenRequest{contentType: jsonCT,
			body: jsonBody("grant_type", "client_credentials", "client_id", "", "client_secret", "")},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "empty basic credentials", req: tokenRequest{contentType: formCT, body: formBody(grant...), basic: basicAuth("", "")},
			wantStatus: 401, wantError: "invalid_client"},
		{name: "a user's email is not a client id", req: tokenRequest{contentType: jsonCT,
			body: jsonBody("grant_type", "client_credentials", "client_id", "demo@example.com", "client_secret", ownerClientSecret)},
			wantStatus: 401, wantError: "invalid_client"},

		// Another grant, or none.
		{name: "password grant", req: tokenRequest{contentType: jsonCT, body: jsonBody(with([]string{"grant_type", "password"}, owner)...)},
			wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "authorization_code grant form", req: tokenRequest{contentType: formCT,
			body: formBody(with([]string{"grant_type", "authorization_code", "code", "abc"}, owner)...)},
			wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "grant in another case", req: tokenRequest{contentType: jsonCT, body: jsonBody(with([]string{"grant_type", "Client_Credentials"}, owner)...)},
			wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "missing grant json", req: tokenRequest{contentType: jsonCT, body: jsonBody(owner...)},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "missing grant form", req: tokenRequest{contentType: formCT, body: formBody(owner...)},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "missing grant basic", req: tokenRequest{contentType: formCT, body: "", basic: basicAuth(ownerClientID, ownerClientSecret)},
			wantStatus: 400, wantError: "invalid_request"},

		// Malformed bodies: 400 invalid_request.
		{name: "malformed json", req: tokenRequest{contentType: jsonCT, body: `{"grant_type":"client_credentials",`},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "json not an object", req: tokenRequest{contentType: jsonCT, body: `["client_credentials"]`},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "json a string", req: tokenRequest{contentType: jsonCT, body: `"client_credentials"`},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "json null", req: tokenRequest{contentType: jsonCT, body: `null`},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "json empty body", req: tokenRequest{contentType: jsonCT, body: ``},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "json number value", req: tokenRequest{contentType: jsonCT,
			body: `{"grant_type":"client_credentials","client_id":12345,"client_secret":"demo-client-secret"}`},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "json object value", req: tokenRequest{contentType: jsonCT,
			body: `{"grant_type":{"type":"client_credentials"},"client_id":"demo-client-id","client_secret":"demo-client-secret"}`},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "json null value", req: tokenRequest{contentType: jsonCT,
			body: `{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":null}`},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "json boolean value", req: tokenRequest{contentType: jsonCT,
			body: `{"grant_type":true,"client_id":"demo-client-id","client_secret":"demo-client-secret"}`},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "json array value", req: tokenRequest{contentType: jsonCT,
			body: `{"grant_type":"client_credentials","client_id":["demo-client-id"],"client_secret":"demo-client-secret"}`},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "no content type", req: tokenRequest{body: jsonBody(with(grant, owner)...)},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "text content type", req: tokenRequest{contentType: "text/plain", body: jsonBody(with(grant, owner)...)},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "form body sent as json", req: tokenRequest{contentType: jsonCT, body: formBody(with(grant, owner)...)},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "malformed form", req: tokenRequest{contentType: formCT, body: "grant_type=client_credentials&client_id=%zz"},
			wantStatus: 400, wantError: "invalid_request"},
	}

	clock := newFakeClock()
	ttl := 7200 * time.Second
	servers := map[string]*testServer{}
	server := func(t *testing.T, dataset string) *testServer {
		if s := servers[dataset]; s != nil {
			return s
		}
		data := fixtures.Demo()
		if dataset != "" {
			data = []byte(dataset)
		}
		s := mustServerWith(t, data, handlers.Config{BaseURL: testBase, Tokens: auth.NewIssuer(auth.Options{Key: testTokenKey(), TTL: ttl, Now: clock.Now})})
		servers[dataset] = s
		return s
	}
	for _, c := range cases {
		s := server(t, c.dataset)
		t.Run(c.name, func(t *testing.T) {
			before := s.dump(t)
			rec := s.postToken(c.req)
			if c.wantError != "" {
				checkOAuthError(t, rec, c.wantStatus, c.wantError)
			} else {
				tok := checkTokenResponse(t, rec, c.wantUser, ttl, clock.Now())
				mustWhoAmI(t, s, tok, c.wantUser)
			}
			if !reflect.DeepEqual(before, s.dump(t)) {
				t.Error("the token endpoint changed the data")
			}
		})
	}
}

// TestTokenLifetime checks that the configured lifetime is what the token says and what the
// response reports, and that two tokens of the same user are distinct and both valid.
func TestTokenLifetime(t *testing.T) {
	clock := newFakeClock()
	for _, ttl := range []time.Duration{time.Second, 90 * time.Second, auth.DefaultTTL} {
		s := mustServerWith(t, fixtures.Demo(), handlers.Config{BaseURL: testBase, Tokens: auth.NewIssuer(auth.Options{Key: testTokenKey(), TTL: ttl, Now: clock.Now})})
		body := tokenRequest{contentType: "application/json", body: jsonBody("grant_type", "client_credentials", "client_id", ownerClientID, "client_secret", ownerClientSecret)}
		first := checkTokenResponse(t, s.postToken(body), demoOwner, ttl, clock.Now())
		second := checkTokenResponse(t, s.postToken(body), demoOwner, ttl, clock.Now())
		if first == second {
			t.Errorf("ttl %v: two tokens issued in the same second are identical", ttl)
		}
		mustWhoAmI(t, s, first, demoOwner)
		mustWhoAmI(t, s, second, demoOwner)
	}
}

// TestTokenEndpointRouting: the token endpoint and /healthz need no token; other methods on
// the token endpoint are refused by the router.
func TestTokenEndpointRouting(t *testing.T) {
	s := mustServer(t)
	rec := s.serveRaw(httptest.NewRequest(http.MethodGet, "/healthz", nil))
	mustStatus(t, rec, http.StatusOK)

	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		rec := s.serveRaw(httptest.NewRequest(m, "/oauth/token", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s /oauth/token = %d, want 405; body: %s", m, rec.Code, rec.Body.String())
		}
	}
	// A bearer token on the token endpoint is neither needed nor in the way.
	req := httptest.NewRequest(http.MethodPost, "/oauth/token",
		strings.NewReader(jsonBody("grant_type", "client_credentials", "client_id", viewerClientID, "client_secret", viewerSecret)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.tokenFor(t, demoOwner))
	rec = s.serveRaw(req)
	mustStatus(t, rec, http.StatusOK)
	mustWhoAmI(t, s, decode(t, rec)["access_token"].(string), demoViewer)
}

// signed signs claims with the algorithm and key, for tokens the mock never issues.
func signed(tb testing.TB, method jwt.SigningMethod, claims jwt.Claims, key any) string {
	tb.Helper()
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = testKid()
	s, err := tok.SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// validClaims are claims like the mock's own for the user, valid at now.
func validClaims(user string, now time.Time) auth.Claims {
	return auth.Claims{
		User:        auth.UserClaim{ID: user},
		Application: auth.ApplicationClaim{ID: auth.ApplicationID("test-client"), Kind: "user"},
		Scope:       auth.Scope,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    auth.IssuerURL,
			IssuedAt:  jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
		},
	}
}

// mustAPIError fails unless the response is the single JSON:API error object.
func mustAPIError(tb testing.TB, rec *httptest.ResponseRecorder, status int, code, title, detail string) {
	tb.Helper()
	if rec.Code != status {
		tb.Fatalf("status = %d, want %d; body: %s", rec.Code, status, rec.Body.String())
	}
	mustHeaderMediaType(tb, rec, handlers.MediaType)
	var doc struct {
		Errors []map[string]any `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || len(doc.Errors) != 1 {
		tb.Fatalf("want one error object; body: %s", rec.Body.String())
	}
	e := doc.Errors[0]
	want := map[string]any{"title": title, "detail": detail, "code": code, "status": strconv.Itoa(status)}
	if detail == "" {
		// The detail is free text: only its presence is checked.
		if d, _ := e["detail"].(string); d == "" {
			tb.Errorf("detail = %v, want a text", e["detail"])
		}
		want["detail"] = e["detail"]
	}
	if !reflect.DeepEqual(e, want) {
		tb.Errorf("error object = %v, want %v", e, want)
	}
}

// TestAPITokenFailures sends every kind of unusable token to /api and checks the 401 and
// its code: UNAUTHORIZED for all, an expired token included (the provisioning API's code,
// on which the SDK refreshes). No refused request changes anything.
func TestAPITokenFailures(t *testing.T) {
	clock := newFakeClock()
	key := testTokenKey()
	iss := auth.NewIssuer(auth.Options{Key: key, TTL: time.Hour, Now: clock.Now})
	// The public key as an HMAC secret: the algorithm-confusion attack on RS tokens.
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	s := mustServerWith(t, fixtures.Demo(), handlers.Config{BaseURL: testBase, Tokens: iss})
	now := clock.Now()

	good, err := iss.Issue(demoOwner, ownerClientID)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good.AccessToken, ".")
	viewerPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"user":{"id":"usrViewer1"},"exp":4102444800,"iat":1700000000}`))
	// flip changes one bit of the decoded signature, which every bit of counts (a base64
	// character's spare padding bits would not).
	flip := func(s string) string {
		sig, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		sig[len(sig)/2] ^= 0x01
		return base64.RawURLEncoding.EncodeToString(sig)
	}
	expiredClaims := validClaims(demoOwner, now)
	expiredClaims.IssuedAt = jwt.NewNumericDate(now.Add(-2 * time.Hour))
	expiredClaims.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Second))
	noExp := validClaims(demoOwner, now)
	noExp.ExpiresAt = nil
	noUser := validClaims(demoOwner, now)
	noUser.User.ID = ""
	future := validClaims(demoOwner, now)
	future.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour))
	future.ExpiresAt = jwt.NewNumericDate(now.Add(2 * time.Hour))
	otherIssuer := validClaims(demoOwner, now)
	otherIssuer.Issuer = "https://auth.example.test"

	type tokCase struct {
		name          string
		authorization string // the whole header; "" sends none
		wantCode      string
	}
	bearer := func(tok string) string { return "Bearer " + tok }
	cases := []tokCase{
		{"missing header", "", "UNAUTHORIZED"},
		{"basic credentials", basicAuth(ownerClientID, ownerClientSecret), "UNAUTHORIZED"},
		{"token without scheme", good.AccessToken, "UNAUTHORIZED"},
		{"other scheme", "Token " + good.AccessToken, "UNAUTHORIZED"},
		{"bearer without token", "Bearer", "UNAUTHORIZED"},
		{"bearer and a space", "Bearer ", "UNAUTHORIZED"},
		{"bearer and spaces", "Bearer    ", "UNAUTHORIZED"},
		{"malformed", bearer("not-a-jwt"), "UNAUTHORIZED"},
		{"three empty parts", bearer(".."), "UNAUTHORIZED"},
		{"three junk parts", bearer("a.b.c"), "UNAUTHORIZED"},
		{"two parts", bearer(parts[0] + "." + parts[1]), "UNAUTHORIZED"},
		{"token twice", bearer(good.AccessToken + " " + good.AccessToken), "UNAUTHORIZED"},
		{"signature tampered", bearer(parts[0] + "." + parts[1] + "." + flip(parts[2])), "UNAUTHORIZED"},
		{"payload swapped for another user's", bearer(parts[0] + "." + viewerPayload + "." + parts[2]), "UNAUTHORIZED"},
		{"signature removed", bearer(parts[0] + "." + parts[1] + "."), "UNAUTHORIZED"},
		{"signature's last byte tampered", bearer(parts[0] + "." + parts[1] + "." + func() string {
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			sig[len(sig)-1] ^= 0x80
			return base64.RawURLEncoding.EncodeToString(sig)
		}()), "UNAUTHORIZED"},
		{"wrongly signed", bearer(signed(t, jwt.SigningMethodRS512, validClaims(demoOwner, now), otherTokenKey())), "UNAUTHORIZED"},
		{"issued by another server", bearer(func() string {
			tok, err := auth.NewIssuer(auth.Options{Key: otherTokenKey(), TTL: time.Hour, Now: clock.Now}).Issue(demoOwner, ownerClientID)
			if err != nil {
				t.Fatal(err)
			}
			return tok.AccessToken
		}()), "UNAUTHORIZED"},
		{"alg none", bearer(signed(t, jwt.SigningMethodNone, validClaims(demoOwner, now), jwt.UnsafeAllowNoneSignatureType)), "UNAUTHORIZED"},
		{"HS512 with the public key", bearer(signed(t, jwt.SigningMethodHS512, validClaims(demoOwner, now), secret)), "UNAUTHORIZED"},
		{"HS256 with the public key", bearer(signed(t, jwt.SigningMethodHS256, validClaims(demoOwner, now), secret)), "UNAUTHORIZED"},
		{"RS256 with the right key", bearer(signed(t, jwt.SigningMethodRS256, validClaims(demoOwner, now), key)), "UNAUTHORIZED"},
		{"unknown user", bearer(signed(t, jwt.SigningMethodRS512, validClaims("usrNobody1", now), key)), "UNAUTHORIZED"},
		{"unknown user issued by the server", bearer(func() string {
			tok, err := iss.Issue("usrNobody1", "x")
			if err != nil {
				t.Fatal(err)
			}
			return tok.AccessToken
		}()), "UNAUTHORIZED"},
		{"no user", bearer(signed(t, jwt.SigningMethodRS512, noUser, key)), "UNAUTHORIZED"},
		{"no exp", bearer(signed(t, jwt.SigningMethodRS512, noExp, key)), "UNAUTHORIZED"},
		{"issued in the future", bearer(signed(t, jwt.SigningMethodRS512, future, key)), "UNAUTHORIZED"},
		{"another issuer", bearer(signed(t, jwt.SigningMethodRS512, otherIssuer, key)), "UNAUTHORIZED"},
		{"another kid", bearer(func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS512, validClaims(demoOwner, now))
			tok.Header["kid"] = "another-key"
			s, err := tok.SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}()), "UNAUTHORIZED"},
		{"expired", bearer(signed(t, jwt.SigningMethodRS512, expiredClaims, key)), "UNAUTHORIZED"},
		{"expired wrongly signed", bearer(signed(t, jwt.SigningMethodRS512, expiredClaims, otherTokenKey())), "UNAUTHORIZED"},
		{"expired alg none", bearer(signed(t, jwt.SigningMethodNone, expiredClaims, jwt.UnsafeAllowNoneSignatureType)), "UNAUTHORIZED"},
	}

	// Every kind of /api endpoint: lists, retrieves, relationships, the user, writes, actions.
	// Writes carry an unacceptable Content-Type and Accept, which authentication comes before.
	endpoints := []request{
		{method: http.MethodGet, path: "/api/organizations"},
		{method: http.MethodGet, path: "/api/organizations/orgBlueBrd?include=roles"},
		{method: http.MethodGet, path: "/api/roles/rolBBAdmin/permissions"},
		{method: http.MethodGet, path: "/api/roles/rolBBAdmin/relationships/organization"},
		{method: http.MethodGet, path: "/api/user"},
		{method: http.MethodGet, path: "/api/versions/verRolMk01"},
		{method: http.MethodGet, path: "/api/roles?unknown=1", headers: hdr("Accept", "text/html")},
		{method: http.MethodHead, path: "/api/organizations"},
		{method: http.MethodPatch, path: "/api/user", body: `{"data":{"type":"users","attributes":{"first_name":"Mallory"}}}`},
		{method: http.MethodPost, path: "/api/roles", body: roleCreate},
		{method: http.MethodPost, path: "/api/roles", body: roleCreate, headers: hdr("Content-Type", "text/plain", "Accept", "text/html")},
		{method: http.MethodPatch, path: "/api/roles/rolBBMktEd", body: roleUpdate},
		{method: http.MethodDelete, path: "/api/api_credentials/apcBBErpIn"},
		{method: http.MethodPost, path: "/api/memberships/memBBJamie/resend"},
		{method: http.MethodPatch, path: "/api/organizations/orgBlueBrd/transfer_ownership",
			body: `{"data":{"type":"organizations","id":"orgBlueBrd","attributes":{"new_owner_email":"viewer@example.com"}}}`},
	}
	before := s.dump(t)
	for _, c := range cases {
		for _, ep := range endpoints {
			t.Run(c.name+"/"+ep.method+" "+ep.path, func(t *testing.T) {
				r := ep
				r.headers = map[string]string{"Authorization": c.authorization}
				for k, v := range ep.headers {
					r.headers[k] = v
				}
				rec := s.do(t, r)
				if ep.method == http.MethodHead {
					if rec.Code != http.StatusUnauthorized || rec.Body.Len() != 0 {
						t.Fatalf("HEAD = %d with %d body bytes, want 401 without a body", rec.Code, rec.Body.Len())
					}
					return
				}
				mustAPIError(t, rec, 401, c.wantCode, unauthorizedTitle, unauthorizedDetail)
			})
		}
	}
	if !reflect.DeepEqual(before, s.dump(t)) {
		t.Error("a request with an unusable token changed the data")
	}

	// The same server accepts a good token, in any case of the scheme (RFC 6750 follows
	// RFC 7235: the scheme is case-insensitive).
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		rec := s.do(t, request{path: "/api/user", headers: hdr("Authorization", scheme+" "+good.AccessToken)})
		mustStatus(t, rec, http.StatusOK)
	}
	// A token in the query string is not a token: authentication fails before the unknown
	// parameter is looked at.
	rec := s.do(t, request{path: "/api/user?access_token=" + good.AccessToken, headers: hdr("Authorization", "")})
	mustAPIError(t, rec, 401, "UNAUTHORIZED", unauthorizedTitle, unauthorizedDetail)
}

// TestRoutingBeforeAuthentication: an unknown path or an operation a type does not offer
// answers 404 or 405 whatever the token, as the real service's router decides before its
// controllers authenticate. What is answered without a token reveals nothing: it is the
// same for a record that exists and one that does not.
func TestRoutingBeforeAuthentication(t *testing.T) {
	s := mustServer(t)
	cases := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/api/nope", 404},
		{http.MethodGet, "/api", 404},
		{http.MethodGet, "/api/roles/rolBBAdmin/nope", 404},
		{http.MethodDelete, "/api/organizations/orgBlueBrd", 405},
		{http.MethodDelete, "/api/organizations/zzzzzzzzzz", 405},
		{http.MethodPut, "/api/roles/rolBBAdmin", 405},
		{http.MethodPost, "/api/versions", 405},
		{http.MethodDelete, "/api/user", 405},
		{http.MethodPost, "/api/roles/rolBBAdmin/permissions", 405},
	}
	for _, c := range cases {
		for _, authz := range []string{"", "Bearer garbage", "Bearer " + s.tokenFor(t, demoViewer)} {
			rec := s.do(t, request{method: c.method, path: c.path, headers: hdr("Authorization", authz)})
			if rec.Code != c.want {
				t.Errorf("%s %s with Authorization %q = %d, want %d; body: %s", c.method, c.path, authz, rec.Code, c.want, rec.Body.String())
				continue
			}
			mustHeaderMediaType(t, rec, handlers.MediaType)
			code := decode(t, rec)["errors"].([]any)[0].(map[string]any)["code"]
			if want := map[int]string{404: "RECORD_NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}[c.want]; code != want {
				t.Errorf("%s %s: code %v, want %s", c.method, c.path, code, want)
			}
		}
	}
}

// TestTokenExpiry: with a one-second lifetime, a request after expiry gets 401 UNAUTHORIZED
// (the provisioning API's code for it: see authenticate),
// and a token obtained afresh from the token endpoint works. The clock is the test's.
func TestTokenExpiry(t *testing.T) {
	clock := newFakeClock()
	s := mustServerWith(t, fixtures.Demo(), handlers.Config{BaseURL: testBase, Tokens: auth.NewIssuer(auth.Options{Key: testTokenKey(), TTL: time.Second, Now: clock.Now})})
	obtain := func() string {
		t.Helper()
		rec := s.postToken(tokenRequest{contentType: "application/x-www-form-urlencoded", body: formBody("grant_type", "client_credentials"),
			basic: basicAuth(viewerClientID, viewerSecret)})
		return checkTokenResponse(t, rec, demoViewer, time.Second, clock.Now())
	}
	use := func(tok string) *httptest.ResponseRecorder {
		t.Helper()
		return s.do(t, request{path: "/api/organizations", headers: hdr("Authorization", "Bearer "+tok)})
	}

	first := obtain()
	mustStatus(t, use(first), http.StatusOK)
	clock.Advance(900 * time.Millisecond)
	mustStatus(t, use(first), http.StatusOK)
	clock.Advance(100 * time.Millisecond) // at exp the token has expired (RFC 7519 4.1.4: valid before it)
	rec := use(first)
	mustAPIError(t, rec, 401, "UNAUTHORIZED", unauthorizedTitle, unauthorizedDetail)
	// Writes too, before anything else is looked at.
	rec = s.do(t, request{method: http.MethodPost, path: "/api/roles", body: `nope`, headers: hdr("Authorization", "Bearer "+first)})
	mustAPIError(t, rec, 401, "UNAUTHORIZED", unauthorizedTitle, unauthorizedDetail)

	second := obtain()
	if second == first {
		t.Fatal("the token endpoint handed out the expired token again")
	}
	mustStatus(t, use(second), http.StatusOK)
	mustWhoAmI(t, s, second, demoViewer)
	mustAPIError(t, use(first), 401, "UNAUTHORIZED", unauthorizedTitle, unauthorizedDetail)

	// And the fresh one expires in its turn.
	clock.Advance(2 * time.Second)
	mustAPIError(t, use(second), 401, "UNAUTHORIZED", unauthorizedTitle, unauthorizedDetail)
}
