package handlers_test

import (
	"net/http"
	"reflect"
	"testing"
)

func TestListOrganizations(t *testing.T) {
	s := mustServer(t)
	rec := s.get(t, "/api/organizations")
	mustStatus(t, rec, http.StatusOK)
	if got, want := ids(t, rec), []string{"orgBlueBrd", "orgGreenGr"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ids = %v, want %v", got, want)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/vnd.api+json" {
		t.Fatalf("Content-Type = %q", ct)
	}
}
