package control_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/control"
	"github.com/commercelayer-mock/provmock/mock"
)

var demoRoles = []string{"rolBBAdmin", "rolBBMktEd", "rolBBReadO", "rolGGAdmin", "rolGGReadO"}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// ---------------------------------------------------------------- reset

func TestResetRestoresTheFixturesAfterCreatesUpdatesAndDeletes(t *testing.T) {
	e := newEnv(t, mock.Options{})
	created := e.createRole(t, "Support agent")
	mustStatus(t, e.api(t, http.MethodPatch, "/api/roles/rolBBMktEd",
		`{"data":{"type":"roles","id":"rolBBMktEd","attributes":{"name":"Marketing lead"}}}`), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodDelete, "/api/api_credentials/apcBBStore", ""), http.StatusNoContent)
	if got := e.roleIDs(t); len(got) != len(demoRoles)+1 {
		t.Fatalf("roles after create: %v", got)
	}

	rec := e.ctl(t, http.MethodPost, "/reset", "")
	mustStatus(t, rec, http.StatusOK)
	var out struct {
		Reset   bool           `json:"reset"`
		Records map[string]int `json:"records"`
	}
	decodeInto(t, rec, &out)
	if !out.Reset || out.Records["roles"] != 5 || out.Records["organizations"] != 2 || out.Records["users"] != 3 {
		t.Errorf("reset answered %s", rec.Body.String())
	}
	if rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("control API Content-Type %q", rec.Header().Get("Content-Type"))
	}

	if got := sorted(e.roleIDs(t)); !slices.Equal(got, demoRoles) {
		t.Errorf("roles after reset: %v, want %v", got, demoRoles)
	}
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles/"+created, ""), http.StatusNotFound)
	mustStatus(t, e.api(t, http.MethodGet, "/api/api_credentials/apcBBStore", ""), http.StatusOK)
	rec = e.api(t, http.MethodGet, "/api/roles/rolBBMktEd?fields[roles]=name", "")
	if !strings.Contains(rec.Body.String(), `"Marketing editor"`) {
		t.Errorf("update survived the reset: %s", rec.Body.String())
	}
	// The token issued before the reset still works: the users are the same.
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
}

func TestControlAPIIsUnderMockAndAnswersJSON(t *testing.T) {
	e := newEnv(t, mock.Options{})
	rec := e.ctl(t, http.MethodGet, "", "")
	mustStatus(t, rec, http.StatusOK)
	var idx struct {
		Endpoints []string `json:"endpoints"`
	}
	decodeInto(t, rec, &idx)
	if len(idx.Endpoints) == 0 || !strings.Contains(strings.Join(idx.Endpoints, " "), "/_mock/reset") {
		t.Errorf("index: %s", rec.Body.String())
	}
	// Nothing of the control API is reachable under /api.
	rec = e.api(t, http.MethodPost, "/api/_mock/reset", "")
	if rec.Code != http.StatusNotFound && rec.Code != http.StatusBadRequest {
		t.Errorf("/api/_mock/reset answered %d", rec.Code)
	}
}

// ---------------------------------------------------------------- fixtures

const extraUser = `users:
  - id: usrExtra1
    email: extra@example.com
    first_name: Extra
    client_id: extra-client-id
    client_secret: extra-client-secret
`

func TestFixturesAddToTheRunningMock(t *testing.T) {
	e := newEnv(t, mock.Options{})
	ctx := context.Background()
	if _, err := e.m.Token(ctx, "extra-client-id", "extra-client-secret"); err == nil {
		t.Fatal("extra user exists before loading")
	}
	rec := e.ctl(t, http.MethodPost, "/fixtures", extraUser, "Content-Type", "application/yaml")
	mustStatus(t, rec, http.StatusOK)
	var out struct {
		Loaded  map[string]int `json:"loaded"`
		Replace bool           `json:"replace"`
	}
	decodeInto(t, rec, &out)
	if out.Loaded["users"] != 1 || out.Replace {
		t.Errorf("load answered %s", rec.Body.String())
	}
	// The new user signs in through the token endpoint; the demo data is still there.
	tok := e.serve(t, req{http.MethodPost, "/oauth/token",
		`{"grant_type":"client_credentials","client_id":"extra-client-id","client_secret":"extra-client-secret"}`,
		[]string{"Content-Type", "application/json"}})
	mustStatus(t, tok, http.StatusOK)
	if got := sorted(e.roleIDs(t)); !slices.Equal(got, demoRoles) {
		t.Errorf("demo roles after an additive load: %v", got)
	}
	// Without replace, reset still goes back to the start-up fixtures.
	mustStatus(t, e.ctl(t, http.MethodPost, "/reset", ""), http.StatusOK)
	if _, err := e.m.Token(ctx, "extra-client-id", "extra-client-secret"); err == nil {
		t.Error("extra user survived the reset")
	}
}

func TestFixturesJSONDocument(t *testing.T) {
	e := newEnv(t, mock.Options{})
	rec := e.ctl(t, http.MethodPost, "/fixtures",
		`{"users":[{"id":"usrJSON01","email":"json@example.com","client_id":"json-id","client_secret":"json-secret"}]}`)
	mustStatus(t, rec, http.StatusOK)
	if _, err := e.m.Token(context.Background(), "json-id", "json-secret"); err != nil {
		t.Errorf("user loaded from JSON: %v", err)
	}
}

func TestFixturesErrorsNameTheRequestBodyLineAsAtStartUp(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"unknown type", "widgets:\n  - id: w1\n", "request body:1: "},
		{"unknown key", "users:\n  - id: usrX\n    nickname: x\n", "request body:3: "},
		{"duplicate id", "users:\n  - id: usrX\n  - id: usrX\n", "request body:3: "},
		{"missing reference", "roles:\n  - id: rolX\n    name: x\n    organization: orgNope\n", "request body:4: "},
		{"not YAML", "users: [\n", "request body"},
	}
	e := newEnv(t, mock.Options{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := e.ctl(t, http.MethodPost, "/fixtures", c.doc)
			mustStatus(t, rec, http.StatusBadRequest)
			msg := controlError(t, rec)
			if !strings.HasPrefix(msg, c.want) {
				t.Errorf("error %q, want it to start with %q", msg, c.want)
			}
			// The same document given at start-up fails with the same message.
			_, err := mock.New(context.Background(), mock.Options{Fixtures: []byte(c.doc), FixturesName: "request body"})
			if err == nil || err.Error() != msg {
				t.Errorf("at start-up: %v; through the control API: %q", err, msg)
			}
		})
	}
	// Nothing of a rejected document was loaded.
	if got := sorted(e.roleIDs(t)); !slices.Equal(got, demoRoles) {
		t.Errorf("roles after rejected documents: %v", got)
	}
}

func TestFixturesIDClashIsAConflictAndLoadsNothing(t *testing.T) {
	e := newEnv(t, mock.Options{})
	doc := extraUser + `  - id: usrDemoOwn
    email: someone.else@example.com
`
	rec := e.ctl(t, http.MethodPost, "/fixtures", doc)
	mustStatus(t, rec, http.StatusConflict)
	if msg := controlError(t, rec); !strings.Contains(msg, "usrDemoOwn") {
		t.Errorf("conflict message %q does not name the id", msg)
	}
	// One transaction: the user before the clash is not there either.
	if _, err := e.m.Token(context.Background(), "extra-client-id", "extra-client-secret"); err == nil {
		t.Error("part of a refused document was loaded")
	}
}

func TestFixturesReplaceChangesWhatResetGoesBackTo(t *testing.T) {
	e := newEnv(t, mock.Options{})
	doc := extraUser + `organizations:
  - id: orgExtra01
    name: Extra Org
roles:
  - {id: rolExAdmin, name: admin, kind: admin, organization: orgExtra01}
memberships:
  - {id: memExOwner, user_email: extra@example.com, status: active, owner: true, organization: orgExtra01, role: rolExAdmin}
`
	rec := e.ctl(t, http.MethodPost, "/fixtures?replace=true", doc)
	mustStatus(t, rec, http.StatusOK)
	var out struct {
		Loaded  map[string]int `json:"loaded"`
		Replace bool           `json:"replace"`
	}
	decodeInto(t, rec, &out)
	if !out.Replace || out.Loaded["organizations"] != 1 {
		t.Errorf("replace answered %s", rec.Body.String())
	}
	ctx := context.Background()
	if _, err := e.m.Token(ctx, "demo-client-id", "demo-client-secret"); err == nil {
		t.Error("demo user survived replace=true")
	}
	tok, err := e.m.Token(ctx, "extra-client-id", "extra-client-secret")
	if err != nil {
		t.Fatal(err)
	}
	e.token = tok
	if got := e.roleIDs(t); !slices.Equal(got, []string{"rolExAdmin"}) {
		t.Fatalf("roles after replace: %v", got)
	}
	rec = e.api(t, http.MethodPost, "/api/roles", `{"data":{"type":"roles","attributes":{"name":"Added"},
		"relationships":{"organization":{"data":{"type":"organizations","id":"orgExtra01"}}}}}`)
	mustStatus(t, rec, http.StatusCreated)

	rec = e.ctl(t, http.MethodPost, "/reset", "")
	mustStatus(t, rec, http.StatusOK)
	var reset struct {
		Records map[string]int `json:"records"`
	}
	decodeInto(t, rec, &reset)
	if reset.Records["roles"] != 1 || reset.Records["users"] != 1 || reset.Records["organizations"] != 1 {
		t.Errorf("reset after replace answered %s", rec.Body.String())
	}
	if got := e.roleIDs(t); !slices.Equal(got, []string{"rolExAdmin"}) {
		t.Errorf("roles after reset: %v, want the replaced dataset's", got)
	}
	if _, err := e.m.Token(ctx, "demo-client-id", "demo-client-secret"); err == nil {
		t.Error("reset went back to the start-up fixtures, not the replacing ones")
	}
}

