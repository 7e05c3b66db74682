package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/app"
	"github.com/commercelayer-mock/provmock/handlers"
)

const mediaType = "application/vnd.api+json"

// waitLimit bounds every wait of these tests: start-up, readiness, shutdown.
const waitLimit = 10 * time.Second

// syncBuffer is an io.Writer that Run can write to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeEnv is a getenv backed by a map.
func fakeEnv(env map[string]string) func(string) string {
	return func(key string) string { return env[key] }
}

// instance is one app.Run in a goroutine.
type instance struct {
	addr           string // host:port from the banner
	base           string // http://addr
	cancel         context.CancelFunc
	done           chan error
	stdout, stderr *syncBuffer
	stopped        bool
	token          string // the demo owner's access token, obtained on first use
}

// demoUserYAML is a dataset user with the demo owner's credentials.
const demoUserYAML = `users:
  - {id: usrDemoOwn, email: demo@example.com, first_name: Alex, last_name: Morgan, client_id: demo-client-id, client_secret: demo-client-secret}
`

// writeDataset writes a dataset file and returns its path.
func writeDataset(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// obtainToken asks the token endpoint for a token with the demo owner's credentials.
func (in *instance) obtainToken(t *testing.T) (int, map[string]any) {
	t.Helper()
	body := `{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"demo-client-secret"}`
	resp, err := (&http.Client{Timeout: waitLimit}).Post(in.base+"/oauth/token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, doc
}

var bannerRE = regexp.MustCompile(`(?m)^provmock listening on http://(\S+)$`)

// bannerEndRE matches the banner's last line: the address line comes first, and the rest
// after a query.
var bannerEndRE = regexp.MustCompile(`(?m)^  (loaded|data): .*\n`)

// start runs app.Run with args and env and waits until the whole banner is out and
// /healthz answers 200. The instance is stopped at the end of the test.
func start(t *testing.T, args []string, env map[string]string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{cancel: cancel, done: make(chan error, 1), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	go func() { in.done <- app.Run(ctx, args, fakeEnv(env), in.stdout, in.stderr) }()
	t.Cleanup(func() {
		if !in.stopped {
			in.cancel()
			select {
			case <-in.done:
			case <-time.After(waitLimit):
				t.Errorf("Run did not return within %v of cancel", waitLimit)
			}
		}
	})
	deadline := time.Now().Add(waitLimit)
	for in.addr == "" {
		out := in.stdout.String()
		if m := bannerRE.FindStringSubmatch(out); m != nil && bannerEndRE.MatchString(out) {
			in.addr = m[1]
			break
		}
		select {
		case err := <-in.done:
			in.stopped = true
			t.Fatalf("Run returned %v before printing its banner; stderr:\n%s", err, in.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner within %v; stdout:\n%s\nstderr:\n%s", waitLimit, in.stdout.String(), in.stderr.String())
		}
	}
	in.base = "http://" + in.addr
	for {
		resp, err := http.Get(in.base + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if strings.TrimSpace(string(body)) != `{"status":"ok"}` {
					t.Fatalf("/healthz body = %s", body)
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not 200 within %v (last error %v)", waitLimit, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return in
}

// stop cancels Run's context and returns what Run returned, failing if it takes too long.
func (in *instance) stop(t *testing.T) error {
	t.Helper()
	in.cancel()
	in.stopped = true
	select {
	case err := <-in.done:
		return err
	case <-time.After(waitLimit):
		t.Fatalf("Run did not return within %v of cancel", waitLimit)
		return nil
	}
}

// runFails runs app.Run expecting it to fail before serving, and returns its error.
func runFails(t *testing.T, args []string, env map[string]string) (stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, args, fakeEnv(env), stdout, errOut) }()
	select {
	case err = <-done:
		if err == nil {
			t.Fatalf("Run(%q) = nil, want an error", args)
		}
		if out := stdout.String(); out != "" {
			t.Fatalf("Run(%q) failed (%v) but printed a banner:\n%s", args, err, out)
		}
		return errOut.String(), err
	case <-time.After(waitLimit):
		cancel()
		<-done
		t.Fatalf("Run(%q) served instead of failing; stdout:\n%s", args, stdout.String())
		return "", nil
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a JSON:API request to the instance.
func (in *instance) do(t *testing.T, method, path, body string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, in.base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", mediaType)
	if body != "" {
		req.Header.Set("Content-Type", mediaType)
	}
	if in.token == "" {
		status, doc := in.obtainToken(t)
		if status != http.StatusOK {
			t.Fatalf("POST /oauth/token with the demo credentials = %d %v", status, doc)
		}
		in.token, _ = doc["access_token"].(string)
	}
	req.Header.Set("Authorization", "Bearer "+in.token)
	client := &http.Client{Timeout: waitLimit}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// listDoc is the part of a list document the tests read.
type listDoc struct {
	Data []struct {
		ID         string         `json:"id"`
		Type       string         `json:"type"`
		Attributes map[string]any `json:"attributes"`
	} `json:"data"`
	Meta  map[string]any    `json:"meta"`
	Links map[string]string `json:"links"`
}

func (in *instance) list(t *testing.T, path string) listDoc {
	t.Helper()
	res := in.do(t, http.MethodGet, path, "")
	if res.status != http.StatusOK {
		t.Fatalf("GET %s = %d %s", path, res.status, res.body)
	}
	var doc listDoc
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, res.body)
	}
	return doc
}

// idNames returns "id=name" for each resource of a list, in order.
func (d listDoc) idNames() []string {
	out := []string{}
	for _, r := range d.Data {
		out = append(out, fmt.Sprintf("%s=%v", r.ID, r.Attributes["name"]))
	}
	return out
}

var demoOrganizations = []string{"orgBlueBrd=The Blue Brand", "orgGreenGr=Green Grocer Co."}

func TestRunServesDemoDataAndShutsDownGracefully(t *testing.T) {
	in := start(t, []string{"--addr", "127.0.0.1:0", "--db", ":memory:"}, nil)

	wantBanner := fmt.Sprintf("provmock listening on http://%[1]s\n"+
		"  API:      http://%[1]s/api  (database :memory:, fixtures demo)\n"+
		"  tokens:   POST http://%[1]s/oauth/token  (client_credentials; lifetime 7200s)\n"+
		"  control:  http://%[1]s/_mock  (reset, fixtures, snapshots, requests, faults, rate-limits, tokens)\n"+
		"  user:     demo@example.com  client_id=demo-client-id client_secret=demo-client-secret\n"+
		"  user:     viewer@example.com  client_id=viewer-client-id client_secret=viewer-client-secret\n"+
		"  adobe:    http://%[1]s/data/core/activation/authoring/credentials  (IMS tokens: POST http://%[1]s/ims/token/v3; lifetime 86400s)\n"+
		"  adobe:    client_id=demo-adobe-client-id client_secret=demo-adobe-client-secret org=DEMO1234567890ABCDEF0123@AdobeOrg\n"+
		"  loaded:   adobe_credentials 4, adobe_integrations 2, api_credentials 6, application_memberships 1, identity_providers 2, membership_profiles 2, "+
		"memberships 6, organizations 2, permissions 8, roles 5, users 3, versions 5\n", in.addr)
	if got := in.stdout.String(); got != wantBanner {
		t.Errorf("banner =\n%s\nwant\n%s", got, wantBanner)
	}
	if host, port, err := net.SplitHostPort(in.addr); err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("bound address %q, want 127.0.0.1 with a real port", in.addr)
	}

	doc := in.list(t, "/api/organizations")
	if got := doc.idNames(); !reflect.DeepEqual(got, demoOrganizations) {
		t.Fatalf("organizations = %v, want %v", got, demoOrganizations)
	}
	if doc.Data[0].Type != "organizations" || doc.Meta["record_count"] != 2.0 || doc.Meta["page_count"] != 1.0 {
		t.Fatalf("type %q, meta %v", doc.Data[0].Type, doc.Meta)
	}
	// Without --base-url, links point at the mock itself.
	if want := in.base + "/api/organizations?page%5Bnumber%5D=1&page%5Bsize%5D=10"; doc.Links["first"] != want {
		t.Errorf("links.first = %q, want %q", doc.Links["first"], want)
	}

	if err := in.stop(t); err != nil {
		t.Fatalf("Run returned %v after cancel, want nil", err)
	}
	if resp, err := http.Get(in.base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatalf("GET /healthz after shutdown = %d, want a refused connection", resp.StatusCode)
	}
}

func TestRunShutsDownPromptlyWithIdleConnections(t *testing.T) {
	in := start(t, []string{"--addr", "127.0.0.1:0"}, nil)
	// Keep-alive connections left open by a client must not hold the shutdown up.
	client := &http.Client{Transport: &http.Transport{}}
	for i := 0; i < 3; i++ {
		resp, err := client.Get(in.base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	begin := time.Now()
	if err := in.stop(t); err != nil {
		t.Fatalf("Run = %v after cancel, want nil", err)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Fatalf("shutdown took %v with idle connections", d)
	}
}

func TestRunReadsEnvironment(t *testing.T) {
	env := map[string]string{
		"ADDR":            "127.0.0.1:0",
		"DB_PATH":         ":memory:",
		"FIXTURES":        writeDataset(t, "users.yaml", demoUserYAML),
		"BASE_URL":        "https://provisioning.commercelayer.io/",
		"LENIENT_FILTERS": "1",
	}
	in := start(t, nil, env)
	if !strings.Contains(in.stdout.String(), "(database :memory:, fixtures "+env["FIXTURES"]+")\n") {
		t.Errorf("banner does not show the environment's settings:\n%s", in.stdout.String())
	}
	doc := in.list(t, "/api/organizations")
	if len(doc.Data) != 0 || doc.Meta["record_count"] != 0.0 {
		t.Fatalf("FIXTURES with no organizations: organizations %v, meta %v, want none", doc.idNames(), doc.Meta)
	}
	if want := "https://provisioning.commercelayer.io/api/organizations?page%5Bnumber%5D=1&page%5Bsize%5D=10"; doc.Links["first"] != want {
		t.Errorf("BASE_URL: links.first = %q, want %q", doc.Links["first"], want)
	}
	// LENIENT_FILTERS=1: an unknown filter is ignored instead of a 400.
	if res := in.do(t, http.MethodGet, "/api/roles?filter[q][nme_eq]=x", ""); res.status != http.StatusOK {
		t.Fatalf("LENIENT_FILTERS=1: unknown filter = %d %s, want 200", res.status, res.body)
	}
}

func TestRunFlagsOverrideEnvironment(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"ADDR":            "256.0.0.1:99999", // would fail to listen
		"DB_PATH":         filepath.Join(dir, "missing", "dir", "x.db"),
		"FIXTURES":        filepath.Join(dir, "missing.yaml"), // would fail to read
		"BASE_URL":        "https://provisioning.commercelayer.io",
		"LENIENT_FILTERS": "true",
	}
	in := start(t, []string{"--addr", "127.0.0.1:0", "--db", ":memory:", "--fixtures", "demo",
		"--base-url", "", "--lenient-filters=false"}, env)
	doc := in.list(t, "/api/organizations")
	if got := doc.idNames(); !reflect.DeepEqual(got, demoOrganizations) {
		t.Fatalf("--fixtures demo: organizations = %v, want %v", got, demoOrganizations)
	}
	if !strings.HasPrefix(doc.Links["first"], in.base+"/api/") {
		t.Errorf("--base-url '': links.first = %q, want the mock's own address", doc.Links["first"])
	}
	res := in.do(t, http.MethodGet, "/api/roles?filter[q][nme_eq]=x", "")
	if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `"code":"FILTER_NOT_ALLOWED"`) {
		t.Fatalf("--lenient-filters=false: unknown filter = %d %s, want 400 FILTER_NOT_ALLOWED", res.status, res.body)
	}
}

func TestParseConfig(t *testing.T) {
	defaults := app.Config{Addr: "127.0.0.1:8080", DBPath: ":memory:", Fixtures: "demo", TokenTTL: 7200 * time.Second, IMSTokenTTL: 24 * time.Hour}
	fullEnv := map[string]string{
		"ADDR": "0.0.0.0:9000", "DB_PATH": "/tmp/x.db", "FIXTURES": "none",
		"BASE_URL": "https://provisioning.commercelayer.io/", "LENIENT_FILTERS": "1",
		"TOKEN_KEY": "/keys/env.pem", "TOKEN_TTL": "60",
	}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want app.Config
	}{
		{"nothing set gives defaults", nil, nil, defaults},
		{"environment fills every setting", nil, fullEnv, app.Config{
			Addr: "0.0.0.0:9000", DBPath: "/tmp/x.db", Fixtures: "none",
			BaseURL: "https://provisioning.commercelayer.io", LenientFilters: true,
			TokenKey: "/keys/env.pem", TokenTTL: time.Minute}},
		{"flags override environment", []string{"--addr", "127.0.0.1:0", "--db", "a.db", "--fixtures", "f.yaml",
			"--base-url", "http://localhost:1/", "--lenient-filters=false", "--token-key", "flag.pem", "--token-ttl", "1"}, fullEnv,
			app.Config{Addr: "127.0.0.1:0", DBPath: "a.db", Fixtures: "f.yaml", BaseURL: "http://localhost:1",
				TokenKey: "flag.pem", TokenTTL: time.Second}},
		{"single-dash and = forms", []string{"-addr=127.0.0.1:0", "-lenient-filters"}, nil,
			app.Config{Addr: "127.0.0.1:0", DBPath: ":memory:", Fixtures: "demo", LenientFilters: true, TokenTTL: 7200 * time.Second}},
		{"DATABASE_URL when DB_PATH is unset", nil, map[string]string{"DATABASE_URL": "postgres://u:p@db:5432/mock"}, app.Config{
			Addr: "127.0.0.1:8080", DBPath: "postgres://u:p@db:5432/mock", Fixtures: "demo", TokenTTL: 7200 * time.Second}},
		{"DB_PATH over DATABASE_URL", nil, map[string]string{"DATABASE_URL": "postgres://u:p@db:5432/mock", "DB_PATH": "/tmp/x.db"}, app.Config{
			Addr: "127.0.0.1:8080", DBPath: "/tmp/x.db", Fixtures: "demo", TokenTTL: 7200 * time.Second}},
		{"empty environment values are unset", nil, map[string]string{"ADDR": "", "FIXTURES": ""}, defaults},
		{"LENIENT_FILTERS false", nil, map[string]string{"LENIENT_FILTERS": "false"}, defaults},
		{"timeouts from the environment", nil, map[string]string{"READ_HEADER_TIMEOUT": "2s", "READ_TIMEOUT": "1m",
			"WRITE_TIMEOUT": "45s", "IDLE_TIMEOUT": "500ms", "SHUTDOWN_TIMEOUT": "3s"}, app.Config{
			Addr: "127.0.0.1:8080", DBPath: ":memory:", Fixtures: "demo", TokenTTL: 7200 * time.Second,
			ReadHeaderTimeout: 2 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 45 * time.Second,
			IdleTimeout: 500 * time.Millisecond, ShutdownTimeout: 3 * time.Second}},
		{"the cache directory is in the user's", nil, map[string]string{"HOME": "/home/ann"}, app.Config{
			Addr: "127.0.0.1:8080", DBPath: ":memory:", Fixtures: "demo", TokenTTL: 7200 * time.Second,
			CacheDir: "/home/ann/.cache/provmock"}},
		{"XDG_CACHE_HOME names the user's cache", nil, map[string]string{"HOME": "/home/ann", "XDG_CACHE_HOME": "/var/cache/ann"}, app.Config{
			Addr: "127.0.0.1:8080", DBPath: ":memory:", Fixtures: "demo", TokenTTL: 7200 * time.Second,
			CacheDir: "/var/cache/ann/provmock"}},
		{"CACHE_DIR none keeps no images", nil, map[string]string{"HOME": "/home/ann", "CACHE_DIR": "none"}, defaults},
		{"--cache-dir overrides CACHE_DIR", []string{"--cache-dir", "/tmp/images"}, map[string]string{"CACHE_DIR": "none"}, app.Config{
			Addr: "127.0.0.1:8080", DBPath: ":memory:", Fixtures: "demo", TokenTTL: 7200 * time.Second,
			CacheDir: "/tmp/images"}},
		{"IMS token lifetime from the environment", nil, map[string]string{"IMS_TOKEN_TTL": "60"}, app.Config{
			Addr: "127.0.0.1:8080", DBPath: ":memory:", Fixtures: "demo", TokenTTL: 7200 * time.Second, IMSTokenTTL: time.Minute}},
		{"--ims-token-ttl overrides IMS_TOKEN_TTL", []string{"--ims-token-ttl", "5"}, map[string]string{"IMS_TOKEN_TTL": "60"}, app.Config{
			Addr: "127.0.0.1:8080", DBPath: ":memory:", Fixtures: "demo", TokenTTL: 7200 * time.Second, IMSTokenTTL: 5 * time.Second}},
		{"cache bytes from the environment", nil, map[string]string{"CACHE_BYTES": "1048576"}, app.Config{
			Addr: "127.0.0.1:8080", DBPath: ":memory:", Fixtures: "demo", TokenTTL: 7200 * time.Second, CacheBytes: 1 << 20}},
		{"--cache-bytes overrides CACHE_BYTES", []string{"--cache-bytes", "4096"}, map[string]string{"CACHE_BYTES": "bogus"}, app.Config{
			Addr: "127.0.0.1:8080", DBPath: ":memory:", Fixtures: "demo", TokenTTL: 7200 * time.Second, CacheBytes: 4096}},
		{"timeout flags override the environment", []string{"--read-header-timeout", "200ms", "--read-timeout=1s",
			"--write-timeout", "2s", "--idle-timeout", "3s", "--shutdown-timeout", "4s"},
			map[string]string{"READ_HEADER_TIMEOUT": "bogus", "IDLE_TIMEOUT": "0"}, app.Config{
				Addr: "127.0.0.1:8080", DBPath: ":memory:", Fixtures: "demo", TokenTTL: 7200 * time.Second,
				ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: time.Second, WriteTimeout: 2 * time.Second,
				IdleTimeout: 3 * time.Second, ShutdownTimeout: 4 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			got, err := app.ParseConfig(tc.args, fakeEnv(tc.env), &stderr)
			if err != nil {
				t.Fatalf("ParseConfig: %v; stderr %s", err, stderr.String())
			}
			if tc.want.LogFormat == "" {
				tc.want.LogFormat = "text" // defaults left out of the table
			}
			if tc.want.MaxBody == 0 {
				tc.want.MaxBody = 1 << 20
			}
			if tc.want.CacheBytes == 0 {
				tc.want.CacheBytes = handlers.DefaultCacheBytes
			}
			for _, d := range []struct {
				dst *int
				def int
			}{{&tc.want.JournalSize, 1000}, {&tc.want.JournalBytes, 2 << 20}, {&tc.want.JournalBodyBytes, 64 << 10},
				{&tc.want.MaxSnapshots, 32}, {&tc.want.SnapshotBytes, 128 << 20}, {&tc.want.MaxFaults, 100}} {
				if *d.dst == 0 {
					*d.dst = d.def
				}
			}
			if tc.want.FixturesBytes == 0 {
				tc.want.FixturesBytes = 32 << 20
			}
			if tc.want.IMSTokenTTL == 0 {
				tc.want.IMSTokenTTL = 24 * time.Hour
			}
			for _, d := range []struct {
				dst *time.Duration
				def time.Duration
			}{{&tc.want.ReadHeaderTimeout, 10 * time.Second}, {&tc.want.ReadTimeout, 30 * time.Second},
				{&tc.want.WriteTimeout, 30 * time.Second}, {&tc.want.IdleTimeout, 120 * time.Second},
				{&tc.want.ShutdownTimeout, 10 * time.Second}} {
				if *d.dst == 0 {
					*d.dst = d.def
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("config = %+v\n  want %+v", got, tc.want)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"unknown flag", []string{"--port", "80"}, nil, "flag provided but not defined: -port; see --help"},
		{"flag without its value", []string{"--addr"}, nil, "flag needs an argument: -addr; see --help"},
		{"bad boolean flag", []string{"--lenient-filters=maybe"}, nil, `invalid boolean value "maybe" for -lenient-filters: parse error; see --help`},
		{"bad number flag", []string{"--token-ttl=soon"}, nil, `invalid value "soon" for flag -token-ttl: parse error; see --help`},
		{"bad TOKEN_TTL", nil, map[string]string{"TOKEN_TTL": "soon"}, `TOKEN_TTL: strconv.Atoi: parsing "soon": invalid syntax`},
		{"zero token lifetime", []string{"--token-ttl", "0"}, nil, "token lifetime must be at least one second"},
		{"positional argument", []string{"--addr", "127.0.0.1:0", "serve"}, nil, `unexpected argument "serve"`},
		{"bad LENIENT_FILTERS", nil, map[string]string{"LENIENT_FILTERS": "maybe"}, `LENIENT_FILTERS: strconv.ParseBool: parsing "maybe": invalid syntax`},
		{"zero timeout", []string{"--read-timeout", "0"}, nil, `read timeout must be a positive duration such as 30s, not "0"`},
		{"zero cache bytes", []string{"--cache-bytes", "0"}, nil, `cache bytes must be a positive number of bytes, not "0"`},
		{"bad CACHE_BYTES", nil, map[string]string{"CACHE_BYTES": "64MiB"}, `cache bytes must be a positive number of bytes, not "64MiB"`},
		{"negative timeout", []string{"--shutdown-timeout=-1s"}, nil, `shutdown timeout must be a positive duration such as 10s, not "-1s"`},
		{"timeout without a unit", []string{"--idle-timeout", "120"}, nil, `idle timeout must be a positive duration such as 120s, not "120"`},
		{"bad timeout in the environment", nil, map[string]string{"READ_HEADER_TIMEOUT": "soon"},
			`read header timeout must be a positive duration such as 10s, not "soon"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := app.ParseConfig(tc.args, fakeEnv(tc.env), io.Discard)
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("ParseConfig(%q) error = %v, want %q", tc.args, err, tc.wantErr)
			}
		})
	}
}

func TestRunFailsBeforeServing(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-fixtures.yaml")
	badFixtures := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badFixtures, []byte("organizations:\n  - {id: o1, name: Acme}\n  - {id: o1, name: Again}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	cases := []struct {
		name     string
		args     []string
		env      map[string]string
		wantErr  []string // substrings of the error
		inStderr string
	}{
		{"bad flag", []string{"--addr", "127.0.0.1:0", "--verbose"}, nil,
			[]string{"flag provided but not defined: -verbose; see --help"}, ""},
		{"positional argument", []string{"--addr", "127.0.0.1:0", "now"}, nil, []string{`unexpected argument "now"`}, ""},
		{"unreadable fixtures file is named", []string{"--addr", "127.0.0.1:0", "--fixtures", missing}, nil,
			[]string{missing, "no such file"}, ""},
		{"unreadable fixtures file from the environment", []string{"--addr", "127.0.0.1:0"}, map[string]string{"FIXTURES": missing},
			[]string{missing}, ""},
		{"fixtures directory", []string{"--addr", "127.0.0.1:0", "--fixtures", dir}, nil, []string{dir}, ""},
		{"invalid fixtures name the file and line", []string{"--addr", "127.0.0.1:0", "--fixtures", badFixtures}, nil,
			[]string{badFixtures + ":3: organizations o1: id already used on line 2"}, ""},
		{"address in use", []string{"--addr", busy.Addr().String()}, nil, []string{busy.Addr().String()}, ""},
		{"missing token key file is named", []string{"--addr", "127.0.0.1:0", "--token-key", filepath.Join(dir, "no-key.pem")}, nil,
			[]string{filepath.Join(dir, "no-key.pem"), "no such file"}, ""},
		{"token key file that is no key", []string{"--addr", "127.0.0.1:0"}, map[string]string{"TOKEN_KEY": badFixtures}, []string{badFixtures, "no PEM block"}, ""},
		{"database in a missing directory", []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "nope", "x.db")}, nil,
			[]string{"store: open " + filepath.Join(dir, "nope", "x.db")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stderr, err := runFails(t, tc.args, tc.env)
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if !strings.Contains(stderr, tc.inStderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tc.inStderr)
			}
		})
	}
}

func TestRunFixturesFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	data := `{"users": [{"id": "usrDemoOwn", "email": "demo@example.com", "first_name": "Alex", "last_name": "Morgan", "client_id": "demo-client-id", "client_secret": "demo-client-secret"}],
	"organizations": [{"id": "orgOnlyOne", "name": "Only One", "created_at": "2024-01-01T00:00:00.000Z"}],
	"memberships": [{"id": "memOnlyOne", "user_email": "demo@example.com", "status": "active", "owner": true, "organization": "orgOnlyOne"}]}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	in := start(t, []string{"--addr", "127.0.0.1:0", "--fixtures", path}, nil)
	if got, want := in.list(t, "/api/organizations").idNames(), []string{"orgOnlyOne=Only One"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("organizations = %v, want %v", got, want)
	}
	if !strings.Contains(in.stdout.String(), "  loaded:   memberships 1, organizations 1, users 1\n") {
		t.Errorf("banner:\n%s", in.stdout.String())
	}
}

func TestRunFixturesNoneStartsEmpty(t *testing.T) {
	in := start(t, []string{"--addr", "127.0.0.1:0", "--fixtures", "none"}, nil)
	// Not even a user: no credentials are valid and the API answers 401.
	if status, doc := in.obtainToken(t); status != http.StatusUnauthorized || !strings.Contains(fmt.Sprint(doc["errors"]), "title:invalid_client") {
		t.Errorf("token with the demo credentials = %d %v, want 401 invalid_client", status, doc)
	}
	resp, err := http.Get(in.base + "/api/organizations")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/organizations = %d, want 401", resp.StatusCode)
	}
	if !strings.HasSuffix(in.stdout.String(), "\n  loaded:   no records\n") {
		t.Errorf("banner does not end by saying nothing was loaded:\n%s", in.stdout.String())
	}
}

func TestRunFileDatabaseKeepsDataAcrossRuns(t *testing.T) {
	db := filepath.Join(t.TempDir(), "provmock.db")
	args := []string{"--addr", "127.0.0.1:0", "--db", db}

	first := start(t, args, nil)
	res := first.do(t, http.MethodPost, "/api/organizations",
		`{"data":{"type":"organizations","attributes":{"name":"Persisted Shop","reference":"kept"}}}`)
	if res.status != http.StatusCreated {
		t.Fatalf("POST /api/organizations = %d %s", res.status, res.body)
	}
	var created struct {
		Data struct {
			ID         string         `json:"id"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(res.body, &created); err != nil || created.Data.ID == "" {
		t.Fatalf("created document %s: %v", res.body, err)
	}
	id := created.Data.ID
	if loc := res.header.Get("Location"); loc != first.base+"/api/organizations/"+id {
		t.Errorf("Location = %q", loc)
	}
	if err := first.stop(t); err != nil {
		t.Fatalf("first Run = %v", err)
	}

	// The second run keeps the file's data and does not load the demo dataset on top of it.
	second := start(t, args, nil)
	res = second.do(t, http.MethodGet, "/api/organizations/"+id, "")
	if res.status != http.StatusOK {
		t.Fatalf("GET the created organization in the second run = %d %s", res.status, res.body)
	}
	var got struct {
		Data struct {
			ID         string         `json:"id"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(res.body, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Data.Attributes, created.Data.Attributes) {
		t.Errorf("attributes after restart =\n%v\nwant\n%v", got.Data.Attributes, created.Data.Attributes)
	}
	if got.Data.Attributes["name"] != "Persisted Shop" || got.Data.Attributes["reference"] != "kept" {
		t.Errorf("attributes = %v", got.Data.Attributes)
	}
	doc := second.list(t, "/api/organizations")
	ids := []string{}
	for _, r := range doc.Data {
		ids = append(ids, r.ID)
	}
	sort.Strings(ids)
	want := []string{id, "orgBlueBrd", "orgGreenGr"}
	sort.Strings(want)
	if !reflect.DeepEqual(ids, want) {
		t.Fatalf("organizations after restart = %v, want %v", ids, want)
	}
	// The organization's side effects (its roles) were kept too.
	if roles := second.list(t, "/api/roles?filter[q][organization_id_eq]="+id); len(roles.Data) == 0 {
		t.Errorf("roles of the created organization were lost")
	}
	if err := second.stop(t); err != nil {
		t.Fatalf("second Run = %v", err)
	}
}

// writeTokenKey writes a new RSA key as PEM and returns the file's path.
func writeTokenKey(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "token-key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRunTokenKeyOutlivesRestart: two starts with one --token-key file (or TOKEN_KEY)
// accept each other's tokens; a start without it does not.
func TestRunTokenKeyOutlivesRestart(t *testing.T) {
	path := writeTokenKey(t)
	first := start(t, []string{"--addr", "127.0.0.1:0", "--token-key", path}, nil)
	status, doc := first.obtainToken(t)
	if status != http.StatusOK {
		t.Fatalf("token endpoint = %d %v", status, doc)
	}
	token := doc["access_token"].(string)
	if err := first.stop(t); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want int
	}{
		{"same key by flag", []string{"--addr", "127.0.0.1:0", "--token-key", path}, nil, http.StatusOK},
		{"same key by environment", []string{"--addr", "127.0.0.1:0"}, map[string]string{"TOKEN_KEY": path}, http.StatusOK},
		{"generated key", []string{"--addr", "127.0.0.1:0"}, nil, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := start(t, tc.args, tc.env)
			next.token = token
			if res := next.do(t, http.MethodGet, "/api/user", ""); res.status != tc.want {
				t.Fatalf("the first start's token at this one: %d %s, want %d", res.status, res.body, tc.want)
			}
		})
	}
}
