package handlers_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/models"
)

func TestCachedReadsAreNeverStale(t *testing.T) {
	s := mustServer(t)
	const path = "/api/roles?filter[q][organization_id_eq]=orgBlueBrd&sort=-created_at"
	first := s.get(t, path)
	mustStatus(t, first, http.StatusOK)
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on a successful GET")
	}
	again := s.get(t, path)
	if again.Body.String() != first.Body.String() || again.Header().Get("ETag") != etag {
		t.Fatal("the same read answered differently with no write in between")
	}

	t.Run("IfNoneMatch", func(t *testing.T) {
		rec := s.do(t, request{path: path, headers: map[string]string{"If-None-Match": etag}})
		mustStatus(t, rec, http.StatusNotModified)
		if rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag {
			t.Fatalf("304 with body %q, ETag %q", rec.Body.String(), rec.Header().Get("ETag"))
		}
		rec = s.do(t, request{path: path, headers: map[string]string{"If-None-Match": `W/"other"`}})
		mustStatus(t, rec, http.StatusOK)
	})

	t.Run("WriteInvalidates", func(t *testing.T) {
		created := s.do(t, request{method: http.MethodPost, path: "/api/roles", body: `{"data":{"type":"roles","attributes":{"name":"Auditor"},"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`})
		mustStatus(t, created, http.StatusCreated)
		id := decode(t, created)["data"].(map[string]any)["id"].(string)
		after := s.get(t, path)
		if !slices.Contains(ids(t, after), id) {
			t.Fatalf("the list does not show the role created since it was cached: %v", ids(t, after))
		}
		if after.Header().Get("ETag") == etag {
			t.Fatal("the ETag did not change with the document")
		}
		if rec := s.do(t, request{path: path, headers: map[string]string{"If-None-Match": etag}}); rec.Code != http.StatusOK {
			t.Fatalf("the old ETag still matches after a write: %d", rec.Code)
		}
	})

	t.Run("PerUser", func(t *testing.T) {
		owner := s.get(t, "/api/organizations")
		viewer := s.do(t, request{path: "/api/organizations", headers: map[string]string{"Authorization": "Bearer " + s.tokenFor(t, demoViewer)}})
		if got := ids(t, owner); !slices.Equal(got, []string{"orgBlueBrd", "orgGreenGr"}) {
			t.Fatalf("owner sees %v", got)
		}
		if got := ids(t, viewer); !slices.Equal(got, []string{"orgBlueBrd"}) {
			t.Fatalf("viewer sees %v: a cached answer crossed users", got)
		}
	})

	t.Run("UserChangesAreSeen", func(t *testing.T) {
		mustStatus(t, s.get(t, "/api/user"), http.StatusOK)
		rec := s.do(t, request{method: http.MethodPatch, path: "/api/user", body: `{"data":{"type":"users","attributes":{"first_name":"Alexandra"}}}`})
		mustStatus(t, rec, http.StatusOK)
		got := decode(t, s.get(t, "/api/user"))["data"].(map[string]any)["attributes"].(map[string]any)["first_name"]
		if got != "Alexandra" {
			t.Fatalf("first_name = %v after the update", got)
		}
	})
}

func TestResponseCacheIsBoundedByBytes(t *testing.T) {
	const budget = 1 << 20
	s := mustServerWith(t, fixtures.Demo(), handlers.Config{BaseURL: testBase, CacheBytes: budget})
	// Each URL carries a 10 KB filter value, which the links of the answer repeat: 300 of them would take 9 MB.
	padding := strings.Repeat("x", 10<<10)
	for i := range 300 {
		for range 2 { // kept the second time it is asked for
			rec := s.get(t, fmt.Sprintf("/api/roles?filter[q][name_eq]=%d%s", i, padding))
			mustStatus(t, rec, http.StatusOK)
		}
		if used, _ := s.cacheUsage(); used > budget {
			t.Fatalf("after %d URLs the cache holds %d bytes, over its budget of %d", i+1, used, budget)
		}
	}
	used, entries := s.cacheUsage()
	if entries < 10 || used < budget/2 {
		t.Errorf("the cache keeps %d entries in %d bytes: it should still be in use", entries, used)
	}

	t.Run("OversizedAnswersAreServedNotKept", func(t *testing.T) {
		before, n := s.cacheUsage()
		for range 2 {
			rec := s.get(t, "/api/roles?filter[q][name_eq]="+strings.Repeat("y", budget/8))
			mustStatus(t, rec, http.StatusOK)
		}
		if after, m := s.cacheUsage(); after != before || m != n {
			t.Errorf("an answer over an eighth of the budget was kept: %d bytes in %d entries, was %d in %d", after, m, before, n)
		}
	})

	t.Run("RecentlyUsedStay", func(t *testing.T) {
		recent := "/api/roles?filter[q][name_eq]=299" + padding
		_, n := s.cacheUsage()
		mustStatus(t, s.get(t, recent), http.StatusOK)
		if _, m := s.cacheUsage(); m != n {
			t.Errorf("asking the latest URL again changed the entries from %d to %d: it was not a hit", n, m)
		}
	})
}

// An organization's create writes its roles, permissions, owner membership and their
// versions in batches: every cached list of those types forgets what it answered.
func TestOrganizationCreateInvalidatesBatchedTables(t *testing.T) {
	s := mustServer(t)
	count := func(path string) int {
		t.Helper()
		rec := s.get(t, path)
		mustStatus(t, rec, http.StatusOK)
		n, _ := decode(t, rec)["meta"].(map[string]any)["record_count"].(float64)
		return int(n)
	}
	added := map[string]int{
		"/api/roles":       2,
		"/api/permissions": 2 * len(models.BaseSubjects),
		"/api/memberships": 1,
		"/api/versions":    2 + 2*len(models.BaseSubjects) + 1,
	}
	before := map[string]int{}
	for path := range added {
		before[path] = count(path)
		if again := count(path); again != before[path] { // and now cached
			t.Fatalf("%s: %d records, then %d", path, before[path], again)
		}
	}
	mustStatus(t, s.do(t, request{method: http.MethodPost, path: "/api/organizations",
		body: `{"data":{"type":"organizations","attributes":{"name":"Batch Co"}}}`}), http.StatusCreated)
	for path, n := range added {
		if got := count(path); got != before[path]+n {
			t.Errorf("%s: %d records after the create, want %d + %d", path, got, before[path], n)
		}
	}
}

// A client asking a new URL every time (a crawler, a unique filter) gets no answer kept:
// each would cost a copy and push out the answers that are asked again.
func TestAnswersAskedOnceAreNotKept(t *testing.T) {
	s := mustServer(t)
	const repeated = "/api/roles"
	for range 2 {
		mustStatus(t, s.get(t, repeated), http.StatusOK)
	}
	used, entries := s.cacheUsage()
	if entries != 1 {
		t.Fatalf("after asking one URL twice the cache keeps %d entries, want 1", entries)
	}
	for i := range 50 {
		mustStatus(t, s.get(t, fmt.Sprintf("/api/roles?filter[q][id_not_eq]=once-%d", i)), http.StatusOK)
	}
	if u, n := s.cacheUsage(); u != used || n != entries {
		t.Errorf("50 URLs asked once each changed the cache from %d entries (%d bytes) to %d (%d bytes)", entries, used, n, u)
	}
	// Asked a second time, a URL is kept.
	mustStatus(t, s.get(t, "/api/roles?filter[q][id_not_eq]=once-7"), http.StatusOK)
	if _, n := s.cacheUsage(); n != entries+1 {
		t.Errorf("a URL asked a second time was not kept: %d entries, want %d", n, entries+1)
	}
}
