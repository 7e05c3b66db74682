package handlers

import (
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/store"
)

// A read-heavy client (a test suite polling, a page re-rendering) asks the same questions
// again and again between writes. The response cache keeps the documents of successful GETs
// per user and URL, and forgets all of them as soon as any write commits (the store's
// generation moves), so an answer is never staler than the data. Documents also carry an
// ETag, and a matching If-None-Match answers 304.

// maxCached bounds the cache; it is emptied when full.
const maxCached = 2048

type cachedDoc struct {
	body []byte
	etag string
}

// generational is a bounded map whose entries are forgotten as soon as the store's
// generation moves past the one they were made under.
type generational[V any] struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]V
}

// sync forgets everything kept under an older generation. Called with mu held.
func (g *generational[V]) sync(gen uint64) {
	if g.entries == nil || g.gen != gen {
		g.entries = map[string]V{}
		g.gen = gen
	}
}

func (g *generational[V]) get(key string, gen uint64) (V, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sync(gen)
	v, ok := g.entries[key]
	return v, ok
}

// put keeps a value made under gen, unless a write has landed since.
func (g *generational[V]) put(key string, gen uint64, v V) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if gen < g.gen {
		return
	}
	g.sync(gen)
	if len(g.entries) >= maxCached {
		clear(g.entries)
	}
	g.entries[key] = v
}

// responseCache holds rendered documents and the users of tokens.
type responseCache struct {
	docs  generational[cachedDoc]    // by user, base URL and request URI
	users generational[store.Record] // by id
}

func newResponseCache() *responseCache { return &responseCache{} }

// cacheSlot is where a GET's rendered document goes, under the generation it was read at.
type cacheSlot struct {
	cache *responseCache
	key   string
	gen   uint64
}

const cacheSlotKey = "provmock.cacheSlot"

// cached serves a GET from the cache when it can, and otherwise lets writeDoc fill the
// cache. It runs after authentication: entries are per user.
func (a *api) cached(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method != http.MethodGet {
			return next(c)
		}
		user, _ := c.Get(userKey).(store.Record)
		if user == nil {
			return next(c)
		}
		key := user.ID() + "\n" + a.baseURL(c) + "\n" + c.Request().URL.RequestURI()
		gen := a.st.Generation()
		if d, ok := a.cache.docs.get(key, gen); ok {
			return serveDoc(c, http.StatusOK, d)
		}
		c.Set(cacheSlotKey, &cacheSlot{cache: a.cache, key: key, gen: gen})
		return next(c)
	}
}

// etagOf is a weak validator of a document's bytes.
func etagOf(body []byte) string {
	h := fnv.New64a()
	h.Write(body)
	var sum [8]byte
	binary.BigEndian.PutUint64(sum[:], h.Sum64())
	return `W/"` + hex.EncodeToString(sum[:]) + `"`
}

// serveDoc writes a document with its ETag, or 304 when the client has it already.
func serveDoc(c echo.Context, status int, d cachedDoc) error {
	if d.etag != "" {
		c.Response().Header().Set("ETag", d.etag)
		if status == http.StatusOK && etagMatches(c.Request().Header.Get("If-None-Match"), d.etag) {
			return c.NoContent(http.StatusNotModified)
		}
	}
	return c.Blob(status, MediaType, d.body)
}

// etagMatches implements If-None-Match's weak comparison.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	weak := strings.TrimPrefix(etag, "W/")
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || strings.TrimPrefix(candidate, "W/") == weak {
			return true
		}
	}
	return false
}
