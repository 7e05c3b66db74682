package handlers_test

import (
	"net/http"
	"slices"
	"testing"
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
