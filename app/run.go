package app

import (
	"context"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/mock"
	"github.com/commercelayer-mock/provmock/store"
)

// Config is the mock's configuration.
type Config struct {
	Addr           string
	DBPath         string
	Fixtures       string // "demo" (the embedded dataset), "none", or a file path
	Watch          bool   // reload the fixtures file when it changes
	ControlFile    string // JSON file of the fault rules and rate limits to start with; "" for none
	BaseURL        string
	LenientFilters bool
	TokenKey       string        // PEM file of the RSA key that signs access tokens; empty: generated per start
	TokenTTL       time.Duration // lifetime of access tokens
	AdminToken     string        // protects the control API when set
	RateLimits     bool          // the real service's rate limits from the start
	AllowOrigins   []string      // CORS origins; empty: any
	AllowHosts     []string      // hosts the control API answers besides loopback names and IP addresses
	LogFormat      string        // text or json
	Quiet          bool          // no request logs
	MaxBody        int64         // largest request body, in bytes
	CacheBytes     int64         // budget of the response cache, in bytes
	CacheDir       string        // keeps images of loaded data between runs; "" for none
	// Bounds of the control API's state: the journal (entries, bytes in all, bytes of a
	// body), snapshots (number, bytes in all), fault rules, and a posted fixtures document.
	JournalSize, JournalBytes, JournalBodyBytes int
	MaxSnapshots, SnapshotBytes, MaxFaults      int
	FixturesBytes                               int64
	// Timeouts of the HTTP server, so that slow or stalled clients cannot hold connections:
	// reading a request's header, reading a whole request, writing a response (from the end
	// of the request's header), and keeping an idle keep-alive connection open.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// ShutdownTimeout bounds the graceful shutdown: requests still in flight after it have
	// their connections closed.
	ShutdownTimeout time.Duration
}

