package auth

import (
	"errors"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// IMSFamily is the family claim of every IMS token: the Adobe family accepts only tokens
// that carry it, and the Provisioning API refuses them.
const IMSFamily = "adobe"

// DefaultIMSTTL is the lifetime of an IMS access token unless configured: IMS's 24 hours.
const DefaultIMSTTL = 24 * time.Hour

// IMSClaims are the payload of an IMS access token, shaped like Adobe IMS's: created_at and
// expires_in are millisecond counts written as strings, which some Adobe libraries read the
// expiry from. Family tells the mock's two families' tokens apart.
type IMSClaims struct {
	Type      string `json:"type"`
	ClientID  string `json:"client_id"`
	UserID    string `json:"user_id"`
	Org       string `json:"org"`
	As        string `json:"as"`
	Scope     string `json:"scope"`
	CreatedAt string `json:"created_at"`
	ExpiresIn string `json:"expires_in"`
	Family    string `json:"family"`
	jwt.RegisteredClaims
}

// IMSToken is a signed IMS token and its lifetime.
type IMSToken struct {
	AccessToken string
	TTL         time.Duration
}

// IssueIMS signs an IMS access token of the given lifetime (negative: already expired) for
// an integration: its client id, technical account, IMS org and the scopes asked for.
func (i *Issuer) IssueIMS(clientID, userID, org, scope string, ttl time.Duration) (IMSToken, error) {
	key, kid := i.signingKey()
	now := i.now()
	ttl = ttl.Truncate(time.Millisecond)
	claims := IMSClaims{
		Type: "access_token", ClientID: clientID, UserID: userID, Org: org, As: "ims-na1", Scope: scope,
		CreatedAt: strconv.FormatInt(now.UnixMilli(), 10), ExpiresIn: strconv.FormatInt(ttl.Milliseconds(), 10),
		Family:           IMSFamily,
		RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(now.Add(ttl))},
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS512, claims)
	tok.Header["kid"] = kid
	signed, err := tok.SignedString(key)
	if err != nil {
		return IMSToken{}, err
	}
	return IMSToken{AccessToken: signed, TTL: ttl}, nil
}

// VerifiedIMS reports whether the token is one VerifyIMS accepted lately: a cheap test of
// its family, for a caller that would otherwise check it as the other family's first.
func (i *Issuer) VerifiedIMS(token string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	_, ok := i.imsVerified[token]
	return ok
}

// VerifyIMS checks an IMS token's signature, algorithm, key id, family and expiry and returns
// its claims. A Provisioning token is ErrInvalid.

func (i *Issuer) VerifyIMS(token string) (*IMSClaims, error) {
	i.mu.Lock()
	c, ok := i.imsVerified[token]
	i.mu.Unlock()
	if ok {
		if !i.now().Before(c.ExpiresAt.Time) {
			return nil, ErrExpired
		}
		return c, nil
	}
	key, kid := i.signingKey()
	var claims IMSClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		if t.Header["kid"] != kid {
			return nil, ErrInvalid
		}
		return &key.PublicKey, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodRS512.Alg()}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(i.now))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, ErrExpired
	case err != nil, claims.Family != IMSFamily, claims.Type != "access_token", claims.ClientID == "", claims.Org == "":
		return nil, ErrInvalid
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.imsVerified == nil || len(i.imsVerified) >= maxVerified {
		i.imsVerified = map[string]*IMSClaims{}
	}
	i.imsVerified[token] = &claims
	return &claims, nil
}
