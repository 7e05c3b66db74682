package auth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Scope is the scope of every Provisioning API token.
const Scope = "provisioning-api"

// DefaultTTL is the lifetime of a token unless configured: the real service's two hours.
const DefaultTTL = 7200 * time.Second

// ErrExpired means the token was genuine but its exp has passed: the API answers
// INVALID_TOKEN and the SDK refreshes.
var ErrExpired = errors.New("auth: token expired")

// ErrInvalid means anything else wrong with a token: malformed, wrongly signed, another
// algorithm (alg none included), or missing claims.
var ErrInvalid = errors.New("auth: invalid token")

// Claims are the payload of an access token, shaped like Commerce Layer's.
type Claims struct {
	User        UserClaim        `json:"user"`
	Application ApplicationClaim `json:"application"`
	Scope       string           `json:"scope"`
	jwt.RegisteredClaims
}

// UserClaim names the user a token acts for.
type UserClaim struct {
	ID string `json:"id"`
}

// ApplicationClaim describes the client that obtained the token.
type ApplicationClaim struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
}

// Issuer signs and verifies tokens with one secret.
type Issuer struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time

	// verified remembers tokens whose signature checked out, with their user and expiry,
	// so that a client sending the same token again is not verified again: the expiry is
	// still checked on every use. Bounded: emptied when full.
	mu       sync.Mutex
	verified map[string]verifiedToken
}

type verifiedToken struct {
	user, application string
	expires           time.Time
}

// maxVerified bounds the verified-token cache.
const maxVerified = 4096

// NewIssuer returns an issuer. An empty secret is replaced by a random one, so tokens do
// not survive a restart; ttl <= 0 means DefaultTTL; now nil means time.Now.
func NewIssuer(secret string, ttl time.Duration, now func() time.Time) *Issuer {
	key := []byte(secret)
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key) // crypto/rand.Read never fails (it crashes the program instead)
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Issuer{secret: key, ttl: ttl, now: now, verified: map[string]verifiedToken{}}
}

// TTL returns the lifetime of the tokens this issuer signs.
func (i *Issuer) TTL() time.Duration { return i.ttl }

// Token is a signed token and what the token endpoint reports about it.
type Token struct {
	AccessToken string
	ExpiresIn   int64
	CreatedAt   int64
}

// Issue signs a token for the user, obtained by the client with that id.
func (i *Issuer) Issue(userID, clientID string) (Token, error) {
	now := i.now()
	claims := Claims{
		User:        UserClaim{ID: userID},
		Application: ApplicationClaim{ID: clientID, Kind: "user"},
		Scope:       Scope,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   userID,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(i.ttl)),
			ID:        randomID(),
		},
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(i.secret)
	if err != nil {
		return Token{}, err
	}
	return Token{AccessToken: signed, ExpiresIn: int64(i.ttl / time.Second), CreatedAt: now.Unix()}, nil
}

// Verify checks a token's signature, algorithm and expiry and returns the user it acts for.
func (i *Issuer) Verify(token string) (string, error) {
	v, err := i.check(token)
	return v.user, err
}

// Application checks a token as Verify does and returns the id of the application (the
// client) that obtained it: what the rate limits count against.
func (i *Issuer) Application(token string) (string, error) {
	v, err := i.check(token)
	return v.application, err
}

func (i *Issuer) check(token string) (verifiedToken, error) {
	i.mu.Lock()
	v, ok := i.verified[token]
	i.mu.Unlock()
	if ok {
		if !i.now().Before(v.expires) {
			return verifiedToken{}, ErrExpired
		}
		return v, nil
	}
	v, err := i.verify(token)
	if err != nil {
		return verifiedToken{}, err
	}
	i.mu.Lock()
	if len(i.verified) >= maxVerified {
		clear(i.verified)
	}
	i.verified[token] = v
	i.mu.Unlock()
	return v, nil
}

func (i *Issuer) verify(token string) (verifiedToken, error) {
	var claims Claims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return i.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(i.now),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return verifiedToken{}, ErrExpired
	case err != nil:
		return verifiedToken{}, ErrInvalid
	case claims.User.ID == "":
		return verifiedToken{}, ErrInvalid
	}
	return verifiedToken{user: claims.User.ID, application: claims.Application.ID, expires: claims.ExpiresAt.Time}, nil
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b[:])
}
