package handlers

import (
	"cmp"
	"container/list"
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

// DefaultCacheBytes is the response cache's budget unless configured: the documents it
// keeps, with their keys (URLs can be long), add up to at most this many bytes.
const DefaultCacheBytes = 64 << 20

// maxCachedUsers bounds the users of tokens kept; a record is small, so a count will do.
const maxCachedUsers = 2048

// entryOverhead approximates what an entry costs beyond its key and body: the map slot,
// the list element and the value's headers.
const entryOverhead = 128

type cachedDoc struct {
	body []byte
	etag string
	// mediaType is the document's Content-Type; empty is JSON:API's.
	mediaType string
}

// generational is a bounded map whose entries are forgotten as soon as the store's
// generation moves past the one they were made under. Each entry has a cost; past the
// budget, the least recently used entries go first, and an entry that would take more
// than an eighth of the budget is not kept at all (it would push out many others).
type generational[V any] struct {
	mu      sync.Mutex
	gen     uint64
	budget  int64
	cost    func(key string, v V) int64
	used    int64
	order   *list.List // of *lruEntry[V], the most recently used first
	entries map[string]*list.Element
}

type lruEntry[V any] struct {
	key  string
	val  V
	cost int64
}

func newGenerational[V any](budget int64, cost func(string, V) int64) *generational[V] {
	return &generational[V]{budget: budget, cost: cost, order: list.New(), entries: map[string]*list.Element{}}
}

// sync forgets everything kept under an older generation. Called with mu held.
func (g *generational[V]) sync(gen uint64) {
	if g.gen != gen {
		clear(g.entries)
		g.order.Init()
		g.used = 0
		g.gen = gen
	}
}

func (g *generational[V]) get(key string, gen uint64) (V, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sync(gen)
	el, ok := g.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	g.order.MoveToFront(el)
	return el.Value.(*lruEntry[V]).val, true
}

// put keeps a value made under gen, unless a write has landed since.
func (g *generational[V]) put(key string, gen uint64, v V) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if gen < g.gen {
		return
	}
	g.sync(gen)
	cost := g.cost(key, v)
	if cost > g.budget/8 {
		return
	}
	if el, ok := g.entries[key]; ok {
		g.remove(el)
	}
	for g.used+cost > g.budget {
		g.remove(g.order.Back())
	}
	g.entries[key] = g.order.PushFront(&lruEntry[V]{key: key, val: v, cost: cost})
	g.used += cost
}

// remove drops an entry. Called with mu held.
func (g *generational[V]) remove(el *list.Element) {
	e := g.order.Remove(el).(*lruEntry[V])
	delete(g.entries, e.key)
	g.used -= e.cost
}

// usage reports the total cost and the number of entries kept.
func (g *generational[V]) usage() (int64, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.used, len(g.entries)
}

// responseCache holds rendered documents and the users of tokens.
type responseCache struct {
	docs  *generational[cachedDoc]    // by user, base URL and request URI; cost in bytes
	users *generational[store.Record] // by id; cost 1 each
}

func newResponseCache(maxBytes int64) *responseCache {
	return &responseCache{
		docs: newGenerational(maxBytes, func(key string, d cachedDoc) int64 {
			return int64(len(key) + len(d.body) + len(d.etag) + entryOverhead)
		}),
		users: newGenerational(maxCachedUsers, func(string, store.Record) int64 { return 1 }),
	}
}

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
		gen := a.st.GenerationIn(c.Request().Context())
		if d, ok := a.cache.docs.get(key, gen); ok {
			return serveDoc(c, http.StatusOK, d)
		}
		c.Set(cacheSlotKey, &cacheSlot{cache: a.cache, key: key, gen: gen})
		return next(c)
	}
}

// serveDoc writes a document with its ETag, or 304 when the client has it already.
func serveDoc(c echo.Context, status int, d cachedDoc) error {
	if d.etag != "" {
		c.Response().Header().Set("ETag", d.etag)
		if status == http.StatusOK && etagMatches(c.Request().Header.Get("If-None-Match"), d.etag) {
			return c.NoContent(http.StatusNotModified)
		}
	}
	return c.Blob(status, cmp.Or(d.mediaType, MediaType), d.body)
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