func TestFixturesRejectedReplaceKeepsData(t *testing.T) {
	e := newEnv(t, mock.Options{})
	rec := e.ctl(t, http.MethodPost, "/fixtures?replace=true", "widgets: []\n")
	mustStatus(t, rec, http.StatusBadRequest)
	if got := sorted(e.roleIDs(t)); !slices.Equal(got, demoRoles) {
		t.Errorf("roles after a rejected replace: %v", got)
	}
}

// ---------------------------------------------------------------- snapshots

func TestSnapshotsSaveListRestoreDelete(t *testing.T) {
	e := newEnv(t, mock.Options{})
	rec := e.ctl(t, http.MethodGet, "/snapshots", "")
	mustStatus(t, rec, http.StatusOK)
	if strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("snapshots at start: %s", rec.Body.String())
	}

	first := e.createRole(t, "First")
	rec = e.ctl(t, http.MethodPost, "/snapshots", `{"name":"one-role"}`)
	mustStatus(t, rec, http.StatusCreated)
	var info struct {
		Name    string         `json:"name"`
		Records map[string]int `json:"records"`
	}
	decodeInto(t, rec, &info)
	if info.Name != "one-role" || info.Records["roles"] != 6 {
		t.Errorf("save answered %s", rec.Body.String())
	}
	mustStatus(t, e.ctl(t, http.MethodPost, "/snapshots", `{"name":"another"}`), http.StatusCreated)

	second := e.createRole(t, "Second")
	mustStatus(t, e.api(t, http.MethodDelete, "/api/api_credentials/apcBBStore", ""), http.StatusNoContent)
	// A reset in between does not lose the snapshot.
	mustStatus(t, e.ctl(t, http.MethodPost, "/reset", ""), http.StatusOK)

	rec = e.ctl(t, http.MethodGet, "/snapshots", "")
	mustStatus(t, rec, http.StatusOK)
	var list []struct {
		Name string `json:"name"`
	}
	decodeInto(t, rec, &list)
	if len(list) != 2 || list[0].Name != "another" || list[1].Name != "one-role" {
		t.Errorf("list: %s", rec.Body.String())
	}

	rec = e.ctl(t, http.MethodPost, "/snapshots/one-role/restore", "")
	mustStatus(t, rec, http.StatusOK)
	want := sorted(append(slices.Clone(demoRoles), first))
	if got := sorted(e.roleIDs(t)); !slices.Equal(got, want) {
		t.Errorf("roles after restore: %v, want %v", got, want)
	}
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles/"+second, ""), http.StatusNotFound)
	mustStatus(t, e.api(t, http.MethodGet, "/api/api_credentials/apcBBStore", ""), http.StatusOK)
	// A snapshot can be restored again: restoring does not use it up.
	e.createRole(t, "Third")
	mustStatus(t, e.ctl(t, http.MethodPost, "/snapshots/one-role/restore", ""), http.StatusOK)
	if got := sorted(e.roleIDs(t)); !slices.Equal(got, want) {
		t.Errorf("roles after the second restore: %v", got)
	}

	mustStatus(t, e.ctl(t, http.MethodDelete, "/snapshots/one-role", ""), http.StatusNoContent)
	rec = e.ctl(t, http.MethodPost, "/snapshots/one-role/restore", "")
	mustStatus(t, rec, http.StatusNotFound)
	if msg := controlError(t, rec); !strings.Contains(msg, `"one-role"`) {
		t.Errorf("unknown snapshot message %q", msg)
	}
	mustStatus(t, e.ctl(t, http.MethodDelete, "/snapshots/one-role", ""), http.StatusNotFound)
	mustStatus(t, e.ctl(t, http.MethodPost, "/snapshots/never-saved/restore", ""), http.StatusNotFound)
}

func TestSnapshotSaveNeedsAName(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for _, body := range []string{"", "{}", `{"name":"  "}`, `{"name":`, `["x"]`} {
		rec := e.ctl(t, http.MethodPost, "/snapshots", body)
		mustStatus(t, rec, http.StatusBadRequest)
		controlError(t, rec)
	}
}

