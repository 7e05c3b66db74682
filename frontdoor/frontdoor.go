package frontdoor

import (
	"cmp"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Family is an API the mock serves: the paths it owns and how it writes its errors.
type Family struct {
	// Name names the family in logs ("provisioning", "control").
	Name string
	// Prefixes are the path prefixes the family owns ("/api"): a request whose path is one
	// of them, or lies under one, is the family's, whether a route serves it or not. A
	// family with none (the console) only adds routes; errors on them are plain JSON.
	Prefixes []string
	// WriteError writes any error a request of the family ends with, the problems of this
	// package included; nil writes them as plain JSON. It calls NoteCode with the error's
	// code, for the request log.
	WriteError func(c echo.Context, err error)
	// Routes registers the family's routes on the root server.
	Routes func(e *echo.Echo)
	// AllowHeaders are request headers the family's browser clients send, which CORS admits
	// besides the common ones (Authorization, Content-Type, Accept...).
	AllowHeaders []string
	// Internal marks the mock's own API (the control API): no CORS, so that pages of other
	// origins cannot read it, and none of the request-level features (journal, faults, rate
	// limits), which are about the emulated services.
	Internal bool
	// Pre runs on the family's requests before routing, after CORS, so that what it refuses
	// comes before the router's 404 and 405 (the control API's host guard, the Adobe
	// gateway's header checks). Families add no Pre or Use middleware to the root Echo: the
	// front door builds its chains once and would not run it.
	Pre echo.MiddlewareFunc

	// chain serves the family's requests from the family match on, built before the first.
	chain echo.HandlerFunc
}

// owns reports whether the path is one of the family's.
func (f *Family) owns(path string) (prefix int, ok bool) {
	for _, p := range f.Prefixes {
		if (path == p || strings.HasPrefix(path, p+"/")) && len(p) > prefix {
			prefix, ok = len(p), true
		}
	}
	return prefix, ok
}

// Config configures the front door.
type Config struct {
	// AllowOrigins are the browser origins CORS admits; empty means any.
	AllowOrigins []string
	// RequestLog, when set, gets one line per request.
	RequestLog *slog.Logger
	// Logger receives server errors; nil discards them.
	Logger *slog.Logger
}

// Server is the root HTTP server with its families.
type Server struct {
	e        *echo.Echo
	cfg      Config
	log      *slog.Logger
	families []*Family
	// cors is the CORS middleware of each family but the internal ones, built when the
	// family is mounted, with its headers; none is that of paths no family owns.
	cors map[*Family]echo.MiddlewareFunc
	none echo.MiddlewareFunc
	// observers see every request but the internal families', before CORS.
	observers []echo.MiddlewareFunc
	// features run after routing on the families' requests (UseOnFamilies).
	features []echo.MiddlewareFunc

	// The chains are built once, before the first request (Echo would compose its Pre and
	// Use middleware anew for every request): root up to the family match, then the chain
	// of the request's family, or unowned for paths no family owns.
	build   sync.Once
	root    echo.HandlerFunc
	unowned echo.HandlerFunc
}

// commonHeaders are the request headers CORS admits for every family.
var commonHeaders = []string{"Authorization", "Content-Type", "Accept", "Accept-Version", "X-Requested-With"}

// New returns a front door with no family yet: /healthz, the request log, trailing slashes
// and CORS.
func New(cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{e: echo.New(), cfg: cfg, log: log, cors: map[*Family]echo.MiddlewareFunc{}}
	s.none = middleware.CORSWithConfig(corsConfig(cfg.AllowOrigins, nil))
	e := s.e
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// The one Pre middleware: it hands every request to the chains built once, which route
	// it themselves.
	e.Pre(s.serve)
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	return s
}

// Echo returns the root server, which serves every family.
func (s *Server) Echo() *echo.Echo { return s.e }

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// Observe adds middleware that sees every request but the internal families', before CORS
// and routing: preflights included, and whether a route serves it or not (the journal).
// Observers run in the order they were added; all are added before the first request.
func (s *Server) Observe(mw echo.MiddlewareFunc) {
	s.observers = append(s.observers, mw)
}

// UseOnFamilies adds middleware that runs after routing on the requests of every family
// but the internal ones (faults, rate limits): never on /healthz, the console or paths no
// family owns. All are added before the first request.
func (s *Server) UseOnFamilies(mw echo.MiddlewareFunc) {
	s.features = append(s.features, mw)
}

// serve is the root Echo's Pre middleware: Echo's next would route and run the root's Use
// middleware, which the chains do themselves, so it goes unused.
func (s *Server) serve(echo.HandlerFunc) echo.HandlerFunc {
	s.build.Do(s.buildChains)
	return s.root
}

// buildChains composes the request path once every family is mounted:
//
//	drainUnreadBodies → RemoveTrailingSlash → matchFamily → (the family's chain:) request log
//	  → observers (not on internal families) → CORS (the family's; none on internal ones)
//	  → the family's Pre → router → features (on families' routes) → the route's handler
func (s *Server) buildChains() {
	mustOnlyPre(s.e)
	for _, f := range s.families {
		f.chain = s.familyChain(f)
	}
	s.unowned = s.familyChain(nil)
	// First, so that it sees the answer of every route and of every other middleware; the
	// real services answer /api/roles/ as /api/roles.
	s.root = drainUnreadBodies(middleware.RemoveTrailingSlash()(s.matchFamily))
}

// familyChain is what serves a request of the family (nil: of no family) once it is matched.
func (s *Server) familyChain(f *Family) echo.HandlerFunc {
	routed := func(c echo.Context) error { return c.Handler()(c) }
	if f != nil && !f.Internal && len(f.Prefixes) > 0 {
		routed = chain(routed, s.features)
	}
	router := s.e.Router()
	h := func(c echo.Context) error {
		r := c.Request()
		router.Find(r.Method, echo.GetPath(r), c)
		return routed(c)
	}
	if f != nil && f.Pre != nil {
		h = f.Pre(h)
	}
	switch {
	case f == nil:
		h = s.none(h)
	case !f.Internal:
		h = s.cors[f](h)
	}
	// The observers come before CORS, so that they see preflights and the answers CORS refuses.
	if f == nil || !f.Internal {
		h = chain(h, s.observers)
	}
	if s.cfg.RequestLog != nil {
		h = logRequests(s.cfg.RequestLog)(h)
	}
	return h
}

// chain wraps h in the middleware, the first outermost.
func chain(h echo.HandlerFunc, mws []echo.MiddlewareFunc) echo.HandlerFunc {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// mustOnlyPre checks that the root Echo has no middleware but serve: the chains would skip
// any (a family's goes in Family.Pre).
func mustOnlyPre(e *echo.Echo) {
	v := reflect.ValueOf(e).Elem()
	pre, use := v.FieldByName("premiddleware"), v.FieldByName("middleware")
	if !pre.IsValid() || !use.IsValid() {
		return // an Echo that keeps them otherwise: nothing to check
	}
	if pre.Len() != 1 || use.Len() != 0 {
		panic("frontdoor: middleware added to the root Echo would not run; use Family.Pre, Observe or UseOnFamilies")
	}
}

// Mount adds a family: its routes, its prefixes and its error writer. Families are all
// mounted before the first request.
func (s *Server) Mount(f Family) {
	fam := &f
	s.families = append(s.families, fam)
	if !fam.Internal {
		s.cors[fam] = middleware.CORSWithConfig(corsConfig(s.cfg.AllowOrigins, fam.AllowHeaders))
	}
	if fam.Routes != nil {
		fam.Routes(s.e)
	}
}

// familyKey holds, in the request's context, the family whose prefix the path lies under.
const familyKey = "frontdoor.family"

// matchFamily finds the family the request's path belongs to: the one with the longest
// matching prefix.
func (s *Server) matchFamily(c echo.Context) error {
	f := s.familyOf(c.Request().URL.Path)
	if f == nil {
		return s.unowned(c)
	}
	c.Set(familyKey, f)
	return f.chain(c)
}

func (s *Server) familyOf(path string) *Family {
	var best *Family
	bestLen := 0
	for _, f := range s.families {
		if n, ok := f.owns(path); ok && n > bestLen {
			best, bestLen = f, n
		}
	}
	return best
}

// FamilyOf returns the family the request's path belongs to, or nil.
func FamilyOf(c echo.Context) *Family {
	f, _ := c.Get(familyKey).(*Family)
	return f
}

// corsConfig admits browser apps: the headers the families' clients send, the methods they
// offer, and the headers a client may need to read back.
func corsConfig(origins, headers []string) middleware.CORSConfig {
	if len(origins) == 0 {
		origins = []string{"*"}
	}
	return middleware.CORSConfig{
		AllowOrigins:  origins,
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete},
		AllowHeaders:  append(slices.Clone(commonHeaders), headers...),
		ExposeHeaders: []string{"ETag", "Location", "Retry-After", "Allow", "X-Ratelimit-Limit", "X-Ratelimit-Interval", "X-Ratelimit-Remaining"},
		MaxAge:        86400,
	}
}

// handleError is Echo's error handler: it turns the router's outcomes into problems and
// hands the error to the writer of the request's family.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	err = asProblem(err, c)
	if f := FamilyOf(c); f != nil && f.WriteError != nil {
		f.WriteError(c, err)
		return
	}
	WritePlain(c, err, s.log)
}

