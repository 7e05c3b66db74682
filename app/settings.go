package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/control"
	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/store"
)

// setting is one configuration setting, declared once: its flag, its environment
// variable, its default, what it means, the group --help lists it in, and how its value
// goes into the Config.
type setting struct {
	flag, env string
	group     string
	// def is the default; defOf, when set, computes it from the environment instead.
	def   string
	defOf func(getenv func(string) string) string
	usage string
	// isBool makes a flag that needs no value (--quiet); its values are strconv.ParseBool's.
	isBool bool
	// check validates a flag's value as it is parsed, so that the flag package names the
	// flag; a variable's value fails in apply, named by the variable.
	check func(string) error
	apply func(cfg *Config, value string) error
}

// Groups of --help, in order.
var groups = []struct{ name, title string }{
	{"server", "Server"}, {"data", "Data"}, {"auth", "Access tokens"},
	{"control", "Control API (/_mock)"}, {"limits", "Limits"},
}

// settings are every setting of the mock. Their defaults are the packages' own, so that a
// zero mock.Options and no configuration at all behave the same.
var settings = []setting{
	{flag: "addr", env: "ADDR", group: "server", def: "127.0.0.1:8080", usage: "address to listen on",
		apply: func(c *Config, v string) error { c.Addr = v; return nil }},
	{flag: "base-url", env: "BASE_URL", group: "server", usage: "base of every link, e.g. https://provisioning.commercelayer.io; default: the address requests come to",
		apply: func(c *Config, v string) error { c.BaseURL = strings.TrimRight(v, "/"); return nil }},
	{flag: "allow-origins", env: "ALLOW_ORIGINS", group: "server", usage: "comma-separated browser origins CORS admits; default any",
		apply: func(c *Config, v string) error { c.AllowOrigins = commaList(v); return nil }},
	{flag: "log-format", env: "LOG_FORMAT", group: "server", def: "text", usage: "log lines as text or json",
		apply: func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return fmt.Errorf("log format must be text or json, not %q", v)
			}
			c.LogFormat = v
			return nil
		}},
	boolSetting("quiet", "QUIET", "server", "no request logs", func(c *Config) *bool { return &c.Quiet }),
	durationSetting("read-header-timeout", "READ_HEADER_TIMEOUT", "10s", "longest wait for a request's header", func(c *Config) *time.Duration { return &c.ReadHeaderTimeout }),
	durationSetting("read-timeout", "READ_TIMEOUT", "30s", "longest wait for a whole request, body included", func(c *Config) *time.Duration { return &c.ReadTimeout }),
	durationSetting("write-timeout", "WRITE_TIMEOUT", "30s", "longest time to answer a request, from the end of its header", func(c *Config) *time.Duration { return &c.WriteTimeout }),
	durationSetting("idle-timeout", "IDLE_TIMEOUT", "120s", "longest time a keep-alive connection stays open between requests", func(c *Config) *time.Duration { return &c.IdleTimeout }),
	durationSetting("shutdown-timeout", "SHUTDOWN_TIMEOUT", "10s", "longest wait for requests in flight at shutdown", func(c *Config) *time.Duration { return &c.ShutdownTimeout }),

	{flag: "db", env: "DB_PATH", group: "data", defOf: defaultDB, usage: "SQLite file, :memory:, or postgres://user:pass@host:5432/db?search_path=SCHEMA (a database several instances share; the schema is created on first use); default: DATABASE_URL when set, else :memory:",
		apply: func(c *Config, v string) error { c.DBPath = v; return nil }},
	{flag: "fixtures", env: "FIXTURES", group: "data", def: "demo", usage: "dataset to load at start: demo, none, or a YAML/JSON file",
		apply: func(c *Config, v string) error { c.Fixtures = v; return nil }},
	{flag: "cache-dir", env: "CACHE_DIR", group: "data", defOf: defaultCacheDir, usage: "directory that keeps a copy of the loaded data between runs, so that later starts are faster; none for no copy",
		apply: func(c *Config, v string) error {
			if v != "none" {
				c.CacheDir = v
			}
			return nil
		}},
	boolSetting("watch", "WATCH", "data", "reload the --fixtures file when it changes", func(c *Config) *bool { return &c.Watch }),
	boolSetting("lenient-filters", "LENIENT_FILTERS", "data", "ignore unknown filter attributes and predicates, as the real filter engine may", func(c *Config) *bool { return &c.LenientFilters }),

	{flag: "token-key", env: "TOKEN_KEY", group: "auth", usage: "PEM file of the RSA private key that signs access tokens (RS512), so that they outlive a restart; default: a key generated per start",
		apply: func(c *Config, v string) error { c.TokenKey = v; return nil }},
	lifetimeSetting("token-ttl", "TOKEN_TTL", auth.DefaultTTL, "access tokens", "token", func(c *Config) *time.Duration { return &c.TokenTTL }),
	lifetimeSetting("ims-token-ttl", "IMS_TOKEN_TTL", auth.DefaultIMSTTL, "Adobe IMS access tokens", "IMS token", func(c *Config) *time.Duration { return &c.IMSTokenTTL }),

	{flag: "control-file", env: "CONTROL_FILE", group: "control", usage: `JSON file of the fault rules and rate limits to start with (and reset to), as the control API takes them: {"faults": [...], "rate_limits": {...}}`,
		apply: func(c *Config, v string) error { c.ControlFile = v; return nil }},
	{flag: "admin-token", env: "ADMIN_TOKEN", group: "control", usage: "when set, the control API needs Authorization: Bearer {token}",
		apply: func(c *Config, v string) error { c.AdminToken = v; return nil }},
	{flag: "allow-hosts", env: "ALLOW_HOSTS", group: "control", usage: "comma-separated host names the control API answers besides loopback names, IP addresses and the listen address; .example.test admits its subdomains too",
		apply: func(c *Config, v string) error { c.AllowHosts = commaList(v); return nil }},
	countSetting("journal-size", "JOURNAL_SIZE", control.DefaultJournalSize, "requests the journal keeps", func(c *Config, n int64) { c.JournalSize = int(n) }),
	countSetting("journal-bytes", "JOURNAL_BYTES", control.DefaultJournalBytes, "bytes the journal keeps in all", func(c *Config, n int64) { c.JournalBytes = int(n) }),
	countSetting("journal-body-bytes", "JOURNAL_BODY_BYTES", control.DefaultJournalBodyBytes, "bytes the journal keeps of a request's body", func(c *Config, n int64) { c.JournalBodyBytes = int(n) }),
	countSetting("max-snapshots", "MAX_SNAPSHOTS", control.DefaultMaxSnapshots, "snapshots the control API keeps", func(c *Config, n int64) { c.MaxSnapshots = int(n) }),
	countSetting("snapshot-bytes", "SNAPSHOT_BYTES", control.DefaultSnapshotBytes, "bytes all snapshots keep together", func(c *Config, n int64) { c.SnapshotBytes = int(n) }),
	countSetting("max-faults", "MAX_FAULTS", control.DefaultMaxFaults, "fault rules the control API keeps", func(c *Config, n int64) { c.MaxFaults = int(n) }),
	countSetting("max-fixtures-body", "MAX_FIXTURES_BODY", control.DefaultFixturesBytes, "largest fixtures document POST /_mock/fixtures takes, in bytes", func(c *Config, n int64) { c.FixturesBytes = n }),

	bytesSetting("max-body", "MAX_BODY", handlers.DefaultMaxBody, "largest request body in bytes; larger ones get 413", func(c *Config) *int64 { return &c.MaxBody }),
	bytesSetting("cache-bytes", "CACHE_BYTES", handlers.DefaultCacheBytes, "most bytes the response cache keeps, URLs included", func(c *Config) *int64 { return &c.CacheBytes }),
	boolSetting("rate-limits", "RATE_LIMITS", "limits", "emulate the real service's rate limits from the start", func(c *Config) *bool { return &c.RateLimits }),
}

