package pull

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/models"
)

// Config is the pull command's configuration.
type Config struct {
	BaseURL, AuthURL       string
	ClientID, ClientSecret string
	Out                    string // file; "" is stdout
	Format                 string // yaml or json
}

// setting is one flag of the command with its environment variable and default, declared
// once as the mock's settings are (app/settings.go); the variables have a PULL_ prefix so
// that they never meet the mock's own (BASE_URL).
type setting struct {
	flag, env, def, usage string
	field                 func(*Config) *string
}

var settings = []setting{
	{"base-url", "PULL_BASE_URL", "https://provisioning.commercelayer.io", "base of the Provisioning API to pull from ({base}/api/...)", func(c *Config) *string { return &c.BaseURL }},
	{"auth-url", "PULL_AUTH_URL", "https://auth.commercelayer.io", "base of its token endpoint ({base}/oauth/token)", func(c *Config) *string { return &c.AuthURL }},
	{"client-id", "PULL_CLIENT_ID", "", "client id of a Provisioning API application (required)", func(c *Config) *string { return &c.ClientID }},
	{"client-secret", "PULL_CLIENT_SECRET", "", "its client secret (required)", func(c *Config) *string { return &c.ClientSecret }},
	{"out", "PULL_OUT", "", "file to write the dataset to (mode 0600: it holds the client secret); default stdout", func(c *Config) *string { return &c.Out }},
	{"format", "PULL_FORMAT", "yaml", "yaml or json", func(c *Config) *string { return &c.Format }},
}

// ParseConfig reads the flags, each falling back to its environment variable, then to its
// default. --help answers flag.ErrHelp.
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	var cfg Config
	fs := flag.NewFlagSet("provmock pull", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	given := make([]*string, len(settings))
	for i, s := range settings {
		given[i] = fs.String(s.flag, "", s.usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, fmt.Errorf("pull: %w; see provmock pull --help", err)
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("pull: unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for i, s := range settings {
		v := *given[i]
		if !set[s.flag] {
			if v = getenv(s.env); v == "" {
				v = s.def
			}
		}
		*s.field(&cfg) = v
	}
	switch {
	case cfg.ClientID == "" || cfg.ClientSecret == "":
		return cfg, errors.New("pull: --client-id and --client-secret (or PULL_CLIENT_ID and PULL_CLIENT_SECRET) are required")
	case cfg.Format != "yaml" && cfg.Format != "json":
		return cfg, fmt.Errorf("pull: format must be yaml or json, not %q", cfg.Format)
	}
	return cfg, nil
}

// PrintHelp writes provmock pull --help.
func PrintHelp(w io.Writer) {
	fmt.Fprintln(w, "provmock pull: read everything a user can see from a Provisioning API and write it as a dataset provmock loads (--fixtures).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: provmock pull --client-id ID --client-secret SECRET [flags]   (each flag falls back to its environment variable)")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range settings {
		def := ""
		if s.def != "" {
			def = ", default " + s.def
		}
		fmt.Fprintf(tw, "  --%s value\t%s (env %s%s)\n", s.flag, s.usage, s.env, def)
	}
	tw.Flush()
	fmt.Fprint(w, `
The user signed in as is written with the client credentials given, so that the dataset
signs in the same way; colleagues with active memberships become users without
credentials. Progress goes to stderr.
`)
}

// Run is the pull command: it pulls, writes the dataset to --out or stdout, and reports
// progress on stderr.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := ParseConfig(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		PrintHelp(stdout)
		return nil
	}
	if err != nil {
		return err
	}
	reg := models.Provisioning()
	fmt.Fprintf(stderr, "pulling from %s\n", cfg.BaseURL)
	res, err := Pull(ctx, reg, Options{
		BaseURL: cfg.BaseURL, AuthURL: cfg.AuthURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		Progress: stderr,
	})
	if err != nil {
		return fmt.Errorf("pull: %w", err)
	}
	var out []byte
	if cfg.Format == "json" {
		out = fixtures.WriteJSON(reg, res.Records)
	} else {
		comment := fmt.Sprintf("Pulled from %s as %s by provmock pull; the user's client credentials are the ones the pull signed in with.", cfg.BaseURL, res.Email)
		if out, err = fixtures.WriteYAML(reg, res.Records, comment); err != nil {
			return fmt.Errorf("pull: %w", err)
		}
	}
	// Checked as the mock will read it, so that a file that would not load is never written.
	ds, err := fixtures.Parse("pulled dataset", out, reg)
	if err != nil {
		return fmt.Errorf("pull: the dataset would not load: %w", err)
	}
	where := "stdout"
	if cfg.Out == "" {
		if _, err := stdout.Write(out); err != nil {
			return err
		}
	} else {
		where = cfg.Out
		if err := os.WriteFile(cfg.Out, out, 0o600); err != nil {
			return fmt.Errorf("pull: %w", err)
		}
	}
	fmt.Fprintf(stderr, "wrote %d records (%s) to %s as %s\n", ds.Len(), summary(ds.Counts()), where, cfg.Format)
	return nil
}

// summary is "organizations 2, roles 5", types by name.
func summary(counts map[string]int) string {
	var parts []string
	for typ, n := range counts {
		parts = append(parts, fmt.Sprintf("%s %d", typ, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