func TestSnapshotSavedTwiceKeepsTheLatest(t *testing.T) {
	e := newEnv(t, mock.Options{})
	mustStatus(t, e.ctl(t, http.MethodPost, "/snapshots", `{"name":"s"}`), http.StatusCreated)
	id := e.createRole(t, "Later")
	mustStatus(t, e.ctl(t, http.MethodPost, "/snapshots", `{"name":"s"}`), http.StatusCreated)
	mustStatus(t, e.ctl(t, http.MethodPost, "/reset", ""), http.StatusOK)
	mustStatus(t, e.ctl(t, http.MethodPost, "/snapshots/s/restore", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles/"+id, ""), http.StatusOK)
}

// ---------------------------------------------------------------- journal

func TestJournalEntryContents(t *testing.T) {
	e := newEnv(t, mock.Options{})
	before := time.Now().Add(-time.Second)
	body := `{"data":{"type":"roles","attributes":{"name":"Journaled"},` +
		`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`
	rec := e.api(t, http.MethodPost, "/api/roles?include=organization", body, "X-Trace", "abc")
	mustStatus(t, rec, http.StatusCreated)

	got := e.entries(t, "")
	if len(got) != 1 {
		t.Fatalf("journal has %d entries, want 1: %+v", len(got), got)
	}
	en := got[0]
	if en.Method != http.MethodPost || en.Path != "/api/roles" || en.Query != "include=organization" {
		t.Errorf("method/path/query: %q %q %q", en.Method, en.Path, en.Query)
	}
	if en.Status != http.StatusCreated {
		t.Errorf("status %d", en.Status)
	}
	if en.Body != body {
		t.Errorf("body %q, want %q", en.Body, body)
	}
	if en.Headers["Authorization"] != "Bearer ***" {
		t.Errorf("Authorization recorded as %q", en.Headers["Authorization"])
	}
	if en.Headers["Content-Type"] != "application/vnd.api+json" || en.Headers["X-Trace"] != "abc" {
		t.Errorf("headers %v", en.Headers)
	}
	if en.DurationMS < 0 {
		t.Errorf("duration %v", en.DurationMS)
	}
	at, err := time.Parse(time.RFC3339Nano, en.Time)
	if err != nil || at.Before(before) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("time %q (%v)", en.Time, err)
	}
	if en.ID <= 0 {
		t.Errorf("id %d", en.ID)
	}
	// The token appears nowhere in what the control API returns.
	raw := e.ctl(t, http.MethodGet, "/requests", "").Body.String()
	if strings.Contains(raw, e.token) || strings.Contains(raw, e.token[len(e.token)-20:]) {
		t.Error("the journal shows the access token")
	}
	// The handler still got the whole body: the role was created with its name.
	if !strings.Contains(rec.Body.String(), `"Journaled"`) {
		t.Errorf("created: %s", rec.Body.String())
	}
}

func TestJournalMasksEveryCredentialHeader(t *testing.T) {
	e := newEnv(t, mock.Options{})
	e.serve(t, req{http.MethodGet, "/api/user", "", []string{
		"Authorization", "Basic dXNlcjpwYXNz", "Cookie", "session=secret-cookie"}})
	e.serve(t, req{http.MethodGet, "/api/user", "", []string{"Authorization", "opaque-secret"}})
	got := e.entries(t, "")
	if len(got) != 2 {
		t.Fatalf("%d entries", len(got))
	}
	if got[1].Headers["Authorization"] != "Basic ***" || got[1].Headers["Cookie"] == "" ||
		strings.Contains(got[1].Headers["Cookie"], "secret-cookie") {
		t.Errorf("headers %v", got[1].Headers)
	}
	if a := got[0].Headers["Authorization"]; a != "***" {
		t.Errorf("a bare credential recorded as %q", a)
	}
	if got[0].Status != http.StatusUnauthorized {
		t.Errorf("status %d", got[0].Status)
	}
}

func TestJournalDurationCoversADelay(t *testing.T) {
	e := newEnv(t, mock.Options{})
	mustStatus(t, e.ctl(t, http.MethodPost, "/faults", `{"path":"/api/user","delay_ms":40}`), http.StatusCreated)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
	got := e.entries(t, "")
	if len(got) != 1 || got[0].DurationMS < 40 {
		t.Errorf("entries %+v: the duration should cover the 40 ms delay", got)
	}
}

func TestJournalNewestFirstAndFilters(t *testing.T) {
	e := newEnv(t, mock.Options{})
	e.api(t, http.MethodGet, "/api/roles", "")                    // 200
	e.api(t, http.MethodGet, "/api/roles/nope", "")               // 404
	e.api(t, http.MethodGet, "/api/organizations", "")            // 200
	e.createRole(t, "Filtered")                                   // POST 201
	e.api(t, http.MethodDelete, "/api/roles/rolBBMktEd", "")      // 405: roles cannot be deleted
	e.serve(t, req{http.MethodGet, "/api/user?x=1", "", nil})     // 401
	e.serve(t, req{http.MethodGet, "/healthz", "", nil})          // 200
	e.api(t, http.MethodGet, "/api/organizations/orgGreenGr", "") // 200

	all := e.entries(t, "")
	paths := []string{}
	for i, en := range all {
		paths = append(paths, en.Method+" "+en.Path)
		if i > 0 && en.ID >= all[i-1].ID {
			t.Errorf("not newest first: id %d after %d", en.ID, all[i-1].ID)
		}
	}
	want := []string{"GET /api/organizations/orgGreenGr", "GET /healthz", "GET /api/user", "DELETE /api/roles/rolBBMktEd",
		"POST /api/roles", "GET /api/organizations", "GET /api/roles/nope", "GET /api/roles"}
	if !slices.Equal(paths, want) {
		t.Fatalf("journal\n got %v\nwant %v", paths, want)
	}

	check := func(query string, want ...string) {
		t.Helper()
		var got []string
		for _, en := range e.entries(t, query) {
			got = append(got, en.Method+" "+en.Path)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", query, got, want)
		}
	}
	check("?method=POST", "POST /api/roles")
	check("?method=post", "POST /api/roles") // any case
	check("?path=/api/roles", "DELETE /api/roles/rolBBMktEd", "POST /api/roles", "GET /api/roles/nope", "GET /api/roles")
	check("?path=/api/organizations/", "GET /api/organizations/orgGreenGr")
	check("?status=404", "GET /api/roles/nope")
	check("?status=401", "GET /api/user")
	check("?limit=2", "GET /api/organizations/orgGreenGr", "GET /healthz")
	check("?method=GET&path=/api/roles&status=200", "GET /api/roles")
	check("?method=GET&limit=3", "GET /api/organizations/orgGreenGr", "GET /healthz", "GET /api/user")
	check("?status=500")

	for _, q := range []string{"?status=abc", "?limit=-1", "?limit=x"} {
		rec := e.ctl(t, http.MethodGet, "/requests"+q, "")
		mustStatus(t, rec, http.StatusBadRequest)
		controlError(t, rec)
	}
}

func TestJournalIsBounded(t *testing.T) {
	e := newEnv(t, mock.Options{JournalSize: 3})
	for i := 1; i <= 7; i++ {
		e.serve(t, req{http.MethodGet, fmt.Sprintf("/healthz?n=%d", i), "", nil})
	}
	got := e.entries(t, "")
	var queries []string
	for _, en := range got {
		queries = append(queries, en.Query)
	}
	if !slices.Equal(queries, []string{"n=7", "n=6", "n=5"}) {
		t.Errorf("kept %v, want the newest three", queries)
	}
	// mock.Mock's Go accessor sees the same.
	if j := e.m.Journal(); len(j) != 3 || j[0].Query != "n=7" {
		t.Errorf("Mock.Journal: %+v", j)
	}
}

func TestJournalDefaultSizeIsAThousand(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for i := 1; i <= 1005; i++ {
		e.serve(t, req{http.MethodGet, "/healthz?n=" + strconv.Itoa(i), "", nil})
	}
	got := e.entries(t, "")
	if len(got) != 1000 || got[0].Query != "n=1005" || got[999].Query != "n=6" {
		t.Errorf("%d entries, first %q, last %q", len(got), got[0].Query, got[len(got)-1].Query)
	}
}

func TestJournalClear(t *testing.T) {
	e := newEnv(t, mock.Options{JournalSize: 2})
	for i := 0; i < 3; i++ {
		e.api(t, http.MethodGet, "/api/user", "")
	}
	rec := e.ctl(t, http.MethodDelete, "/requests", "")
	mustStatus(t, rec, http.StatusNoContent)
	if got := e.entries(t, ""); len(got) != 0 {
		t.Fatalf("after DELETE: %+v", got)
	}
	e.api(t, http.MethodGet, "/api/organizations", "")
	got := e.entries(t, "")
	if len(got) != 1 || got[0].Path != "/api/organizations" {
		t.Errorf("after clearing and one request: %+v", got)
	}
}

func TestJournalLeavesOutTheControlAPI(t *testing.T) {
	e := newEnv(t, mock.Options{})
	e.ctl(t, http.MethodPost, "/reset", "")
	e.ctl(t, http.MethodGet, "/faults", "")
	e.ctl(t, http.MethodPost, "/snapshots", `{"name":"x"}`)
	e.ctl(t, http.MethodGet, "/requests", "")
	e.ctl(t, http.MethodGet, "/nope", "")
	e.api(t, http.MethodGet, "/api/user", "")
	got := e.entries(t, "")
	if len(got) != 1 || got[0].Path != "/api/user" {
		t.Errorf("journal: %+v", got)
	}
}

// ---------------------------------------------------------------- faults

func addFault(tb testing.TB, e *env, body string) map[string]any {
	tb.Helper()
	rec := e.ctl(tb, http.MethodPost, "/faults", body)
	mustStatus(tb, rec, http.StatusCreated)
	var f map[string]any
	decodeInto(tb, rec, &f)
	if id, _ := f["id"].(string); id == "" {
		tb.Fatalf("fault without id: %s", rec.Body.String())
	}
	return f
}

func TestFaultDelay(t *testing.T) {
	e := newEnv(t, mock.Options{})
	const delay = 120 * time.Millisecond
	addFault(t, e, `{"path":"/api/organizations","delay_ms":120}`)
	start := time.Now()
	rec := e.api(t, http.MethodGet, "/api/organizations", "")
	elapsed := time.Since(start)
	// A delay alone answers normally, late. Only the lower bound is asserted: a busy
	// machine may add any amount.
	mustStatus(t, rec, http.StatusOK)
	if len(ids(t, rec)) != 2 {
		t.Errorf("delayed answer: %s", rec.Body.String())
	}
	if elapsed < delay {
		t.Errorf("answered after %v, before the %v delay", elapsed, delay)
	}
}

func TestFaultStatusWithDefaultBody(t *testing.T) {
	for _, c := range []struct {
		status      int
		code, title string
	}{
		{503, "SERVICE_UNAVAILABLE", "Service Unavailable"},
		{500, "INTERNAL_SERVER_ERROR", "Internal Server Error"},
		{502, "BAD_GATEWAY", "Bad Gateway"},
		{404, "NOT_FOUND", "Not Found"},
	} {
		t.Run(strconv.Itoa(c.status), func(t *testing.T) {
			e := newEnv(t, mock.Options{})
			addFault(t, e, fmt.Sprintf(`{"path":"/api/roles","status":%d}`, c.status))
			rec := e.api(t, http.MethodGet, "/api/roles", "")
			mustStatus(t, rec, c.status)
			got := apiError(t, rec)
			if got["code"] != c.code || got["title"] != c.title || got["status"] != strconv.Itoa(c.status) || got["detail"] == "" {
				t.Errorf("error %v", got)
			}
		})
	}
}

func TestFaultCodeAnswersThatAPIError(t *testing.T) {
	e := newEnv(t, mock.Options{})
	addFault(t, e, `{"path":"/api/user","code":"INVALID_TOKEN"}`)
	rec := e.api(t, http.MethodGet, "/api/user", "")
	mustStatus(t, rec, http.StatusUnauthorized)
	got := apiError(t, rec)
	if got["code"] != "INVALID_TOKEN" || got["title"] != "Invalid token" || got["status"] != "401" {
		t.Errorf("error %v", got)
	}
	if !strings.Contains(fmt.Sprint(got["detail"]), "expired") {
		t.Errorf("detail %v", got["detail"])
	}

	// A status given beside a code overrides the code's own.
	addFault(t, e, `{"path":"/api/organizations","code":"UNAUTHORIZED","status":403}`)
	rec = e.api(t, http.MethodGet, "/api/organizations", "")
	mustStatus(t, rec, http.StatusForbidden)
	got = apiError(t, rec)
	if got["code"] != "UNAUTHORIZED" || got["status"] != "403" {
		t.Errorf("error %v", got)
	}
}

func TestFaultVerbatimErrorsDocument(t *testing.T) {
	e := newEnv(t, mock.Options{})
	errs := `[{"title":"Custom","detail":"exactly this","code":"MY_CODE","status":"422","meta":{"n":1}}]`
	addFault(t, e, `{"method":"PATCH","path":"/api/user","status":422,"errors":`+errs+`}`)
	rec := e.api(t, http.MethodPatch, "/api/user", `{"data":{"type":"users","attributes":{"first_name":"X"}}}`)
	mustStatus(t, rec, http.StatusUnprocessableEntity)
	var got, want any
	decodeInto(t, rec, &got)
	if err := json.Unmarshal([]byte(`{"errors":`+errs+`}`), &want); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("body %s, want {\"errors\":%s}", rec.Body.String(), errs)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/vnd.api+json" {
		t.Errorf("Content-Type %q", ct)
	}
	// The update was not made.
	if r := e.api(t, http.MethodGet, "/api/user", ""); strings.Contains(r.Body.String(), `"first_name":"X"`) {
		t.Error("a faulted request was served too")
	}
}

