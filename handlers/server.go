package handlers

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// MediaType is JSON:API's media type, used both ways.
const MediaType = "application/vnd.api+json"

// Config is what the server needs beyond its store.
type Config struct {
	// BaseURL prefixes every link; empty means the scheme and host the request came to.
	// "https://provisioning.commercelayer.io" reproduces the real service's links.
	BaseURL string
	// Query configures the query parser (lenient filters).
	Query query.Options
	// MaxBody is the largest request body accepted, in bytes; 0 means 1 MiB.
	MaxBody int64
	// Logger receives server errors; nil discards them.
	Logger *slog.Logger
	// Tokens signs and verifies access tokens; nil means a key generated on first use and
	// the default lifetime.
	Tokens *auth.Issuer
	// AllowOrigins are the browser origins CORS admits; empty means any.
	AllowOrigins []string
	// RequestLog, when set, gets one line per request.
	RequestLog *slog.Logger
	// CacheBytes bounds the response cache: the documents it keeps, keys included, add up to
	// at most this many bytes; 0 means DefaultCacheBytes.
	CacheBytes int64
	// NoCORS are path prefixes served without CORS headers, preflights included: the control
	// API's, which browser pages of other origins must not reach.
	NoCORS []string
}

// api holds every dependency of the handlers; nothing else is reachable from them.
type api struct {
	st     *store.Store // unscoped: handlers use a.store(c), which sees what the request's user may
	tokens *auth.Issuer
	reg    *models.Registry
	cfg    Config
	log    *slog.Logger
	cache  *responseCache
	// bodyOptional holds the route paths of actions that take no parameters, which may be
	// posted without a body or Content-Type.
	bodyOptional map[string]bool
}

// NewServer returns the mock's HTTP handler, serving the store's data.
func NewServer(st *store.Store, cfg Config) *echo.Echo {
	e, _ := newServer(st, cfg)
	return e
}

func newServer(st *store.Store, cfg Config) (*echo.Echo, *api) {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.CacheBytes <= 0 {
		cfg.CacheBytes = DefaultCacheBytes
	}
	tokens := cfg.Tokens
	if tokens == nil {
		tokens = auth.NewIssuer(auth.Options{})
	}
	a := &api{st: st, tokens: tokens, reg: st.Registry(), cfg: cfg, log: log, bodyOptional: map[string]bool{}, cache: newResponseCache(cfg.CacheBytes)}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = a.handleError
	// First, so that it sees the answer of every route and of every other middleware.
	e.Pre(drainUnreadBodies)
	// The real service answers /api/roles/ as /api/roles.
	e.Pre(middleware.RemoveTrailingSlash())
	// CORS runs before routing, so that preflights and every answer, errors included, carry
	// its headers.
	e.Pre(middleware.CORSWithConfig(corsConfig(cfg.AllowOrigins, cfg.NoCORS)))
	if cfg.RequestLog != nil {
		e.Use(logRequests(cfg.RequestLog))
	}
	addRoutes(e, a)
	return e, a
}

func (a *api) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// corsConfig admits browser apps: the headers the API's clients send, the methods it
// offers, and the headers a client may need to read back.
func corsConfig(origins, noCORS []string) middleware.CORSConfig {
	if len(origins) == 0 {
		origins = []string{"*"}
	}
	return middleware.CORSConfig{
		Skipper: func(c echo.Context) bool {
			path := c.Request().URL.Path
			for _, p := range noCORS {
				if path == p || strings.HasPrefix(path, p+"/") {
					return true
				}
			}
			return false
		},
		AllowOrigins:  origins,
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete},
		AllowHeaders:  []string{"Authorization", "Content-Type", "Accept", "Accept-Version", "X-Requested-With"},
		ExposeHeaders: []string{"ETag", "Location", "Retry-After", "Allow", "X-Ratelimit-Limit", "X-Ratelimit-Interval", "X-Ratelimit-Remaining"},
		MaxAge:        86400,
	}
}

// logRequests writes one log line per request, after its answer.
func logRequests(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err) // answer now, so that the logged status is the one sent
			}
			r := c.Request()
			log.Info("request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
				"status", c.Response().Status, "duration_ms", float64(time.Since(start).Microseconds())/1000)
			return nil
		}
	}
}
