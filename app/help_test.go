package app_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/app"
)

// TestHelp: --help prints, to stdout, a one-line summary, every flag in its group with its
// environment variable, the pull command's usage, and four examples; it is no failure.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h"} {
		var stdout, stderr bytes.Buffer
		if err := app.Run(context.Background(), []string{arg}, fakeEnv(nil), &stdout, &stderr); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		out := stdout.String()
		if first, _, _ := strings.Cut(out, "\n"); !strings.HasPrefix(first, "provmock: a stateful mock of the Commerce Layer Provisioning API") {
			t.Errorf("%s: first line %q, want the summary", arg, first)
		}
		if stderr.Len() != 0 {
			t.Errorf("%s wrote to stderr: %s", arg, stderr.String())
		}
		// The groups, in order, each with its flags and their variables.
		groups := []struct {
			title string
			flags []string
		}{
			{"Server:", []string{"--addr value  address to listen on (env ADDR, default 127.0.0.1:8080)", "--quiet", "(env QUIET)", "--shutdown-timeout value", "(env SHUTDOWN_TIMEOUT, default 10s)"}},
			{"Data:", []string{"--db value", "(env DB_PATH, default :memory:)", "--fixtures value", "--lenient-filters", "(env CACHE_DIR, default none)"}},
			{"Access tokens:", []string{"--token-key value", "--token-ttl value", "(env TOKEN_TTL, default 7200)"}},
			{"Control API (/_mock):", []string{"--admin-token value", "(env JOURNAL_SIZE, default 1000)", "(env MAX_FIXTURES_BODY, default 33554432)"}},
			{"Limits:", []string{"--max-body value", "(env MAX_BODY, default 1048576)", "--rate-limits", "(env RATE_LIMITS)"}},
			{"Examples:", nil},
		}
		rest := out
		for i, g := range groups {
			at := strings.Index(rest, "\n"+g.title+"\n")
			if at < 0 {
				t.Fatalf("%s: no group %q after the previous one in:\n%s", arg, g.title, out)
			}
			section := rest[at:]
			if i+1 < len(groups) {
				if end := strings.Index(section, "\n"+groups[i+1].title+"\n"); end >= 0 {
					section = section[:end]
				}
			}
			for _, f := range g.flags {
				if !strings.Contains(collapse(section), f) {
					t.Errorf("%s: group %q lacks %q:\n%s", arg, g.title, f, section)
				}
			}
			rest = rest[at+1:]
		}
		examples := strings.Split(strings.TrimSpace(rest[strings.Index(rest, "\n")+1:]), "\n")
		if len(examples) != 4 || !strings.HasPrefix(examples[3], "  provmock pull --client-id ID --client-secret SECRET --out mine.yaml") {
			t.Errorf("%s: examples %q, want four, the last one of provmock pull", arg, examples)
		}
		if !strings.Contains(out, "\n       provmock pull --client-id ID --client-secret SECRET") {
			t.Errorf("%s: the usage does not name provmock pull:\n%s", arg, out)
		}
	}
}

// collapse turns runs of spaces into one, so that alignment does not matter.
func collapse(s string) string { return regexp.MustCompile(` {2,}`).ReplaceAllString(s, "  ") }

// TestVersion: --version prints one line, the version and the revision (a test binary has
// no VCS information: "unknown"; main's TestCommand checks a built one).
func TestVersion(t *testing.T) {
	var stdout bytes.Buffer
	if err := app.Run(context.Background(), []string{"--version"}, fakeEnv(nil), &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^provmock \S+, revision \S+.*, go1\.\d+`).MatchString(stdout.String()) || strings.Count(stdout.String(), "\n") != 1 {
		t.Errorf("--version printed %q", stdout.String())
	}
}