// ParseConfig reads flags, each falling back to an environment variable, then to a default
// that works with no configuration at all.
func ParseConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var cfg Config
	fs := flag.NewFlagSet("provmock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", env("ADDR", "127.0.0.1:8080"), "address to listen on (env ADDR)")
	fs.StringVar(&cfg.DBPath, "db", env("DB_PATH", store.Memory), "SQLite file, or :memory: (env DB_PATH)")
	fs.StringVar(&cfg.Fixtures, "fixtures", env("FIXTURES", "demo"), "dataset to load at start: demo, none, or a YAML/JSON file (env FIXTURES)")
	fs.StringVar(&cfg.ControlFile, "control-file", env("CONTROL_FILE", ""), `JSON file of the fault rules and rate limits to start with (and reset to), as the control API takes them: {"faults": [...], "rate_limits": {...}} (env CONTROL_FILE)`)
	fs.StringVar(&cfg.BaseURL, "base-url", env("BASE_URL", ""), "base of every link, e.g. https://provisioning.commercelayer.io; default: the address requests come to (env BASE_URL)")
	fs.StringVar(&cfg.TokenKey, "token-key", env("TOKEN_KEY", ""), "PEM file of the RSA private key that signs access tokens (RS512), so that they outlive a restart; default: a key generated per start (env TOKEN_KEY)")
	ttl := fs.Int("token-ttl", 0, "lifetime of access tokens in seconds (env TOKEN_TTL, default 7200)")
	fs.StringVar(&cfg.AdminToken, "admin-token", env("ADMIN_TOKEN", ""), "when set, the control API /_mock needs Authorization: Bearer {token} (env ADMIN_TOKEN)")
	origins := fs.String("allow-origins", env("ALLOW_ORIGINS", ""), "comma-separated browser origins CORS admits; default any (env ALLOW_ORIGINS)")
	hosts := fs.String("allow-hosts", env("ALLOW_HOSTS", ""), "comma-separated host names the control API answers besides loopback names, IP addresses and the listen address; .example.test admits its subdomains too (env ALLOW_HOSTS)")
	fs.StringVar(&cfg.LogFormat, "log-format", env("LOG_FORMAT", "text"), "log lines as text or json (env LOG_FORMAT)")
	fs.BoolVar(&cfg.RateLimits, "rate-limits", false, "emulate the real service's rate limits from the start (env RATE_LIMITS=1)")
	fs.BoolVar(&cfg.Quiet, "quiet", false, "no request logs (env QUIET=1)")
	fs.BoolVar(&cfg.Watch, "watch", false, "reload the --fixtures file when it changes (env WATCH=1)")
	maxBody := fs.String("max-body", env("MAX_BODY", "1048576"), "largest request body in bytes; larger ones get 413 (env MAX_BODY)")
	cacheBytes := fs.String("cache-bytes", env("CACHE_BYTES", "67108864"), "most bytes the response cache keeps, URLs included (env CACHE_BYTES)")
	cacheDir := fs.String("cache-dir", env("CACHE_DIR", defaultCacheDir(getenv)), "directory that keeps a copy of the loaded data between runs, so that later starts are faster; none for no copy (env CACHE_DIR)")
	fs.BoolVar(&cfg.LenientFilters, "lenient-filters", false, "ignore unknown filter attributes and predicates, as the real filter engine may (env LENIENT_FILTERS=1)")
	sizes := []struct {
		flag, env, def, usage string
		value                 *string
		set                   func(int64)
	}{
		{"journal-size", "JOURNAL_SIZE", "1000", "requests the journal keeps", nil, func(n int64) { cfg.JournalSize = int(n) }},
		{"journal-bytes", "JOURNAL_BYTES", "16777216", "bytes the journal keeps in all", nil, func(n int64) { cfg.JournalBytes = int(n) }},
		{"journal-body-bytes", "JOURNAL_BODY_BYTES", "65536", "bytes the journal keeps of a request's body", nil, func(n int64) { cfg.JournalBodyBytes = int(n) }},
		{"max-snapshots", "MAX_SNAPSHOTS", "32", "snapshots the control API keeps", nil, func(n int64) { cfg.MaxSnapshots = int(n) }},
		{"snapshot-bytes", "SNAPSHOT_BYTES", "134217728", "bytes all snapshots keep together", nil, func(n int64) { cfg.SnapshotBytes = int(n) }},
		{"max-faults", "MAX_FAULTS", "100", "fault rules the control API keeps", nil, func(n int64) { cfg.MaxFaults = int(n) }},
		{"max-fixtures-body", "MAX_FIXTURES_BODY", "33554432", "largest fixtures document POST /_mock/fixtures takes, in bytes", nil, func(n int64) { cfg.FixturesBytes = n }},
	}
	for i := range sizes {
		sz := &sizes[i]
		sz.value = fs.String(sz.flag, env(sz.env, sz.def), sz.usage+" (env "+sz.env+")")
	}
	timeouts := []struct {
		flag, env, def, usage string
		dst                   *time.Duration
		value                 *string
	}{
		{"read-header-timeout", "READ_HEADER_TIMEOUT", "10s", "longest wait for a request's header", &cfg.ReadHeaderTimeout, nil},
		{"read-timeout", "READ_TIMEOUT", "30s", "longest wait for a whole request, body included", &cfg.ReadTimeout, nil},
		{"write-timeout", "WRITE_TIMEOUT", "30s", "longest time to answer a request, from the end of its header", &cfg.WriteTimeout, nil},
		{"idle-timeout", "IDLE_TIMEOUT", "120s", "longest time a keep-alive connection stays open between requests", &cfg.IdleTimeout, nil},
		{"shutdown-timeout", "SHUTDOWN_TIMEOUT", "10s", "longest wait for requests in flight at shutdown", &cfg.ShutdownTimeout, nil},
	}
	for i := range timeouts {
		t := &timeouts[i]
		t.value = fs.String(t.flag, env(t.env, t.def), t.usage+", such as "+t.def+" (env "+t.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	// Boolean environment fallbacks are read only when the flag is absent, so that a flag
	// can always override a malformed variable.
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	cfg.TokenTTL = time.Duration(*ttl) * time.Second
	if !set["token-ttl"] {
		secs, err := strconv.Atoi(env("TOKEN_TTL", "7200"))
		if err != nil {
			return cfg, fmt.Errorf("TOKEN_TTL: %w", err)
		}
		cfg.TokenTTL = time.Duration(secs) * time.Second
	}
	if cfg.TokenTTL <= 0 {
		return cfg, fmt.Errorf("token lifetime must be at least one second")
	}
	for _, b := range []struct {
		flag, env string
		dst       *bool
	}{{"rate-limits", "RATE_LIMITS", &cfg.RateLimits}, {"quiet", "QUIET", &cfg.Quiet}, {"watch", "WATCH", &cfg.Watch}} {
		if !set[b.flag] {
			v, err := envBool(getenv(b.env))
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", b.env, err)
			}
			*b.dst = v
		}
	}
	var err error
	if cfg.MaxBody, err = strconv.ParseInt(*maxBody, 10, 64); err != nil || cfg.MaxBody < 1 {
		return cfg, fmt.Errorf("max body must be a positive number of bytes, not %q", *maxBody)
	}
	if cfg.CacheBytes, err = strconv.ParseInt(*cacheBytes, 10, 64); err != nil || cfg.CacheBytes < 1 {
		return cfg, fmt.Errorf("cache bytes must be a positive number of bytes, not %q", *cacheBytes)
	}
	for _, sz := range sizes {
		n, err := strconv.ParseInt(*sz.value, 10, 64)
		if err != nil || n < 1 || n > 1<<40 {
			return cfg, fmt.Errorf("%s must be a positive whole number, not %q", sz.flag, *sz.value)
		}
		sz.set(n)
	}
	for _, t := range timeouts {
		d, err := time.ParseDuration(*t.value)
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("%s must be a positive duration such as %s, not %q", strings.ReplaceAll(t.flag, "-", " "), t.def, *t.value)
		}
		*t.dst = d
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return cfg, fmt.Errorf("log format must be text or json, not %q", cfg.LogFormat)
	}
	cfg.AllowOrigins = commaList(*origins)
	cfg.AllowHosts = commaList(*hosts)
	if !set["lenient-filters"] {
		lenient, err := envBool(getenv("LENIENT_FILTERS"))
		if err != nil {
			return cfg, fmt.Errorf("LENIENT_FILTERS: %w", err)
		}
		cfg.LenientFilters = lenient
	}
	if cfg.Watch && (cfg.Fixtures == "demo" || cfg.Fixtures == "none" || cfg.Fixtures == "") {
		return cfg, fmt.Errorf("--watch reloads a fixtures file: name one with --fixtures")
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if *cacheDir != "none" {
		cfg.CacheDir = *cacheDir
	}
	return cfg, nil
}

