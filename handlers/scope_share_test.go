package handlers_test

import (
	"net/http"
	"testing"
)

// TestRevokedMembershipSeenByTheNextRequest: what a user may see is shared across their
// requests; a membership revoked between two requests that the response cache cannot
// answer (each URL new) shows in the second.
func TestRevokedMembershipSeenByTheNextRequest(t *testing.T) {
	s := mustHitServer(t)
	list := func(unique string) []string {
		t.Helper()
		rec := s.do(t, domAs(s.testServer, t, demoViewer, request{path: "/api/organizations?filter[q][id_not_eq]=" + unique}))
		mustStatus(t, rec, http.StatusOK)
		return ids(t, rec)
	}
	if got := list("a"); len(got) != 1 || got[0] != "orgBlueBrd" {
		t.Fatalf("before: %v", got)
	}
	if got := list("b"); len(got) != 1 {
		t.Fatalf("again: %v", got)
	}
	mustStatus(t, s.do(t, domAs(s.testServer, t, demoOwner, domDelete("/api/memberships/memBBViewr"))), http.StatusNoContent)
	if got := list("c"); len(got) != 0 {
		t.Fatalf("after the membership was deleted: %v", got)
	}
	rec := s.do(t, domAs(s.testServer, t, demoViewer, request{path: "/api/organizations/orgBlueBrd?filter[q][id_not_eq]=d"}))
	mustStatus(t, rec, http.StatusNotFound)
}
