package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Scope is the scope of every Provisioning API token.
const Scope = "provisioning-api"

// IssuerURL is the iss claim of every token: the real auth service's address. js-auth's
// jwtVerify and revoke derive their URLs from it (anything not starting with
// https://auth. becomes https://auth.commercelayer.io), so no address of the mock could
// be put here that they would use; clients reach the mock by mapping the host instead.
const IssuerURL = "https://auth.commercelayer.io"

// DefaultTTL is the lifetime of a token unless configured: the real service's two hours.
const DefaultTTL = 7200 * time.Second

// KeyBits is the size of the RSA key generated when none is given.
const KeyBits = 2048

// ErrExpired means the token was genuine but its exp has passed.
var ErrExpired = errors.New("auth: token expired")

// ErrInvalid means anything else wrong with a token: malformed, wrongly signed, another
// algorithm (alg none included), another key id, missing claims, or revoked.
var ErrInvalid = errors.New("auth: invalid token")

// ErrRevoked is the ErrInvalid of a token revoked before its expiry.
var ErrRevoked = fmt.Errorf("%w: revoked", ErrInvalid)

// ErrNotOwner means a client asked to revoke a token that another client obtained.
var ErrNotOwner = errors.New("auth: the token belongs to another client")

// Claims are the payload of an access token, as Commerce Layer's provisioning tokens are
// shaped: user, application, scope, exp, iat, test, rand and iss; no sub, no jti.
type Claims struct {
	User        UserClaim        `json:"user"`
	Application ApplicationClaim `json:"application"`
	Scope       string           `json:"scope"`
	Test        bool             `json:"test"`
	// Rand is a random number below one; it also tells apart two tokens of one client
	// issued in the same second, so that revoking one leaves the other alone.
	Rand float64 `json:"rand"`
	// Family is never set on these tokens: an IMS token carries it, and is refused.
	Family string `json:"family,omitempty"`
	jwt.RegisteredClaims
}

// UserClaim names the user a token acts for.
type UserClaim struct {
	ID string `json:"id"`
}

// ApplicationClaim describes the application (client) that obtained the token.
type ApplicationClaim struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Public bool   `json:"public"`
}

// Options configure an issuer.
type Options struct {
	// Key signs the tokens; nil is a new KeyBits-bit key, generated on first use (or when
	// Prepare is called), so tokens do not survive a restart.
	Key *rsa.PrivateKey
	TTL time.Duration    // <= 0 is DefaultTTL
	Now func() time.Time // nil is time.Now
}

// Issuer signs, verifies and revokes access tokens with one RSA key (RS512).
type Issuer struct {
	ttl time.Duration
	now func() time.Time

	prepare  sync.Once
	keyReady chan struct{} // closed once key and kid are set
	key      *rsa.PrivateKey
	kid      string

	// verified remembers tokens whose signature checked out, with their user and expiry,
	// so that a client sending the same token again is not verified again: the expiry is
	// still checked on every use. Bounded: emptied when full. revoked holds the revoked
	// tokens until they expire.
	mu       sync.Mutex
	verified map[string]verifiedToken
	revoked  map[string]time.Time
	// imsVerified is verified's counterpart for IMS tokens.
	imsVerified map[string]*IMSClaims
}

type verifiedToken struct {
	user, application string
	expires           time.Time
}

// maxVerified bounds the verified-token cache.
const maxVerified = 4096

// NewIssuer returns an issuer.
func NewIssuer(opts Options) *Issuer {
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	i := &Issuer{ttl: opts.TTL, now: opts.Now, keyReady: make(chan struct{}),
		verified: map[string]verifiedToken{}, revoked: map[string]time.Time{}}
	if opts.Key != nil {
		i.prepare.Do(func() { i.setKey(opts.Key) })
	}
	return i
}

// Prepare starts generating the key in the background, if it must be generated, so that
// the first token does not wait for it; it returns at once.
func (i *Issuer) Prepare() {
	i.prepare.Do(func() {
		go func() {
			key, err := rsa.GenerateKey(rand.Reader, KeyBits)
			if err != nil {
				panic(fmt.Sprintf("auth: generating the signing key: %v", err)) // crypto/rand never fails
			}
			i.setKey(key)
		}()
	})
}

func (i *Issuer) setKey(key *rsa.PrivateKey) {
	i.key, i.kid = key, keyID(&key.PublicKey)
	close(i.keyReady)
}

// signingKey waits for the key, starting its generation if nobody has.
func (i *Issuer) signingKey() (*rsa.PrivateKey, string) {
	i.Prepare()
	<-i.keyReady
	return i.key, i.kid
}

// keyID is the key's RFC 7638 thumbprint: the same key file gives the same kid.
func keyID(pub *rsa.PublicKey) string {
	jwk, _ := json.Marshal(struct {
		E   string `json:"e"`
		Kty string `json:"kty"`
		N   string `json:"n"`
	}{b64(big.NewInt(int64(pub.E)).Bytes()), "RSA", b64(pub.N.Bytes())})
	sum := sha256.Sum256(jwk)
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// LoadKey reads an RSA private key from a PEM file, PKCS #1 ("RSA PRIVATE KEY") or
// PKCS #8 ("PRIVATE KEY").
func LoadKey(path string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("token key %s: no PEM block", path)
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("token key %s: %w", path, err)
		}
		return key, nil
	case "PRIVATE KEY":
		parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("token key %s: %w", path, err)
		}
		key, ok := parsed.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("token key %s: not an RSA key", path)
		}
		return key, nil
	}
	return nil, fmt.Errorf("token key %s: PEM block %q is not an RSA private key", path, block.Type)
}

