package control_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/control"
	"github.com/commercelayer-mock/provmock/mock"
)

// pathParam is an Echo route parameter (:name), written {name} in OpenAPI.
var pathParam = regexp.MustCompile(`:([A-Za-z_]+)`)

func TestOpenAPIDescribesEveryControlRouteAndNothingElse(t *testing.T) {
	e := newEnv(t, mock.Options{})
	var routes []string
	for _, r := range e.m.Handler().(*echo.Echo).Routes() {
		if r.Path != control.Prefix && !strings.HasPrefix(r.Path, control.Prefix+"/") {
			continue
		}
		if !slices.Contains([]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}, r.Method) {
			continue // Echo's own not-found routes of the group
		}
		routes = append(routes, r.Method+" "+pathParam.ReplaceAllString(r.Path, "{$1}"))
	}
	sort.Strings(routes)

	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(control.OpenAPI)
	if err != nil {
		t.Fatalf("loading openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 description: %v", err)
	}
	var described []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described = append(described, method+" "+path)
		}
	}
	sort.Strings(described)
	for _, r := range routes {
		if !slices.Contains(described, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range described {
		if !slices.Contains(routes, d) {
			t.Errorf("openapi.json describes %s, which is no route", d)
		}
	}
	if len(routes) < 18 {
		t.Errorf("only %d control routes found: %v", len(routes), routes)
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	e := newEnv(t, mock.Options{})
	rec := e.ctl(t, http.MethodGet, "/openapi.json", "")
	mustStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if rec.Body.String() != string(control.OpenAPI) {
		t.Error("GET /_mock/openapi.json is not the embedded description")
	}
}
