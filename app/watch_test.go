package app_test

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// watchedDataset is a dataset with the demo owner and one organization of that name.
func watchedDataset(org string) string {
	return demoUserYAML + `organizations:
  - {id: orgWatched, name: ` + org + `, created_at: 2024-01-01T00:00:00.000Z}
memberships:
  - {id: memWatched, user_email: demo@example.com, status: active, owner: true, organization: orgWatched}
`
}

// eventually polls cond until it holds, failing the test past waitLimit.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitLimit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRunWatchReloadsTheFixturesFile(t *testing.T) {
	path := writeDataset(t, "data.yaml", watchedDataset("First"))
	in := start(t, []string{"--addr", "127.0.0.1:0", "--fixtures", path, "--watch"}, nil)
	orgs := func() []string { return in.list(t, "/api/organizations").idNames() }
	if got := orgs(); !reflect.DeepEqual(got, []string{"orgWatched=First"}) {
		t.Fatalf("organizations at start = %v", got)
	}

	// A change: the mock resets to the new dataset and logs one line.
	if res := in.do(t, "POST", "/api/roles", `{"data":{"type":"roles","attributes":{"name":"Gone after the reload"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgWatched"}}}}}`); res.status != 201 {
		t.Fatalf("creating a role = %d %s", res.status, res.body)
	}
	if err := os.WriteFile(path, []byte(watchedDataset("Second edition")), 0o600); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the new dataset served", func() bool { return reflect.DeepEqual(orgs(), []string{"orgWatched=Second edition"}) })
	if got := in.list(t, "/api/roles").Data; len(got) != 0 {
		t.Errorf("roles after the reload: %v, want none (the new dataset has none)", got)
	}
	eventually(t, "the reload logged", func() bool { return strings.Contains(in.stderr.String(), "fixtures reloaded") })
	if n := strings.Count(in.stderr.String(), "fixtures reloaded"); n != 1 {
		t.Errorf("%d reload lines, want 1:\n%s", n, in.stderr.String())
	}
	if !strings.Contains(in.stderr.String(), `loaded="memberships 1, organizations 1, users 1"`) {
		t.Errorf("the reload line does not count the records:\n%s", in.stderr.String())
	}

	// A broken file: the running data stays and the error names the line.
	broken := strings.Replace(watchedDataset("Broken"), "organization: orgWatched}", "organization: orgMissing}", 1)
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	want := path + `:6: memberships memWatched: organization: no organizations with id \"orgMissing\"`
	eventually(t, "the error logged", func() bool { return strings.Contains(in.stderr.String(), want) })
	if !strings.Contains(in.stderr.String(), "fixtures not reloaded: the running data is kept") {
		t.Errorf("stderr:\n%s", in.stderr.String())
	}
	if got := orgs(); !reflect.DeepEqual(got, []string{"orgWatched=Second edition"}) {
		t.Errorf("organizations after a broken file = %v, want the running data", got)
	}
}

func TestRunWatchNeedsAFixturesFile(t *testing.T) {
	for _, args := range [][]string{{"--watch"}, {"--watch", "--fixtures", "none"}} {
		_, err := runFails(t, append([]string{"--addr", "127.0.0.1:0"}, args...), nil)
		if want := "--watch reloads a fixtures file: name one with --fixtures"; err.Error() != want {
			t.Errorf("Run(%q) = %v, want %s", args, err, want)
		}
	}
	if _, err := runFails(t, []string{"--addr", "127.0.0.1:0"}, map[string]string{"WATCH": "1"}); err == nil || !strings.Contains(err.Error(), "--watch") {
		t.Errorf("WATCH=1 without a file: %v", err)
	}
}
