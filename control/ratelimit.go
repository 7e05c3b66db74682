package control

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/frontdoor"
	"github.com/commercelayer-mock/provmock/store"
)

// Limits are the real service's rate limits: reads (GET) and writes (POST, PATCH, DELETE),
// each over all endpoints per minute and per endpoint per 10 seconds, and the token
// endpoint's own limit per minute.
type Limits struct {
	Enabled         bool `json:"enabled"`
	ReadsPerMinute  int  `json:"reads_per_minute"`
	ReadsPer10s     int  `json:"reads_per_10s_per_endpoint"`
	WritesPerMinute int  `json:"writes_per_minute"`
	WritesPer10s    int  `json:"writes_per_10s_per_endpoint"`
	TokensPerMinute int  `json:"token_requests_per_minute"`
}

// RealLimits are the limits SPEC.md gives for the real service.
var RealLimits = Limits{ReadsPerMinute: 1000, ReadsPer10s: 250, WritesPerMinute: 200, WritesPer10s: 50, TokensPerMinute: 30}

// maxWindows bounds the windows kept. Expired ones are swept; past the bound (a flood of
// clients within a minute), counting starts over, which errs on the side of letting
// requests through.
const maxWindows = 100_000

// sweepEvery is how often expired windows are forgotten.
const sweepEvery = 10 * time.Second

// noRoute is the endpoint of every path the router does not know, so that unknown paths
// share one counter instead of opening one each.
const noRoute = "(no route)"

// window counts a client's requests to one counter in a fixed time window.
type window struct {
	start time.Time
	size  time.Duration
	count int
}

// windowKey names a window: the client, and what it counts (all reads, all writes, reads
// of one endpoint, ...).
type windowKey struct {
	client, counter string
}

// RateLimiter emulates the limits with fixed windows, which make Retry-After exact. It
// counts per client, as the real service does: the application of a valid access token,
// else the remote address. It counts even while enforcement is off, so that answers
// always carry the X-Ratelimit headers.
type RateLimiter struct {
	mu        sync.Mutex
	limits    Limits
	now       func() time.Time
	clientOf  func(*http.Request) string
	windows   map[windowKey]*window
	nextSweep time.Time

	// shared, when set, keeps the settings and the counters beside the records instead (a
	// database several mocks share): a client's requests count against one quota, whichever
	// instances answer them.
	shared *store.Store
	// decoded are the shared settings last read, while their text stays the same.
	decoded     Limits
	decodedText string
}

// rateLimitsKey is where shared settings are kept.
const rateLimitsKey = "rate_limits"

// NewRateLimiter returns a limiter with the real limits, enforced or not. clientOf names
// the client a request counts against; nil counts per remote address.
func NewRateLimiter(enabled bool, now func() time.Time, clientOf func(*http.Request) string) *RateLimiter {
	l := RealLimits
	l.Enabled = enabled
	if clientOf == nil {
		clientOf = RemoteAddress
	}
	return &RateLimiter{limits: l, now: now, clientOf: clientOf, windows: map[windowKey]*window{}}
}

// RemoteAddress names the client of a request by its remote IP address.
func RemoteAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "address " + host
}