func boolSetting(name, env, group, usage string, field func(*Config) *bool) setting {
	return setting{flag: name, env: env, group: group, usage: usage, isBool: true,
		apply: func(c *Config, v string) error {
			b, err := envBool(v)
			*field(c) = b
			return err
		}}
}

func durationSetting(name, env, def, usage string, field func(*Config) *time.Duration) setting {
	return setting{flag: name, env: env, group: "server", def: def, usage: usage,
		apply: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%s must be a positive duration such as %s, not %q", strings.ReplaceAll(name, "-", " "), def, v)
			}
			*field(c) = d
			return nil
		}}
}

// lifetimeSetting is a token lifetime in whole seconds, at least one.
func lifetimeSetting(name, env string, def time.Duration, tokens, what string, field func(*Config) *time.Duration) setting {
	return setting{flag: name, env: env, group: "auth", def: strconv.Itoa(int(def / time.Second)), usage: "lifetime of " + tokens + " in seconds",
		check: func(v string) error { _, err := strconv.Atoi(v); return err },
		apply: func(c *Config, v string) error {
			secs, err := strconv.Atoi(v)
			if err != nil {
				return err
			}
			if secs <= 0 {
				return fmt.Errorf("%s lifetime must be at least one second", what)
			}
			*field(c) = time.Duration(secs) * time.Second
			return nil
		}}
}

func countSetting(name, env string, def int64, usage string, set func(*Config, int64)) setting {
	return setting{flag: name, env: env, group: "control", def: strconv.FormatInt(def, 10), usage: usage,
		apply: func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 || n > 1<<40 {
				return fmt.Errorf("%s must be a positive whole number, not %q", name, v)
			}
			set(c, n)
			return nil
		}}
}

