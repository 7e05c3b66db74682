package durability_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/commercelayer-mock/provmock/mock"
)

const mediaType = "application/vnd.api+json"

// client talks JSON:API to a mock with a token.
type client struct {
	base, token string
	http        *http.Client
}

func (c *client) do(method, path, body string) (int, []byte, error) {
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", mediaType)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", mediaType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func roleBody(name string) string {
	return fmt.Sprintf(`{"data":{"type":"roles","attributes":{"name":%q},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`, name)
}

// recordCount reads meta.record_count of a list.
func recordCount(t *testing.T, c *client, path string) int {
	t.Helper()
	status, body, err := c.do(http.MethodGet, path, "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET %s = %d %v %s", path, status, err, body)
	}
	var doc struct {
		Meta struct {
			RecordCount int `json:"record_count"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Meta.RecordCount
}

// TestConcurrentWritersOnAFile has 32 writers and 4 readers at once on a file database:
// every request must be answered without a 5xx, and the roles stored must be exactly the
// ones whose creation was acknowledged.
func TestConcurrentWritersOnAFile(t *testing.T) {
	const writers, readers, perWriter, perReader = 32, 4, 8, 20
	srv, err := mock.Start(context.Background(), mock.Options{DBPath: filepath.Join(t.TempDir(), "provmock.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	token, err := srv.Token("demo-client-id", "demo-client-secret")
	if err != nil {
		t.Fatal(err)
	}
	c := &client{base: srv.URL, token: token, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: writers + readers}}}
	const rolesOfBlueBrand = "/api/roles?filter[q][organization_id_eq]=orgBlueBrd"
	before := recordCount(t, c, rolesOfBlueBrand)

	var mu sync.Mutex
	var acked []string
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				status, body, err := c.do(http.MethodPost, "/api/roles", roleBody(fmt.Sprintf("writer %d role %d", w, i)))
				if err != nil || status != http.StatusCreated {
					fail("writer %d: %d %v %s", w, status, err, body)
					continue
				}
				var doc struct {
					Data struct{ ID string } `json:"data"`
				}
				if err := json.Unmarshal(body, &doc); err != nil || doc.Data.ID == "" {
					fail("writer %d: no id in %s", w, body)
					continue
				}
				mu.Lock()
				acked = append(acked, doc.Data.ID)
				mu.Unlock()
			}
		}(w)
	}
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			for i := 0; i < perReader; i++ {
				status, body, err := c.do(http.MethodGet, "/api/roles?include=organization,permissions&page[size]=25", "")
				if err != nil || status != http.StatusOK {
					fail("reader %d: %d %v %s", r, status, err, body)
				}
			}
		}(r)
	}
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	if len(acked) != writers*perWriter {
		t.Fatalf("%d creates acknowledged, want %d", len(acked), writers*perWriter)
	}
	if got, want := recordCount(t, c, rolesOfBlueBrand), before+len(acked); got != want {
		t.Fatalf("stored roles = %d, want %d (%d before + %d acknowledged)", got, want, before, len(acked))
	}
}
