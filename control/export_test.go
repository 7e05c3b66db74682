package control_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/mock"
	"github.com/commercelayer-mock/provmock/models"
)

// apiDocuments reads, as the demo owner, every list the API offers and the user
// singleton: what a client of the data sees.
func (e *env) apiDocuments(tb testing.TB) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, def := range models.Provisioning().All() {
		path := "/api/" + def.Path
		if !def.Singleton {
			if !def.Offers(models.OpList) {
				continue
			}
			path += "?page[size]=25&sort=id"
		}
		rec := e.api(tb, http.MethodGet, path, "")
		mustStatus(tb, rec, http.StatusOK)
		out[path] = rec.Body.String()
	}
	return out
}

func TestFixturesExportLoadsBackToTheSameData(t *testing.T) {
	for _, c := range []struct {
		name, query string
		headers     []string
		contentType string
	}{
		{"yaml by default", "", nil, "application/yaml"},
		{"json with format=json", "?format=json", nil, "application/json"},
		{"json with Accept", "", []string{"Accept", "application/json"}, "application/json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			orig := newEnv(t, mock.Options{})
			// The current data, not the fixtures loaded at start.
			roleID := orig.createRole(t, "Exported role")
			rec := orig.serve(t, req{http.MethodGet, "/_mock/fixtures" + c.query, "", c.headers})
			mustStatus(t, rec, http.StatusOK)
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, c.contentType) {
				t.Errorf("Content-Type %q, want %s", ct, c.contentType)
			}
			exported := rec.Body.String()
			if !strings.Contains(exported, "Exported role") {
				t.Fatalf("the export lacks the role created before it:\n%s", exported)
			}

			fresh := newEnv(t, mock.Options{Fixtures: mock.NoFixtures})
			mustStatus(t, fresh.ctl(t, http.MethodPost, "/fixtures?replace=true", exported), http.StatusOK)
			tok, err := fresh.m.Token(context.Background(), "demo-client-id", "demo-client-secret")
			if err != nil {
				t.Fatalf("the demo owner's credentials after loading the export: %v", err)
			}
			fresh.token = tok

			want, got := orig.apiDocuments(t), fresh.apiDocuments(t)
			for path, doc := range want {
				if got[path] != doc {
					t.Errorf("GET %s after loading the export:\n%s\nwant\n%s", path, got[path], doc)
				}
			}
			if !slices.Contains(fresh.roleIDs(t), roleID) {
				t.Errorf("the created role %s did not come back", roleID)
			}
			// Every stored column came back, those documents do not show included (the
			// users' credentials, the versions' organization): exports are the same.
			again := fresh.serve(t, req{http.MethodGet, "/_mock/fixtures" + c.query, "", c.headers})
			if again.Body.String() != exported {
				t.Errorf("exported again after loading:\n%s\nwant\n%s", again.Body.String(), exported)
			}
		})
	}
}

func TestFixturesExportUnknownFormat(t *testing.T) {
	e := newEnv(t, mock.Options{})
	rec := e.ctl(t, http.MethodGet, "/fixtures?format=xml", "")
	mustStatus(t, rec, http.StatusBadRequest)
	if got := controlError(t, rec); got != "format is yaml (the default) or json" {
		t.Errorf("error %q", got)
	}
}

func TestUsersListsTheCredentials(t *testing.T) {
	e := newEnv(t, mock.Options{})
	rec := e.ctl(t, http.MethodGet, "/users", "")
	mustStatus(t, rec, http.StatusOK)
	want := `[{"id":"usrDemoOwn","email":"demo@example.com","first_name":"Alex","last_name":"Morgan","client_id":"demo-client-id","client_secret":"demo-client-secret"},` +
		`{"id":"usrViewer1","email":"viewer@example.com","first_name":"Sam","last_name":"Rivera","client_id":"viewer-client-id","client_secret":"viewer-client-secret"}]`
	if got := strings.TrimSpace(rec.Body.String()); got != want {
		t.Errorf("users:\n%s\nwant\n%s", got, want)
	}
}

func TestUsersAndExportNeedTheAdminToken(t *testing.T) {
	e := newEnv(t, mock.Options{AdminToken: "s3cret"})
	for _, path := range []string{"/users", "/fixtures"} {
		mustStatus(t, e.ctl(t, http.MethodGet, path, ""), http.StatusUnauthorized)
		mustStatus(t, e.ctl(t, http.MethodGet, path, "", "Authorization", "Bearer s3cret"), http.StatusOK)
	}
}
