package control_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/mock"
)

func TestFixturesEmptyBodyIsABadRequest(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for _, body := range []string{"", " \n\t\n"} {
		for _, path := range []string{"/fixtures", "/fixtures?replace=true"} {
			rec := e.ctl(t, http.MethodPost, path, body)
			mustStatus(t, rec, http.StatusBadRequest)
			if got, want := controlError(t, rec), "the body is empty: send a fixtures document (YAML or JSON; an empty dataset is {})"; got != want {
				t.Errorf("POST %s with %q: error %q, want %q", path, body, got, want)
			}
		}
	}
	// Nothing was emptied; an explicit empty dataset is still taken.
	if got := sorted(e.roleIDs(t)); !slices.Equal(got, demoRoles) {
		t.Errorf("roles after empty posts: %v", got)
	}
	rec := e.ctl(t, http.MethodPost, "/fixtures", "{}")
	mustStatus(t, rec, http.StatusOK)
	if got := rec.Body.String(); strings.TrimSpace(got) != `{"loaded":{},"replace":false}` {
		t.Errorf("POST {} answered %s", got)
	}
}
