package control_test

import (
	"encoding/json"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/commercelayer-mock/provmock/mock"
)

// ---------------------------------------------------------------- where the control API answers

func TestControlAPIHasNoCORS(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for _, path := range []string{"/reset", "/requests", "/fixtures", "/nope"} {
		rec := e.serve(t, req{http.MethodOptions, "/_mock" + path, "", []string{
			"Origin", "http://app.example:5173", "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "content-type"}})
		for name := range rec.Header() {
			if strings.HasPrefix(name, "Access-Control-") {
				t.Errorf("preflight of %s answered %s: %q", path, name, rec.Header().Get(name))
			}
		}
	}
	// The API keeps its CORS, and exposes what browser code reads.
	rec := e.api(t, http.MethodGet, "/api/organizations", "", "Origin", "http://app.example:5173")
	mustStatus(t, rec, http.StatusOK)
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("API: Access-Control-Allow-Origin %q", got)
	}
	expose := strings.Split(rec.Header().Get("Access-Control-Expose-Headers"), ",")
	for _, h := range []string{"Etag", "Location", "Retry-After", "Allow", "X-Ratelimit-Limit", "X-Ratelimit-Interval", "X-Ratelimit-Remaining"} {
		if !slices.ContainsFunc(expose, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), h) }) {
			t.Errorf("Access-Control-Expose-Headers %q lacks %s", expose, h)
		}
	}
}

func TestControlAPIRefusesOtherOrigins(t *testing.T) {
	for _, allow := range [][]string{nil, {"http://app.example"}} {
		e := newEnv(t, mock.Options{AllowOrigins: allow})
		id := e.createRole(t, "Kept")
		for _, origin := range []string{"http://app.example", "http://127.0.0.1:3000", "https://127.0.0.1:8080", "null"} {
			for _, c := range []struct{ method, path, body string }{
				{http.MethodPost, "/reset", ""},
				{http.MethodPost, "/fixtures?replace=true", "users: []"},
				{http.MethodGet, "/requests", ""},
				{http.MethodDelete, "/requests", ""},
			} {
				rec := e.ctl(t, c.method, c.path, c.body, "Origin", origin)
				mustStatus(t, rec, http.StatusForbidden)
				if msg := controlError(t, rec); !strings.Contains(msg, "other origins") {
					t.Errorf("%s %s from %s: %q", c.method, c.path, origin, msg)
				}
				if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
					t.Errorf("%s %s from %s: Access-Control-Allow-Origin %q", c.method, c.path, origin, got)
				}
			}
		}
		// Nothing happened: the role created before is there, the journal kept it.
		mustStatus(t, e.api(t, http.MethodGet, "/api/roles/"+id, ""), http.StatusOK)
		// The mock's own origin (a page the mock serves) and no Origin at all (curl) pass.
		mustStatus(t, e.ctl(t, http.MethodGet, "/requests", "", "Origin", "http://127.0.0.1:8080"), http.StatusOK)
		mustStatus(t, e.ctl(t, http.MethodPost, "/reset", ""), http.StatusOK)
		mustStatus(t, e.api(t, http.MethodGet, "/api/roles/"+id, ""), http.StatusNotFound)
	}
}

func TestControlAPIRefusesOtherHosts(t *testing.T) {
	e := newEnv(t, mock.Options{ListenAddr: "mock.internal:8080", AllowHosts: []string{"mock.lan", ".dev.test"}})
	for _, host := range []string{"attacker.example:8080", "attacker.example", "localhost.attacker.example", "lan:8080", "dev.test.example"} {
		// A rebound page's Origin matches its Host: the Host check is what stops it.
		rec := e.ctl(t, http.MethodPost, "/reset", "", "Host", host, "Origin", "http://"+host)
		mustStatus(t, rec, http.StatusForbidden)
		if msg := controlError(t, rec); !strings.Contains(msg, "--allow-hosts") {
			t.Errorf("Host %s: %q", host, msg)
		}
		mustStatus(t, e.ctl(t, http.MethodGet, "/unknown", "", "Host", host), http.StatusForbidden)
	}
	for _, host := range []string{"127.0.0.1:8080", "127.0.0.9", "localhost:9000", "LOCALHOST", "app.localhost:8080",
		"[::1]:8080", "192.168.1.20:8080", "mock.internal:8080", "mock.lan", "MOCK.LAN:8080", "dev.test", "a.dev.test:1"} {
		rec := e.ctl(t, http.MethodGet, "/requests", "", "Host", host, "Origin", "http://"+host)
		if rec.Code != http.StatusOK {
			t.Errorf("Host %s: %d %s", host, rec.Code, rec.Body.String())
		}
	}
	// The API answers whatever the Host: the real service's clients send its host.
	rec := e.api(t, http.MethodGet, "/api/user", "", "Host", "provisioning.commercelayer.io")
	mustStatus(t, rec, http.StatusOK)
}

