package handlers

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/frontdoor"
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
	// CacheBytes bounds the response cache: the documents it keeps, keys included, add up to
	// at most this many bytes; 0 means DefaultCacheBytes.
	CacheBytes int64
	// IMSTokenTTL is the lifetime of the Adobe family's IMS tokens; 0 means
	// auth.DefaultIMSTTL.
	IMSTokenTTL time.Duration
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

// Prefixes are the paths the Provisioning family owns: the API, and the token endpoints
// auth.commercelayer.io serves.
var Prefixes = []string{"/api", "/oauth"}

// NewServer returns a front door serving the Provisioning family alone, over the store's
// data (no CORS origins set, no request log): what the handlers' tests exercise. The mock
// mounts Family on its own front door instead.
func NewServer(st *store.Store, cfg Config) *echo.Echo {
	e, _ := newServer(st, cfg)
	return e
}

func newServer(st *store.Store, cfg Config) (*echo.Echo, *api) {
	a, f := newFamily(st, cfg)
	fd := frontdoor.New(frontdoor.Config{Logger: cfg.Logger})
	fd.Mount(f)
	return fd.Echo(), a
}

// Family returns the Provisioning family, serving the store's data, for the front door
// to mount.
func Family(st *store.Store, cfg Config) frontdoor.Family {
	_, f := newFamily(st, cfg)
	return f
}

func newFamily(st *store.Store, cfg Config) (*api, frontdoor.Family) {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
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
	return a, frontdoor.Family{
		Name:       "provisioning",
		Prefixes:   Prefixes,
		WriteError: a.handleError,
		Routes:     func(e *echo.Echo) { addRoutes(e, a) },
	}
}

// DefaultMaxBody is the largest request body accepted when the configuration says none.
const DefaultMaxBody = 1 << 20
