package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// hitServer is both families over the demo data, with a count of the answers their response
// caches served.
type hitServer struct {
	*testServer
	adobe *adobeServer
	hits  func() int64
}

func mustHitServer(t *testing.T) *hitServer {
	t.Helper()
	st, _ := mustLoadedStore(t, fixtures.Demo(), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), nil)
	cfg := handlers.Config{BaseURL: testBase, Tokens: auth.NewIssuer(auth.Options{Key: testTokenKey()})}
	e, hits := handlers.BothFamiliesForTest(st, cfg)
	return &hitServer{
		testServer: &testServer{Echo: e, st: st, tokens: cfg.Tokens, actor: demoOwner},
		adobe:      &adobeServer{Handler: e, st: st, tokens: cfg.Tokens},
		hits:       hits,
	}
}

// fromCache sends a GET and reports whether the response cache answered it; the answer must
// be a 200.
func (s *hitServer) fromCache(t *testing.T, send func() int) bool {
	t.Helper()
	before := s.hits()
	if code := send(); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	return s.hits() > before
}

func (s *hitServer) getAs(t *testing.T, path string) func() int {
	return func() int { return s.get(t, path).Code }
}

func (s *hitServer) adobeList(t *testing.T) func() int {
	h := s.adobe.demo(t)
	return func() int { return s.adobe.send(t, http.MethodGet, credentialsPath, "", h...).Code }
}

// touch writes one record of the table through the store, as any write of it would.
func touch(t *testing.T, st *store.Store, table string) {
	t.Helper()
	ctx := context.Background()
	def := st.Registry().Lookup(table)
	recs, _, err := st.List(ctx, def, store.ListQuery{Limit: 1})
	if err != nil || len(recs) == 0 {
		t.Fatalf("no record of %s to write: %v", table, err)
	}
	if _, err := st.Update(ctx, def, recs[0].ID(), store.Record{"updated_at": "2030-01-01T00:00:00.000Z"}); err != nil {
		t.Fatal(err)
	}
}

// TestCacheForgetsOnlyWhatAWriteChanged: for every read of either family (a list, a
// retrieve) and every table written, the cached answer is kept when the read did not
// depend on the table, and forgotten when it did: its own type, the memberships its
// tenancy reads, the users its token's user comes from.
func TestCacheForgetsOnlyWhatAWriteChanged(t *testing.T) {
	type read struct {
		name string
		send func(s *hitServer, t *testing.T) func() int
		deps []string
	}
	var reads []read
	for _, def := range models.All().Of(models.ProvisioningFamily) {
		deps := []string{def.Type, "memberships", "users"}
		if def.Singleton {
			deps = []string{def.Type} // the token's user's own record: no tenancy to read
			reads = append(reads, read{"GET /api/" + def.Path, func(s *hitServer, t *testing.T) func() int { return s.getAs(t, "/api/"+def.Path) }, deps})
			continue
		}
		if def.Offers(models.OpList) {
			reads = append(reads, read{"list " + def.Type, func(s *hitServer, t *testing.T) func() int { return s.getAs(t, "/api/"+def.Path) }, deps})
		}
		if def.Offers(models.OpRetrieve) {
			reads = append(reads, read{"retrieve " + def.Type, func(s *hitServer, t *testing.T) func() int {
				ids := ids(t, s.get(t, "/api/"+def.Path))
				if len(ids) == 0 {
					t.Fatalf("the demo owner sees no %s", def.Type)
				}
				return s.getAs(t, "/api/"+def.Path+"/"+ids[0])
			}, deps})
		}
	}
	reads = append(reads, read{"Adobe list", func(s *hitServer, t *testing.T) func() int { return s.adobeList(t) }, []string{"adobe_credentials"}})

	for _, r := range reads {
		t.Run(r.name, func(t *testing.T) {
			for _, written := range models.All().All() {
				t.Run("after a write of "+written.Type, func(t *testing.T) {
					s := mustHitServer(t)
					send := r.send(s, t)
					if s.fromCache(t, send) {
						t.Fatal("the first read came from the cache")
					}
					if s.fromCache(t, send) {
						t.Fatal("the second read came from the cache: an answer is kept the second time it is asked for")
					}
					if !s.fromCache(t, send) {
						t.Fatal("the third read, with no write in between, did not come from the cache")
					}
					touch(t, s.st, written.Type)
					depends := slices.Contains(r.deps, written.Type)
					if got := s.fromCache(t, send); got == depends {
						t.Fatalf("from the cache: %v; the read depends on %s: %v", got, written.Type, depends)
					}
				})
			}
		})
	}
}

