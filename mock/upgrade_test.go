package mock_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/commercelayer-mock/provmock/mock"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// demoFile returns a file database of the demo data, made by this build, and its records.
func demoFile(t *testing.T) (string, store.Snapshot) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "provmock.db")
	m, err := mock.New(context.Background(), mock.Options{DBPath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	return path, dumpFile(t, path)
}

// dumpFile returns every record of a file database made by this build.
func dumpFile(t *testing.T, path string) store.Snapshot {
	t.Helper()
	st, err := store.Open(path, models.All(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	snap, err := st.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// alter runs SQL statements on a file database, as another build or program would.
func alter(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range stmts {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// userVersion returns the stamp a file database carries of the schema that made it.
func userVersion(t *testing.T, path string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int64
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestAFileDatabaseOfAnEarlierBuildIsUpgraded(t *testing.T) {
	path, before := demoFile(t)
	thisBuild := userVersion(t, path)
	// What a build before api_credentials.mode and identity providers made: the records are
	// the demo's, the stamp is another schema's. An index of its own does not stand in the
	// way: it changes no answer.
	alter(t, path,
		`ALTER TABLE api_credentials DROP COLUMN mode`,
		`DROP TABLE identity_providers`,
		`CREATE INDEX idx_roles_by_name ON roles (name)`,
		`PRAGMA user_version = 12345`)

	m, err := mock.New(context.Background(), mock.Options{DBPath: path})
	if err != nil {
		t.Fatalf("the earlier build's file was refused: %v", err)
	}
	if m.Loaded != nil {
		t.Errorf("Loaded = %v, want nil: the file's records are kept, no fixtures loaded", m.Loaded)
	}
	for _, path := range []string{"/api/api_credentials", "/api/identity_providers", "/api/organizations"} {
		if status, body := serveJSON(t, m, http.MethodGet, path, ""); status != http.StatusOK {
			t.Errorf("GET %s = %d %s", path, status, body)
		}
	}
	_, body := serveJSON(t, m, http.MethodGet, "/api/api_credentials?page[size]=25", "")
	var doc struct {
		Data []struct {
			ID         string         `json:"id"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || len(doc.Data) == 0 {
		t.Fatalf("api credentials %s: %v", body, err)
	}
	for _, r := range doc.Data {
		if r.Attributes["mode"] != "test" {
			t.Errorf("api credential %s has mode %v, want the default test", r.ID, r.Attributes["mode"])
		}
	}
	// A new identity provider can be stored in the table the upgrade created.
	status, body := serveJSON(t, m, http.MethodPost, "/api/identity_providers", `{"data":{"type":"identity_providers","attributes":{
		"name":"Okta","client_id":"c","client_secret":"s","issuer":"https://idp.example","domains":"example.com",
		"token_url":"https://idp.example/token","authorize_url":"https://idp.example/authorize","jwks_url":"https://idp.example/jwks"}}}`)
	if status != http.StatusCreated {
		t.Fatalf("POST /api/identity_providers = %d %s", status, body)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	if got := userVersion(t, path); got != thisBuild {
		t.Errorf("the upgraded file carries stamp %d, this build's files %d", got, thisBuild)
	}
	// Every record is kept; the added column holds the default, the added table what was
	// created in it.
	want := before
	for _, r := range want["api_credentials"] {
		r["mode"] = "test"
	}
	got := dumpFile(t, path)
	if len(got["identity_providers"]) != 1 || got["identity_providers"][0].String("name") != "Okta" {
		t.Errorf("identity providers = %v, want the one created", got["identity_providers"])
	}
	delete(got, "identity_providers")
	delete(want, "identity_providers")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records after the upgrade:\n got %v\nwant %v", got, want)
	}
}

func TestFileDatabasesThatCannotBeUpgradedAreRefused(t *testing.T) {
	cases := []struct {
		name  string
		alter []string
		want  []string // in the error, beside the file's path
	}{{
		name: "made by a newer build",
		alter: []string{
			`ALTER TABLE roles ADD COLUMN color TEXT`,
			`CREATE TABLE webhooks (id TEXT PRIMARY KEY NOT NULL, url TEXT)`,
			`PRAGMA user_version = 999`,
		},
		want: []string{"roles has a column color this build does not know (made by a newer build?)",
			"table webhooks is not one this build knows (made by a newer build, or another program?)"},
	}, {
		name: "a column declared otherwise",
		alter: []string{
			`ALTER TABLE roles DROP COLUMN kind`,
			`ALTER TABLE roles ADD COLUMN kind INTEGER NOT NULL DEFAULT 0`,
			`PRAGMA user_version = 999`,
		},
		want: []string{"roles.kind is INTEGER NOT NULL DEFAULT 0, this build's is TEXT"},
	}, {
		name: "a table without its primary key",
		alter: []string{
			`DROP TABLE permissions`,
			`CREATE TABLE permissions (name TEXT)`,
			`PRAGMA user_version = 999`,
		},
		want: []string{"permissions has no column id, which cannot be added to a table that exists"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, _ := demoFile(t)
			alter(t, path, tc.alter...)
			unchanged := fileBytes(t, path)
			m, err := mock.New(context.Background(), mock.Options{DBPath: path})
			if err == nil {
				m.Close()
				t.Fatal("the mock started on a file it cannot serve")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, "database "+path+" cannot be upgraded") {
				t.Errorf("error %q is not one line naming the file", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if !reflect.DeepEqual(fileBytes(t, path), unchanged) {
				t.Error("the refused file was changed")
			}
		})
	}
}

// A file made before memberships carried their account (user_id) holds only emails: after
// the upgrade, its active members keep their organizations, and a membership whose email no
// user has stays without an account.
func TestAnUpgradedFileLinksActiveMembershipsToTheirAccounts(t *testing.T) {
	path, before := demoFile(t)
	alter(t, path,
		`DROP INDEX idx_memberships_user_id`,
		`ALTER TABLE memberships DROP COLUMN user_id`,
		`INSERT INTO memberships (id, user_email, status, owner, organization_id, created_at, updated_at)
			SELECT 'mbrNoAcct1', 'nobody@example.com', 'active', 0, organization_id, created_at, updated_at FROM memberships LIMIT 1`,
		`PRAGMA user_version = 12345`)

	m, err := mock.New(context.Background(), mock.Options{DBPath: path})
	if err != nil {
		t.Fatalf("the earlier build's file was refused: %v", err)
	}
	defer m.Close()
	status, body := serveJSON(t, m, http.MethodGet, "/api/organizations", "")
	var doc struct {
		Meta struct {
			RecordCount int `json:"record_count"`
		} `json:"meta"`
	}
	if err := json.Unmarshal([]byte(body), &doc); status != http.StatusOK || err != nil {
		t.Fatalf("GET /api/organizations = %d %s", status, body)
	}
	if want := len(before["organizations"]); doc.Meta.RecordCount != want {
		t.Errorf("the demo owner sees %d organizations after the upgrade, want %d", doc.Meta.RecordCount, want)
	}
	after := dumpFile(t, path)
	for _, want := range before["memberships"] {
		for _, got := range after["memberships"] {
			if got.ID() == want.ID() && (got.String("user_id") != want.String("user_id") || got.String("updated_at") != want.String("updated_at")) {
				t.Errorf("membership %s: user_id %q updated_at %s, want %q %s", got.ID(),
					got.String("user_id"), got.String("updated_at"), want.String("user_id"), want.String("updated_at"))
			}
		}
	}
	for _, got := range after["memberships"] {
		if got.ID() == "mbrNoAcct1" && got.String("user_id") != "" {
			t.Errorf("a membership whose email no user has was linked to %q", got.String("user_id"))
		}
	}
}
