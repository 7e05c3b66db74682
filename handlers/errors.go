package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/apierror"
	"github.com/commercelayer-mock/provmock/store"
)

// errorDocument is the body of every 4xx and 5xx.
type errorDocument struct {
	Errors apierror.List `json:"errors"`
}

// toAPIErrors maps any error a handler returns to the API's error objects. It is the only
// place where errors become HTTP.
func (a *api) toAPIErrors(err error, c echo.Context) apierror.List {
	if list := apierror.As(err); list != nil {
		return list
	}
	if e := apierror.FromProblem(err); e != nil { // the store's and the query parser's typed problems
		return apierror.List{e}
	}
	if store.IsNotFound(err) {
		return apierror.List{apierror.RecordNotFound()}
	}
	if store.IsDiskFull(err) {
		// The operator's to fix: said in the log as well as to the client.
		a.log.Warn("write refused: database or disk is full", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
		return apierror.List{apierror.InsufficientStorage()}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return apierror.List{apierror.RecordNotFound()}
		case http.StatusMethodNotAllowed:
			return apierror.List{apierror.MethodNotAllowed(c.Request().Method, nil)}
		case http.StatusRequestEntityTooLarge:
			return apierror.List{apierror.PayloadTooLarge(a.cfg.MaxBody)}
		}
	}
	a.log.Error("internal error", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
	return apierror.List{apierror.Internal()}
}

// handleError is Echo's HTTPErrorHandler: it writes the error document.
func (a *api) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	list := a.toAPIErrors(err, c)
	status := list[0].HTTPStatus
	for _, e := range list {
		for k, v := range e.Header {
			c.Response().Header().Set(k, v)
		}
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

// methodNotAllowed answers a method the path does not offer.
func methodNotAllowed(allow []string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return apierror.MethodNotAllowed(c.Request().Method, allow)
	}
}