func bytesSetting(name, env string, def int64, usage string, field func(*Config) *int64) setting {
	return setting{flag: name, env: env, group: "limits", def: strconv.FormatInt(def, 10), usage: usage,
		apply: func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return fmt.Errorf("%s must be a positive number of bytes, not %q", strings.ReplaceAll(name, "-", " "), v)
			}
			*field(c) = n
			return nil
		}}
}

// value is a setting's flag: it keeps what the command line said, checked as the flag
// package parses it.
type value struct {
	s     *setting
	given string
	set   bool
}

func (v *value) String() string { return v.given }

func (v *value) Set(s string) error {
	if v.s.isBool {
		if _, err := strconv.ParseBool(s); err != nil {
			return errors.New("parse error")
		}
	} else if v.s.check != nil {
		if err := v.s.check(s); err != nil {
			return errors.New("parse error")
		}
	}
	v.given, v.set = s, true
	return nil
}

func (v *value) IsBoolFlag() bool { return v.s.isBool }

// ErrVersion is ParseConfig's answer to --version: Run prints the version, not a failure.
var ErrVersion = errors.New("version requested")

// ParseConfig reads flags, each falling back to an environment variable, then to a default
// that works with no configuration at all. --help answers flag.ErrHelp, --version
// ErrVersion; a flag that cannot be parsed answers one line that points to --help.
func ParseConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var cfg Config
	fs := flag.NewFlagSet("provmock", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the error is returned, in one line; --help prints the usage
	fs.Usage = func() {}
	values := make([]*value, len(settings))
	for i := range settings {
		values[i] = &value{s: &settings[i]}
		fs.Var(values[i], settings[i].flag, settings[i].usage)
	}
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, fmt.Errorf("%w; see --help", err)
	}
	if *version {
		return cfg, ErrVersion
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for i, s := range settings {
		v, fromEnv := values[i].given, false
		if !values[i].set {
			if v = getenv(s.env); v != "" {
				fromEnv = true
			} else {
				v = s.defaultValue(getenv)
			}
		}
		if err := s.apply(&cfg, v); err != nil {
			if fromEnv && (s.isBool || s.check != nil) {
				// A value only a parser can judge is named by where it came from.
				return cfg, fmt.Errorf("%s: %w", s.env, err)
			}
			return cfg, err
		}
	}
	if cfg.Watch && (cfg.Fixtures == "demo" || cfg.Fixtures == "none" || cfg.Fixtures == "") {
		return cfg, fmt.Errorf("--watch reloads a fixtures file: name one with --fixtures")
	}
	return cfg, nil
}

func (s setting) defaultValue(getenv func(string) string) string {
	if s.defOf != nil {
		return s.defOf(getenv)
	}
	return s.def
}

// PrintHelp writes --help: what the command is, its settings by group with their
// variables and defaults (as the environment makes them), and examples.
func PrintHelp(w io.Writer, getenv func(string) string) {
	fmt.Fprintln(w, "provmock: a stateful mock of the Commerce Layer Provisioning API, with a control API to drive it.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: provmock [flags]   (each flag falls back to its environment variable)")
	fmt.Fprintln(w, "       provmock pull --client-id ID --client-secret SECRET [--out data.yaml]   (your organizations as a dataset; see provmock pull --help)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, g := range groups {
		fmt.Fprintf(tw, "\n%s:\n", g.title)
		for _, s := range settings {
			if s.group != g.name {
				continue
			}
			name := "--" + s.flag
			if !s.isBool {
				name += " value"
			}
			def := s.defaultValue(getenv)
			if def != "" {
				def = ", default " + def
			}
			fmt.Fprintf(tw, "  %s\t%s (env %s%s)\n", name, s.usage, s.env, def)
		}
	}
	fmt.Fprintf(tw, "\nOther:\n  --version\tprint the version and the VCS revision\n  --help\tprint this help\n")
	tw.Flush()
	fmt.Fprint(w, `
Examples:
  provmock                                      # the demo data in memory, on 127.0.0.1:8080
  provmock --db mock.db --fixtures data.yaml    # your data, kept in a file between runs
  ADMIN_TOKEN=s3cret RATE_LIMITS=1 provmock --addr 0.0.0.0:8080 --base-url https://provisioning.commercelayer.io
  provmock pull --client-id ID --client-secret SECRET --out mine.yaml && provmock --fixtures mine.yaml
`)
}

// Version is the command's version line: the module's version and the VCS revision the
// binary was built from, as the build info records them.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "provmock (no build info)"
	}
	return versionOf(info)
}

func versionOf(info *debug.BuildInfo) string {
	out := "provmock " + info.Main.Version
	var rev, modified, at string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " (modified)"
			}
		case "vcs.time":
			at = " " + s.Value
		}
	}
	if rev == "" {
		rev = "unknown"
	}
	return out + ", revision " + rev + modified + at + ", " + info.GoVersion
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

// defaultDB is DATABASE_URL, the variable hosting platforms set, when DB_PATH is not set;
// else memory.
func defaultDB(getenv func(string) string) string {
	if u := getenv("DATABASE_URL"); u != "" {
		return u
	}
	return store.Memory
}
