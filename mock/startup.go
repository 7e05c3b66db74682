package mock

import (
	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/imagecache"
	"github.com/commercelayer-mock/provmock/store"
)

// lookupImage returns the image of the fixtures whose key is key: the one built into the
// binary for the demo dataset, else the cache's (imagecache.Lookup).
func lookupImage(dir, key string) (imagecache.Entry, bool, error) {
	if e, ok := embeddedImage(key); ok {
		return e, true, nil
	}
	return imagecache.Lookup(dir, key)
}

// embeddedImage returns the image of the demo dataset built into the binary (package
// fixtures, made by go generate), when key is that dataset's and the in-memory store is
// SQLite's: the first start of a build, with no image cached yet, copies it as a later
// start copies a cached one, and no start reads the cache's file for it. An image the store
// refuses (made by another schema: demo.image not generated again) is dropped like a
// damaged cached one, and the fixtures are loaded.
func embeddedImage(key string) (imagecache.Entry, bool) {
	if !store.MemoryIsSQLite() {
		return imagecache.Entry{}, false
	}
	img, ok := fixtures.DemoImage(key)
	return imagecache.Entry{Data: img}, ok
}
