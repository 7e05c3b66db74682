package handlers_test

import (
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
)

// TestJWKSEndpoint: GET /.well-known/jwks.json serves the key in the real service's shape,
// and a token from the token endpoint verifies with it as js-auth's jwtVerify verifies:
// the key whose kid is the token's, RS512.
func TestJWKSEndpoint(t *testing.T) {
	clock := newFakeClock()
	s := mustServerWith(t, fixtures.Demo(), handlers.Config{BaseURL: testBase, Tokens: auth.NewIssuer(auth.Options{Key: testTokenKey(), Now: clock.Now})})
	rec := s.serveRaw(httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	mustStatus(t, rec, http.StatusOK)
	mustHeaderMediaType(t, rec, "application/json")
	doc := decode(t, rec)
	list, _ := doc["keys"].([]any)
	if len(doc) != 1 || len(list) != 1 {
		t.Fatalf("JWKS = %s, want one key under keys", rec.Body.String())
	}
	jwk := list[0].(map[string]any)
	n, _ := jwk["n"].(string)
	want := map[string]any{"kty": "RSA", "n": n, "e": "AQAB", "kid": testKid(), "alg": "RS512", "use": "sig"}
	if !reflect.DeepEqual(jwk, want) {
		t.Fatalf("JWK = %v, want %v", jwk, want)
	}
	modulus, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(modulus) != auth.KeyBits/8 {
		t.Fatalf("n is not a %d-bit base64url modulus: %v", auth.KeyBits, err)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(modulus), E: 65537}

	tok := checkTokenResponse(t, s.postToken(tokenRequest{contentType: "application/json",
		body: jsonBody("grant_type", "client_credentials", "client_id", ownerClientID, "client_secret", ownerClientSecret)}),
		demoOwner, auth.DefaultTTL, clock.Now())
	keyFor := func(t *jwt.Token) (any, error) {
		if t.Header["kid"] != jwk["kid"] {
			return nil, errors.New("no key with the token's kid")
		}
		return pub, nil
	}
	if _, err := jwt.Parse(tok, keyFor, jwt.WithValidMethods([]string{"RS512"}), jwt.WithTimeFunc(clock.Now)); err != nil {
		t.Fatalf("the token does not verify with the served key: %v", err)
	}
	// Another server's token does not.
	other, err := auth.NewIssuer(auth.Options{Key: otherTokenKey()}).Issue(demoOwner, ownerClientID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwt.Parse(other.AccessToken, func(*jwt.Token) (any, error) { return pub, nil }, jwt.WithValidMethods([]string{"RS512"})); err == nil {
		t.Fatal("another key's token verified with the served key")
	}
}

// TestRevokeEndpoint: POST /oauth/revoke with the client's credentials and the token
// revokes it, after which /api answers 401; the client's other tokens keep working.
func TestRevokeEndpoint(t *testing.T) {
	s := mustServer(t)
	obtain := func(id, secret string) string {
		t.Helper()
		rec := s.postToken(tokenRequest{contentType: "application/json",
			body: jsonBody("grant_type", "client_credentials", "client_id", id, "client_secret", secret)})
		mustStatus(t, rec, http.StatusOK)
		return decode(t, rec)["access_token"].(string)
	}
	revoke := func(contentType, body, basic string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/oauth/revoke", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if basic != "" {
			req.Header.Set("Authorization", basic)
		}
		return s.serveRaw(req)
	}
	mustRevoked := func(rec *httptest.ResponseRecorder) {
		t.Helper()
		mustStatus(t, rec, http.StatusOK)
		mustHeaderMediaType(t, rec, "application/json")
		if got := decode(t, rec); len(got) != 0 {
			t.Fatalf("revoke answered %v, want {}", got)
		}
	}
	useToken := func(tok string) *httptest.ResponseRecorder {
		return s.do(t, request{path: "/api/user", headers: hdr("Authorization", "Bearer "+tok)})
	}

	first, second := obtain(ownerClientID, ownerClientSecret), obtain(ownerClientID, ownerClientSecret)
	mustStatus(t, useToken(first), http.StatusOK)

	// Refused: bad credentials, no token, another client's token. The token still works.
	checkOAuthError(t, revoke("application/json", jsonBody("client_id", ownerClientID, "client_secret", "wrong", "token", first), ""), 401, "invalid_client")
	checkOAuthError(t, revoke("application/json", jsonBody("client_id", ownerClientID, "client_secret", ownerClientSecret), ""), 400, "invalid_request")
	checkOAuthError(t, revoke("application/json", jsonBody("client_id", viewerClientID, "client_secret", viewerSecret, "token", first), ""), 403, "unauthorized_client")
	mustStatus(t, useToken(first), http.StatusOK)

	// Revoked, in a JSON body as js-auth sends it: 401 from then on.
	mustRevoked(revoke("application/json", jsonBody("client_id", ownerClientID, "client_secret", ownerClientSecret, "token", first), ""))
	mustAPIError(t, useToken(first), 401, "UNAUTHORIZED", unauthorizedTitle, unauthorizedDetail)
	mustStatus(t, useToken(second), http.StatusOK)
	// Again, and an unknown token: success, as RFC 7009 has it.
	mustRevoked(revoke("application/json", jsonBody("client_id", ownerClientID, "client_secret", ownerClientSecret, "token", first), ""))
	mustRevoked(revoke("application/json", jsonBody("client_id", ownerClientID, "client_secret", ownerClientSecret, "token", "not-a-token"), ""))

	// A form body with HTTP Basic credentials works too.
	mustRevoked(revoke("application/x-www-form-urlencoded", formBody("token", second), basicAuth(ownerClientID, ownerClientSecret)))
	mustAPIError(t, useToken(second), 401, "UNAUTHORIZED", unauthorizedTitle, unauthorizedDetail)
	// A new token of the same client is unaffected.
	mustStatus(t, useToken(obtain(ownerClientID, ownerClientSecret)), http.StatusOK)
}

// TestExpiredTokenCode pins the decision on expired tokens: the provisioning API answers
// 401 UNAUTHORIZED (the provisioning SDK's isExpiredTokenError: "Error code in provisioning
// api differs from core api", whose code is INVALID_TOKEN), the very error of any unusable
// token, on which the SDK refreshes.
func TestExpiredTokenCode(t *testing.T) {
	clock := newFakeClock()
	iss := auth.NewIssuer(auth.Options{Key: testTokenKey(), Now: clock.Now})
	s := mustServerWith(t, fixtures.Demo(), handlers.Config{BaseURL: testBase, Tokens: iss})
	tok, err := iss.IssueFor(demoOwner, ownerClientID, -time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rec := s.do(t, request{path: "/api/organizations", headers: hdr("Authorization", "Bearer "+tok.AccessToken)})
	mustAPIError(t, rec, 401, "UNAUTHORIZED", unauthorizedTitle, unauthorizedDetail)
}
