package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/app"
)

func TestHelpIsNotAFailure(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := app.Run(context.Background(), []string{"-h"}, func(string) string { return "" }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("Run(-h) = %v, want nil", err)
	}
	if !strings.Contains(stdout.String(), "--fixtures") {
		t.Fatalf("usage not printed on stdout:\n%s", stdout.String())
	}
}

func TestLenientFlagOverridesMalformedEnv(t *testing.T) {
	env := func(k string) string {
		if k == "LENIENT_FILTERS" {
			return "maybe"
		}
		return ""
	}
	if _, err := app.ParseConfig(nil, env, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "LENIENT_FILTERS") {
		t.Fatalf("malformed LENIENT_FILTERS accepted: %v", err)
	}
	cfg, err := app.ParseConfig([]string{"--lenient-filters=false"}, env, &bytes.Buffer{})
	if err != nil || cfg.LenientFilters {
		t.Fatalf("flag did not win: %+v, %v", cfg, err)
	}
}

func TestDatabasePathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd?name#1.db")
	in := start(t, []string{"--addr", "127.0.0.1:0", "--db", path, "--fixtures", "none"}, nil)
	if err := in.stop(t); err != nil {
		t.Fatal(err)
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "odd?name#1.db*")); len(matches) == 0 {
		t.Fatalf("no database file at %s", path)
	}
}

func TestRequestLogs(t *testing.T) {
	t.Run("JSONLines", func(t *testing.T) {
		in := start(t, []string{"--addr", "127.0.0.1:0", "--log-format", "json"}, nil)
		in.list(t, "/api/organizations?page[size]=1")
		if err := in.stop(t); err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, line := range strings.Split(in.stderr.String(), "\n") {
			var entry map[string]any
			if json.Unmarshal([]byte(line), &entry) != nil {
				continue
			}
			if entry["msg"] == "request" && entry["path"] == "/api/organizations" && entry["status"] == 200.0 &&
				entry["method"] == "GET" && entry["query"] == "page[size]=1" {
				found = true
			}
		}
		if !found {
			t.Fatalf("no JSON request line for GET /api/organizations in:\n%s", in.stderr.String())
		}
	})
	t.Run("TextLines", func(t *testing.T) {
		in := start(t, []string{"--addr", "127.0.0.1:0"}, nil)
		in.list(t, "/api/roles")
		if err := in.stop(t); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(in.stderr.String(), "msg=request method=GET path=/api/roles") {
			t.Fatalf("no text request line in:\n%s", in.stderr.String())
		}
	})
	t.Run("Quiet", func(t *testing.T) {
		in := start(t, []string{"--addr", "127.0.0.1:0", "--quiet"}, nil)
		in.list(t, "/api/roles")
		if err := in.stop(t); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(in.stderr.String(), "msg=request") {
			t.Fatalf("--quiet still logs requests:\n%s", in.stderr.String())
		}
	})
}

func TestControlLimitsAndHostsFromFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"ALLOW_HOSTS": "mock.lan, .dev.test", "JOURNAL_BYTES": "4096", "MAX_FAULTS": "7"}
	getenv := func(k string) string { return env[k] }
	cfg, err := app.ParseConfig([]string{"--max-snapshots", "3", "--max-fixtures-body=2048"}, getenv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	got := []any{cfg.AllowHosts, cfg.JournalSize, cfg.JournalBytes, cfg.JournalBodyBytes, cfg.MaxSnapshots, cfg.SnapshotBytes, cfg.MaxFaults, cfg.FixturesBytes}
	want := []any{[]string{"mock.lan", ".dev.test"}, 1000, 4096, 65536, 3, 128 << 20, 7, int64(2048)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, args := range [][]string{{"--journal-bytes", "0"}, {"--max-faults", "many"}, {"--snapshot-bytes=-1"}} {
		if _, err := app.ParseConfig(args, func(string) string { return "" }, &bytes.Buffer{}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
