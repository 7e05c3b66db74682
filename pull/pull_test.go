package pull_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/commercelayer-mock/provmock/mock"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/pull"
)

// testTokenKey signs the tests' tokens: a key is costly to make, so the mocks share one.
var testTokenKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newServer(t *testing.T, fixtures []byte) *mock.Server {
	t.Helper()
	return mock.NewTestServer(t, mock.Options{Fixtures: fixtures, TokenKey: testTokenKey()})
}

// call sends a request with a bearer token and returns the status and body.
func call(t *testing.T, srv *mock.Server, token, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/vnd.api+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

func token(t *testing.T, srv *mock.Server, id, secret string) string {
	t.Helper()
	tok, err := srv.Token(id, secret)
	if err != nil {
		t.Fatalf("token for %s at %s: %v", id, srv.URL, err)
	}
	return tok
}

// runPull runs the command against srv (API and token endpoint both) and returns its stdout
// and stderr.
func runPull(t *testing.T, srv *mock.Server, id, secret string, extra ...string) (string, string) {
	t.Helper()
	args := append([]string{"--base-url", srv.URL, "--auth-url", srv.URL, "--client-id", id, "--client-secret", secret}, extra...)
	var stdout, stderr bytes.Buffer
	if err := pull.Run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("pull: %v\nstderr:\n%s", err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// sameDocuments compares, as the user of the credentials, the user singleton and every
// page of every list of every type, both with the default page and with 25 a page and the
// to-one relationships included, between mock a and mock b. The only difference allowed is
// the host of the links (each mock's own URL). It returns how many records each list held.
func sameDocuments(t *testing.T, a, b *mock.Server, id, secret string) map[string]int {
	t.Helper()
	tokA, tokB := token(t, a, id, secret), token(t, b, id, secret)
	compare := func(path string) []byte {
		t.Helper()
		statusA, docA := call(t, a, tokA, http.MethodGet, path, "")
		statusB, docB := call(t, b, tokB, http.MethodGet, path, "")
		docA = bytes.ReplaceAll(docA, []byte(a.URL), []byte(b.URL))
		if statusA != http.StatusOK || statusB != statusA || !bytes.Equal(docA, docB) {
			t.Errorf("GET %s as %s: the mocks differ\nA (%d, links moved to B's host):\n%s\nB (%d):\n%s", path, id, statusA, docA, statusB, docB)
		}
		return docA
	}
	compare("/api/user")
	counts := map[string]int{}
	for _, def := range models.Provisioning().All() {
		if !def.Offers(models.OpList) {
			continue
		}
		var includes []string
		for _, rel := range def.Rels {
			if !rel.ToMany {
				includes = append(includes, rel.Name)
			}
		}
		for _, query := range []url.Values{{}, {"page[size]": {"25"}, "include": {strings.Join(includes, ",")}}} {
			for page := 1; ; page++ {
				query.Set("page[number]", strconv.Itoa(page))
				doc := compare("/api/" + def.Path + "?" + query.Encode())
				var list struct {
					Meta map[string]int `json:"meta"`
				}
				if err := json.Unmarshal(doc, &list); err != nil {
					t.Fatalf("%s: %v", def.Type, err)
				}
				counts[def.Type] = list.Meta["record_count"]
				if page >= list.Meta["page_count"] {
					break
				}
			}
		}
	}
	return counts
}

// TestPullRoundTrip: what a pull from mock A writes, loaded into mock B, serves the same
// documents as A to the user who pulled, for the demo data and records created through the
// API, as the owner and as the read-only colleague (who sees one organization).
func TestPullRoundTrip(t *testing.T) {
	a := newServer(t, nil)
	owner := token(t, a, "demo-client-id", "demo-client-secret")
	for _, w := range []struct{ method, path, body string }{
		{"POST", "/api/roles", `{"data":{"type":"roles","attributes":{"name":"Pulled editor","reference":"PULL-1","metadata":{"a":[1,2.5,"x"]}},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`},
		{"POST", "/api/memberships", `{"data":{"type":"memberships","attributes":{"user_email":"new.hire@bluebrand.example","access_scope":"test_access"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}},"role":{"data":{"type":"roles","id":"rolBBReadO"}}}}}`},
		{"PATCH", "/api/organizations/orgGreenGr", `{"data":{"type":"organizations","id":"orgGreenGr","attributes":{"support_phone":null,"gtm_id":"GTM-NEW1"}}}`},
		{"PATCH", "/api/user", `{"data":{"type":"users","id":"usrDemoOwn","attributes":{"time_zone":"Asia/Tokyo"}}}`},
	} {
		if status, body := call(t, a, owner, w.method, w.path, w.body); status >= 300 {
			t.Fatalf("%s %s: %d %s", w.method, w.path, status, body)
		}
	}
	for _, user := range []struct{ id, secret string }{{"demo-client-id", "demo-client-secret"}, {"viewer-client-id", "viewer-client-secret"}} {
		t.Run(user.id, func(t *testing.T) {
			out, _ := runPull(t, a, user.id, user.secret)
			b := newServer(t, []byte(out))
			counts := sameDocuments(t, a, b, user.id, user.secret)
			if user.id == "demo-client-id" {
				// Not a comparison of empty lists: every type has records.
				for typ, n := range counts {
					if n == 0 {
						t.Errorf("%s: no records to compare", typ)
					}
				}
			}
		})
	}
}

// TestPullWritesNoHiddenAttributes: the dataset holds the signed-in user with the
// credentials given, colleagues of active memberships as users without credentials (made
// from the membership), and nothing the API does not render: no other credentials of
// users, no membership accounts, no version organizations.
func TestPullWritesNoHiddenAttributes(t *testing.T) {
	a := newServer(t, nil)
	out, _ := runPull(t, a, "demo-client-id", "demo-client-secret")
	var ds map[string][]map[string]any
	if err := yaml.Unmarshal([]byte(out), &ds); err != nil {
		t.Fatal(err)
	}
	// The users' part of the file, as written: up to the next type.
	_, rest, _ := strings.Cut(out, "\nusers:\n")
	var usersYAML strings.Builder
	for _, line := range strings.SplitAfter(rest, "\n") {
		if !strings.HasPrefix(line, " ") {
			break
		}
		usersYAML.WriteString(line)
	}
	want := `  - id: usrDemoOwn
    email: demo@example.com
    first_name: Alex
    last_name: Morgan
    time_zone: Europe/Rome
    otp_required_for_login: false
    client_id: demo-client-id
    client_secret: demo-client-secret
    created_at: 2024-01-08T09:00:00Z
    updated_at: 2024-01-08T09:00:00Z
    reference: null
    reference_origin: null
    metadata: null
  - id: usr5851e44
    email: priya.patel@greengrocer.example
    first_name: Priya
    last_name: Patel
    created_at: 2024-02-03T10:20:00Z
    updated_at: 2024-02-03T10:20:00Z
  - id: usr0ad80c7
    email: viewer@example.com
    first_name: Sam
    last_name: Rivera
    created_at: 2024-02-12T15:00:00Z
    updated_at: 2024-02-12T15:00:00Z
`
	if usersYAML.String() != want {
		t.Errorf("users:\n%s\nwant:\n%s", usersYAML.String(), want)
	}
	for typ, recs := range ds {
		for _, r := range recs {
			for _, hidden := range []string{"user_id", "organization_id"} {
				if _, ok := r[hidden]; ok {
					t.Errorf("%s %v: %s is not rendered by the API, yet written", typ, r["id"], hidden)
				}
			}
		}
	}
	if strings.Contains(out, "viewer-client-secret") {
		t.Error("another user's client secret is in the dataset")
	}
}

// TestPullProgress: stderr says where the pull reads from, a line per type in the order
// pulled, the notes, and what was written where.
func TestPullProgress(t *testing.T) {
	a := newServer(t, nil)
	_, stderr := runPull(t, a, "demo-client-id", "demo-client-secret", "--format", "json")
	want := "pulling from " + a.URL + `
organizations: 2
roles: 5
api_credentials: 6
membership_profiles: 2
memberships: 6
application_memberships: 1
users: 1
identity_providers: 2
permissions: 8
versions: 5
  note: users: 2 more, made from active memberships (their accounts are not visible): no credentials
wrote 40 records (api_credentials 6, application_memberships 1, identity_providers 2, membership_profiles 2, memberships 6, organizations 2, permissions 8, roles 5, users 3, versions 5) to stdout as json
`
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
}

// TestPullPages: a type with more records than a page is read page by page, 25 a page,
// until the last one, and every record arrives once.
func TestPullPages(t *testing.T) {
	var fx strings.Builder
	fx.WriteString("users:\n  - {id: usrPager1, email: pager@example.com, client_id: pager-id, client_secret: pager-secret, created_at: 2024-01-01T00:00:00.000Z}\n")
	fx.WriteString("organizations:\n  - {id: orgPager1, name: Pages, slug: pages, created_at: 2024-01-01T00:00:00.000Z}\n")
	fx.WriteString("roles:\n")
	for i := range 60 {
		fmt.Fprintf(&fx, "  - {id: rolPage%03d, name: role %d, organization: orgPager1, created_at: 2024-01-02T00:00:%02d.000Z}\n", i, i, i%60)
	}
	fx.WriteString("memberships:\n  - {id: memPager1, user_email: pager@example.com, status: active, owner: true, organization: orgPager1, role: rolPage000, created_at: 2024-01-01T00:00:00.000Z}\n")
	a := newServer(t, []byte(fx.String()))
	out, stderr := runPull(t, a, "pager-id", "pager-secret")
	if !strings.Contains(stderr, "\nroles: 60\n") {
		t.Errorf("stderr does not count 60 roles:\n%s", stderr)
	}
	var pages []string
	for _, e := range a.Journal() {
		if e.Path == "/api/roles" {
			q, _ := url.ParseQuery(e.Query)
			pages = append([]string{q.Get("page[size]") + "/" + q.Get("page[number]")}, pages...)
		}
	}
	if got := strings.Join(pages, " "); got != "25/1 25/2 25/3" {
		t.Errorf("role pages asked for (size/number): %s, want 25/1 25/2 25/3", got)
	}
	b := newServer(t, []byte(out))
	if n := sameDocuments(t, a, b, "pager-id", "pager-secret")["roles"]; n != 60 {
		t.Errorf("roles compared: %d, want 60", n)
	}
}

// TestPullWaitsOutRateLimits: a 429 is waited out as its Retry-After says and the request
// made again.
func TestPullWaitsOutRateLimits(t *testing.T) {
	a := newServer(t, nil)
	status, body := call(t, a, "", http.MethodPost, "/_mock/faults", `{"method":"GET","path":"/api/roles*","status":429,"times":1}`)
	if status != http.StatusCreated && status != http.StatusOK {
		t.Fatalf("fault: %d %s", status, body)
	}
	var waits []time.Duration
	res, err := pull.Pull(context.Background(), models.Provisioning(), pull.Options{
		BaseURL: a.URL, AuthURL: a.URL, ClientID: "demo-client-id", ClientSecret: "demo-client-secret",
		Wait: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(waits) != 1 || len(res.Records["roles"]) != 5 {
		t.Errorf("waits %v and %d roles, want one wait and 5 roles", waits, len(res.Records["roles"]))
	}
}

// TestPullRefusesBadCredentials: the token endpoint's refusal is the command's one-line
// error, and nothing is written.
func TestPullRefusesBadCredentials(t *testing.T) {
	a := newServer(t, nil)
	var stdout, stderr bytes.Buffer
	err := pull.Run(context.Background(), []string{"--base-url", a.URL, "--auth-url", a.URL, "--client-id", "demo-client-id", "--client-secret", "wrong"},
		func(string) string { return "" }, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized: invalid_client") || stdout.Len() != 0 {
		t.Errorf("err %v, stdout %q; want a 401 invalid_client and no output", err, stdout.String())
	}
	if err := pull.Run(context.Background(), nil, func(string) string { return "" }, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--client-id and --client-secret") {
		t.Errorf("no credentials: %v", err)
	}
}

// TestPullLeavesOutVersionsOfGoneRecords: a version about a destroyed record is left out
// with a note (the API does not say its organization, so the loaded mock could not show
// it), and the rest loads.
func TestPullLeavesOutVersionsOfGoneRecords(t *testing.T) {
	a := newServer(t, nil)
	owner := token(t, a, "demo-client-id", "demo-client-secret")
	if status, body := call(t, a, owner, http.MethodDelete, "/api/memberships/memGGTomIn", ""); status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", status, body)
	}
	out, stderr := runPull(t, a, "demo-client-id", "demo-client-secret")
	if !strings.Contains(stderr, "\nversions: 6\n") || !strings.Contains(stderr, "\n  note: versions: 1 left out: about records that are gone, whose organization the API does not say\n") {
		t.Errorf("stderr:\n%s", stderr)
	}
	b := newServer(t, []byte(out))
	if b.Loaded["versions"] != 5 || strings.Contains(out, "resource_id: memGGTomIn") {
		t.Errorf("loaded %d versions, want the 5 about records still there", b.Loaded["versions"])
	}
}
