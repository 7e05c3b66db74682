package control

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/fixtures"
)

// exportFixtures writes every record the mock holds now as a dataset in the fixtures
// format, which POST /_mock/fixtures and --fixtures read back: YAML by default, JSON with
// ?format=json or Accept: application/json.
func (ctl *Controller) exportFixtures(c echo.Context) error {
	snap, err := ctl.st.Dump(c.Request().Context())
	if err != nil {
		return err
	}
	reg := ctl.st.Registry()
	asJSON := c.QueryParam("format") == "json" ||
		(c.QueryParam("format") == "" && strings.Contains(c.Request().Header.Get("Accept"), "application/json"))
	if asJSON {
		return c.JSONBlob(http.StatusOK, fixtures.WriteJSON(reg, snap))
	}
	if f := c.QueryParam("format"); f != "" && f != "yaml" {
		return fail(c, http.StatusBadRequest, "format is yaml (the default) or json")
	}
	out, err := fixtures.WriteYAML(reg, snap, "The records of a running provmock, in the fixtures format (GET /_mock/fixtures).")
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="fixtures.yaml"`)
	return c.Blob(http.StatusOK, "application/yaml", out)
}