// TestCachedAnswersFollowWhatTheyDependOn: reads that depend on other tables than their own
// type's show writes of those at once.
func TestCachedAnswersFollowWhatTheyDependOn(t *testing.T) {
	ctx := context.Background()

	t.Run("a membership changes a user's organizations", func(t *testing.T) {
		s := mustHitServer(t)
		s.actor = demoViewer
		if got := ids(t, s.get(t, "/api/organizations")); !slices.Equal(got, []string{"orgBlueBrd"}) {
			t.Fatalf("viewer sees %v", got)
		}
		members := s.st.Registry().Lookup("memberships")
		mine, err := s.st.GetMany(ctx, members, "user_id", []string{demoViewer})
		if err != nil || len(mine) != 1 {
			t.Fatalf("viewer's memberships: %v %v", mine, err)
		}
		if err := s.st.Delete(ctx, members, mine[0].ID()); err != nil {
			t.Fatal(err)
		}
		if got := ids(t, s.get(t, "/api/organizations")); len(got) != 0 {
			t.Fatalf("viewer still sees %v after leaving", got)
		}
	})

	t.Run("an included role's change shows in a cached list", func(t *testing.T) {
		s := mustHitServer(t)
		const path = "/api/api_credentials?include=role"
		role := includedID(t, s.get(t, path), "roles")
		s.fromCache(t, s.getAs(t, path))
		// Through the store: the API refuses to rename the base roles the demo's credentials have.
		if _, err := s.st.Update(ctx, s.st.Registry().Lookup("roles"), role, store.Record{"name": "Renamed for the cache"}); err != nil {
			t.Fatal(err)
		}
		if after := s.get(t, path).Body.String(); !strings.Contains(after, "Renamed for the cache") {
			t.Fatalf("the list still includes the old role: %s", after)
		}
	})

	t.Run("a filter's related table", func(t *testing.T) {
		s := mustHitServer(t)
		roles := s.st.Registry().Lookup("roles")
		role, err := s.st.Get(ctx, roles, "rolBBAdmin")
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/api_credentials?filter[q][role_name_eq]=Renamed"
		if got := ids(t, s.get(t, path)); len(got) != 0 {
			t.Fatalf("credentials of a role named Renamed: %v", got)
		}
		s.get(t, path) // kept the second time
		if !s.fromCache(t, s.getAs(t, path)) {
			t.Fatal("the filtered list was not cached")
		}
		if _, err := s.st.Update(ctx, roles, role.ID(), store.Record{"name": "Renamed"}); err != nil {
			t.Fatal(err)
		}
		if got := ids(t, s.get(t, path)); len(got) == 0 {
			t.Fatal("the filtered list did not follow the role's new name")
		}
	})

	t.Run("a revoked token gets no cached 200", func(t *testing.T) {
		s := mustHitServer(t)
		tok := s.tokenFor(t, demoOwner)
		r := request{path: "/api/organizations", headers: map[string]string{"Authorization": "Bearer " + tok}}
		mustStatus(t, s.do(t, r), http.StatusOK)
		mustStatus(t, s.do(t, r), http.StatusOK)
		if err := s.tokens.Revoke(tok, "test-client"); err != nil {
			t.Fatal(err)
		}
		mustStatus(t, s.do(t, r), http.StatusUnauthorized)
	})

	t.Run("the token's user's change", func(t *testing.T) {
		s := mustHitServer(t)
		const path = "/api/organizations"
		s.get(t, path)
		s.get(t, path)
		if !s.fromCache(t, s.getAs(t, path)) {
			t.Fatal("not cached")
		}
		users := s.st.Registry().Lookup("users")
		if err := s.st.Delete(ctx, users, demoViewer); err != nil {
			t.Fatal(err)
		}
		s.actor = demoViewer
		mustStatus(t, s.get(t, path), http.StatusUnauthorized)
	})

	t.Run("the other family's writes", func(t *testing.T) {
		s := mustHitServer(t)
		const path = "/api/api_credentials?include=organization,role"
		s.get(t, path)
		s.get(t, path)
		adobe := s.adobeList(t)
		adobe()
		adobe()
		created := s.adobe.send(t, http.MethodPost, credentialsPath, `{"name":"cache","basicAuthentication":{"username":"u","password":"p"}}`, s.adobe.demo(t)...)
		mustStatus(t, created, http.StatusOK)
		if !s.fromCache(t, s.getAs(t, path)) {
			t.Fatal("an Adobe write dropped a cached Provisioning answer")
		}
		if s.fromCache(t, adobe) {
			t.Fatal("the Adobe list came from the cache after an Adobe write")
		}
		mustStatus(t, s.do(t, request{method: http.MethodPatch, path: "/api/user", body: `{"data":{"type":"users","attributes":{"first_name":"Cache"}}}`}), http.StatusOK)
		if !s.fromCache(t, adobe) {
			t.Fatal("a Provisioning write dropped a cached Adobe answer")
		}
		if s.fromCache(t, s.getAs(t, path)) {
			t.Fatal("a list came from the cache after its user changed")
		}
	})
}

// includedID returns the id of the first included resource of the type in a document.
func includedID(t *testing.T, rec *httptest.ResponseRecorder, typ string) string {
	t.Helper()
	doc := decode(t, rec)
	for _, inc := range doc["included"].([]any) {
		if m := inc.(map[string]any); m["type"] == typ {
			return m["id"].(string)
		}
	}
	t.Fatalf("no %s included: %s", typ, rec.Body)
	return ""
}
