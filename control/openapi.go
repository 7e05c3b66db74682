package control

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// OpenAPI is the OpenAPI 3 description of the control API, served at
// GET /_mock/openapi.json. A test checks it against the routes Mount registers, both ways,
// so that it cannot drift from them.
//
//go:embed openapi.json
var OpenAPI []byte

func (ctl *Controller) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, OpenAPI)
}