func TestFaultDropClosesTheConnection(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{})
	tok, err := srv.Token("demo-client-id", "demo-client-secret")
	if err != nil {
		t.Fatal(err)
	}
	post(t, srv.URL+"/_mock/faults", `{"path":"/api/organizations","drop":true,"times":1}`, http.StatusCreated)

	get := func() (*http.Response, error) {
		r, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/organizations", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Accept", "application/vnd.api+json")
		// A fresh connection each time, so that the client cannot retry on another one.
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
		return client.Do(r)
	}
	resp, err := get()
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped request answered %d", resp.StatusCode)
	}
	if !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Logf("client error: %v", err) // the wording is the transport's; any error will do
	}
	// times: 1 — the next request is served.
	resp, err = get()
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "The Blue Brand") {
		t.Errorf("after the drop: %d %s (%v)", resp.StatusCode, body, err)
	}
	// The journal records the dropped request with status 0: nothing was answered. Its
	// entry is added just after the connection is closed, so the client may see the error
	// first: wait for it (the bound is generous; nothing is timed).
	var j []control.Entry
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if j = srv.Journal(); len(j) == 2 {
			break
		}
	}
	var statuses []int
	for _, en := range j {
		if en.Path != "/api/organizations" {
			t.Errorf("entry %+v", en)
		}
		statuses = append(statuses, en.Status)
	}
	slices.Sort(statuses)
	if !slices.Equal(statuses, []int{0, http.StatusOK}) {
		t.Errorf("journal statuses %v, want a dropped one (0) and a served one (200): %+v", statuses, j)
	}
}

func TestFaultTimesThenNormal(t *testing.T) {
	e := newEnv(t, mock.Options{})
	f := addFault(t, e, `{"path":"/api/user","status":500,"times":2}`)
	if f["times"] != 2.0 || f["remaining"] != 2.0 {
		t.Errorf("added %v", f)
	}
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), 500)
	rec := e.ctl(t, http.MethodGet, "/faults", "")
	if !strings.Contains(rec.Body.String(), `"remaining":1`) {
		t.Errorf("after one use: %s", rec.Body.String())
	}
	// Requests the rule does not match do not use it up.
	mustStatus(t, e.api(t, http.MethodGet, "/api/organizations", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), 500)
	for i := 0; i < 3; i++ {
		mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
	}
	rec = e.ctl(t, http.MethodGet, "/faults", "")
	if strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("a used-up rule is still listed: %s", rec.Body.String())
	}
}

func TestFaultProbability(t *testing.T) {
	// The draws are injected: below the probability the rule applies, at or above it not.
	e := newEnv(t, mock.Options{Rand: draws(t, 0.10, 0.90, 0.29, 0.30, 0.99, 0.0)})
	addFault(t, e, `{"path":"/api/user","status":503,"probability":0.3}`)
	var got []int
	for i := 0; i < 6; i++ {
		got = append(got, e.api(t, http.MethodGet, "/api/user", "").Code)
	}
	if want := []int{503, 200, 503, 200, 200, 503}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	// Requests the rule does not match draw nothing (draws would fail the test).
	mustStatus(t, e.api(t, http.MethodGet, "/api/organizations", ""), http.StatusOK)
}

func TestFaultProbabilityWithTimesCountsOnlyHits(t *testing.T) {
	e := newEnv(t, mock.Options{Rand: draws(t, 0.9, 0.1, 0.9, 0.1)})
	addFault(t, e, `{"path":"/api/user","status":500,"probability":0.5,"times":2}`)
	var got []int
	for i := 0; i < 5; i++ {
		got = append(got, e.api(t, http.MethodGet, "/api/user", "").Code)
	}
	if want := []int{200, 500, 200, 500, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}

func TestFaultProbabilityWithTheRealRandom(t *testing.T) {
	// Without an injected Rand a rule with 0 < p < 1 hits some requests and not others;
	// with p = 0.5 over 200 requests, seeing only one outcome has a chance of 2^-199.
	e := newEnv(t, mock.Options{})
	addFault(t, e, `{"path":"/healthz-not","status":500}`) // never matches
	addFault(t, e, `{"path":"/oauth/token","status":503,"probability":0.5}`)
	hits := 0
	for i := 0; i < 200; i++ {
		rec := e.serve(t, req{http.MethodPost, "/oauth/token", `{}`, []string{"Content-Type", "application/json"}})
		if rec.Code == 503 {
			hits++
		}
	}
	if hits == 0 || hits == 200 {
		t.Errorf("%d of 200 requests hit a rule with probability 0.5", hits)
	}
}

func TestFaultMethodFilter(t *testing.T) {
	e := newEnv(t, mock.Options{})
	f := addFault(t, e, `{"method":"post","path":"/api/roles","status":500}`)
	if f["method"] != "POST" {
		t.Errorf("method stored as %v", f["method"])
	}
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles", ""), http.StatusOK)
	rec := e.api(t, http.MethodPost, "/api/roles", `{"data":{"type":"roles","attributes":{"name":"X"},
		"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`)
	mustStatus(t, rec, 500)
	if got := len(e.roleIDs(t)); got != 5 {
		t.Errorf("the faulted create was made: %d roles", got)
	}
}

func TestFaultPathPattern(t *testing.T) {
	e := newEnv(t, mock.Options{})
	addFault(t, e, `{"path":"/api/roles/*","status":503}`)
	addFault(t, e, `{"path":"/api/*/orgGreenGr","status":502}`)
	addFault(t, e, `{"path":"/oauth/*","status":500}`)
	cases := []struct {
		path string
		want int
	}{
		{"/api/roles", http.StatusOK}, // the pattern needs the slash
		{"/api/roles/rolBBAdmin", 503},
		{"/api/roles/rolBBAdmin/permissions", 503}, // * spans slashes
		{"/api/organizations/orgGreenGr", 502},
		{"/api/organizations/orgBlueBrd", http.StatusOK},
		{"/api/organizations", http.StatusOK},
		{"/api/rolesX/y", http.StatusNotFound}, // matched literally, not as a prefix
	}
	for _, c := range cases {
		if got := e.api(t, http.MethodGet, c.path, "").Code; got != c.want {
			t.Errorf("GET %s: %d, want %d", c.path, got, c.want)
		}
	}
	rec := e.serve(t, req{http.MethodPost, "/oauth/token", `{}`, []string{"Content-Type", "application/json"}})
	mustStatus(t, rec, 500)

	// Regular-expression characters in a pattern are literal.
	addFault(t, e, `{"path":"/api/user.+","status":500}`)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
}

func TestFaultsNeverApplyToTheControlAPIOrHealthz(t *testing.T) {
	e := newEnv(t, mock.Options{})
	addFault(t, e, `{"path":"*","status":500}`)
	addFault(t, e, `{"path":"*","drop":true}`)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), 500)
	mustStatus(t, e.serve(t, req{http.MethodGet, "/healthz", "", nil}), http.StatusOK)
	mustStatus(t, e.ctl(t, http.MethodGet, "/faults", ""), http.StatusOK)
	mustStatus(t, e.ctl(t, http.MethodDelete, "/faults", ""), http.StatusNoContent)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
}

