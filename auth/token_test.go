package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/commercelayer-mock/provmock/auth"
)

func mustIssuer(t *testing.T, secret string, ttl time.Duration, now func() time.Time) *auth.Issuer {
	t.Helper()
	return auth.NewIssuer(secret, ttl, now)
}

func TestIssueAndVerify(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	iss := mustIssuer(t, "s3cret", time.Hour, clock)
	tok, err := iss.Issue("usrDemoOwn", "demo-client-id")
	if err != nil {
		t.Fatal(err)
	}
	if tok.ExpiresIn != 3600 || tok.CreatedAt != now.Unix() {
		t.Fatalf("ExpiresIn, CreatedAt = %d, %d", tok.ExpiresIn, tok.CreatedAt)
	}
	// The SDK decodes the payload without verifying it to read exp.
	var claims auth.Claims
	if _, _, err := jwt.NewParser().ParseUnverified(tok.AccessToken, &claims); err != nil {
		t.Fatal(err)
	}
	if got, want := claims.ExpiresAt.Unix(), now.Add(time.Hour).Unix(); got != want {
		t.Fatalf("exp = %d, want %d", got, want)
	}
	if claims.IssuedAt.Unix() != now.Unix() || claims.User.ID != "usrDemoOwn" || claims.Scope != auth.Scope {
		t.Fatalf("claims = %+v", claims)
	}
	user, err := iss.Verify(tok.AccessToken)
	if err != nil || user != "usrDemoOwn" {
		t.Fatalf("Verify = %q, %v", user, err)
	}

	t.Run("ErrExpired", func(t *testing.T) {
		now = now.Add(time.Hour + time.Second)
		defer func() { now = now.Add(-time.Hour - time.Second) }()
		if _, err := iss.Verify(tok.AccessToken); !errors.Is(err, auth.ErrExpired) {
			t.Fatalf("err = %v, want ErrExpired", err)
		}
	})
	t.Run("ErrInvalidOtherSecret", func(t *testing.T) {
		other := mustIssuer(t, "another", time.Hour, clock)
		if _, err := other.Verify(tok.AccessToken); !errors.Is(err, auth.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
	})
	t.Run("ErrInvalidAlgNone", func(t *testing.T) {
		unsigned, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := iss.Verify(unsigned); !errors.Is(err, auth.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
	})
	t.Run("ErrInvalidOtherAlgorithm", func(t *testing.T) {
		hs512, err := jwt.NewWithClaims(jwt.SigningMethodHS512, claims).SignedString([]byte("s3cret"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := iss.Verify(hs512); !errors.Is(err, auth.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
	})
	t.Run("ErrInvalidMalformed", func(t *testing.T) {
		for _, s := range []string{"", "abc", "a.b.c", tok.AccessToken + "x"} {
			if _, err := iss.Verify(s); !errors.Is(err, auth.ErrInvalid) {
				t.Fatalf("Verify(%q) err = %v, want ErrInvalid", s, err)
			}
		}
	})
	t.Run("ErrInvalidNoUser", func(t *testing.T) {
		c := claims
		c.User.ID = ""
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte("s3cret"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := iss.Verify(s); !errors.Is(err, auth.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
	})
}

func TestRandomSecretPerIssuer(t *testing.T) {
	a := mustIssuer(t, "", 0, nil)
	b := mustIssuer(t, "", 0, nil)
	if a.TTL() != auth.DefaultTTL {
		t.Fatalf("TTL = %v", a.TTL())
	}
	tok, err := a.Issue("u", "c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(tok.AccessToken); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("a token of one random-secret issuer verified with another: %v", err)
	}
}

func TestApplicationOfAToken(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	iss := mustIssuer(t, "s3cret", time.Hour, func() time.Time { return now })
	tok, err := iss.Issue("usrDemoOwn", "demo-client-id")
	if err != nil {
		t.Fatal(err)
	}
	// Twice: the second answer comes from the verified-token cache.
	for range 2 {
		if app, err := iss.Application(tok.AccessToken); err != nil || app != "demo-client-id" {
			t.Fatalf("Application = %q, %v", app, err)
		}
	}
	other := mustIssuer(t, "another", time.Hour, nil)
	if app, err := other.Application(tok.AccessToken); !errors.Is(err, auth.ErrInvalid) || app != "" {
		t.Fatalf("a token another issuer signed: %q, %v", app, err)
	}
}