// ---------------------------------------------------------------- journal secrets and bounds

func TestJournalMasksSecretsInBodiesAndQueries(t *testing.T) {
	e := newEnv(t, mock.Options{})
	// The token endpoint, with a JSON body and with a form body.
	jsonBody := `{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"demo-client-secret"}`
	rec := e.serve(t, req{http.MethodPost, "/oauth/token", jsonBody, []string{"Content-Type", "application/json"}})
	mustStatus(t, rec, http.StatusOK)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	decodeInto(t, rec, &tok)
	formBody := "grant_type=client_credentials&client_id=demo-client-id&client_secret=demo-client-secret"
	mustStatus(t, e.serve(t, req{http.MethodPost, "/oauth/token", formBody,
		[]string{"Content-Type", "application/x-www-form-urlencoded"}}), http.StatusOK)
	// An identity provider's secret, deep in a JSON:API document.
	idp := `{"data":{"type":"identity_providers","attributes":{"name":"Okta","client_id":"okta-id","client_secret":"okta-secret-value",` +
		`"issuer":"https://okta.example","nested":[{"password":"pw-value","keep":1}]},` +
		`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`
	e.api(t, http.MethodPost, "/api/identity_providers", idp)
	// Tokens in query strings.
	e.serve(t, req{http.MethodGet, "/api/user?access_token=" + tok.AccessToken + "&refresh%5Ftoken=rt-value&page=1", "", nil})

	got := e.entries(t, "")
	if len(got) != 4 {
		t.Fatalf("%d entries", len(got))
	}
	want := []string{
		`{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"[masked]"}`,
		"grant_type=client_credentials&client_id=demo-client-id&client_secret=[masked]",
		`{"data":{"type":"identity_providers","attributes":{"name":"Okta","client_id":"okta-id","client_secret":"[masked]",` +
			`"issuer":"https://okta.example","nested":[{"password":"[masked]","keep":1}]},` +
			`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`,
	}
	for i, w := range want {
		if body := got[3-i].Body; body != w {
			t.Errorf("entry %d body\n got %s\nwant %s", i, body, w)
		}
	}
	if q := got[0].Query; q != "access_token=[masked]&refresh%5Ftoken=[masked]&page=1" {
		t.Errorf("query recorded as %q", q)
	}
	raw := e.ctl(t, http.MethodGet, "/requests", "").Body.String()
	for _, secret := range []string{"demo-client-secret", "okta-secret-value", "pw-value", "rt-value", tok.AccessToken} {
		if strings.Contains(raw, secret) {
			t.Errorf("the journal shows %q", secret)
		}
	}
}

func TestJournalMasksSecretsOfACutBody(t *testing.T) {
	e := newEnv(t, mock.Options{JournalBodyBytes: 60})
	body := `{"client_id":"demo-client-id","client_secret":"demo-client-secret-long-enough-to-be-cut"}`
	e.serve(t, req{http.MethodPost, "/oauth/token", body, []string{"Content-Type", "application/json"}})
	got := e.entries(t, "")
	if len(got) != 1 || !got[0].BodyTruncated || got[0].Body != `{"client_id":"demo-client-id","client_secret":"[masked]"` {
		t.Errorf("entries %+v", got)
	}
}