func TestFaultRemoval(t *testing.T) {
	e := newEnv(t, mock.Options{})
	first := addFault(t, e, `{"path":"/api/user","status":500}`)
	second := addFault(t, e, `{"path":"/api/organizations","status":503}`)
	if first["id"] == second["id"] {
		t.Fatalf("two rules share id %v", first["id"])
	}
	rec := e.ctl(t, http.MethodGet, "/faults", "")
	var list []map[string]any
	decodeInto(t, rec, &list)
	if len(list) != 2 || list[0]["id"] != first["id"] || list[1]["path"] != "/api/organizations" {
		t.Errorf("list %s", rec.Body.String())
	}

	mustStatus(t, e.ctl(t, http.MethodDelete, "/faults/"+first["id"].(string), ""), http.StatusNoContent)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/organizations", ""), 503)
	rec = e.ctl(t, http.MethodDelete, "/faults/"+first["id"].(string), "")
	mustStatus(t, rec, http.StatusNotFound)
	controlError(t, rec)

	addFault(t, e, `{"path":"/api/user","status":500}`)
	mustStatus(t, e.ctl(t, http.MethodDelete, "/faults", ""), http.StatusNoContent)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/organizations", ""), http.StatusOK)
	if rec := e.ctl(t, http.MethodGet, "/faults", ""); strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("after clearing: %s", rec.Body.String())
	}
}

func TestFaultFirstMatchingRuleWins(t *testing.T) {
	e := newEnv(t, mock.Options{})
	addFault(t, e, `{"path":"/api/user","status":502,"times":1}`)
	addFault(t, e, `{"path":"/api/*","status":503}`)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), 502)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), 503)
}

func TestFaultValidation(t *testing.T) {
	e := newEnv(t, mock.Options{})
	cases := map[string]string{
		"empty object":          `{}`,
		"no effect":             `{"path":"/api/user"}`,
		"success status":        `{"path":"/api/user","status":200}`,
		"redirect status":       `{"path":"/api/user","status":302}`,
		"status 600":            `{"path":"/api/user","status":600}`,
		"status and drop":       `{"path":"/api/user","status":500,"drop":true}`,
		"code and drop":         `{"path":"/api/user","code":"INVALID_TOKEN","drop":true}`,
		"negative delay":        `{"path":"/api/user","delay_ms":-1}`,
		"delay over a minute":   `{"path":"/api/user","delay_ms":60001}`,
		"negative times":        `{"path":"/api/user","status":500,"times":-1}`,
		"probability over one":  `{"path":"/api/user","status":500,"probability":1.5}`,
		"negative probability":  `{"path":"/api/user","status":500,"probability":-0.1}`,
		"unknown code":          `{"path":"/api/user","code":"NOPE"}`,
		"errors not a list":     `{"path":"/api/user","status":500,"errors":{"title":"x"}}`,
		"errors without status": `{"path":"/api/user","delay_ms":1,"errors":[{"title":"x"}]}`,
		"unknown member":        `{"path":"/api/user","status":500,"colour":"red"}`,
		"not JSON":              `{"path":`,
		"not an object":         `["/api/user"]`,
		"no body":               ``,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			rec := e.ctl(t, http.MethodPost, "/faults", body)
			mustStatus(t, rec, http.StatusBadRequest)
			controlError(t, rec)
		})
	}
	if rec := e.ctl(t, http.MethodGet, "/faults", ""); strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("a refused rule was added: %s", rec.Body.String())
	}
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
}

// ---------------------------------------------------------------- rate limits

type limits struct {
	Enabled         bool `json:"enabled"`
	ReadsPerMinute  int  `json:"reads_per_minute"`
	ReadsPer10s     int  `json:"reads_per_10s_per_endpoint"`
	WritesPerMinute int  `json:"writes_per_minute"`
	WritesPer10s    int  `json:"writes_per_10s_per_endpoint"`
}

var realLimits = limits{ReadsPerMinute: 1000, ReadsPer10s: 250, WritesPerMinute: 200, WritesPer10s: 50}

func (e *env) limits(tb testing.TB) limits {
	tb.Helper()
	rec := e.ctl(tb, http.MethodGet, "/rate-limits", "")
	mustStatus(tb, rec, http.StatusOK)
	var l limits
	decodeInto(tb, rec, &l)
	return l
}

// clockAt is a fake clock 5 seconds into a minute, so that the windows' ends are known.
func clockAt() *fakeClock {
	return newClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
}

func TestRateLimitsOffByDefault(t *testing.T) {
	e := newEnv(t, mock.Options{Now: clockAt().Now})
	if got := e.limits(t); got != realLimits {
		t.Errorf("limits %+v, want the real ones, disabled", got)
	}
	for i := 0; i < 260; i++ {
		if rec := e.api(t, http.MethodGet, "/api/user", ""); rec.Code != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, rec.Code)
		}
	}
	for i := 0; i < 55; i++ {
		rec := e.api(t, http.MethodPatch, "/api/user", `{"data":{"type":"users","attributes":{"first_name":"A"}}}`)
		if rec.Code != http.StatusOK {
			t.Fatalf("write %d: %d", i+1, rec.Code)
		}
	}
}

func TestRateLimitsOnAtStartAreTheRealOnes(t *testing.T) {
	e := newEnv(t, mock.Options{RateLimits: true, Now: clockAt().Now})
	want := realLimits
	want.Enabled = true
	if got := e.limits(t); got != want {
		t.Errorf("limits %+v, want %+v", got, want)
	}
	for i := 0; i < 250; i++ {
		if rec := e.api(t, http.MethodGet, "/api/user", ""); rec.Code != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, rec.Code)
		}
	}
	rec := e.api(t, http.MethodGet, "/api/user", "")
	mustStatus(t, rec, http.StatusTooManyRequests)
	if d := fmt.Sprint(apiError(t, rec)["detail"]); !strings.Contains(d, "250") {
		t.Errorf("detail %q", d)
	}
	// 50 writes per endpoint per 10 seconds.
	for i := 0; i < 50; i++ {
		rec := e.api(t, http.MethodPatch, "/api/user", `{"data":{"type":"users","attributes":{"first_name":"A"}}}`)
		if rec.Code != http.StatusOK {
			t.Fatalf("write %d: %d", i+1, rec.Code)
		}
	}
	rec = e.api(t, http.MethodPatch, "/api/user", `{"data":{"type":"users","attributes":{"first_name":"A"}}}`)
	mustStatus(t, rec, http.StatusTooManyRequests)
}