// TTL returns the lifetime of the tokens this issuer signs.
func (i *Issuer) TTL() time.Duration { return i.ttl }

// JWK is a public key as the JWKS endpoint serves it.
type JWK struct {
	Kty string `json:"kty"`
	N   string `json:"n"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS is the document of /.well-known/jwks.json.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWKS returns the public key that verifies this issuer's tokens.
func (i *Issuer) JWKS() JWKS {
	key, kid := i.signingKey()
	pub := key.PublicKey
	return JWKS{Keys: []JWK{{
		Kty: "RSA", N: b64(pub.N.Bytes()), E: b64(big.NewInt(int64(pub.E)).Bytes()),
		Kid: kid, Alg: jwt.SigningMethodRS512.Alg(), Use: "sig",
	}}}
}

// Token is a signed token and what the token endpoint reports about it.
type Token struct {
	AccessToken string
	ExpiresIn   int64
	CreatedAt   int64
}

// ApplicationID is the 10-letter application id a client's tokens carry, derived from
// its client id so that it is the same at every start.
func ApplicationID(clientID string) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	sum := sha256.Sum256([]byte(clientID))
	id := make([]byte, 10)
	for n := range id {
		id[n] = letters[int(sum[n])%len(letters)]
	}
	return string(id)
}

// Issue signs a token of the issuer's lifetime for the user, obtained by the client with
// that id.
func (i *Issuer) Issue(userID, clientID string) (Token, error) {
	return i.IssueFor(userID, clientID, i.ttl)
}

// IssueFor signs a token with the given lifetime, which may be negative: the token is then
// already expired.
func (i *Issuer) IssueFor(userID, clientID string, ttl time.Duration) (Token, error) {
	key, kid := i.signingKey()
	now := i.now()
	ttl = ttl.Truncate(time.Second)
	claims := Claims{
		User:        UserClaim{ID: userID},
		Application: ApplicationClaim{ID: ApplicationID(clientID), Kind: "user", Public: false},
		Scope:       Scope,
		Rand:        mrand.Float64(),
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    IssuerURL,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS512, claims)
	tok.Header["kid"] = kid
	signed, err := tok.SignedString(key)
	if err != nil {
		return Token{}, err
	}
	return Token{AccessToken: signed, ExpiresIn: int64(ttl / time.Second), CreatedAt: now.Unix()}, nil
}

// Verify checks a token's signature, algorithm, key id, expiry and revocation and returns
// the user it acts for.
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
	_, revoked := i.revoked[token]
	i.mu.Unlock()
	if revoked {
		return verifiedToken{}, ErrRevoked
	}
	if ok {
		if !i.now().Before(v.expires) {
			return verifiedToken{}, ErrExpired
		}
		return v, nil
	}
	claims, err := i.parse(token, false)
	if err != nil {
		return verifiedToken{}, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if _, revoked := i.revoked[token]; revoked {
		return verifiedToken{}, ErrRevoked // revoked while it was being verified
	}
	if len(i.verified) >= maxVerified {
		clear(i.verified)
	}
	v = verifiedToken{user: claims.User.ID, application: claims.Application.ID, expires: claims.ExpiresAt.Time}
	i.verified[token] = v
	return v, nil
}

// Revoke revokes a token that the client with that id obtained. A token that is not one
// of this issuer's, or has expired, is ignored (RFC 7009 answers success for those); one
// that another client obtained is ErrNotOwner.
func (i *Issuer) Revoke(token, clientID string) error {
	claims, err := i.parse(token, true)
	if err != nil {
		return nil
	}
	if claims.Application.ID != ApplicationID(clientID) {
		return ErrNotOwner
	}
	now := i.now()
	i.mu.Lock()
	defer i.mu.Unlock()
	for t, exp := range i.revoked {
		if !now.Before(exp) {
			delete(i.revoked, t) // expired anyway: no need to remember it
		}
	}
	if now.Before(claims.ExpiresAt.Time) {
		i.revoked[token] = claims.ExpiresAt.Time
	}
	delete(i.verified, token)
	return nil
}

// parse verifies a token's signature and claims; expired tokens are ErrExpired unless
// allowExpired.
func (i *Issuer) parse(token string, allowExpired bool) (*Claims, error) {
	key, kid := i.signingKey()
	var claims Claims
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodRS512.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(IssuerURL),
		jwt.WithTimeFunc(i.now),
	}
	_, err := jwt.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		if t.Header["kid"] != kid {
			return nil, ErrInvalid
		}
		return &key.PublicKey, nil
	}, opts...)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired) && !allowExpired:
		return nil, ErrExpired
	case errors.Is(err, jwt.ErrTokenExpired) && claims.ExpiresAt != nil:
		// the signature checked out before the expiry was looked at
	case err != nil:
		return nil, ErrInvalid
	}
	if claims.User.ID == "" || claims.Family != "" {
		return nil, ErrInvalid
	}
	return &claims, nil
}
