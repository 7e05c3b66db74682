package mock_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/imagecache"
	"github.com/commercelayer-mock/provmock/mock"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// everyList is a request for every record of the demo owner, of every type.
var everyList = []string{
	"/api/user", "/api/organizations", "/api/roles", "/api/permissions", "/api/memberships",
	"/api/api_credentials", "/api/membership_profiles", "/api/application_memberships",
	"/api/identity_providers", "/api/versions",
}

// documents returns the documents the demo owner gets for everyList, by path.
func documents(t *testing.T, m *mock.Mock) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, path := range everyList {
		status, body := serveJSON(t, m, http.MethodGet, path+"?page[size]=25", "")
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		out[path] = body
	}
	return out
}

func mustNew(t *testing.T, opts mock.Options) *mock.Mock {
	t.Helper()
	m, err := mock.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// ownDemo is the demo dataset with a comment that makes its bytes, and so its image, this
// test's own: the image cache is shared by every test of the process.
func ownDemo(t *testing.T) []byte {
	return append(append([]byte(nil), fixtures.Demo()...), "\n# "+t.Name()+"\n"...)
}

func sameDocuments(t *testing.T, got, want map[string]string) {
	t.Helper()
	for path, doc := range want {
		if got[path] != doc {
			t.Errorf("GET %s differs:\n got %s\nwant %s", path, got[path], doc)
		}
	}
}

func TestALaterMockStartsFromTheImageOfTheFirst(t *testing.T) {
	if !store.MemoryIsSQLite() {
		t.Skip("SQLite only: images of the in-memory database")
	}
	data := ownDemo(t)
	key := imagecache.Key(data)
	imagecache.Remove("", key) // left in memory by an earlier run of this test (-count)
	first := mustNew(t, mock.Options{Fixtures: data})
	if _, ok, _ := imagecache.Lookup("", key); !ok {
		t.Fatal("the first mock left no image")
	}
	want := documents(t, first)
	// A write to the first mock is its own.
	if status, body := serveJSON(t, first, http.MethodPost, "/api/roles", createRole); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}

	second := mustNew(t, mock.Options{Fixtures: data})
	sameDocuments(t, documents(t, second), want)
	if second.Loaded["roles"] != 5 || second.Loaded["organizations"] != 2 {
		t.Errorf("Loaded = %v", second.Loaded)
	}
	// Its writes are its own, and its reset goes back to the image.
	if status, body := serveJSON(t, second, http.MethodDelete, "/api/api_credentials/apcBBStore", ""); status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", status, body)
	}
	if err := second.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	sameDocuments(t, documents(t, second), want)
	if err := first.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	sameDocuments(t, documents(t, first), want)
}

func TestImagesOnDisk(t *testing.T) {
	if !store.MemoryIsSQLite() {
		t.Skip("SQLite only: images of the in-memory database")
	}
	dir := t.TempDir()
	data := ownDemo(t)
	key := imagecache.Key(data)
	opts := mock.Options{Fixtures: data, ImageCache: dir}
	imagecache.Remove("", key) // left in memory by an earlier run of this test (-count)
	want := documents(t, mustNew(t, opts))
	file := onlyImage(t, dir)

	t.Run("a new process reads the file", func(t *testing.T) {
		imagecache.Remove("", key) // forget the image in memory, as a new process would not have it
		m := mustNew(t, opts)
		sameDocuments(t, documents(t, m), want)
		if m.Loaded["roles"] != 5 || m.Loaded["versions"] != 5 {
			t.Errorf("Loaded = %v", m.Loaded)
		}
	})
	t.Run("an edited file is not used", func(t *testing.T) {
		// An image of the schema, stamp and all, in which the demo owner's secret and the
		// marketing role's name were changed, under the file's name: what someone who could
		// write the cache would plant.
		if err := os.WriteFile(file, plantedImage(t), 0o600); err != nil {
			t.Fatal(err)
		}
		imagecache.Remove("", key)
		var logged bytes.Buffer
		m := mustNew(t, mock.Options{Fixtures: data, ImageCache: dir, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
		if _, err := m.Token(context.Background(), "demo-client-id", "planted-secret"); err == nil {
			t.Error("the planted secret is accepted")
		}
		if _, body := serveJSON(t, m, http.MethodGet, "/api/roles/rolBBMktEd", ""); strings.Contains(body, "Planted") {
			t.Errorf("the planted record is served: %s", body)
		}
		sameDocuments(t, documents(t, m), want)
		lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], "cached image not used") ||
			!strings.Contains(lines[0], "does not match its hash") {
			t.Errorf("log = %q, want one warning that the image does not match its hash", logged.String())
		}
		// The file was replaced by the image of the fixtures, which the next start uses.
		imagecache.Remove("", key)
		if e, ok, err := imagecache.Lookup(dir, key); !ok || err != nil || !bytes.HasPrefix(e.Data, []byte("SQLite format 3\x00")) {
			t.Fatalf("no valid image after the rebuild (%v, %v)", ok, err)
		}
	})
	t.Run("a damaged file is replaced", func(t *testing.T) {
		file := onlyImage(t, dir)
		if err := os.WriteFile(file, bytes.Repeat([]byte("damaged "), 4096), 0o600); err != nil {
			t.Fatal(err)
		}
		imagecache.Remove("", key)
		m := mustNew(t, opts)
		sameDocuments(t, documents(t, m), want)
		got, err := os.ReadFile(onlyImage(t, dir))
		if err != nil || !bytes.HasPrefix(got, []byte("SQLite format 3\x00")) {
			t.Fatalf("the damaged file was not replaced by an image (%v)", err)
		}
	})
}