func TestJournalHasTheRequestBeforeItsAnswer(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{})
	token, err := srv.Token("demo-client-id", "demo-client-secret")
	if err != nil {
		t.Fatal(err)
	}
	misses := 0
	for i := range 300 {
		// A document big enough that its header leaves before the handler is done; the
		// client reads the header only, and asks the journal straight away for entry i+1
		// (control calls are not journaled).
		r, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/organizations?include=roles,memberships,api_credentials,permissions", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Accept", "application/vnd.api+json")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
		resp, err = http.Get(srv.URL + "/_mock/requests?limit=1")
		if err != nil {
			t.Fatal(err)
		}
		var got []journalEntry
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != int64(i+1) || got[0].Status != http.StatusOK {
			misses++
		}
	}
	if misses > 0 {
		t.Errorf("%d of 300 requests were not in the journal once their answer had come", misses)
	}
}

func TestJournalIsBoundedByBytes(t *testing.T) {
	const limit = 256 << 10
	e := newEnv(t, mock.Options{JournalBytes: limit, JournalBodyBytes: 4096})
	big := strings.Repeat("h", 100<<10)
	for i := range 1000 {
		e.serve(t, req{http.MethodPost, "/healthz?n=" + strconv.Itoa(i), strings.Repeat("b", 10000),
			[]string{"X-Big", big, "X-Other", "v", "Content-Type", "text/plain"}})
	}
	got := e.entries(t, "")
	if len(got) == 0 || len(got) >= 1000 || got[0].Query != "n=999" {
		t.Fatalf("%d entries, newest %q", len(got), got[0].Query)
	}
	total := 0
	for _, en := range got {
		if !en.BodyTruncated || len(en.Body) != 4096 {
			t.Fatalf("body of %d bytes, truncated %v", len(en.Body), en.BodyTruncated)
		}
		if !en.HeadersTruncated || len(en.Headers["X-Big"]) >= 16<<10 {
			t.Fatalf("X-Big of %d bytes kept, headers_truncated %v", len(en.Headers["X-Big"]), en.HeadersTruncated)
		}
		total += len(en.Body)
		for k, v := range en.Headers {
			total += len(k) + len(v)
		}
	}
	if total > limit {
		t.Errorf("the journal keeps %d bytes, over its limit of %d", total, limit)
	}
}

// ---------------------------------------------------------------- snapshots and limits

func TestSnapshotsDuringConcurrentCreatesAreConsistent(t *testing.T) {
	e := newEnv(t, mock.Options{})
	var created atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			// An organization (with its owner's membership), then a credential in it.
			rec := e.api(t, http.MethodPost, "/api/organizations",
				`{"data":{"type":"organizations","attributes":{"name":"Concurrent `+strconv.Itoa(i)+`"}}}`)
			var doc struct {
				Data struct{ ID string } `json:"data"`
			}
			if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &doc) != nil {
				t.Errorf("create organization: %d %s", rec.Code, rec.Body.String())
				return
			}
			rec = e.api(t, http.MethodPost, "/api/api_credentials", `{"data":{"type":"api_credentials",
				"attributes":{"name":"Concurrent","kind":"integration"},
				"relationships":{"organization":{"data":{"type":"organizations","id":"`+doc.Data.ID+`"}}}}}`)
			if rec.Code != http.StatusCreated {
				t.Errorf("create credential: %d %s", rec.Code, rec.Body.String())
				return
			}
			created.Add(1)
		}
	}()
	const n = 8
	counts := map[string]map[string]int{}
	for i := range n {
		// Each snapshot after at least one more create, while the creates go on.
		for seen := created.Load(); created.Load() == seen && !t.Failed(); {
			runtime.Gosched()
		}
		name := "s" + strconv.Itoa(i)
		rec := e.ctl(t, http.MethodPost, "/snapshots", `{"name":"`+name+`"}`)
		mustStatus(t, rec, http.StatusCreated)
		var info struct {
			Records map[string]int `json:"records"`
		}
		decodeInto(t, rec, &info)
		counts[name] = info.Records
	}
	close(stop)
	wg.Wait()
	for i := range n {
		name := "s" + strconv.Itoa(i)
		rec := e.ctl(t, http.MethodPost, "/snapshots/"+name+"/restore", "")
		if rec.Code != http.StatusOK {
			t.Errorf("restore %s: %d %s", name, rec.Code, rec.Body.String())
			continue
		}
		// Every organization has its owner's membership and every credential its
		// organization (the restore's foreign keys would have refused them otherwise).
		c := counts[name]
		if got, want := c["memberships"]-c["organizations"], 6-2; got != want {
			t.Errorf("snapshot %s holds %d organizations and %d memberships", name, c["organizations"], c["memberships"])
		}
		if got, want := c["api_credentials"]-c["organizations"], 6-2; got != want && got != want-1 { // the last organization may lack its credential yet
			t.Errorf("snapshot %s holds %d organizations and %d credentials", name, c["organizations"], c["api_credentials"])
		}
	}
}