func check429(tb testing.TB, rec interface {
	Result() *http.Response
}, wantDetail string, wantRetry int) {
	tb.Helper()
	resp := rec.Result()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		b, _ := io.ReadAll(resp.Body)
		tb.Fatalf("status %d, want 429: %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.api+json" {
		tb.Errorf("Content-Type %q", ct)
	}
	if got := resp.Header.Get("Retry-After"); got != strconv.Itoa(wantRetry) {
		tb.Errorf("Retry-After %q, want %d", got, wantRetry)
	}
	var doc struct {
		Errors []map[string]any `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || len(doc.Errors) != 1 {
		tb.Fatalf("body: %v %v", err, doc)
	}
	e := doc.Errors[0]
	if e["code"] != "TOO_MANY_REQUESTS" || e["title"] != "Too many requests" || e["status"] != "429" {
		tb.Errorf("error %v", e)
	}
	if d := fmt.Sprint(e["detail"]); !strings.Contains(d, wantDetail) {
		tb.Errorf("detail %q, want it to contain %q", d, wantDetail)
	}
}

func TestRateLimitsCountPerEndpointAndOverall(t *testing.T) {
	clock := clockAt() // 03:04:05: the 10-second window ends in 5 s, the minute in 55 s
	e := newEnv(t, mock.Options{Now: clock.Now})
	rec := e.ctl(t, http.MethodPut, "/rate-limits",
		`{"enabled":true,"reads_per_minute":5,"reads_per_10s_per_endpoint":2,"writes_per_minute":3,"writes_per_10s_per_endpoint":2}`)
	mustStatus(t, rec, http.StatusOK)
	var set limits
	decodeInto(t, rec, &set)
	if set != (limits{true, 5, 2, 3, 2}) {
		t.Errorf("PUT answered %+v", set)
	}

	// One endpoint is one route: every id shares its counter.
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles/rolBBAdmin", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles/rolBBReadO", ""), http.StatusOK)
	check429(t, e.api(t, http.MethodGet, "/api/roles/rolBBMktEd", ""), "2 requests per 10 seconds", 5)
	// Another endpoint has its own.
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/organizations/orgBlueBrd", ""), http.StatusOK)

	// Writes are counted apart from reads.
	create := `{"data":{"type":"roles","attributes":{"name":"R"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`
	mustStatus(t, e.api(t, http.MethodPost, "/api/roles", create), http.StatusCreated)
	mustStatus(t, e.api(t, http.MethodPost, "/api/roles", create), http.StatusCreated)
	check429(t, e.api(t, http.MethodPost, "/api/roles", create), "2 requests per 10 seconds", 5)
	mustStatus(t, e.api(t, http.MethodPatch, "/api/roles/rolBBMktEd",
		`{"data":{"type":"roles","id":"rolBBMktEd","attributes":{"reference":"x"}}}`), http.StatusOK)
	// Three writes this minute: the fourth, on a fresh endpoint, hits the per-minute limit.
	check429(t, e.api(t, http.MethodPatch, "/api/user", `{"data":{"type":"users","attributes":{"first_name":"A"}}}`),
		"3 write requests per minute", 55)

	// Reads so far this minute: 4 served (the refused one is not counted).
	clock.Advance(7 * time.Second) // 03:04:12: a new 10-second window, the same minute
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles/rolBBAdmin", ""), http.StatusOK)
	check429(t, e.api(t, http.MethodGet, "/api/user", ""), "5 GET requests per minute", 48)

	clock.Advance(48 * time.Second) // 03:05:00: a new minute
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodPost, "/api/roles", create), http.StatusCreated)

	// The refused requests are in the journal with their status.
	if got := e.entries(t, "?status=429"); len(got) != 4 {
		t.Errorf("%d refused requests journaled, want 4", len(got))
	}
}

func TestRateLimitsHEADCountsAsARead(t *testing.T) {
	e := newEnv(t, mock.Options{Now: clockAt().Now})
	mustStatus(t, e.ctl(t, http.MethodPut, "/rate-limits", `{"enabled":true,"reads_per_minute":2}`), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodHead, "/api/user", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/roles", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/organizations", ""), http.StatusTooManyRequests)
}

func TestRateLimitsSwitchAtRuntime(t *testing.T) {
	clock := clockAt()
	e := newEnv(t, mock.Options{Now: clock.Now})
	// Zero numbers keep the real ones.
	rec := e.ctl(t, http.MethodPut, "/rate-limits", `{"enabled":true,"reads_per_10s_per_endpoint":1}`)
	mustStatus(t, rec, http.StatusOK)
	want := realLimits
	want.Enabled, want.ReadsPer10s = true, 1
	if got := e.limits(t); got != want {
		t.Errorf("limits %+v, want %+v", got, want)
	}
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusTooManyRequests)

	// Setting the limits again restarts the counting.
	mustStatus(t, e.ctl(t, http.MethodPut, "/rate-limits", `{"enabled":true,"reads_per_10s_per_endpoint":1}`), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)

	mustStatus(t, e.ctl(t, http.MethodPut, "/rate-limits", `{"enabled":false}`), http.StatusOK)
	if e.limits(t).Enabled {
		t.Error("still enabled")
	}
	for i := 0; i < 5; i++ {
		mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
	}

	for _, body := range []string{`{"enabled":"yes"}`, `{"per_hour":5}`, `nope`} {
		rec := e.ctl(t, http.MethodPut, "/rate-limits", body)
		mustStatus(t, rec, http.StatusBadRequest)
		controlError(t, rec)
	}
}

func TestRateLimitsSpareTheControlAPIHealthzAndPreflights(t *testing.T) {
	e := newEnv(t, mock.Options{Now: clockAt().Now})
	mustStatus(t, e.ctl(t, http.MethodPut, "/rate-limits",
		`{"enabled":true,"reads_per_minute":1,"reads_per_10s_per_endpoint":1,"writes_per_minute":1,"writes_per_10s_per_endpoint":1}`), http.StatusOK)
	for i := 0; i < 5; i++ {
		mustStatus(t, e.ctl(t, http.MethodGet, "/rate-limits", ""), http.StatusOK)
		mustStatus(t, e.serve(t, req{http.MethodGet, "/healthz", "", nil}), http.StatusOK)
		mustStatus(t, e.serve(t, req{http.MethodOptions, "/api/user", "", []string{
			"Origin", "http://app.example", "Access-Control-Request-Method", "GET"}}), http.StatusNoContent)
	}
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusTooManyRequests)
}

func TestRateLimitRetryAfterWithTheRealClock(t *testing.T) {
	e := newEnv(t, mock.Options{})
	mustStatus(t, e.ctl(t, http.MethodPut, "/rate-limits", `{"enabled":true,"reads_per_10s_per_endpoint":1}`), http.StatusOK)
	// Two requests may straddle a window's end; a third then still meets a full window.
	var rec interface{ Result() *http.Response }
	for i := 0; i < 3; i++ {
		r := e.api(t, http.MethodGet, "/api/user", "")
		if r.Code == http.StatusTooManyRequests {
			rec = r
			break
		}
	}
	if rec == nil {
		t.Fatal("no 429 in three requests with a limit of one")
	}
	n, err := strconv.Atoi(rec.Result().Header.Get("Retry-After"))
	if err != nil || n < 1 || n > 10 {
		t.Errorf("Retry-After %q: want whole seconds in 1..10", rec.Result().Header.Get("Retry-After"))
	}
}

// quotaOf reads the X-Ratelimit headers of an answer: limit, interval and remaining.
func quotaOf(tb testing.TB, rec *httptest.ResponseRecorder) [3]int {
	tb.Helper()
	var q [3]int
	for i, name := range []string{"X-Ratelimit-Limit", "X-Ratelimit-Interval", "X-Ratelimit-Remaining"} {
		n, err := strconv.Atoi(rec.Header().Get(name))
		if err != nil {
			tb.Fatalf("%s %q on a %d answer", name, rec.Header().Get(name), rec.Code)
		}
		q[i] = n
	}
	return q
}

// from sends a request from that remote address.
func (e *env) from(tb testing.TB, addr string, r req) *httptest.ResponseRecorder {
	tb.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	hr.RemoteAddr = addr
	for i := 0; i+1 < len(r.headers); i += 2 {
		hr.Header.Set(r.headers[i], r.headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.m.Handler().ServeHTTP(rec, hr)
	return rec
}

const tokenRequest = `{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"demo-client-secret"}`

func TestRateLimitHeaders(t *testing.T) {
	for _, enforced := range []bool{false, true} {
		t.Run(fmt.Sprintf("enforced=%v", enforced), func(t *testing.T) {
			clock := clockAt()
			e := newEnv(t, mock.Options{RateLimits: enforced, Now: clock.Now})
			// The window with the fewest requests left: at first the endpoint's 250 per 10 s.
			for i := 1; i <= 3; i++ {
				rec := e.api(t, http.MethodGet, "/api/user", "")
				mustStatus(t, rec, http.StatusOK)
				if got, want := quotaOf(t, rec), [3]int{250, 10, 250 - i}; got != want {
					t.Errorf("read %d: quota %v, want %v", i, got, want)
				}
			}
			// Errors carry them too, and writes count apart.
			rec := e.api(t, http.MethodGet, "/api/roles/nope", "")
			mustStatus(t, rec, http.StatusNotFound)
			if got, want := quotaOf(t, rec), [3]int{250, 10, 249}; got != want {
				t.Errorf("404: quota %v, want %v", got, want)
			}
			rec = e.api(t, http.MethodPatch, "/api/user", `{"data":{"type":"users","attributes":{"first_name":"A"}}}`)
			mustStatus(t, rec, http.StatusOK)
			if got, want := quotaOf(t, rec), [3]int{50, 10, 49}; got != want {
				t.Errorf("write: quota %v, want %v", got, want)
			}
			// The token endpoint reports its own limit.
			rec = e.serve(t, req{http.MethodPost, "/oauth/token", tokenRequest, []string{"Content-Type", "application/json"}})
			mustStatus(t, rec, http.StatusOK)
			if got, want := quotaOf(t, rec), [3]int{30, 60, 29}; got != want {
				t.Errorf("token: quota %v, want %v", got, want)
			}
			// Past the limit, the count stays at zero left; 429 only when enforced.
			for range 250 {
				rec = e.api(t, http.MethodGet, "/api/user", "")
			}
			if got, want := quotaOf(t, rec), [3]int{250, 10, 0}; got != want {
				t.Errorf("past the limit: quota %v, want %v", got, want)
			}
			if !enforced {
				mustStatus(t, rec, http.StatusOK)
				return
			}
			check429(t, rec, "250 requests per 10 seconds", 5)
			// A new window starts over.
			clock.Advance(5 * time.Second)
			rec = e.api(t, http.MethodGet, "/api/user", "")
			mustStatus(t, rec, http.StatusOK)
			if got, want := quotaOf(t, rec), [3]int{250, 10, 249}; got != want {
				t.Errorf("next window: quota %v, want %v", got, want)
			}
		})
	}
	t.Run("OverallWindow", func(t *testing.T) {
		e := newEnv(t, mock.Options{Now: clockAt().Now})
		mustStatus(t, e.ctl(t, http.MethodPut, "/rate-limits", `{"enabled":true,"reads_per_minute":3}`), http.StatusOK)
		mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
		rec := e.api(t, http.MethodGet, "/api/roles", "")
		if got, want := quotaOf(t, rec), [3]int{3, 60, 1}; got != want {
			t.Errorf("quota %v, want %v", got, want)
		}
		e.api(t, http.MethodGet, "/api/organizations", "")
		rec = e.api(t, http.MethodGet, "/api/organizations", "")
		check429(t, rec, "3 GET requests per minute", 55)
		if got, want := quotaOf(t, rec), [3]int{3, 60, 0}; got != want {
			t.Errorf("429: quota %v, want %v", got, want)
		}
	})
}

func TestRateLimitsCountPerClient(t *testing.T) {
	clock := clockAt()
	e := newEnv(t, mock.Options{RateLimits: true, Now: clock.Now})
	anonymous := req{http.MethodGet, "/api/user", "", []string{"Accept", "application/vnd.api+json"}}
	for i := 0; i < 250; i++ {
		mustStatus(t, e.from(t, "198.51.100.7:4000", anonymous), http.StatusUnauthorized)
	}
	check429(t, e.from(t, "198.51.100.7:4001", anonymous), "250 requests per 10 seconds", 5)
	// Another address, and the owner's token from the same one, have their own counters.
	mustStatus(t, e.from(t, "198.51.100.8:4000", anonymous), http.StatusUnauthorized)
	owner := req{http.MethodGet, "/api/user", "", []string{"Accept", "application/vnd.api+json", "Authorization", "Bearer " + e.token}}
	mustStatus(t, e.from(t, "198.51.100.7:4002", owner), http.StatusOK)
	// A token that does not verify counts as its address.
	forged := req{http.MethodGet, "/api/user", "", []string{"Accept", "application/vnd.api+json", "Authorization", "Bearer " + e.token + "x"}}
	check429(t, e.from(t, "198.51.100.7:4003", forged), "250 requests per 10 seconds", 5)

	t.Run("TwoApplications", func(t *testing.T) {
		mustStatus(t, e.ctl(t, http.MethodPut, "/rate-limits", `{"enabled":true,"reads_per_10s_per_endpoint":2}`), http.StatusOK)
		viewer, err := e.m.Token(context.Background(), "viewer-client-id", "viewer-client-secret")
		if err != nil {
			t.Fatal(err)
		}
		// The same token from two addresses is one client.
		mustStatus(t, e.from(t, "203.0.113.1:1", owner), http.StatusOK)
		mustStatus(t, e.from(t, "203.0.113.2:1", owner), http.StatusOK)
		check429(t, e.from(t, "203.0.113.1:1", owner), "2 requests per 10 seconds", 5)
		// Another application's token, from the same address, is another.
		asViewer := req{http.MethodGet, "/api/user", "", []string{"Accept", "application/vnd.api+json", "Authorization", "Bearer " + viewer}}
		rec := e.from(t, "203.0.113.1:1", asViewer)
		mustStatus(t, rec, http.StatusOK)
		if got, want := quotaOf(t, rec), [3]int{2, 10, 1}; got != want {
			t.Errorf("viewer's quota %v, want %v", got, want)
		}
	})
}

func TestRateLimitsTheTokenEndpoint(t *testing.T) {
	clock := clockAt() // 5 s into the minute
	e := newEnv(t, mock.Options{RateLimits: true, Now: clock.Now})
	token := req{http.MethodPost, "/oauth/token", tokenRequest, []string{"Content-Type", "application/json"}}
	for i := 0; i < 30; i++ {
		mustStatus(t, e.from(t, "198.51.100.7:4000", token), http.StatusOK)
	}
	rec := e.from(t, "198.51.100.7:4000", token)
	checkToken429(t, rec, "You have exceeded the limit of 30 token requests per minute.", 55)
	if got, want := quotaOf(t, rec), [3]int{30, 60, 0}; got != want {
		t.Errorf("quota %v, want %v", got, want)
	}
	// Per address; and the API's own limits are apart.
	mustStatus(t, e.from(t, "198.51.100.8:4000", token), http.StatusOK)
	mustStatus(t, e.api(t, http.MethodPatch, "/api/user", `{"data":{"type":"users","attributes":{"first_name":"A"}}}`), http.StatusOK)
	clock.Advance(55 * time.Second)
	mustStatus(t, e.from(t, "198.51.100.7:4000", token), http.StatusOK)

	// The limit is one of the settings.
	mustStatus(t, e.ctl(t, http.MethodPut, "/rate-limits", `{"enabled":true,"token_requests_per_minute":1}`), http.StatusOK)
	mustStatus(t, e.from(t, "198.51.100.7:4000", token), http.StatusOK)
	checkToken429(t, e.from(t, "198.51.100.7:4000", token), "You have exceeded the limit of 1 token requests per minute.", 60)
}

// checkToken429 checks a 429 of the token endpoint: its error shape (the OAuth error's name
// as title, a numeric status), not the API's JSON:API document.
func checkToken429(tb testing.TB, rec *httptest.ResponseRecorder, wantDetail string, wantRetry int) {
	tb.Helper()
	if rec.Code != http.StatusTooManyRequests {
		tb.Fatalf("status %d, want 429: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		tb.Errorf("Content-Type %q", ct)
	}
	if got := rec.Header().Get("Retry-After"); got != strconv.Itoa(wantRetry) {
		tb.Errorf("Retry-After %q, want %d", got, wantRetry)
	}
	want := `{"errors":[{"title":"too_many_requests","detail":"` + wantDetail + `","code":"TOO_MANY_REQUESTS","status":429}]}`
	if got := strings.TrimSpace(rec.Body.String()); got != want {
		tb.Errorf("body\n%s\nwant\n%s", got, want)
	}
}

func TestRateLimiterStaysBounded(t *testing.T) {
	clock := clockAt()
	e := newEnv(t, mock.Options{RateLimits: true, Now: clock.Now})
	limiter := e.m.RateLimiter()
	// Unknown paths share one counter, whatever their number.
	for i := 0; i < 10000; i++ {
		rec := e.api(t, http.MethodGet, fmt.Sprintf("/api/nothing-%d/x%d", i, i), "")
		if rec.Code != http.StatusNotFound && rec.Code != http.StatusTooManyRequests {
			t.Fatalf("unknown path: %d", rec.Code)
		}
	}
	if n := limiter.Windows(); n > 2 {
		t.Errorf("10000 unknown paths left %d windows, want at most 2", n)
	}
	// Ended windows are forgotten: a minute after a crowd of clients, only the newest remain.
	anonymous := req{http.MethodGet, "/api/user", "", nil}
	for i := 0; i < 3000; i++ {
		e.from(t, fmt.Sprintf("10.0.%d.%d:1", i/256, i%256), anonymous)
	}
	if n := limiter.Windows(); n < 3000 {
		t.Fatalf("%d windows for 3000 clients: the test counts nothing", n)
	}
	clock.Advance(time.Minute)
	e.from(t, "10.1.0.1:1", anonymous)
	if n := limiter.Windows(); n > 2 {
		t.Errorf("a minute later the limiter still holds %d windows", n)
	}
}

// ---------------------------------------------------------------- admin token

func TestAdminTokenProtectsTheControlAPI(t *testing.T) {
	e := newEnv(t, mock.Options{AdminToken: "s3cret"})
	calls := []struct{ method, path, body string }{
		{http.MethodGet, "", ""},
		{http.MethodPost, "/reset", ""},
		{http.MethodPost, "/fixtures", extraUser},
		{http.MethodGet, "/snapshots", ""},
		{http.MethodPost, "/snapshots", `{"name":"x"}`},
		{http.MethodGet, "/requests", ""},
		{http.MethodDelete, "/requests", ""},
		{http.MethodGet, "/faults", ""},
		{http.MethodPost, "/faults", `{"path":"/api/user","status":500}`},
		{http.MethodGet, "/rate-limits", ""},
		{http.MethodPut, "/rate-limits", `{"enabled":true}`},
	}
	for _, c := range calls {
		for _, auth := range []string{"", "Bearer wrong", "s3cret", "Basic s3cret", "Bearer " + e.token} {
			rec := e.ctl(t, c.method, c.path, c.body, "Authorization", auth)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s %s with Authorization %q: %d", c.method, c.path, auth, rec.Code)
				continue
			}
			controlError(t, rec)
		}
	}
	// Nothing the refused calls asked for happened.
	mustStatus(t, e.api(t, http.MethodGet, "/api/user", ""), http.StatusOK)
	if _, err := e.m.Token(context.Background(), "extra-client-id", "extra-client-secret"); err == nil {
		t.Error("a refused fixtures load was made")
	}

	for _, c := range calls {
		rec := e.ctl(t, c.method, c.path, c.body, "Authorization", "Bearer s3cret")
		if rec.Code >= 300 {
			t.Errorf("%s %s with the admin token: %d %s", c.method, c.path, rec.Code, rec.Body.String())
		}
	}
	mustStatus(t, e.ctl(t, http.MethodGet, "/requests", "", "Authorization", "bearer s3cret"), http.StatusOK)
	// The emulated API does not take the admin token, and does not need it.
	mustStatus(t, e.serve(t, req{http.MethodGet, "/api/organizations", "", []string{"Authorization", "Bearer s3cret"}}), http.StatusUnauthorized)
}

func TestNoAdminTokenLeavesTheControlAPIOpen(t *testing.T) {
	e := newEnv(t, mock.Options{})
	mustStatus(t, e.ctl(t, http.MethodGet, "/requests", ""), http.StatusOK)
	mustStatus(t, e.ctl(t, http.MethodGet, "/requests", "", "Authorization", "Bearer anything"), http.StatusOK)
}

// ---------------------------------------------------------------- CORS

func TestCORSOnSuccess(t *testing.T) {
	e := newEnv(t, mock.Options{})
	rec := e.api(t, http.MethodGet, "/api/organizations", "", "Origin", "http://app.example:3000")
	mustStatus(t, rec, http.StatusOK)
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin %q", got)
	}
	expose := rec.Header().Get("Access-Control-Expose-Headers")
	for _, h := range []string{"Retry-After", "Location", "X-Ratelimit-Limit", "X-Ratelimit-Interval", "X-Ratelimit-Remaining"} {
		if !strings.Contains(expose, h) {
			t.Errorf("Access-Control-Expose-Headers %q lacks %s", expose, h)
		}
	}
	// The token endpoint too.
	rec = e.serve(t, req{http.MethodPost, "/oauth/token",
		`{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"demo-client-secret"}`,
		[]string{"Content-Type", "application/json", "Origin", "http://app.example:3000"}})
	mustStatus(t, rec, http.StatusOK)
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("token endpoint: Access-Control-Allow-Origin %q", got)
	}
}

func TestCORSOnErrors(t *testing.T) {
	clock := clockAt()
	e := newEnv(t, mock.Options{Now: clock.Now})
	origin := []string{"Origin", "http://app.example"}
	cases := map[string]func() *testingRecorder{
		"401 no token": func() *testingRecorder {
			return e.serve(t, req{http.MethodGet, "/api/organizations", "", origin})
		},
		"401 bad credentials": func() *testingRecorder {
			return e.serve(t, req{http.MethodPost, "/oauth/token", `{"grant_type":"client_credentials","client_id":"x","client_secret":"y"}`,
				append([]string{"Content-Type", "application/json"}, origin...)})
		},
		"404 record": func() *testingRecorder { return e.api(t, http.MethodGet, "/api/roles/nope", "", origin...) },
		"404 route":  func() *testingRecorder { return e.api(t, http.MethodGet, "/api/nothing-here", "", origin...) },
		"405": func() *testingRecorder {
			return e.api(t, http.MethodDelete, "/api/organizations/orgBlueBrd", "", origin...)
		},
		"422": func() *testingRecorder {
			return e.api(t, http.MethodPost, "/api/roles", `{"data":{"type":"roles","attributes":{}}}`, origin...)
		},
	}
	for name, do := range cases {
		rec := do()
		if rec.Code < 400 {
			t.Errorf("%s: status %d", name, rec.Code)
		}
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s (%d): Access-Control-Allow-Origin %q", name, rec.Code, got)
		}
	}

	// Errors that faults and rate limits make carry the headers too.
	addFault(t, e, `{"path":"/api/user","status":503,"times":1}`)
	addFault(t, e, `{"path":"/api/user","status":422,"errors":[{"title":"x"}],"times":1}`)
	for _, want := range []int{503, 422} {
		rec := e.api(t, http.MethodGet, "/api/user", "", origin...)
		mustStatus(t, rec, want)
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("fault %d: Access-Control-Allow-Origin %q", want, got)
		}
	}
	mustStatus(t, e.ctl(t, http.MethodPut, "/rate-limits", `{"enabled":true,"reads_per_minute":1}`), http.StatusOK)
	e.api(t, http.MethodGet, "/api/user", "", origin...)
	rec := e.api(t, http.MethodGet, "/api/user", "", origin...)
	mustStatus(t, rec, http.StatusTooManyRequests)
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("429: Access-Control-Allow-Origin %q", got)
	}
}

func TestCORSPreflight(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for _, c := range []struct{ path, method, headers string }{
		{"/oauth/token", "POST", "content-type"},
		{"/api/organizations", "GET", "authorization,accept"},
		{"/api/roles", "POST", "authorization,content-type,accept"},
		{"/api/roles/rolBBMktEd", "PATCH", "Authorization, Content-Type, Accept"},
		{"/api/api_credentials/apcBBStore", "DELETE", "authorization"},
	} {
		rec := e.serve(t, req{http.MethodOptions, c.path, "", []string{
			"Origin", "http://app.example:5173",
			"Access-Control-Request-Method", c.method,
			"Access-Control-Request-Headers", c.headers,
		}})
		if rec.Code != http.StatusNoContent {
			t.Errorf("preflight %s %s: %d", c.method, c.path, rec.Code)
			continue
		}
		h := rec.Header()
		if got := h.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin %q", c.path, got)
		}
		methods := strings.Split(h.Get("Access-Control-Allow-Methods"), ",")
		for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
			if !slices.Contains(methods, m) {
				t.Errorf("%s: Access-Control-Allow-Methods %q lacks %s", c.path, h.Get("Access-Control-Allow-Methods"), m)
			}
		}
		allowed := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
		for _, name := range []string{"authorization", "content-type", "accept"} {
			if !slices.Contains(strings.Split(allowed, ","), name) {
				t.Errorf("%s: Access-Control-Allow-Headers %q lacks %s", c.path, allowed, name)
			}
		}
		if h.Get("Access-Control-Max-Age") == "" {
			t.Errorf("%s: no Access-Control-Max-Age", c.path)
		}
	}
	// A preflight needs no token; it is journaled, so that a browser request CORS blocked
	// leaves a trace.
	got := e.entries(t, "")
	if len(got) != 5 {
		t.Fatalf("journal: %+v, want the 5 preflights", got)
	}
	for _, entry := range got {
		if entry.Method != http.MethodOptions || entry.Status != http.StatusNoContent ||
			entry.Headers["Origin"] != "http://app.example:5173" || entry.Headers["Access-Control-Request-Method"] == "" {
			t.Errorf("preflight's entry: %+v", entry)
		}
	}
}

func TestCORSAllowList(t *testing.T) {
	e := newEnv(t, mock.Options{AllowOrigins: []string{"http://allowed.example", "http://also.example:8080"}})
	for _, origin := range []string{"http://allowed.example", "http://also.example:8080"} {
		rec := e.api(t, http.MethodGet, "/api/organizations", "", "Origin", origin)
		mustStatus(t, rec, http.StatusOK)
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != origin {
			t.Errorf("%s: Access-Control-Allow-Origin %q", origin, got)
		}
		if !slices.Contains(rec.Header().Values("Vary"), "Origin") {
			t.Errorf("%s: Vary %v", origin, rec.Header().Values("Vary"))
		}
		// Errors too.
		rec = e.serve(t, req{http.MethodGet, "/api/organizations", "", []string{"Origin", origin}})
		mustStatus(t, rec, http.StatusUnauthorized)
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != origin {
			t.Errorf("%s 401: Access-Control-Allow-Origin %q", origin, got)
		}
	}
	for _, origin := range []string{"http://evil.example", "http://allowed.example:8080", "https://allowed.example"} {
		rec := e.api(t, http.MethodGet, "/api/organizations", "", "Origin", origin)
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("%s: Access-Control-Allow-Origin %q", origin, got)
		}
		rec = e.serve(t, req{http.MethodOptions, "/api/organizations", "", []string{
			"Origin", origin, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization"}})
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("%s preflight: Access-Control-Allow-Origin %q", origin, got)
		}
		if got := rec.Header().Get("Access-Control-Allow-Headers"); got != "" {
			t.Errorf("%s preflight: Access-Control-Allow-Headers %q", origin, got)
		}
	}
	// A preflight from an allowed origin is answered in full.
	rec := e.serve(t, req{http.MethodOptions, "/api/organizations", "", []string{
		"Origin", "http://allowed.example", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization"}})
	mustStatus(t, rec, http.StatusNoContent)
	if rec.Header().Get("Access-Control-Allow-Origin") != "http://allowed.example" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("allowed preflight: %v", rec.Header())
	}
}

// ---------------------------------------------------------------- benchmark

// BenchmarkReset measures POST /_mock/reset of the demo dataset after a change.
func BenchmarkReset(b *testing.B) {
	e := newEnv(b, mock.Options{})
	e.createRole(b, "Dirty")
	b.ReportAllocs()
	for b.Loop() {
		rec := e.ctl(b, http.MethodPost, "/reset", "")
		if rec.Code != http.StatusOK {
			b.Fatalf("reset: %d %s", rec.Code, rec.Body.String())
		}
	}
	b.StopTimer()
	if got := e.roleIDs(b); len(got) != len(demoRoles) {
		b.Errorf("roles after reset: %v", got)
	}
}
