package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentDocumentsKeepTheirBytes renders documents from many goroutines at once:
// documents are written into pooled buffers, and the response cache must keep copies, so a
// document served, or served again from the cache, is never another's bytes. Run it with
// -race as well.
func TestConcurrentDocumentsKeepTheirBytes(t *testing.T) {
	s := mustServer(t)
	// Retrieves, whose documents do not depend on their query's no-op filter.
	paths := []string{
		"/api/organizations/orgBlueBrd",
		"/api/organizations/orgBlueBrd?include=roles,memberships",
		"/api/memberships/memBBJamie?include=role.permissions,organization",
		"/api/roles/rolBBAdmin?include=permissions",
		"/api/roles/rolBBMktEd",
	}
	want := make([]string, len(paths))
	for i, p := range paths {
		rec := s.do(t, request{path: p})
		mustStatus(t, rec, http.StatusOK)
		want[i] = rec.Body.String()
	}
	// Each URL is new (a no-op filter), so it is rendered, then kept by the cache.
	unique := func(i, round int) string {
		sep := "?"
		if strings.Contains(paths[i], "?") {
			sep = "&"
		}
		return paths[i] + sep + fmt.Sprintf("filter[q][id_not_eq]=r%d", round)
	}
	const rounds = 40
	var wg sync.WaitGroup
	errs := make(chan string, rounds*len(paths))
	for round := range rounds {
		for i := range paths {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec := s.do(t, request{path: unique(i, round)})
				if rec.Code != http.StatusOK || rec.Body.String() != want[i] {
					errs <- fmt.Sprintf("%s: %d %s", unique(i, round), rec.Code, rec.Body.String())
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("a concurrent document differs from the sequential one: %s", e)
	}
	// The cache's copies are intact after the buffers were reused.
	for round := range rounds {
		for i := range paths {
			rec := s.do(t, request{path: unique(i, round)})
			if rec.Body.String() != want[i] {
				t.Fatalf("the cached %s differs from the sequential document: %s", unique(i, round), rec.Body.String())
			}
		}
	}
}