// defaultCacheDir is provmock's directory in the user's cache directory, found as
// os.UserCacheDir finds it on Unix ($XDG_CACHE_HOME, else ~/.cache), or "none" when the
// environment names neither.
func defaultCacheDir(getenv func(string) string) string {
	if dir := getenv("XDG_CACHE_HOME"); dir != "" {
		return filepath.Join(dir, "provmock")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".cache", "provmock")
	}
	return "none"
}

// commaList splits a comma-separated list, leaving out empty items.
func commaList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func envBool(v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	return strconv.ParseBool(v)
}

// readFixtures returns the dataset the configuration names and the name errors give it:
// nil for the embedded demo, empty for none.
func readFixtures(name string) ([]byte, string, error) {
	switch name {
	case "none":
		return mock.NoFixtures, name, nil
	case "demo", "":
		return nil, "", nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, "", fmt.Errorf("fixtures: %w", err)
	}
	return data, name, nil
}

// Run starts the mock and serves until ctx ends, then shuts down gracefully. It prints the
// bound address to stdout once the server accepts connections.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := ParseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h printed the usage: not a failure
	}
	if err != nil {
		return err
	}
	// Start-up allocates a lot that lives briefly (the parsed dataset, the schema): collecting
	// garbage during it is wasted time, so the collector waits until the banner.
	gcPercent := debug.SetGCPercent(-1)
	restoreGC := sync.OnceFunc(func() { debug.SetGCPercent(gcPercent) })
	defer restoreGC() // on every way out, start-up failures included
	logger := newLogger(stderr, cfg.LogFormat)
	data, name, err := readFixtures(cfg.Fixtures)
	if err != nil {
		return err
	}
	var control []byte
	if cfg.ControlFile != "" {
		if control, err = os.ReadFile(cfg.ControlFile); err != nil {
			return fmt.Errorf("control file: %w", err)
		}
	}
	var tokenKey *rsa.PrivateKey
	if cfg.TokenKey != "" {
		if tokenKey, err = auth.LoadKey(cfg.TokenKey); err != nil {
			return err
		}
	}
	opts := mock.Options{
		Fixtures: data, FixturesName: name, DBPath: cfg.DBPath, BaseURL: cfg.BaseURL,
		LenientFilters: cfg.LenientFilters, TokenKey: tokenKey, TokenTTL: cfg.TokenTTL,
		AdminToken: cfg.AdminToken, RateLimits: cfg.RateLimits, AllowOrigins: cfg.AllowOrigins,
		ListenAddr: cfg.Addr, AllowHosts: cfg.AllowHosts,
		JournalSize: cfg.JournalSize, JournalBytes: cfg.JournalBytes, JournalBodyBytes: cfg.JournalBodyBytes,
		MaxSnapshots: cfg.MaxSnapshots, SnapshotBytes: cfg.SnapshotBytes, MaxFaults: cfg.MaxFaults,
		FixturesBytes: cfg.FixturesBytes,
		Logger:        logger, MaxBody: cfg.MaxBody, CacheBytes: cfg.CacheBytes, ImageCache: cfg.CacheDir,
		Control: control, ControlName: cfg.ControlFile,
	}
	if !cfg.Quiet {
		opts.RequestLog = logger
	}
	m, err := mock.New(ctx, opts)
	if err != nil {
		return err
	}
	defer m.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{
		Handler:           m.Handler(),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
	}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	// A generated key takes 50-200 ms of one core: made beside serving, not before it, and
	// the first token request waits for it only if it comes sooner.
	m.PrepareTokens()
	// The address first: whoever waits for it can connect while the rest is written.
	fmt.Fprintf(stdout, "provmock listening on http://%s\n", ln.Addr())
	// Not cancelled by a signal that arrives meanwhile: that shuts down below, as usual.
	users, err := m.Users(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	banner(stdout, ln.Addr().String(), cfg, m.Loaded, users)
	restoreGC()
	if cfg.Watch {
		// Stopped, and waited for, before the mock is closed on every way out.
		watchCtx, stopWatching := context.WithCancel(ctx)
		watching := make(chan struct{})
		go func() { defer close(watching); watchFixtures(watchCtx, cfg.Fixtures, m, logger) }()
		defer func() { stopWatching(); <-watching }()
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting connections and let the requests in flight finish; past the limit,
	// close their connections rather than leave them running on a closed database.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		_ = httpSrv.Close()
		return fmt.Errorf("shutdown: requests still in flight after %v were cut off: %w", cfg.ShutdownTimeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newLogger writes text or JSON lines.
func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// banner tells a person, below the address line, what the mock serves; loaded is nil when a
// file database kept the records it already had. Its last line is "  loaded: ..." or
// "  data: ...", whatever the data.
func banner(w io.Writer, addr string, cfg Config, loaded map[string]int, users []store.Record) {
	fmt.Fprintf(w, "  API:      http://%s/api  (database %s, fixtures %s)\n", addr, cfg.DBPath, cfg.Fixtures)
	fmt.Fprintf(w, "  tokens:   POST http://%s/oauth/token  (client_credentials; lifetime %ds)\n", addr, int(cfg.TokenTTL/time.Second))
	fmt.Fprintf(w, "  control:  http://%s/_mock  (reset, fixtures, snapshots, requests, faults, rate-limits, tokens)\n", addr)
	for i, u := range users {
		if i == 5 {
			fmt.Fprintf(w, "  user:     ... and %d more\n", len(users)-5)
			break
		}
		if u.String("client_id") != "" {
			fmt.Fprintf(w, "  user:     %s  client_id=%s client_secret=%s\n", u.String("email"), u.String("client_id"), u.String("client_secret"))
		}
	}
	if loaded == nil {
		fmt.Fprintf(w, "  data:     kept the records already in %s (fixtures not loaded)\n", cfg.DBPath)
		return
	}
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(loaded)) {
		parts = append(parts, fmt.Sprintf("%s %d", t, loaded[t]))
	}
	if len(parts) == 0 {
		parts = []string{"no records"}
	}
	fmt.Fprintf(w, "  loaded:   %s\n", strings.Join(parts, ", "))
}