// asProblem turns Echo's own errors (the router's 404 and 405, a body over a limit) into
// the problems of this package.
func asProblem(err error, c echo.Context) error {
	var he *echo.HTTPError
	if !errors.As(err, &he) {
		return err
	}
	switch he.Code {
	case http.StatusNotFound:
		return NotFound{}
	case http.StatusMethodNotAllowed:
		return MethodNotAllowed{Method: c.Request().Method, Allow: allowed(c)}
	}
	return err
}

// allowed is the router's list of the methods the path is served with, less OPTIONS and HEAD.
func allowed(c echo.Context) []string {
	header, _ := c.Get(echo.ContextKeyHeaderAllow).(string)
	var out []string
	for _, m := range strings.Split(header, ",") {
		if m = strings.TrimSpace(m); m != "" && m != http.MethodOptions && m != http.MethodHead {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// plainError is the body of an error on a path no family owns.
type plainError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// WritePlain writes an error as plain JSON, {"error": "...", "code": "NOT_FOUND"}: the
// answer of a path no family owns. Errors it has no words for are logged and answer 500.
func WritePlain(c echo.Context, err error, log *slog.Logger) {
	status, body := http.StatusInternalServerError, plainError{"internal error", "INTERNAL_SERVER_ERROR"}
	var (
		na  MethodNotAllowed
		tl  TooLarge
		he  *echo.HTTPError
		inj Injected
	)
	switch {
	case errors.As(err, new(NotFound)):
		status, body = http.StatusNotFound, plainError{"not found", "NOT_FOUND"}
	case errors.As(err, &na):
		c.Response().Header().Set(echo.HeaderAllow, strings.Join(na.Allow, ", "))
		status, body = http.StatusMethodNotAllowed, plainError{na.Method + " is not allowed here; allowed: " + strings.Join(na.Allow, ", "), "METHOD_NOT_ALLOWED"}
	case errors.As(err, &tl):
		status, body = http.StatusRequestEntityTooLarge, plainError{tl.Error(), "PAYLOAD_TOO_LARGE"}
	case errors.As(err, &inj):
		status = cmp.Or(inj.Status, http.StatusInternalServerError)
		body = plainError{strings.ToLower(http.StatusText(status)), cmp.Or(inj.Code, StatusCode(status))}
	case errors.As(err, &he):
		status, body = he.Code, plainError{strings.ToLower(http.StatusText(he.Code)), StatusCode(he.Code)}
	default:
		if log != nil {
			log.Error("internal error", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
		}
	}
	NoteCode(c, body.Code)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, body)
}

// StatusCode names a status as the families' error codes do: 503 is SERVICE_UNAVAILABLE.
func StatusCode(status int) string {
	text := http.StatusText(status)
	if text == "" {
		return "ERROR"
	}
	return strings.ToUpper(strings.NewReplacer(" ", "_", "-", "_", "'", "").Replace(text))
}
