package handlers

import (
	"cmp"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/apierror"
	"github.com/commercelayer-mock/provmock/frontdoor"
	"github.com/commercelayer-mock/provmock/store"
)

// errorDocument is the body of every 4xx and 5xx.
type errorDocument struct {
	Errors apierror.List `json:"errors"`
}

// namedErrors are the API's errors a fault can name by code.
var namedErrors = map[string]func() *apierror.Error{
	"INVALID_TOKEN":         apierror.InvalidToken,
	"UNAUTHORIZED":          apierror.Unauthorized,
	"RECORD_NOT_FOUND":      apierror.RecordNotFound,
	"INTERNAL_SERVER_ERROR": apierror.Internal,
	"TOO_MANY_REQUESTS":     func() *apierror.Error { return apierror.TooManyRequests("Too many requests") },
}

// FaultCodes are the error codes a fault rule may name on the Provisioning family's paths.
func FaultCodes() []string {
	out := make([]string, 0, len(namedErrors))
	for code := range namedErrors {
		out = append(out, code)
	}
	return out
}

// toAPIErrors maps any error a handler returns, and the front door's problems, to the API's
// error objects. It is the only place where errors become HTTP.
func (a *api) toAPIErrors(err error, c echo.Context) apierror.List {
	if list := apierror.As(err); list != nil {
		return list
	}
	if e := apierror.FromProblem(err); e != nil { // the store's and the query parser's typed problems
		return apierror.List{e}
	}
	var (
		na  frontdoor.MethodNotAllowed
		tl  frontdoor.TooLarge
		tm  frontdoor.TooManyRequests
		inj frontdoor.Injected
		he  *echo.HTTPError
	)
	switch {
	case errors.As(err, new(frontdoor.NotFound)), store.IsNotFound(err):
		return apierror.List{apierror.RecordNotFound()}
	case errors.As(err, &na):
		return apierror.List{apierror.MethodNotAllowed(na.Method, na.Allow)}
	case errors.As(err, &tl):
		return apierror.List{apierror.PayloadTooLarge(tl.Limit)}
	case errors.As(err, &tm):
		e := apierror.TooManyRequests(tm.Detail)
		e.Header = map[string]string{"Retry-After": strconv.Itoa(tm.RetryAfterSeconds())}
		return apierror.List{e}
	case errors.As(err, &inj):
		return apierror.List{injectedError(inj)}
	case store.IsDiskFull(err):
		// The operator's to fix: said in the log as well as to the client.
		a.log.Warn("write refused: database or disk is full", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
		return apierror.List{apierror.InsufficientStorage()}
	case errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
		return apierror.List{apierror.PayloadTooLarge(a.cfg.MaxBody)}
	}
	a.log.Error("internal error", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
	return apierror.List{apierror.Internal()}
}

// injectedError is the API's error a fault asked for: the named one, at the fault's status
// if it gives one, or a generic error of the status.
func injectedError(inj frontdoor.Injected) *apierror.Error {
	if named := namedErrors[inj.Code]; named != nil {
		e := named()
		if inj.Status != 0 {
			e.HTTPStatus, e.Status = inj.Status, strconv.Itoa(inj.Status)
		}
		return e
	}
	status := cmp.Or(inj.Status, http.StatusInternalServerError)
	text := cmp.Or(http.StatusText(status), "Error")
	return &apierror.Error{Title: text, Detail: text, Code: cmp.Or(inj.Code, frontdoor.StatusCode(status)),
		Status: strconv.Itoa(status), HTTPStatus: status}
}

// handleError is the family's error writer: the token endpoints' errors in their own
// shape, the API's as a JSON:API error document.
func (a *api) handleError(c echo.Context, err error) {
	if c.Response().Committed {
		return
	}
	var inj frontdoor.Injected
	if errors.As(err, &inj) && inj.Body != nil {
		// A fault's own body, verbatim, in the media type of the path's answers.
		status := cmp.Or(inj.Status, http.StatusInternalServerError)
		frontdoor.NoteCode(c, inj.Code)
		if underOAuth(c.Request().URL.Path) {
			_ = c.JSONBlob(status, inj.Body)
			return
		}
		_ = c.Blob(status, MediaType, inj.Body)
		return
	}
	list := a.toAPIErrors(err, c)
	status := list[0].HTTPStatus
	for _, e := range list {
		for k, v := range e.Header {
			c.Response().Header().Set(k, v)
		}
	}
	frontdoor.NoteCode(c, list[0].Code)
	if underOAuth(c.Request().URL.Path) {
		if err := writeOAuthError(c, oauthErrorOf(list[0])); err != nil {
			a.log.Debug("writing error response", "error", err)
		}
		return
	}
	body, merr := marshalJSON(errorDocument{Errors: list})
	if merr != nil {
		body = []byte(`{"errors":[{"title":"Internal Server Error","detail":"Internal Server Error","code":"INTERNAL_SERVER_ERROR","status":"500"}]}`)
		status = http.StatusInternalServerError
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if werr := c.Blob(status, MediaType, body); werr != nil {
		a.log.Debug("writing error response", "error", werr)
	}
}

// underOAuth reports whether a path is the token endpoints', whose errors have their own shape.
func underOAuth(path string) bool {
	return path == "/oauth" || strings.HasPrefix(path, "/oauth/")
}

// oauthNames are the OAuth error names (RFC 6749 5.2, and 4.1.2.1 for the server's own
// failures) the token endpoints' errors carry as title, by status.
var oauthNames = map[int]string{
	http.StatusBadRequest:          "invalid_request",
	http.StatusUnauthorized:        "invalid_client",
	http.StatusForbidden:           "unauthorized_client",
	http.StatusServiceUnavailable:  "temporarily_unavailable",
	http.StatusInternalServerError: "server_error",
}

// oauthErrorOf renders an error of the API in the token endpoints' shape: the OAuth error's
// name as title (when OAuth has one for the status), the API's detail and code.
func oauthErrorOf(e *apierror.Error) oauthError {
	title := oauthNames[e.HTTPStatus]
	if title == "" {
		if e.HTTPStatus >= 500 {
			title = "server_error"
		} else {
			title = strings.ToLower(strings.ReplaceAll(e.Title, " ", "_"))
		}
	}
	return oauthError{Title: title, Detail: e.Detail, Code: e.Code, Status: e.HTTPStatus}
}