// Limits returns the current settings.
func (r *RateLimiter) Limits() Limits {
	if r.shared != nil {
		// Not under the lock: requests would wait on each other's round trip.
		if text, ok, err := r.shared.LookupShared(context.Background(), rateLimitsKey); err == nil && ok {
			if l, ok := r.decode(text); ok {
				return l
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.limits
}

// decode reads shared settings, remembering the last ones decoded.
func (r *RateLimiter) decode(text string) (Limits, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if text == r.decodedText && text != "" {
		return r.decoded, true
	}
	var l Limits
	if json.Unmarshal([]byte(text), &l) != nil {
		return l, false
	}
	r.decoded, r.decodedText = l, text
	return l, true
}

// limitsOf are the settings for a request that read the shared values already, if it did.
func (r *RateLimiter) limitsOf(c echo.Context) Limits {
	if values, ok := c.Get(sharedValuesKey).(map[string]string); ok && r.shared != nil {
		if text, ok := values[rateLimitsKey]; ok {
			if l, ok := r.decode(text); ok {
				return l
			}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.limits
	}
	return r.Limits()
}

// share makes the limiter's settings and counters the shared database's; the settings
// kept there, if any, win over the limiter's own (another instance set them).
func (r *RateLimiter) share(st *store.Store) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shared = st
	b, _ := json.Marshal(r.limits)
	_, _ = st.SharedValue(context.Background(), rateLimitsKey, string(b))
}

// Set replaces the settings (zero numbers keep the real ones) and restarts the counting.
func (r *RateLimiter) Set(l Limits) {
	r.mu.Lock()
	defer r.mu.Unlock()
	def := RealLimits
	for _, p := range []struct{ v, d *int }{
		{&l.ReadsPerMinute, &def.ReadsPerMinute}, {&l.ReadsPer10s, &def.ReadsPer10s},
		{&l.WritesPerMinute, &def.WritesPerMinute}, {&l.WritesPer10s, &def.WritesPer10s},
		{&l.TokensPerMinute, &def.TokensPerMinute},
	} {
		if *p.v <= 0 {
			*p.v = *p.d
		}
	}
	r.limits = l
	r.windows = map[windowKey]*window{}
	if r.shared != nil {
		b, _ := json.Marshal(l)
		_ = r.shared.PutShared(context.Background(), rateLimitsKey, string(b))
		_ = r.shared.ClearCounters(context.Background(), "")
	}
}

// Windows returns how many counting windows the limiter holds.
func (r *RateLimiter) Windows() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.windows)
}

// quota is what a request's answer says about a window: its limit, its length and what is
// left of it.
type quota struct {
	limit     int
	interval  time.Duration
	remaining int
}

// take counts a request against a window. ok is false, and the request not counted, when
// the window is full; wait is then how long until it ends.
func (r *RateLimiter) take(key windowKey, size time.Duration, limit int, now time.Time) (q quota, wait time.Duration, ok bool) {
	start := now.Truncate(size)
	if r.shared != nil {
		q = quota{limit: limit, interval: size}
		count, refused, err := r.shared.CountShared(context.Background(), key.client+"\n"+key.counter, start.UTC().Format(store.TimeFormat), limit)
		if err != nil {
			return q, 0, true // not counted: a request is never refused for want of a counter
		}
		if refused {
			return q, start.Add(size).Sub(now), false
		}
		q.remaining = limit - count
		return q, 0, true
	}
	w := r.windows[key]
	if w == nil || !w.start.Equal(start) {
		w = &window{start: start, size: size}
		r.windows[key] = w
	}
	q = quota{limit: limit, interval: size}
	if w.count >= limit {
		return q, start.Add(size).Sub(now), false
	}
	w.count++
	q.remaining = limit - w.count
	return q, 0, true
}

// sweep forgets the windows that have ended, and everything when too many are left.
// Called with mu held.
func (r *RateLimiter) sweep(now time.Time) {
	if now.Before(r.nextSweep) && len(r.windows) < maxWindows {
		return
	}
	r.nextSweep = now.Add(sweepEvery)
	if r.shared != nil {
		// Windows are a minute at most: those that started before the last minute are over.
		// Not under the lock, which requests would wait on.
		before := now.Add(-time.Minute).UTC().Truncate(time.Minute).Format(store.TimeFormat)
		go func() { _ = r.shared.ClearCounters(context.Background(), before) }()
		return
	}
	for k, w := range r.windows {
		if !now.Before(w.start.Add(w.size)) {
			delete(r.windows, k)
		}
	}
	if len(r.windows) >= maxWindows {
		clear(r.windows)
	}
}

// count counts a request of the client to the endpoint (a route, or the token endpoint).
// It returns the quota the answer reports (the window with the fewest requests left, or
// the one that refused) and, when a limit is enforced and exceeded, the error to answer.
func (r *RateLimiter) count(c echo.Context, client, method, endpoint string) (quota, error) {
	r.mu.Lock()
	if r.shared != nil {
		// The database counts; the settings are the environment's.
		r.sweep(r.now())
		r.mu.Unlock()
		return r.countWith(r.limitsOf(c), client, method, endpoint)
	}
	defer r.mu.Unlock()
	r.sweep(r.now())
	return r.countWith(r.limits, client, method, endpoint)
}

// countWith is count under the given settings, with mu held unless the counters are shared.
func (r *RateLimiter) countWith(limits Limits, client, method, endpoint string) (quota, error) {
	now := r.now()
	if endpoint == tokenEndpoint {
		q, wait, ok := r.take(windowKey{client, "token"}, time.Minute, limits.TokensPerMinute, now)
		if !ok && limits.Enabled {
			return q, tooMany(fmt.Sprintf("You have exceeded the limit of %d token requests per minute.", q.limit), wait)
		}
		return q, nil
	}
	kind, perMinute, per10s := "GET", limits.ReadsPerMinute, limits.ReadsPer10s
	if method != http.MethodGet && method != http.MethodHead {
		kind, perMinute, per10s = "write", limits.WritesPerMinute, limits.WritesPer10s
	}
	if r.shared != nil {
		return r.countShared(limits, client, kind, method+" "+endpoint, perMinute, per10s, now)
	}
	// The per-endpoint window is checked first so that a refused request is not counted
	// against the overall one.
	burst, wait, ok := r.take(windowKey{client, kind + " " + method + " " + endpoint}, 10*time.Second, per10s, now)
	if !ok && limits.Enabled {
		return burst, tooMany(fmt.Sprintf("You have exceeded the limit of %d requests per 10 seconds on this endpoint.", per10s), wait)
	}
	overall, wait, ok := r.take(windowKey{client, kind}, time.Minute, perMinute, now)
	if !ok && limits.Enabled {
		return overall, tooMany(fmt.Sprintf("You have exceeded the limit of %d %s requests per minute.", perMinute, kind), wait)
	}
	if burst.remaining < overall.remaining {
		return burst, nil
	}
	return overall, nil
}

// countShared is countWith's reads and writes on shared counters: both windows in one
// round trip, the per-endpoint one first.
func (r *RateLimiter) countShared(limits Limits, client, kind, endpoint string, perMinute, per10s int, now time.Time) (quota, error) {
	burstStart, overallStart := now.Truncate(10*time.Second), now.Truncate(time.Minute)
	burst, overall := quota{limit: per10s, interval: 10 * time.Second}, quota{limit: perMinute, interval: time.Minute}
	b, o, err := r.shared.CountSharedPair(context.Background(),
		store.SharedCounter{Key: client + "\n" + kind + " " + endpoint, Start: burstStart.UTC().Format(store.TimeFormat), Limit: per10s},
		store.SharedCounter{Key: client + "\n" + kind, Start: overallStart.UTC().Format(store.TimeFormat), Limit: perMinute},
		!limits.Enabled) // unenforced, every window counts every request, as the process's do
	if err != nil {
		return overall, nil // not counted: a request is never refused for want of a counter
	}
	if b.Refused && limits.Enabled {
		return burst, tooMany(fmt.Sprintf("You have exceeded the limit of %d requests per 10 seconds on this endpoint.", per10s), burstStart.Add(10*time.Second).Sub(now))
	}
	if !b.Refused {
		burst.remaining = per10s - b.Count
	}
	if o.Refused && limits.Enabled {
		return overall, tooMany(fmt.Sprintf("You have exceeded the limit of %d %s requests per minute.", perMinute, kind), overallStart.Add(time.Minute).Sub(now))
	}
	if !o.Refused && !o.Skipped {
		overall.remaining = perMinute - o.Count
	}
	if burst.remaining < overall.remaining {
		return burst, nil
	}
	return overall, nil
}

// tokenEndpoint is the path of the token endpoint, which has its own limit.
const tokenEndpoint = "/oauth/token"

// tooMany is the problem of a request past a limit, which the request's API writes in its
// own format, Retry-After included.
func tooMany(detail string, wait time.Duration) error {
	return frontdoor.TooManyRequests{RetryAfter: wait, Detail: detail}
}

// Middleware counts the requests it sees (the front door runs it on the emulated APIs'
// requests only), reports the client's
// quota in X-Ratelimit-Limit, X-Ratelimit-Interval (seconds) and X-Ratelimit-Remaining, and,
// when the limits are enforced, refuses requests past them with 429 TOO_MANY_REQUESTS and
// Retry-After. An endpoint is a route (GET /api/roles/:id), so every id shares one counter.
func (r *RateLimiter) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.Method == http.MethodOptions {
				return next(c)
			}
			q, refused := r.count(c, r.clientOf(req), req.Method, routeOf(c))
			// The names are canonical; the values share one array.
			values := []string{strconv.Itoa(q.limit), strconv.Itoa(int(q.interval / time.Second)), strconv.Itoa(q.remaining)}
			h := c.Response().Header()
			h["X-Ratelimit-Limit"], h["X-Ratelimit-Interval"], h["X-Ratelimit-Remaining"] = values[0:1:1], values[1:2:2], values[2:3:3]
			if refused != nil {
				return refused
			}
			return next(c)
		}
	}
}

// routeOf is the route template a request matched (for an unknown path under a route,
// the router's nearest one), or noRoute: never the raw path, so that the counters are as
// few as the routes.
func routeOf(c echo.Context) string {
	if c.Path() == "" {
		return noRoute
	}
	return c.Path()
}
