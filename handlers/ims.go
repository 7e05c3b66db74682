package handlers

import (
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/frontdoor"
)

// imsTokenResponse is IMS's answer to a client_credentials grant; expires_in is in seconds.
type imsTokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// imsToken serves POST /ims/token/v3 (and v2): the client_credentials grant of Adobe IMS,
// its parameters in a form-urlencoded or multipart body, or the query string, as Adobe's
// clients send them. The client is checked before the grant (choice: an unknown client is
// what a mistyped configuration shows first).
func (a *adobeAPI) imsToken(c echo.Context) error {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, a.cfg.MaxBody)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == echo.MIMEApplicationJSON || strings.HasSuffix(mt, "+json") {
		return imsError{http.StatusBadRequest, "invalid_request", "the parameters must come as a form or in the query string, not as JSON"}
	}
	var err error
	if mt == echo.MIMEMultipartForm {
		err = r.ParseMultipartForm(a.cfg.MaxBody)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return frontdoor.TooLarge{Limit: a.cfg.MaxBody}
		}
		return imsError{http.StatusBadRequest, "invalid_request", "the request body cannot be read as a form"}
	}
	integration, err := domain.IntegrationByCredentials(r.Context(), a.st, r.FormValue("client_id"), r.FormValue("client_secret"))
	switch {
	case errors.Is(err, domain.ErrBadIMSClient):
		return errIMSUnknownClient
	case errors.Is(err, domain.ErrBadIMSSecret):
		return errIMSBadSecret
	case err != nil:
		return err
	}
	switch grant := r.FormValue("grant_type"); grant {
	case "client_credentials":
	case "":
		return imsError{http.StatusBadRequest, "invalid_request", "missing grant_type parameter"}
	default:
		return imsError{http.StatusBadRequest, "unsupported_grant_type", "unsupported grant_type parameter: " + grant}
	}
	ttl := a.imsTokenTTL()
	tok, err := a.tokens.IssueIMS(integration.String("client_id"), integration.String("technical_account_id"),
		integration.String("ims_org"), r.FormValue("scope"), ttl)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	// Whole seconds left once the answer is read, as IMS counts them: 86399 for a day.
	return c.JSON(http.StatusOK, imsTokenResponse{AccessToken: tok.AccessToken, TokenType: "bearer",
		ExpiresIn: max(int64((tok.TTL-time.Second)/time.Second), 0)})
}
