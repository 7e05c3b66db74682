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
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/mock"
	"github.com/commercelayer-mock/provmock/pull"
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
	IMSTokenTTL    time.Duration // lifetime of Adobe IMS access tokens
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
// bound address to stdout once the server accepts connections. "provmock pull ..." runs the
// pull command instead (package pull).
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "pull" {
		return pull.Run(ctx, args[1:], getenv, stdout, stderr)
	}
	cfg, err := ParseConfig(args, getenv, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		PrintHelp(stdout, getenv)
		return nil
	case errors.Is(err, ErrVersion):
		fmt.Fprintln(stdout, Version())
		return nil
	}
	if err != nil {
		return err
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(softMemoryLimit(cfg))
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
		LenientFilters: cfg.LenientFilters, TokenKey: tokenKey, TokenTTL: cfg.TokenTTL, IMSTokenTTL: cfg.IMSTokenTTL,
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
	integrations, err := m.Integrations(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	banner(stdout, ln.Addr().String(), cfg, m.Loaded, users, integrations)
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
func banner(w io.Writer, addr string, cfg Config, loaded map[string]int, users, integrations []store.Record) {
	fmt.Fprintf(w, "  API:      http://%s/api  (database %s, fixtures %s)\n", addr, store.MaskURL(cfg.DBPath), cfg.Fixtures)
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
	if len(integrations) > 0 {
		in := integrations[0]
		fmt.Fprintf(w, "  adobe:    http://%s/data/core/activation/authoring/credentials  (IMS tokens: POST http://%s/ims/token/v3; lifetime %ds)\n", addr, addr, int(cfg.IMSTokenTTL/time.Second))
		fmt.Fprintf(w, "  adobe:    client_id=%s client_secret=%s org=%s\n", in.String("client_id"), in.String("client_secret"), in.String("ims_org"))
	}
	if loaded == nil {
		fmt.Fprintf(w, "  data:     kept the records already in %s (fixtures not loaded)\n", store.MaskURL(cfg.DBPath))
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

// softMemoryLimit is the Go runtime's memory limit the budgets call for: what the response
// cache and the journal may keep, and room for the rest (the records' requests in flight,
// the runtime's own). Past it the collector runs sooner rather than letting the heap grow
// to twice what is live; it is a soft limit, so nothing fails for it.
func softMemoryLimit(cfg Config) int64 {
	return cfg.CacheBytes + int64(cfg.JournalBytes) + 16<<20
}
