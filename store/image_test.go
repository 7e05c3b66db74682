package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// openBlank opens an in-memory store without a schema, for an image to fill.
func openBlank(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(store.Memory, mustDemoStore(t).Registry(), store.Options{NoSchema: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func mustDump(t *testing.T, st *store.Store) store.Snapshot {
	t.Helper()
	snap, err := st.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// demoImage returns a store of the demo data, its records and its serialized bytes.
func demoImage(t *testing.T) (*store.Store, store.Snapshot, []byte) {
	t.Helper()
	st := mustDemoStore(t)
	want := mustDump(t, st)
	data, err := st.Serialize(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st, want, data
}

// closedAtEnd returns img, closed when the test ends.
func closedAtEnd(t *testing.T, img *store.Image) *store.Image {
	t.Cleanup(func() { img.Close() })
	return img
}

// holdsRecords fails the test, saying why, unless st holds exactly the records of want.
func holdsRecords(t *testing.T, st *store.Store, want store.Snapshot, why string) {
	t.Helper()
	if got := mustDump(t, st); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %v\nwant %v", why, got, want)
	}
}

func snapshotCounts(snap store.Snapshot) map[string]int {
	out := map[string]int{}
	for typ, recs := range snap {
		out[typ] = len(recs)
	}
	return out
}

func TestImageRoundTrip(t *testing.T) {
	if !store.MemoryIsSQLite() {
		t.Skip("SQLite only: images are SQLite databases")
	}
	ctx := context.Background()
	_, want, data := demoImage(t)
	file := filepath.Join(t.TempDir(), "demo.sqlite")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, img := range map[string]*store.Image{"bytes": store.NewImage(data), "file": store.ImageFile(file)} {
		t.Run(name, func(t *testing.T) {
			closedAtEnd(t, img)
			st := openBlank(t)
			if err := st.RestoreImage(ctx, img); err != nil {
				t.Fatal(err)
			}
			holdsRecords(t, st, want, "restored records differ from the image's source")
			counts, err := img.Counts(st.Registry())
			if err != nil {
				t.Fatal(err)
			}
			if wantCounts := snapshotCounts(want); !reflect.DeepEqual(counts, wantCounts) {
				t.Fatalf("Counts = %v, want %v", counts, wantCounts)
			}
			// The copy is a database of its own that grows past the image's size.
			roles := st.Registry().Lookup("roles")
			recs := make([]store.Record, 2000)
			for i := range recs {
				recs[i] = store.Record{"id": fmt.Sprintf("rolGrow%04d", i), "name": strings.Repeat("r", 200), "kind": "custom", "organization_id": "orgBlueBrd"}
			}
			if err := st.PutAll(ctx, roles, recs); err != nil {
				t.Fatalf("writing to a restored store: %v", err)
			}
			if n, err := st.Count(ctx, roles); err != nil || n != int64(len(want["roles"])+len(recs)) {
				t.Fatalf("roles after the writes: %d %v", n, err)
			}
			// The image itself is unchanged: a second copy holds its records only.
			again := openBlank(t)
			if err := again.RestoreImage(ctx, img); err != nil {
				t.Fatal(err)
			}
			holdsRecords(t, again, want, "a write to one copy reached the image")
		})
	}
}

func TestRestoreImageUndoesWrites(t *testing.T) {
	if !store.MemoryIsSQLite() {
		t.Skip("SQLite only: images are SQLite databases")
	}
	ctx := context.Background()
	st, want, data := demoImage(t)
	img := closedAtEnd(t, store.NewImage(data))
	roles := st.Registry().Lookup("roles")
	if _, err := st.Update(ctx, roles, "rolBBMktEd", store.Record{"name": "changed"}); err != nil {
		t.Fatal(err)
	}
	versions := st.Registry().Lookup("versions")
	if err := st.Delete(ctx, versions, "verRolMk02"); err != nil {
		t.Fatal(err)
	}
	gen := st.Generation()
	if err := st.RestoreImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	if st.Generation() <= gen {
		t.Fatal("a restore did not move the generation: cached documents would outlive it")
	}
	holdsRecords(t, st, want, "the restore did not bring back the image's records")
	// Statements prepared before the restore run against the restored tables.
	rec, err := st.Get(ctx, roles, "rolBBMktEd")
	if err != nil || rec.String("name") == "changed" {
		t.Fatalf("after the restore: %v %v", rec, err)
	}
	if _, err := st.Get(ctx, versions, "verRolMk02"); err != nil {
		t.Fatalf("the deleted version is not back: %v", err)
	}
}

func TestRestoreImageRefusesWhatIsNotAnImage(t *testing.T) {
	if !store.MemoryIsSQLite() {
		t.Skip("SQLite only: images are SQLite databases")
	}
	ctx := context.Background()
	dir := t.TempDir()
	_, _, data := demoImage(t)
	truncated := filepath.Join(dir, "truncated.sqlite")
	garbage := filepath.Join(dir, "garbage.sqlite")
	for path, content := range map[string][]byte{truncated: data[:len(data)/3], garbage: []byte(strings.Repeat("not a database ", 400))} {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	closed := store.NewImage(data)
	if err := closed.Open(); err != nil {
		t.Fatal(err)
	}
	closed.Close()
	cases := map[string]*store.Image{
		"bytes that are no database": store.NewImage([]byte(strings.Repeat("x", 8192))),
		"empty bytes":                store.NewImage(nil),
		"missing file":               store.ImageFile(filepath.Join(dir, "missing.sqlite")),
		"truncated file":             store.ImageFile(truncated),
		"file that is no database":   store.ImageFile(garbage),
		"closed image":               closed,
		"database of another schema": store.NewImage(otherSchema(t)),
		"image of another build":     store.NewImage(otherBuild(t)),
	}
	for name, img := range cases {
		t.Run(name, func(t *testing.T) {
			st := mustDemoStore(t)
			want := mustDump(t, st)
			if err := st.RestoreImage(ctx, img); err == nil {
				t.Fatal("RestoreImage succeeded")
			}
			holdsRecords(t, st, want, "a failed restore changed the records")
		})
	}
}

func TestImageServesConcurrentRestores(t *testing.T) {
	if !store.MemoryIsSQLite() {
		t.Skip("SQLite only: images are SQLite databases")
	}
	ctx := context.Background()
	_, want, data := demoImage(t)
	img := closedAtEnd(t, store.NewImage(data))
	stores := make([]*store.Store, 8)
	for i := range stores {
		stores[i] = openBlank(t)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.RestoreImage(ctx, img)
		}()
	}
	wg.Wait()
	for i, st := range stores {
		if errs[i] != nil {
			t.Fatalf("store %d: %v", i, errs[i])
		}
		holdsRecords(t, st, want, fmt.Sprintf("store %d holds other records", i))
	}
}

func TestNoSchemaIsForMemoryOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	st, err := store.Open(path, mustDemoStore(t).Registry(), store.Options{NoSchema: true})
	if err == nil {
		st.Close()
		t.Fatal("a file database opened without a schema")
	}
}

// otherSchema returns the image of a database whose tables are not the store's.
func otherSchema(t *testing.T) []byte {
	t.Helper()
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `CREATE TABLE roles (id TEXT PRIMARY KEY, name TEXT)`); err != nil {
		t.Fatal(err)
	}
	var data []byte
	err = conn.Raw(func(c any) error {
		var err error
		data, err = c.(*sqlite3.SQLiteConn).Serialize("main")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestCreateSchemaFillsAStoreOpenedWithout(t *testing.T) {
	if !store.MemoryIsSQLite() {
		t.Skip("SQLite only: images are SQLite databases")
	}
	ctx := context.Background()
	st := openBlank(t)
	roles := st.Registry().Lookup("roles")
	if _, err := st.Count(ctx, roles); err == nil {
		t.Fatal("a store opened without a schema has a roles table")
	}
	for i := 0; i < 2; i++ { // the second time finds every table there
		if err := st.CreateSchema(); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.PutAll(ctx, roles, []store.Record{{"id": "rol1", "name": "r", "kind": "custom"}}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.Count(ctx, roles); err != nil || n != 1 {
		t.Fatalf("roles: %d %v", n, err)
	}
}

// otherBuild returns the image of a store whose descriptions lack one attribute: what a
// build before or after an attribute's addition would have made.
func otherBuild(t *testing.T) []byte {
	t.Helper()
	reg := models.Provisioning()
	roles := reg.Lookup("roles")
	roles.Attrs = roles.Attrs[:len(roles.Attrs)-1]
	st, err := store.Open(store.Memory, reg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	data, err := st.Serialize(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return data
}
