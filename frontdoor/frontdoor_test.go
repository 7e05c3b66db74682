package frontdoor_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/frontdoor"
)

// writerNamed is an error writer that says which family wrote, the problem's type and
// the Allow list.
func writerNamed(name string) func(echo.Context, error) {
	return func(c echo.Context, err error) {
		var na frontdoor.MethodNotAllowed
		kind := "other"
		switch {
		case errors.As(err, new(frontdoor.NotFound)):
			kind = "not found"
		case errors.As(err, &na):
			kind = "not allowed, allow " + strings.Join(na.Allow, ",")
		}
		_ = c.String(599, name+": "+kind)
	}
}

func newServer(t *testing.T) (*frontdoor.Server, *[]string) {
	t.Helper()
	s := frontdoor.New(frontdoor.Config{})
	var observed []string
	s.Observe(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			observed = append(observed, c.Request().Method+" "+c.Request().URL.Path)
			return next(c)
		}
	})
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
	s.Mount(frontdoor.Family{Name: "outer", Prefixes: []string{"/a"}, WriteError: writerNamed("outer"),
		Routes: func(e *echo.Echo) { e.GET("/a/x", ok); e.PUT("/a/x", ok) }})
	s.Mount(frontdoor.Family{Name: "inner", Prefixes: []string{"/a/b", "/c"}, WriteError: writerNamed("inner"),
		AllowHeaders: []string{"X-Api-Key"}, Routes: func(e *echo.Echo) { e.POST("/c/token", ok) }})
	s.Mount(frontdoor.Family{Name: "own", Prefixes: []string{"/own"}, Internal: true, WriteError: writerNamed("own")})
	return s, &observed
}

// TestFamilyByLongestPrefix: a routing miss goes to the writer of the family whose prefix
// is the longest the path lies under (a prefix is whole segments), with the router's Allow.
func TestFamilyByLongestPrefix(t *testing.T) {
	s, _ := newServer(t)
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/a/nope", "outer: not found"},
		{"GET", "/a", "outer: not found"},
		{"GET", "/a/b/nope", "inner: not found"},
		{"GET", "/a/b", "inner: not found"},
		{"GET", "/c/token", "inner: not allowed, allow POST"},
		{"DELETE", "/a/x", "outer: not allowed, allow GET,PUT"},
		{"GET", "/own/x", "own: not found"},
		{"GET", "/ab", `{"error":"not found","code":"NOT_FOUND"}`},
		{"GET", "/", `{"error":"not found","code":"NOT_FOUND"}`},
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if got := strings.TrimSpace(rec.Body.String()); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.method, c.path, got, c.want)
		}
	}
}

// TestInternalFamilyHasNoCORSAndIsNotObserved: the observers see preflights and every
// family's requests but the internal one's, which gets no CORS headers either.
func TestInternalFamilyHasNoCORSAndIsNotObserved(t *testing.T) {
	s, observed := newServer(t)
	for _, path := range []string{"/a/x", "/own/x", "/elsewhere"} {
		r := httptest.NewRequest(http.MethodOptions, path, nil)
		r.Header.Set("Origin", "http://app.example")
		r.Header.Set("Access-Control-Request-Method", "GET")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		hasCORS := rec.Header().Get("Access-Control-Allow-Origin") != ""
		if want := path != "/own/x"; hasCORS != want {
			t.Errorf("preflight of %s: CORS headers %v, want %v", path, hasCORS, want)
		}
	}
	// A family's own headers are admitted on its paths only.
	for _, c := range []struct {
		path string
		want bool
	}{{"/c/token", true}, {"/a/x", false}} {
		path, want := c.path, c.want
		r := httptest.NewRequest(http.MethodOptions, path, nil)
		r.Header.Set("Origin", "http://app.example")
		r.Header.Set("Access-Control-Request-Method", "POST")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		if got := strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "X-Api-Key"); got != want {
			t.Errorf("preflight of %s admits X-Api-Key: %v, want %v (%q)", path, got, want, rec.Header().Get("Access-Control-Allow-Headers"))
		}
	}
	if got, want := strings.Join(*observed, ", "), "OPTIONS /a/x, OPTIONS /elsewhere, OPTIONS /c/token, OPTIONS /a/x"; got != want {
		t.Errorf("observed %q, want %q", got, want)
	}
}

// TestRootMiddlewareIsRefused: middleware added to the root Echo would never run, since
// the front door routes behind its own chains; the first request says so loudly instead.
func TestRootMiddlewareIsRefused(t *testing.T) {
	s := frontdoor.New(frontdoor.Config{})
	s.Mount(frontdoor.Family{Name: "f", Prefixes: []string{"/f"}, Routes: func(e *echo.Echo) {
		e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc { return next })
	}})
	defer func() {
		if recover() == nil {
			t.Error("a request with Pre middleware on the root Echo did not panic")
		}
	}()
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/f", nil))
}

// TestFamilyPreRunsOnItsFamilyOnly: a family's Pre middleware sees its own requests, before
// the router's 404, and no other family's.
func TestFamilyPreRunsOnItsFamilyOnly(t *testing.T) {
	s := frontdoor.New(frontdoor.Config{})
	var seen []string
	pre := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			seen = append(seen, c.Request().URL.Path)
			return next(c)
		}
	}
	s.Mount(frontdoor.Family{Name: "guarded", Prefixes: []string{"/g"}, Pre: pre, WriteError: writerNamed("guarded")})
	s.Mount(frontdoor.Family{Name: "other", Prefixes: []string{"/o"}, WriteError: writerNamed("other")})
	for _, path := range []string{"/g/nope", "/o/nope", "/nowhere", "/g"} {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	if got := strings.Join(seen, " "); got != "/g/nope /g" {
		t.Errorf("the guarded family's Pre saw %q, want its two requests only", got)
	}
}
