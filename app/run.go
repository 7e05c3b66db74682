package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// Config is the mock's configuration.
type Config struct {
	Addr           string
	DBPath         string
	Fixtures       string // "demo" (the embedded dataset), "none", or a file path
	BaseURL        string
	LenientFilters bool
	TokenSecret    string        // HS256 key of access tokens; empty: random per start
	TokenTTL       time.Duration // lifetime of access tokens
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
	fs.StringVar(&cfg.BaseURL, "base-url", env("BASE_URL", ""), "base of every link, e.g. https://provisioning.commercelayer.io; default: the address requests come to (env BASE_URL)")
	fs.StringVar(&cfg.TokenSecret, "token-secret", env("TOKEN_SECRET", ""), "key that signs access tokens (HS256); default: random per start (env TOKEN_SECRET)")
	ttl := fs.Int("token-ttl", 0, "lifetime of access tokens in seconds (env TOKEN_TTL, default 7200)")
	fs.BoolVar(&cfg.LenientFilters, "lenient-filters", false, "ignore unknown filter attributes and predicates, as the real filter engine may (env LENIENT_FILTERS=1)")
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
	if !set["lenient-filters"] {
		lenient, err := envBool(getenv("LENIENT_FILTERS"))
		if err != nil {
			return cfg, fmt.Errorf("LENIENT_FILTERS: %w", err)
		}
		cfg.LenientFilters = lenient
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return cfg, nil
}

func envBool(v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	return strconv.ParseBool(v)
}

// LoadDataset reads the dataset the configuration names.
func LoadDataset(name string, reg *models.Registry) (*fixtures.Dataset, error) {
	switch name {
	case "none":
		return fixtures.Empty(), nil
	case "demo", "":
		return fixtures.Parse(fixtures.DemoName, fixtures.Demo(), reg)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("fixtures: %w", err)
	}
	return fixtures.Parse(name, data, reg)
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
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	reg := models.Provisioning()
	dataset, err := LoadDataset(cfg.Fixtures, reg)
	if err != nil {
		return err
	}
	st, err := store.Open(cfg.DBPath, reg, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	empty, err := st.IsEmpty(ctx)
	if err != nil {
		return err
	}
	// A file database that already holds data keeps it: that is what a file is for.
	if !empty {
		dataset = nil
	} else {
		if err := dataset.Load(ctx, st); err != nil {
			return err
		}
	}
	srv := handlers.NewServer(st, handlers.Config{
		BaseURL: cfg.BaseURL,
		Query:   query.Options{LenientFilters: cfg.LenientFilters},
		Logger:  logger,
		Tokens:  auth.NewIssuer(cfg.TokenSecret, cfg.TokenTTL, nil),
	})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	users, _, err := st.List(ctx, reg.Lookup("users"), store.ListQuery{Limit: 5})
	if err != nil {
		return err
	}
	banner(stdout, ln.Addr().String(), cfg, dataset, users)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// banner tells a person where the mock is and what it serves; ds is nil when a file
// database kept the records it already had.
func banner(w io.Writer, addr string, cfg Config, ds *fixtures.Dataset, users []store.Record) {
	fmt.Fprintf(w, "provmock listening on http://%s\n", addr)
	fmt.Fprintf(w, "  API:      http://%s/api  (database %s, fixtures %s)\n", addr, cfg.DBPath, cfg.Fixtures)
	fmt.Fprintf(w, "  tokens:   POST http://%s/oauth/token  (client_credentials; lifetime %ds)\n", addr, int(cfg.TokenTTL/time.Second))
	for _, u := range users {
		if u.String("client_id") != "" {
			fmt.Fprintf(w, "  user:     %s  client_id=%s client_secret=%s\n", u.String("email"), u.String("client_id"), u.String("client_secret"))
		}
	}
	if ds == nil {
		fmt.Fprintf(w, "  data:     kept the records already in %s (fixtures not loaded)\n", cfg.DBPath)
		return
	}
	counts := ds.Counts()
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	var parts []string
	for _, t := range types {
		parts = append(parts, fmt.Sprintf("%s %d", t, counts[t]))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "  loaded:   %s\n", strings.Join(parts, ", "))
	}
}
