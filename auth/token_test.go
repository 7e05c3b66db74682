package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/commercelayer-mock/provmock/auth"
)

// Keys are costly to make: the tests share two.
var testKeys = sync.OnceValue(func() [2]*rsa.PrivateKey {
	var keys [2]*rsa.PrivateKey
	for n := range keys {
		k, err := rsa.GenerateKey(rand.Reader, auth.KeyBits)
		if err != nil {
			panic(err)
		}
		keys[n] = k
	}
	return keys
})

func mustIssuer(t *testing.T, key *rsa.PrivateKey, ttl time.Duration, now func() time.Time) *auth.Issuer {
	t.Helper()
	return auth.NewIssuer(auth.Options{Key: key, TTL: ttl, Now: now})
}

// part decodes one part of a compact JWS as JSON.
func part(t *testing.T, token string, i int) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestIssueAndVerify(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	iss := mustIssuer(t, testKeys()[0], 2*time.Hour, clock)
	tok, err := iss.Issue("usrDemoOwn", "demo-client-id")
	if err != nil {
		t.Fatal(err)
	}
	if tok.ExpiresIn != 7200 || tok.CreatedAt != now.Unix() {
		t.Fatalf("ExpiresIn, CreatedAt = %d, %d", tok.ExpiresIn, tok.CreatedAt)
	}
	header := part(t, tok.AccessToken, 0)
	kid := iss.JWKS().Keys[0].Kid
	if want := map[string]any{"alg": "RS512", "typ": "JWT", "kid": kid}; !reflect.DeepEqual(header, want) || kid == "" {
		t.Fatalf("header = %v, want %v", header, want)
	}
	// The real payload, member for member: no sub, no jti.
	payload := part(t, tok.AccessToken, 1)
	if got, want := slices.Sorted(maps.Keys(payload)), []string{"application", "exp", "iat", "iss", "rand", "scope", "test", "user"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("payload members = %v, want %v", got, want)
	}
	r, _ := payload["rand"].(float64)
	if r < 0 || r >= 1 {
		t.Errorf("rand = %v, want a number in [0, 1)", payload["rand"])
	}
	delete(payload, "rand")
	appID := auth.ApplicationID("demo-client-id")
	want := map[string]any{
		"user":        map[string]any{"id": "usrDemoOwn"},
		"application": map[string]any{"id": appID, "kind": "user", "public": false},
		"scope":       "provisioning-api", "test": false, "iss": "https://auth.commercelayer.io",
		"iat": float64(now.Unix()), "exp": float64(now.Unix() + 7200),
	}
	if !reflect.DeepEqual(payload, want) {
		t.Fatalf("payload = %v, want %v", payload, want)
	}
	if len(appID) != 10 || appID != auth.ApplicationID("demo-client-id") || appID == auth.ApplicationID("viewer-client-id") {
		t.Errorf("application id %q: want 10 characters, stable per client", appID)
	}
	user, err := iss.Verify(tok.AccessToken)
	if err != nil || user != "usrDemoOwn" {
		t.Fatalf("Verify = %q, %v", user, err)
	}
	claims := auth.Claims{User: auth.UserClaim{ID: "usrDemoOwn"}, Scope: auth.Scope,
		RegisteredClaims: jwt.RegisteredClaims{Issuer: auth.IssuerURL, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}
	sign := func(t *testing.T, m jwt.SigningMethod, c auth.Claims, key any, kid string) string {
		t.Helper()
		tk := jwt.NewWithClaims(m, c)
		if kid != "" {
			tk.Header["kid"] = kid
		}
		s, err := tk.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("ErrExpired", func(t *testing.T) {
		now = now.Add(2*time.Hour + time.Second)
		defer func() { now = now.Add(-2*time.Hour - time.Second) }()
		if _, err := iss.Verify(tok.AccessToken); !errors.Is(err, auth.ErrExpired) {
			t.Fatalf("err = %v, want ErrExpired", err)
		}
	})
	t.Run("ErrExpiredAtIssue", func(t *testing.T) {
		old, err := iss.IssueFor("usrDemoOwn", "demo-client-id", -time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if p := part(t, old.AccessToken, 1); p["exp"] != float64(now.Unix()-60) || old.ExpiresIn != -60 {
			t.Fatalf("exp = %v, expires_in = %d", p["exp"], old.ExpiresIn)
		}
		if _, err := iss.Verify(old.AccessToken); !errors.Is(err, auth.ErrExpired) {
			t.Fatalf("err = %v, want ErrExpired", err)
		}
	})
	t.Run("ErrInvalidOtherKey", func(t *testing.T) {
		other := mustIssuer(t, testKeys()[1], time.Hour, clock)
		if _, err := other.Verify(tok.AccessToken); !errors.Is(err, auth.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
		// Even with this issuer's kid: the signature decides.
		if _, err := iss.Verify(sign(t, jwt.SigningMethodRS512, claims, testKeys()[1], kid)); !errors.Is(err, auth.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
	})
	t.Run("ErrInvalidOtherKid", func(t *testing.T) {
		if _, err := iss.Verify(sign(t, jwt.SigningMethodRS512, claims, testKeys()[0], "another")); !errors.Is(err, auth.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
		if _, err := iss.Verify(sign(t, jwt.SigningMethodRS512, claims, testKeys()[0], kid)); err != nil {
			t.Fatalf("the same token with the right kid: %v", err)
		}
	})
	t.Run("ErrInvalidAlgNone", func(t *testing.T) {
		if _, err := iss.Verify(sign(t, jwt.SigningMethodNone, claims, jwt.UnsafeAllowNoneSignatureType, kid)); !errors.Is(err, auth.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
	})
	t.Run("ErrInvalidOtherAlgorithm", func(t *testing.T) {
		for _, tc := range []struct {
			m   jwt.SigningMethod
			key any
		}{{jwt.SigningMethodRS256, testKeys()[0]}, {jwt.SigningMethodHS512, []byte("secret")}} {
			if _, err := iss.Verify(sign(t, tc.m, claims, tc.key, kid)); !errors.Is(err, auth.ErrInvalid) {
				t.Fatalf("%s: err = %v, want ErrInvalid", tc.m.Alg(), err)
			}
		}
	})
	t.Run("ErrInvalidMalformed", func(t *testing.T) {
		for _, s := range []string{"", "abc", "a.b.c", tok.AccessToken + "x"} {
			if _, err := iss.Verify(s); !errors.Is(err, auth.ErrInvalid) {
				t.Fatalf("Verify(%q) err = %v, want ErrInvalid", s, err)
			}
		}
	})
	t.Run("ErrInvalidNoUserOrIssuer", func(t *testing.T) {
		noUser := claims
		noUser.User.ID = ""
		otherIss := claims
		otherIss.Issuer = "https://elsewhere.example"
		for _, c := range []auth.Claims{noUser, otherIss} {
			if _, err := iss.Verify(sign(t, jwt.SigningMethodRS512, c, testKeys()[0], kid)); !errors.Is(err, auth.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		}
	})
}

// TestJWKSVerifiesTokens verifies a token as js-auth's jwtVerify does: the key whose kid
// is the token's, from the served n and e, RS512.
func TestJWKSVerifiesTokens(t *testing.T) {
	iss := mustIssuer(t, testKeys()[0], 0, nil)
	tok, err := iss.Issue("usrDemoOwn", "demo-client-id")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := json.Marshal(iss.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	var jwks struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(doc, &jwks); err != nil || len(jwks.Keys) != 1 {
		t.Fatalf("JWKS %s: %v", doc, err)
	}
	k := jwks.Keys[0]
	if got := slices.Sorted(maps.Keys(map[string]any{"kty": 0, "n": 0, "e": 0, "kid": 0, "alg": 0, "use": 0})); !reflect.DeepEqual(got, func() []string {
		m := map[string]any{}
		for key := range k {
			m[key] = 0
		}
		return slices.Sorted(maps.Keys(m))
	}()) {
		t.Fatalf("JWK members = %v", k)
	}
	if k["kty"] != "RSA" || k["e"] != "AQAB" || k["alg"] != "RS512" || k["use"] != "sig" {
		t.Fatalf("JWK = %v", k)
	}
	n, err := base64.RawURLEncoding.DecodeString(k["n"])
	if err != nil {
		t.Fatal(err)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
	parsed, err := jwt.Parse(tok.AccessToken, func(t *jwt.Token) (any, error) {
		if t.Header["kid"] != k["kid"] {
			return nil, errors.New("kid differs from the JWKS's")
		}
		return pub, nil
	}, jwt.WithValidMethods([]string{"RS512"}))
	if err != nil || !parsed.Valid {
		t.Fatalf("token does not verify with the served key: %v", err)
	}
}

func TestRevoke(t *testing.T) {
	iss := mustIssuer(t, testKeys()[0], 0, nil)
	a, _ := iss.Issue("usrDemoOwn", "demo-client-id")
	b, _ := iss.Issue("usrDemoOwn", "demo-client-id") // same second: rand tells them apart
	if a.AccessToken == b.AccessToken {
		t.Fatal("two tokens of one client in one second are the same")
	}
	if _, err := iss.Verify(a.AccessToken); err != nil { // now in the verified cache
		t.Fatal(err)
	}
	if err := iss.Revoke(a.AccessToken, "viewer-client-id"); !errors.Is(err, auth.ErrNotOwner) {
		t.Fatalf("revoke by another client: %v, want ErrNotOwner", err)
	}
	if _, err := iss.Verify(a.AccessToken); err != nil {
		t.Fatalf("refused revocation revoked the token: %v", err)
	}
	if err := iss.Revoke(a.AccessToken, "demo-client-id"); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Verify(a.AccessToken); !errors.Is(err, auth.ErrRevoked) || !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("revoked token: %v, want ErrRevoked (an ErrInvalid)", err)
	}
	if _, err := iss.Verify(b.AccessToken); err != nil {
		t.Fatalf("the other token was revoked too: %v", err)
	}
	if err := iss.Revoke("not-a-token", "demo-client-id"); err != nil {
		t.Fatalf("revoking garbage: %v, want nil (RFC 7009)", err)
	}
}

// writeKey writes the key as PEM in the given format.
func writeKey(t *testing.T, key *rsa.PrivateKey, pkcs8 bool) string {
	t.Helper()
	block := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}
	if pkcs8 {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadKey: issuers with the key of one file accept each other's tokens, as two starts
// of the mock with one --token-key do.
func TestLoadKey(t *testing.T) {
	for _, pkcs8 := range []bool{false, true} {
		path := writeKey(t, testKeys()[0], pkcs8)
		k1, err := auth.LoadKey(path)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := auth.LoadKey(path)
		if err != nil {
			t.Fatal(err)
		}
		first, second := mustIssuer(t, k1, 0, nil), mustIssuer(t, k2, 0, nil)
		tok, _ := first.Issue("usrDemoOwn", "demo-client-id")
		if user, err := second.Verify(tok.AccessToken); err != nil || user != "usrDemoOwn" {
			t.Fatalf("pkcs8=%v: a token of the first issuer at the second: %q, %v", pkcs8, user, err)
		}
	}
	dir := t.TempDir()
	bad := map[string]string{"empty.pem": "", "other.pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"garbage.pem": "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"}
	for name, text := range bad {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := auth.LoadKey(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want an error naming the file", name, err)
		}
	}
	if _, err := auth.LoadKey(filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("a missing file loaded")
	}
}

// TestGeneratedKeyPerIssuer: without a key, each issuer makes its own, on first use.
func TestGeneratedKeyPerIssuer(t *testing.T) {
	a := mustIssuer(t, nil, 0, nil)
	b := mustIssuer(t, nil, 0, nil)
	a.Prepare()
	if a.TTL() != auth.DefaultTTL {
		t.Fatalf("TTL = %v", a.TTL())
	}
	tok, err := a.Issue("u", "c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(tok.AccessToken); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("a token of one generated key verified with another: %v", err)
	}
	if a.JWKS().Keys[0].Kid == b.JWKS().Keys[0].Kid {
		t.Fatal("two generated keys share a kid")
	}
}

func TestApplicationOfAToken(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	iss := mustIssuer(t, testKeys()[0], time.Hour, func() time.Time { return now })
	tok, err := iss.Issue("usrDemoOwn", "demo-client-id")
	if err != nil {
		t.Fatal(err)
	}
	// Twice: the second answer comes from the verified-token cache.
	for range 2 {
		if app, err := iss.Application(tok.AccessToken); err != nil || app != auth.ApplicationID("demo-client-id") {
			t.Fatalf("Application = %q, %v", app, err)
		}
	}
	other := mustIssuer(t, testKeys()[1], time.Hour, nil)
	if app, err := other.Application(tok.AccessToken); !errors.Is(err, auth.ErrInvalid) || app != "" {
		t.Fatalf("a token another issuer signed: %q, %v", app, err)
	}
}