// onlyImage returns the one image file of dir.
func onlyImage(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if len(files) != 1 {
		t.Fatalf("the cache directory holds %v, want one image", files)
	}
	return files[0]
}

func TestFixturesThatLeaveTimesToTheClockAreLoadedEachTime(t *testing.T) {
	data := []byte(demoUserOnly + "# " + t.Name() + "\n")
	at := func(day int) func() time.Time {
		return func() time.Time { return time.Date(2026, 1, day, 12, 0, 0, 0, time.UTC) }
	}
	first := mustNew(t, mock.Options{Fixtures: data, Now: at(1)})
	second := mustNew(t, mock.Options{Fixtures: data, Now: at(2)})
	if _, ok, _ := imagecache.Lookup("", imagecache.Key(data)); ok {
		t.Fatal("an image was kept of data that depends on the clock")
	}
	for m, want := range map[*mock.Mock]string{first: "2026-01-01T12:00:00.000Z", second: "2026-01-02T12:00:00.000Z"} {
		users, err := m.Users(context.Background())
		if err != nil || len(users) != 1 || users[0].String("created_at") != want {
			t.Errorf("users %v (%v), want one created at %s", users, err, want)
		}
	}
}

// demoUserOnly is one user whose timestamps the clock sets.
const demoUserOnly = `users:
  - {id: usrDemoOwn, email: demo@example.com, first_name: Alex, last_name: Morgan, client_id: demo-client-id, client_secret: demo-client-secret}
`

// serveJSON sends one API request with the demo owner's token through m's handler.
func serveJSON(t *testing.T, m *mock.Mock, method, path, body string) (int, string) {
	t.Helper()
	token, err := m.Token(context.Background(), "demo-client-id", "demo-client-secret")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+token)
	r.Header.Set("Accept", "application/vnd.api+json")
	if body != "" {
		r.Header.Set("Content-Type", "application/vnd.api+json")
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, r)
	return rec.Code, rec.Body.String()
}

// plantedImage returns an image of the demo data in which the demo owner's client secret
// is "planted-secret" and the marketing role is named "Planted".
func plantedImage(t *testing.T) []byte {
	t.Helper()
	ctx := context.Background()
	reg := models.All()
	st, err := store.Open(store.Memory, reg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ds, err := fixtures.Parse(fixtures.DemoName, fixtures.Demo(), reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Update(ctx, reg.Lookup("roles"), "rolBBMktEd", store.Record{"name": "Planted"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Update(ctx, reg.Lookup("users"), "usrDemoOwn", store.Record{"client_secret": "planted-secret"}); err != nil {
		t.Fatal(err)
	}
	data, err := st.Serialize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The demo dataset's first start in a process copies the image built into the binary: it
// loads no fixtures (which would leave their image in memory) and serves what loading them
// serves.
func TestTheDemoStartsFromTheEmbeddedImage(t *testing.T) {
	if !fixtures.HasDemoImage() {
		t.Skip("built without the demo image (the tag provmock_demo_image; make test builds with it)")
	}
	if !store.MemoryIsSQLite() {
		t.Skip("SQLite only: images of the in-memory database")
	}
	key := imagecache.Key(fixtures.Demo())
	imagecache.Remove("", key)
	demo := mustNew(t, mock.Options{})
	if _, ok, _ := imagecache.Lookup("", key); ok {
		t.Error("the demo's first start loaded the fixtures")
	}
	if demo.Loaded["roles"] != 5 || demo.Loaded["adobe_credentials"] != 4 {
		t.Errorf("Loaded = %v", demo.Loaded)
	}
	data := ownDemo(t)
	imagecache.Remove("", imagecache.Key(data))
	sameDocuments(t, documents(t, demo), documents(t, mustNew(t, mock.Options{Fixtures: data})))
}
