package mock_test

import (
	"reflect"
	"testing"

	"github.com/commercelayer-mock/provmock/imagecache"
	"github.com/commercelayer-mock/provmock/mock"
	"github.com/commercelayer-mock/provmock/store"
)

func TestEveryStartCountsTheSameRecords(t *testing.T) {
	if !store.MemoryIsSQLite() {
		t.Skip("SQLite only: images of the in-memory database")
	}
	// One user, whose times are set: the first start writes the image, the second copies it.
	data := []byte(`users:
  - {id: usrDemoOwn, email: demo@example.com, first_name: Alex, last_name: Morgan, client_id: demo-client-id, client_secret: demo-client-secret, created_at: 2024-01-01T00:00:00.000Z}
# ` + t.Name() + "\n")
	key := imagecache.Key(data)
	opts := mock.Options{Fixtures: data, ImageCache: t.TempDir()}
	want := map[string]int{"users": 1}

	imagecache.Remove("", key) // left in memory by an earlier run of this test (-count)
	first := mustNew(t, opts)
	if !reflect.DeepEqual(first.Loaded, want) {
		t.Errorf("the first start loaded %v, want %v", first.Loaded, want)
	}
	if _, ok, err := imagecache.Lookup(opts.ImageCache, key); !ok || err != nil {
		t.Fatalf("the first start kept no image (%v)", err)
	}
	for _, from := range []string{"the image in memory", "the image on disk"} {
		if from == "the image on disk" {
			imagecache.Remove("", key) // as a new process would not have it
		}
		if m := mustNew(t, opts); !reflect.DeepEqual(m.Loaded, first.Loaded) {
			t.Errorf("a start from %s loaded %v, the first %v", from, m.Loaded, first.Loaded)
		}
	}
}
