package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/app"
	"github.com/commercelayer-mock/provmock/mock"
)

// TestRunPull: "provmock pull" runs the pull command, its credentials and output file
// taken from the environment (PULL_*), the flags from the command line; the file is
// private (it holds the client secret) and the mock loads it, signing in as the user who
// pulled with the same credentials.
func TestRunPull(t *testing.T) {
	src := mock.NewTestServer(t, mock.Options{})
	out := filepath.Join(t.TempDir(), "mine.json")
	env := fakeEnv(map[string]string{
		"PULL_CLIENT_ID": "demo-client-id", "PULL_CLIENT_SECRET": "demo-client-secret", "PULL_OUT": out,
	})
	var stdout, stderr bytes.Buffer
	args := []string{"pull", "--base-url", src.URL, "--auth-url", src.URL, "--format", "json"}
	if err := app.Run(context.Background(), args, env, &stdout, &stderr); err != nil {
		t.Fatalf("provmock pull: %v\n%s", err, stderr.String())
	}
	if stdout.Len() != 0 || !strings.Contains(stderr.String(), "\nroles: 5\n") || !strings.HasSuffix(stderr.String(), " to "+out+" as json\n") {
		t.Errorf("stdout %q, stderr:\n%s", stdout.String(), stderr.String())
	}
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want 0600", out, info.Mode().Perm())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	loaded := mock.NewTestServer(t, mock.Options{Fixtures: data, FixturesName: out})
	if _, err := loaded.Token("demo-client-id", "demo-client-secret"); err != nil {
		t.Errorf("the pulled dataset does not sign in as its user: %v", err)
	}
	if loaded.Loaded["organizations"] != 2 || loaded.Loaded["users"] != 3 {
		t.Errorf("loaded %v", loaded.Loaded)
	}
}
