package instances_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

const mediaType = "application/vnd.api+json"

// buildBinary builds the command once per test binary run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "provmock-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "provmock")
	out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

var schemas atomic.Int64

// freshSchema returns the URL of a schema of the test database that no one used yet.
func freshSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("PROVMOCK_TEST_POSTGRES")
	if base == "" {
		t.Skip("needs PostgreSQL: PROVMOCK_TEST_POSTGRES names none (make test-postgres starts one)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", fmt.Sprintf("inst_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemas.Add(1)))
	u.RawQuery = q.Encode()
	return u.String()
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// instance is a running provmock process.
type instance struct {
	cmd    *exec.Cmd
	base   string
	banner string // the banner's lines up to the data line
}

// start runs the binary on the database URL and waits for its banner.
func start(t *testing.T, db string, args ...string) *instance {
	t.Helper()
	return startWith(t, nil, append([]string{"--addr", "127.0.0.1:0", "--db", db, "--quiet", "--cache-dir", "none"}, args...)...)
}

// startWith runs the binary with the arguments and, besides the test's, the environment.
func startWith(t *testing.T, env []string, args ...string) *instance {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	type ready struct{ base, banner string }
	found := make(chan ready, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var base string
		var banner strings.Builder
		for sc.Scan() {
			line := sc.Text()
			banner.WriteString(line + "\n")
			if m := listening.FindStringSubmatch(line); m != nil {
				base = m[1]
			}
			if strings.HasPrefix(line, "  loaded:") || strings.HasPrefix(line, "  data:") {
				found <- ready{base, banner.String()}
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case r := <-found:
		return &instance{cmd: cmd, base: r.base, banner: r.banner}
	case <-time.After(60 * time.Second):
		t.Fatal("the binary printed no banner")
	}
	return nil
}

// startMany starts n instances at once on db.
func startMany(t *testing.T, db string, n int) []*instance {
	t.Helper()
	out := make([]*instance, n)
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = start(t, db)
		}()
	}
	wg.Wait()
	for _, in := range out {
		if in == nil {
			t.FailNow()
		}
	}
	return out
}

var httpClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 60 * time.Second}

func (in *instance) do(method, path, token, body string) (int, []byte, error) {
	req, err := http.NewRequest(method, in.base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", mediaType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", mediaType)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// token gets an access token of the demo owner from the instance.
func (in *instance) token(t *testing.T) string {
	t.Helper()
	resp, err := httpClient.Post(in.base+"/oauth/token", "application/json",
		strings.NewReader(`{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"demo-client-secret"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc.AccessToken == "" {
		t.Fatalf("POST /oauth/token = %d, %v", resp.StatusCode, err)
	}
	return doc.AccessToken
}

func roleBody(name string) string {
	return fmt.Sprintf(`{"data":{"type":"roles","attributes":{"name":%q},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`, name)
}

// listIDs lists the ids of a list's first page of 25.
func listIDs(t *testing.T, in *instance, token, path string) []string {
	t.Helper()
	status, body, err := in.do(http.MethodGet, path, token, "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET %s = %d %v %s", path, status, err, body)
	}
	var doc struct {
		Data []struct{ ID string } `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(doc.Data))
	for i, d := range doc.Data {
		ids[i] = d.ID
	}
	return ids
}

func createdID(body []byte) string {
	var doc struct {
		Data struct {
			ID         string
			Attributes map[string]any
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &doc)
	return doc.Data.ID
}

// TestInstancesStartingTogetherLoadTheFixturesOnce: two instances starting at once on an
// empty schema both come up, exactly one loads the fixtures, and a later one loads nothing.
func TestInstancesStartingTogetherLoadTheFixturesOnce(t *testing.T) {
	db := freshSchema(t)
	both := startMany(t, db, 2)
	loaded := 0
	for _, in := range both {
		if strings.Contains(in.banner, "  loaded:") {
			loaded++
		} else if !strings.Contains(in.banner, "  data:     kept the records already in") {
			t.Errorf("banner says neither loaded nor kept:\n%s", in.banner)
		}
		if strings.Contains(in.banner, "provmock-ci") || !strings.Contains(in.banner, "search_path=inst_") {
			t.Errorf("banner does not name the database:\n%s", in.banner)
		}
	}
	if loaded != 1 {
		t.Fatalf("%d instances loaded the fixtures, want exactly 1", loaded)
	}
	later := start(t, db)
	if !strings.Contains(later.banner, "kept the records already in") {
		t.Errorf("a later instance did not keep the records:\n%s", later.banner)
	}
	token := both[0].token(t)
	want := listIDs(t, both[0], token, "/api/organizations")
	if len(want) == 0 {
		t.Fatal("the demo owner sees no organization")
	}
	for i, in := range append(both, later) {
		if got := listIDs(t, in, token, "/api/organizations"); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("instance %d lists the organizations %v, instance 0 %v", i, got, want)
		}
	}
}

// TestAWriteThroughOneIsReadThroughTheOther: a write acknowledged by A is in the very next
// read through B, however B cached the list before; and a token issued by A works on B.
func TestAWriteThroughOneIsReadThroughTheOther(t *testing.T) {
	db := freshSchema(t)
	ins := startMany(t, db, 2)
	a, b := ins[0], ins[1]
	token := a.token(t)
	const roles = "/api/roles?filter[q][organization_id_eq]=orgBlueBrd&page[size]=25&sort=-created_at"
	for i := 0; i < 10; i++ {
		before := listIDs(t, b, token, roles) // cached by B
		listIDs(t, b, token, roles)
		status, body, err := a.do(http.MethodPost, "/api/roles", token, roleBody(fmt.Sprintf("hop %d", i)))
		if err != nil || status != http.StatusCreated {
			t.Fatalf("POST through A = %d %v %s", status, err, body)
		}
		id := createdID(body)
		after := listIDs(t, b, token, roles)
		if len(after) == 0 || after[0] != id {
			t.Fatalf("after A created %s, B lists %v (before: %v)", id, after, before)
		}
		status, _, _ = b.do(http.MethodGet, "/api/roles/"+id, token, "")
		if status != http.StatusOK {
			t.Fatalf("B answers %d for the role A created", status)
		}
	}
}

// TestReadBeforeWriteRulesHoldAcrossInstances: 16 creates of organizations of one name
// through two instances at once give 16 distinct slugs; 16 invitations of one email give
// one 201 and fifteen 422 taken.
func TestReadBeforeWriteRulesHoldAcrossInstances(t *testing.T) {
	db := freshSchema(t)
	ins := startMany(t, db, 2)
	token := ins[0].token(t)
	const n = 16
	type answer struct {
		status int
		body   []byte
	}
	run := func(path string, body func(i int) string) []answer {
		out := make([]answer, n)
		var wg sync.WaitGroup
		for i := range out {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, b, err := ins[i%2].do(http.MethodPost, path, token, body(i))
				if err != nil {
					t.Error(err)
				}
				out[i] = answer{status, b}
			}()
		}
		wg.Wait()
		return out
	}
	slugs := map[string]bool{}
	for _, a := range run("/api/organizations", func(int) string {
		return `{"data":{"type":"organizations","attributes":{"name":"Same Name"}}}`
	}) {
		var doc struct {
			Data struct{ Attributes struct{ Slug string } } `json:"data"`
		}
		if a.status != http.StatusCreated || json.Unmarshal(a.body, &doc) != nil {
			t.Fatalf("create organization: %d %s", a.status, a.body)
		}
		slugs[doc.Data.Attributes.Slug] = true
	}
	if len(slugs) != n {
		t.Errorf("%d distinct slugs of %d organizations: %v", len(slugs), n, slugs)
	}
	created, taken := 0, 0
	for _, a := range run("/api/memberships", func(int) string {
		return `{"data":{"type":"memberships","attributes":{"user_email":"twice@example.com","access_scope":"test_access"},` +
			`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}},"role":{"data":{"type":"roles","id":"rolBBReadO"}}}}}`
	}) {
		switch {
		case a.status == http.StatusCreated:
			created++
		case a.status == http.StatusUnprocessableEntity && bytes.Contains(a.body, []byte(`"error":"taken"`)):
			taken++
		default:
			t.Errorf("invitation: %d %s", a.status, a.body)
		}
	}
	if created != 1 || taken != n-1 {
		t.Errorf("%d invitations created and %d taken, want 1 and %d", created, taken, n-1)
	}
}

// TestWritersAcrossInstancesLoseNothing: 32 writers through two instances; the roles stored
// are exactly those acknowledged, as both instances list them.
func TestWritersAcrossInstancesLoseNothing(t *testing.T) {
	const writers, perWriter = 32, 4
	db := freshSchema(t)
	ins := startMany(t, db, 2)
	token := ins[0].token(t)
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				status, body, err := ins[w%2].do(http.MethodPost, "/api/roles", token, roleBody(fmt.Sprintf("w%d r%d", w, i)))
				if err != nil || status != http.StatusCreated {
					t.Errorf("writer %d: %d %v %s", w, status, err, body)
					continue
				}
				mu.Lock()
				acked[createdID(body)] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for i, in := range ins {
		stored := storedRoles(t, in, token)
		for id := range acked {
			if !stored[id] {
				t.Errorf("instance %d does not list acknowledged role %s", i, id)
			}
		}
	}
	if len(acked) != writers*perWriter {
		t.Errorf("%d roles acknowledged, want %d", len(acked), writers*perWriter)
	}
}

// storedRoles are the ids of every role of orgBlueBrd, page by page.
func storedRoles(t *testing.T, in *instance, token string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for page := 1; ; page++ {
		ids := listIDs(t, in, token, fmt.Sprintf("/api/roles?filter[q][organization_id_eq]=orgBlueBrd&page[size]=25&page[number]=%d", page))
		for _, id := range ids {
			out[id] = true
		}
		if len(ids) < 25 {
			return out
		}
	}
}

// TestAKilledInstanceLosesNoAcknowledgedWrite: writers through A while A is killed
// (SIGKILL); every write A acknowledged is listed by B.
func TestAKilledInstanceLosesNoAcknowledgedWrite(t *testing.T) {
	db := freshSchema(t)
	ins := startMany(t, db, 2)
	a, b := ins[0], ins[1]
	token := a.token(t)
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				status, body, err := a.do(http.MethodPost, "/api/roles", token, roleBody(fmt.Sprintf("k%d %d", w, i)))
				if err != nil {
					return // A is gone
				}
				if status == http.StatusCreated {
					mu.Lock()
					acked = append(acked, createdID(body))
					mu.Unlock()
				}
			}
		}()
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	stored := storedRoles(t, b, token)
	for _, id := range acked {
		if !stored[id] {
			t.Errorf("B does not list role %s, which A acknowledged before it was killed", id)
		}
	}
}

// control posts to an instance's control API and checks the status.
func (in *instance) control(t *testing.T, path, contentType, body string, want int) []byte {
	t.Helper()
	resp, err := httpClient.Post(in.base+"/_mock"+path, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST /_mock%s = %d %s, want %d", path, resp.StatusCode, b, want)
	}
	return b
}

// TestSnapshotsAndResetAreTheEnvironments: a snapshot saved through A restores through B;
// a reset through B undoes what was written through A; fixtures replaced through A are
// what a reset through B goes back to.
func TestSnapshotsAndResetAreTheEnvironments(t *testing.T) {
	db := freshSchema(t)
	ins := startMany(t, db, 2)
	a, b := ins[0], ins[1]
	token := a.token(t)
	const roles = "/api/roles?filter[q][organization_id_eq]=orgBlueBrd&page[size]=25"
	baseline := strings.Join(listIDs(t, b, token, roles), ",")

	a.control(t, "/snapshots", "application/json", `{"name":"before"}`, http.StatusCreated)
	status, body, _ := a.do(http.MethodPost, "/api/roles", token, roleBody("after the snapshot"))
	if status != http.StatusCreated {
		t.Fatalf("POST role = %d %s", status, body)
	}
	b.control(t, "/snapshots/before/restore", "application/json", "", http.StatusOK)
	if got := strings.Join(listIDs(t, a, token, roles), ","); got != baseline {
		t.Errorf("after B restored A's snapshot, A lists %s, want %s", got, baseline)
	}

	a.do(http.MethodPost, "/api/roles", token, roleBody("before the reset"))
	b.control(t, "/reset", "application/json", "", http.StatusOK)
	for i, in := range ins {
		if got := strings.Join(listIDs(t, in, token, roles), ","); got != baseline {
			t.Errorf("after a reset through B, instance %d lists %s, want %s", i, got, baseline)
		}
	}

	// A dataset of one user, through A, as the new baseline; a write through B, then a reset
	// through B goes back to it.
	const dataset = "users:\n  - {id: usrSolo0001, email: solo@example.com, first_name: Solo, last_name: One, client_id: solo-id, client_secret: solo-secret}\n"
	a.control(t, "/fixtures?replace=true", "application/yaml", dataset, http.StatusOK)
	b.control(t, "/fixtures", "application/yaml", "users:\n  - {id: usrExtra001, email: extra@example.com, client_id: extra-id, client_secret: extra-secret}\n", http.StatusOK)
	b.control(t, "/reset", "application/json", "", http.StatusOK)
	resp, err := httpClient.Get(a.base + "/_mock/users")
	if err != nil {
		t.Fatal(err)
	}
	users, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(users, []byte("solo@example.com")) || bytes.Contains(users, []byte("extra@example.com")) || bytes.Contains(users, []byte("demo@example.com")) {
		t.Errorf("after a replace through A and a reset through B, A's users are %s, want solo@example.com alone", users)
	}
}

// tokenOf gets an access token with the client's credentials.
func (in *instance) tokenOf(t *testing.T, id, secret string) string {
	t.Helper()
	resp, err := httpClient.Post(in.base+"/oauth/token", "application/json",
		strings.NewReader(fmt.Sprintf(`{"grant_type":"client_credentials","client_id":%q,"client_secret":%q}`, id, secret)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc.AccessToken == "" {
		t.Fatalf("POST /oauth/token as %s = %d, %v", id, resp.StatusCode, err)
	}
	return doc.AccessToken
}

// TestFaultsAreTheEnvironments: a fault added through A fires on B, and a rule of two times
// fires twice in all, whichever instances the requests go to.
func TestFaultsAreTheEnvironments(t *testing.T) {
	db := freshSchema(t)
	ins := startMany(t, db, 2)
	a, b := ins[0], ins[1]
	token := a.token(t)
	a.control(t, "/faults", "application/json", `{"path":"/api/roles*","status":503,"times":2}`, http.StatusCreated)
	var statuses []int
	for i := 0; i < 4; i++ {
		status, _, err := ins[(i+1)%2].do(http.MethodGet, "/api/roles", token, "")
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, status)
	}
	if fmt.Sprint(statuses) != "[503 503 200 200]" {
		t.Errorf("GET /api/roles through B, A, B, A answered %v, want the fault twice then 200", statuses)
	}
	a.control(t, "/faults", "application/json", `{"path":"/api/organizations","code":"UNAUTHORIZED"}`, http.StatusCreated)
	if status, _, _ := b.do(http.MethodGet, "/api/organizations", token, ""); status != http.StatusUnauthorized {
		t.Errorf("B answered %d to a request A's rule covers, want 401", status)
	}
	b.control(t, "/reset", "application/json", "", http.StatusOK)
	if status, _, _ := a.do(http.MethodGet, "/api/organizations", token, ""); status != http.StatusOK {
		t.Errorf("after a reset through B, A answered %d, want 200 (no rules)", status)
	}
}

// TestTheJournalIsTheEnvironments: B's journal lists the requests A answered, with their
// answers, and a clear through A empties B's.
func TestTheJournalIsTheEnvironments(t *testing.T) {
	db := freshSchema(t)
	ins := startMany(t, db, 2)
	a, b := ins[0], ins[1]
	token := a.token(t)
	status, _, _ := a.do(http.MethodGet, "/api/roles?filter[q][name_eq]=journal-probe", token, "")
	if status != http.StatusOK {
		t.Fatalf("GET through A = %d", status)
	}
	journal := func(in *instance) []map[string]any {
		resp, err := httpClient.Get(in.base + "/_mock/requests?path=/api/roles")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var entries []map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&entries); err != nil {
			t.Fatal(err)
		}
		return entries
	}
	entries := journal(b)
	if len(entries) != 1 || entries[0]["query"] != "filter[q][name_eq]=journal-probe" || entries[0]["status"] != float64(200) ||
		!strings.Contains(fmt.Sprint(entries[0]["response"]), `"data":[]`) {
		t.Fatalf("B's journal of /api/roles = %v, want A's one request with its answer", entries)
	}
	resp, err := http.NewRequest(http.MethodDelete, a.base+"/_mock/requests", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := httpClient.Do(resp); err != nil || r.StatusCode >= 300 {
		t.Fatalf("DELETE /_mock/requests through A: %v %v", r, err)
	}
	if entries := journal(b); len(entries) != 0 {
		t.Errorf("after a clear through A, B's journal holds %v", entries)
	}
}

// TestTheJournalsLimitsHoldAcrossInstances: the shared journal, trimmed now and then
// rather than on every request, still lists no more than its size, the newest requests of
// either instance.
func TestTheJournalsLimitsHoldAcrossInstances(t *testing.T) {
	db := freshSchema(t)
	a, b := start(t, db, "--journal-size", "3"), start(t, db, "--journal-size", "3")
	token := a.token(t)
	for i := 0; i < 7; i++ {
		in := []*instance{a, b}[i%2]
		if status, _, err := in.do(http.MethodGet, fmt.Sprintf("/api/roles?filter[q][name_eq]=probe-%d", i), token, ""); err != nil || status != http.StatusOK {
			t.Fatalf("GET %d: %d %v", i, status, err)
		}
	}
	resp, err := httpClient.Get(b.base + "/_mock/requests?path=/api/roles")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var entries []struct{ Query string }
	if err := json.NewDecoder(resp.Body).Decode(&entries); err != nil {
		t.Fatal(err)
	}
	var queries []string
	for _, e := range entries {
		queries = append(queries, strings.TrimPrefix(e.Query, "filter[q][name_eq]="))
	}
	if fmt.Sprint(queries) != "[probe-6 probe-5 probe-4]" {
		t.Errorf("B's journal lists %v, want the three newest requests of both instances", queries)
	}
}

// TestRateLimitsAreTheEnvironments: limits set through A hold on B, and a client's requests
// through both count against one quota.
func TestRateLimitsAreTheEnvironments(t *testing.T) {
	db := freshSchema(t)
	ins := startMany(t, db, 2)
	a := ins[0]
	token := a.token(t)
	req, err := http.NewRequest(http.MethodPut, a.base+"/_mock/rate-limits", strings.NewReader(`{"enabled":true,"reads_per_10s_per_endpoint":3}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /_mock/rate-limits through A: %v %v", resp, err)
	}
	resp.Body.Close()
	var statuses []int
	for i := 0; i < 4; i++ {
		status, _, err := ins[(i+1)%2].do(http.MethodGet, "/api/roles/rolBBReadO", token, "")
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, status)
	}
	if fmt.Sprint(statuses) != "[200 200 200 429]" {
		t.Errorf("GET through B, A, B, A answered %v, want three then 429 (one quota of 3)", statuses)
	}
}

// TestTheReadmeComposeServicesServeOneMock runs the commands of the README's compose file's
// provmock services, with their environment (DATABASE_URL pointing at the test's database
// instead, the addresses at free ports): a token of one works on the other, a write through
// one is read through the other, and the control API wants the admin token.
func TestTheReadmeComposeServicesServeOneMock(t *testing.T) {
	db := freshSchema(t)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- readme-test: skip (a compose file: instances/TestTheReadmeComposeServicesServeOneMock")
	if !ok {
		t.Fatal("the README has no compose file")
	}
	_, rest, _ = strings.Cut(rest, "```yaml\n")
	block, _, _ := strings.Cut(rest, "```")
	var compose struct {
		Services map[string]struct {
			Image       string
			Command     []string
			Environment map[string]string
		}
	}
	if err := yaml.Unmarshal([]byte(block), &compose); err != nil {
		t.Fatal(err)
	}
	var mocks []*instance
	for _, name := range slices.Sorted(maps.Keys(compose.Services)) {
		svc := compose.Services[name]
		if svc.Image != "provmock" {
			continue
		}
		args := slices.Clone(svc.Command)
		for i := range args {
			if i > 0 && args[i-1] == "--addr" {
				args[i] = "127.0.0.1:0"
			}
		}
		var env []string
		for k, v := range svc.Environment {
			if k == "DATABASE_URL" {
				if !strings.HasPrefix(v, "postgres://") {
					t.Fatalf("%s: DATABASE_URL %s is no PostgreSQL URL", name, v)
				}
				v = db
			}
			env = append(env, k+"="+v)
		}
		mocks = append(mocks, startWith(t, append(env, "DB_PATH=", "CACHE_DIR=none"), append(args, "--quiet")...))
	}
	if len(mocks) < 2 {
		t.Fatalf("the compose file has %d provmock services, want two or more", len(mocks))
	}
	a, b := mocks[0], mocks[1]
	token := a.token(t)
	status, body, _ := b.do(http.MethodPost, "/api/roles", token, roleBody("through the compose file"))
	if status != http.StatusCreated {
		t.Fatalf("POST through the second service with the first's token = %d %s", status, body)
	}
	if status, _, _ := a.do(http.MethodGet, "/api/roles/"+createdID(body), token, ""); status != http.StatusOK {
		t.Errorf("the first service answers %d for the role the second created", status)
	}
	resp, err := httpClient.Get(a.base + "/_mock/users")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the control API without the admin token answered %d, want 401", resp.StatusCode)
	}
}
