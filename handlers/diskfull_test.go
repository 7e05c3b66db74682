package handlers_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// fullServer returns a server over a database file holding the demo data that may grow by
// a few pages only: SQLite answers a larger write as on a full disk (SQLITE_FULL).
func fullServer(t *testing.T) *testServer {
	t.Helper()
	reg := models.All()
	path := filepath.Join(t.TempDir(), "full.db")
	st, err := store.Open(path, reg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := fixtures.Parse(fixtures.DemoName, fixtures.Demo(), reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	st.Close() // folds the write-ahead log into the file
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err = store.Open(path, reg, store.Options{MaxPages: info.Size()/4096 + 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tokens := auth.NewIssuer(auth.Options{Key: testTokenKey()})
	return &testServer{Echo: handlers.NewServer(st, handlers.Config{BaseURL: testBase, Tokens: tokens}), st: st, tokens: tokens, actor: demoOwner}
}

// TestFullDiskAnswers507AndKeepsServingReads: a write the database has no room for answers
// 507 in the error format, stores nothing, and reads go on.
func TestFullDiskAnswers507AndKeepsServingReads(t *testing.T) {
	s := fullServer(t)
	before := s.dump(t)
	reads := map[string]string{}
	for _, path := range []string{"/api/roles", "/api/organizations/orgBlueBrd", "/api/memberships?include=role"} {
		rec := s.get(t, path)
		mustStatus(t, rec, http.StatusOK)
		reads[path] = rec.Body.String()
	}
	big := `{"tier":"` + strings.Repeat("x", 256<<10) + `"}`
	for _, r := range []request{
		{method: "POST", path: "/api/roles", body: `{"data":{"type":"roles","attributes":{"name":"Support","metadata":` + big + `},` +
			`"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`},
		{method: "PATCH", path: "/api/roles/rolBBMktEd", body: `{"data":{"type":"roles","id":"rolBBMktEd","attributes":{"metadata":` + big + `}}}`},
	} {
		t.Run(r.method, func(t *testing.T) {
			checkError(t, s.do(t, r), errCase{wantStatus: http.StatusInsufficientStorage,
				wantCode: "INSUFFICIENT_STORAGE", wantTitle: "Insufficient storage", wantDetail: "database or disk is full"})
		})
	}
	if after := s.dump(t); !reflect.DeepEqual(before, after) {
		t.Errorf("the refused writes changed the stored data:\nbefore: %v\nafter:  %v", before, after)
	}
	for path, want := range reads {
		rec := s.get(t, path)
		mustStatus(t, rec, http.StatusOK)
		if rec.Body.String() != want {
			t.Errorf("GET %s after the refused writes:\n got %s\nwant %s", path, rec.Body, want)
		}
	}
	// A write that fits still lands.
	rec := s.do(t, request{method: "PATCH", path: "/api/roles/rolBBMktEd", body: `{"data":{"type":"roles","id":"rolBBMktEd","attributes":{"name":"Marketing"}}}`})
	mustStatus(t, rec, http.StatusOK)
}
