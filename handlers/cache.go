package handlers

import (
	"cmp"
	"container/list"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/internal/seen"
	"github.com/commercelayer-mock/provmock/store"
)

// A read-heavy client (a test suite polling, a page re-rendering) asks the same questions
// again and again between writes. The response cache keeps the documents of successful GETs
// per user and URL, each with the tables it was made from (those its reads touched, the
// token's user's, those its tenancy read) and their generations from before it read them:
// it is served for as long as none of those tables was written since, so an answer is never
// staler than the data, and a write to one table leaves answers made from others cached.
// Documents also carry an ETag, and a matching If-None-Match answers 304. A document is kept
// from the second time its URL is asked for (responseCache.asked): what is asked once costs no copy.

// DefaultCacheBytes is the response cache's budget unless configured: the documents it
// keeps, with their keys (URLs can be long), add up to at most this many bytes. A few
// hundred documents (a test suite's reads between its writes) fit; a client asking a new
// URL every time fills it, so it is also most of what the process keeps.
const DefaultCacheBytes = 4 << 20

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

// readPoint is where a computation started: the generations before it read, and the
// tables it read since (besides those it depends on by construction).
type readPoint struct {
	gens  store.Generations
	reads *store.Reads
	also  []string
}

// stamp is what the computation depends on; ok is false when it cannot be known.
func (p readPoint) stamp() (store.Stamp, bool) {
	tables := p.also
	if p.reads != nil {
		tables = append(slices.Clone(tables), p.reads.Tables()...)
	}
	return p.gens.Stamp(tables)
}

// versioned is a bounded map whose entries are forgotten as soon as a table they were made
// from is written. Each entry has a cost; past the budget, the least recently used entries
// go first, and an entry that would take more than an eighth of the budget is not kept at
// all (it would push out many others).
type versioned[V any] struct {
	mu      sync.Mutex
	budget  int64
	cost    func(key string, v V) int64
	used    int64
	order   *list.List // of *lruEntry[V], the most recently used first
	entries map[string]*list.Element
	hits    atomic.Int64
}

type lruEntry[V any] struct {
	key   string
	val   V
	cost  int64
	stamp store.Stamp
}

func newVersioned[V any](budget int64, cost func(string, V) int64) *versioned[V] {
	return &versioned[V]{budget: budget, cost: cost, order: list.New(), entries: map[string]*list.Element{}}
}

// get returns the value under key if the tables it was made from are as they were then.
func (g *versioned[V]) get(key string, now store.Generations) (V, bool) {
	var zero V
	if !now.Known() {
		return zero, false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	el, ok := g.entries[key]
	if !ok {
		return zero, false
	}
	e := el.Value.(*lruEntry[V])
	if !e.stamp.CurrentIn(now) {
		g.remove(el)
		return zero, false
	}
	g.order.MoveToFront(el)
	g.hits.Add(1)
	return e.val, true
}

// put keeps a value made from what was read since at.
func (g *versioned[V]) put(key string, at readPoint, v V) {
	stamp, ok := at.stamp()
	if !ok {
		return
	}
	cost := g.cost(key, v)
	if cost > g.budget/8 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if el, ok := g.entries[key]; ok {
		g.remove(el)
	}
	for g.used+cost > g.budget {
		g.remove(g.order.Back())
	}
	g.entries[key] = g.order.PushFront(&lruEntry[V]{key: key, val: v, cost: cost, stamp: stamp})
	g.used += cost
}

// remove drops an entry. Called with mu held.
func (g *versioned[V]) remove(el *list.Element) {
	e := g.order.Remove(el).(*lruEntry[V])
	delete(g.entries, e.key)
	g.used -= e.cost
}

// usage reports the total cost and the number of entries kept.
func (g *versioned[V]) usage() (int64, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.used, len(g.entries)
}

// responseCache holds rendered documents and the users of tokens.
type responseCache struct {
	docs  *versioned[cachedDoc]    // by user, base URL and request URI; cost in bytes
	users *versioned[store.Record] // by id; cost 1 each
	// asked is the keys of documents asked for before: a document is kept the second time
	// it is asked for, so that a client asking a new URL every time (a crawler, a unique
	// filter) costs no copy of each answer and pushes out none of those asked again.
	asked *seen.Set
}

// maxAskedOnce bounds the keys remembered as asked once; past it, they are forgotten together.
const maxAskedOnce = 4096

func newResponseCache(maxBytes int64) *responseCache {
	return &responseCache{
		asked: seen.New(maxAskedOnce),
		docs: newVersioned(maxBytes, func(key string, d cachedDoc) int64 {
			return int64(len(key) + len(d.body) + len(d.etag) + entryOverhead)
		}),
		users: newVersioned(maxCachedUsers, func(string, store.Record) int64 { return 1 }),
	}
}

// cacheSlot is where a GET's rendered document goes, with what it was read from.
type cacheSlot struct {
	cache *responseCache
	key   string
	gen   readPoint
}

const (
	cacheSlotKey   = "provmock.cacheSlot"
	generationsKey = "provmock.generations"
)

// generations are the store's generations as the request found them, read once a request.
func generations(c echo.Context, st *store.Store) store.Generations {
	if g, ok := c.Get(generationsKey).(store.Generations); ok {
		return g
	}
	g := st.Generations(c.Request().Context())
	c.Set(generationsKey, g)
	return g
}

// trackReads starts noting the tables the request reads, from the generations it found.
func trackReads(c echo.Context, st *store.Store, also ...string) readPoint {
	ctx, reads := store.TrackReads(c.Request().Context())
	c.SetRequest(c.Request().WithContext(ctx))
	return readPoint{gens: generations(c, st), reads: reads, also: also}
}

// cached serves a GET from the cache when it can, and otherwise lets writeDoc fill the
// cache. It runs after authentication: entries are per user, and depend on the user's
// record (which authenticate may have taken from the cache) besides what the handler reads.
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
		if d, ok := a.cache.docs.get(key, generations(c, a.st)); ok {
			return serveDoc(c, http.StatusOK, d)
		}
		a.cache.offer(c, key, a.st, "users")
		return next(c)
	}
}

// offer lets the request's answer be kept under key, unless this is the first time key is
// asked for; also names the tables it depends on besides those it reads.
func (rc *responseCache) offer(c echo.Context, key string, st *store.Store, also ...string) {
	if rc.asked.Again(key) {
		c.Set(cacheSlotKey, &cacheSlot{cache: rc, key: key, gen: trackReads(c, st, also...)})
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