func TestSnapshotsAreLimitedInNumberAndSize(t *testing.T) {
	e := newEnv(t, mock.Options{MaxSnapshots: 3})
	for _, name := range []string{"a", "b", "c", "c"} { // saving "c" again replaces it
		mustStatus(t, e.ctl(t, http.MethodPost, "/snapshots", `{"name":"`+name+`"}`), http.StatusCreated)
	}
	rec := e.ctl(t, http.MethodPost, "/snapshots", `{"name":"d"}`)
	mustStatus(t, rec, http.StatusConflict)
	if msg := controlError(t, rec); msg != "at most 3 snapshots are kept (--max-snapshots): delete one first" {
		t.Errorf("message %q", msg)
	}
	mustStatus(t, e.ctl(t, http.MethodDelete, "/snapshots/a", ""), http.StatusNoContent)
	mustStatus(t, e.ctl(t, http.MethodPost, "/snapshots", `{"name":"d"}`), http.StatusCreated)

	// By size: room for two snapshots of the demo data, not three.
	probe := e.ctl(t, http.MethodPost, "/snapshots/d/restore", "")
	mustStatus(t, probe, http.StatusOK)
	var info struct{ Bytes int }
	decodeInto(t, probe, &info)
	size := info.Bytes
	if size < 10000 {
		t.Fatalf("a snapshot of the demo data counts %d bytes", size)
	}
	e = newEnv(t, mock.Options{SnapshotBytes: 2*size + size/2})
	for _, name := range []string{"a", "b", "b"} {
		mustStatus(t, e.ctl(t, http.MethodPost, "/snapshots", `{"name":"`+name+`"}`), http.StatusCreated)
	}
	rec = e.ctl(t, http.MethodPost, "/snapshots", `{"name":"c"}`)
	mustStatus(t, rec, http.StatusConflict)
	if msg := controlError(t, rec); !strings.Contains(msg, "--snapshot-bytes") {
		t.Errorf("message %q", msg)
	}
	mustStatus(t, e.ctl(t, http.MethodDelete, "/snapshots/b", ""), http.StatusNoContent)
	mustStatus(t, e.ctl(t, http.MethodPost, "/snapshots", `{"name":"c"}`), http.StatusCreated)
}

func TestFaultRulesAreLimited(t *testing.T) {
	e := newEnv(t, mock.Options{MaxFaults: 2})
	addFault(t, e, `{"path":"/api/a","status":500}`)
	addFault(t, e, `{"path":"/api/b","status":500}`)
	rec := e.ctl(t, http.MethodPost, "/faults", `{"path":"/api/c","status":500}`)
	mustStatus(t, rec, http.StatusConflict)
	if msg := controlError(t, rec); msg != "too many fault rules: at most 2 are kept (--max-faults): delete one first" {
		t.Errorf("message %q", msg)
	}
	mustStatus(t, e.ctl(t, http.MethodDelete, "/faults/fault-1", ""), http.StatusNoContent)
	addFault(t, e, `{"path":"/api/c","status":500}`)
}

func TestFixturesUploadHasItsOwnLimit(t *testing.T) {
	e := newEnv(t, mock.Options{FixturesBytes: 100})
	rec := e.ctl(t, http.MethodPost, "/fixtures", "users:\n"+strings.Repeat("  # padding\n", 20))
	mustStatus(t, rec, http.StatusRequestEntityTooLarge)
	if msg := controlError(t, rec); msg != "a fixtures document is at most 100 bytes (--max-fixtures-body)" {
		t.Errorf("message %q", msg)
	}
	mustStatus(t, e.ctl(t, http.MethodPost, "/fixtures", "users: []\n"), http.StatusOK)
}
