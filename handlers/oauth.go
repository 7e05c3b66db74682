package handlers

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/apierror"
	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/frontdoor"
	"github.com/commercelayer-mock/provmock/store"
)

// oauthError is an error of the auth service. The real one (Doorkeeper underneath) answers
// bad client credentials with the OAuth error's name as title and its description as
// detail, inside the API's errors document; @commercelayer/js-auth returns that errors
// list to its callers, so an OAuth-style {"error": ...} body would read as a success.
type oauthError struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Status int    `json:"status"`
}

type oauthErrors struct {
	Errors []oauthError `json:"errors"`
}

var (
	errInvalidClient = oauthError{"invalid_client",
		"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
		"UNAUTHORIZED", http.StatusUnauthorized}
	errUnsupportedGrant = oauthError{"unsupported_grant_type",
		"The authorization grant type is not supported by the authorization server.",
		"BAD_REQUEST", http.StatusBadRequest}
	errInvalidRequest = oauthError{"invalid_request",
		"The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.",
		"BAD_REQUEST", http.StatusBadRequest}
	errNotTokenOwner = oauthError{"unauthorized_client",
		"You are not authorized to revoke this token",
		"FORBIDDEN", http.StatusForbidden}
)

// tokenResponse is a successful token response.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
	CreatedAt   int64  `json:"created_at"`
}

func writeOAuth(c echo.Context, status int, body any) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="provmock", error="invalid_client"`)
	}
	b, err := marshalJSON(body)
	if err != nil {
		return err
	}
	return c.JSONBlob(status, b)
}

func writeOAuthError(c echo.Context, e oauthError) error {
	frontdoor.NoteCode(c, e.Code)
	return writeOAuth(c, e.Status, oauthErrors{[]oauthError{e}})
}

// clientCredentials reads the grant's or revocation's parameters and the client's
// credentials (HTTP Basic, else client_id and client_secret in the body); ok is false
// for a body that cannot be read.
func (a *api) clientCredentials(c echo.Context) (params map[string]string, id, secret string, ok bool) {
	params, ok = a.tokenParams(c)
	if !ok {
		return nil, "", "", false
	}
	id, secret, basic := c.Request().BasicAuth()
	if basic {
		// RFC 6749 2.3.1: Basic credentials are form-encoded before being base64-encoded.
		if u, err := url.QueryUnescape(id); err == nil {
			id = u
		}
		if s, err := url.QueryUnescape(secret); err == nil {
			secret = s
		}
	} else {
		id, secret = params["client_id"], params["client_secret"]
	}
	return params, id, secret, true
}

// token serves POST /oauth/token, the client credentials grant of auth.commercelayer.io:
// credentials in a JSON body, a form body, or HTTP Basic client authentication.
func (a *api) token(c echo.Context) error {
	params, id, secret, ok := a.clientCredentials(c)
	if !ok {
		return writeOAuthError(c, errInvalidRequest)
	}
	switch grant := params["grant_type"]; {
	case grant == "":
		return writeOAuthError(c, errInvalidRequest)
	case grant != "client_credentials":
		return writeOAuthError(c, errUnsupportedGrant)
	}
	user, err := domain.UserByCredentials(c.Request().Context(), a.st, id, secret)
	if errors.Is(err, domain.ErrBadCredentials) {
		return writeOAuthError(c, errInvalidClient)
	}
	if err != nil {
		return err
	}
	tok, err := a.tokens.Issue(user.ID(), id)
	if err != nil {
		return err
	}
	return writeOAuth(c, http.StatusOK, tokenResponse{
		AccessToken: tok.AccessToken, TokenType: "bearer", ExpiresIn: tok.ExpiresIn, Scope: auth.Scope, CreatedAt: tok.CreatedAt,
	})
}

// revoke serves POST /oauth/revoke (RFC 7009, as auth.commercelayer.io serves it): the
// client's credentials and the token. A token the client obtained is revoked and answers
// 401 from then on; an unknown or expired one is ignored, as RFC 7009 asks; another
// client's token is refused. Success is an empty JSON object, which js-auth's revoke
// reads as "no errors".
func (a *api) revoke(c echo.Context) error {
	params, id, secret, ok := a.clientCredentials(c)
	if !ok || params["token"] == "" {
		return writeOAuthError(c, errInvalidRequest)
	}
	_, err := domain.UserByCredentials(c.Request().Context(), a.st, id, secret)
	if errors.Is(err, domain.ErrBadCredentials) {
		return writeOAuthError(c, errInvalidClient)
	}
	if err != nil {
		return err
	}
	if err := a.tokens.Revoke(params["token"], id); errors.Is(err, auth.ErrNotOwner) {
		return writeOAuthError(c, errNotTokenOwner)
	}
	return writeOAuth(c, http.StatusOK, struct{}{})
}

// jwks serves GET /.well-known/jwks.json: the public key that verifies the tokens, as
// js-auth's jwtVerify fetches it.
func (a *api) jwks(c echo.Context) error {
	return c.JSON(http.StatusOK, a.tokens.JWKS())
}

// tokenParams reads the grant's parameters from a JSON or form body; ok is false for a
// body that cannot be read.
func (a *api) tokenParams(c echo.Context) (map[string]string, bool) {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, a.cfg.MaxBody)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	params := map[string]string{}
	switch {
	case mt == "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, false
		}
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
	case mt == "application/json" || mt == MediaType || strings.HasSuffix(mt, "+json"):
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body == nil {
			return nil, false
		}
		for k, v := range body {
			s, ok := v.(string)
			if !ok {
				return nil, false
			}
			params[k] = s
		}
	default:
		return nil, false
	}
	return params, true
}

// userKey is where authenticate leaves the request's user in the Echo context.
const userKey = "provmock.user"

// authenticate guards /api: a valid bearer token of a known user, or a 401 UNAUTHORIZED.
// An expired token answers UNAUTHORIZED too: the provisioning SDK's isExpiredTokenError
// notes that the provisioning API's code differs from the Core API's INVALID_TOKEN and
// refreshes on UNAUTHORIZED, and the provisioning docs list only UNAUTHORIZED for 401.
func (a *api) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return apierror.Unauthorized()
		}
		userID, err := a.tokens.Verify(strings.TrimSpace(token))
		if err != nil {
			return apierror.Unauthorized()
		}
		user, err := a.user(c, userID)
		if store.IsNotFound(err) {
			return apierror.Unauthorized()
		}
		if err != nil {
			return err
		}
		c.Set(userKey, user)
		return next(c)
	}
}

// user returns the user with that id, from the cache while the tables it was read from
// (users) are unwritten.
func (a *api) user(c echo.Context, id string) (store.Record, error) {
	if u, ok := a.cache.users.get(id, generations(c, a.st)); ok {
		return u, nil
	}
	ctx, reads := store.TrackReads(c.Request().Context())
	u, err := a.st.Get(ctx, a.reg.Lookup("users"), id)
	if err != nil {
		return nil, err
	}
	a.cache.users.put(id, readPoint{gens: generations(c, a.st), reads: reads}, u)
	return u, nil
}
