package control

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/apierror"
)

// Limits are the real service's rate limits: reads (GET) and writes (POST, PATCH, DELETE),
// each over all endpoints per minute and per endpoint per 10 seconds.
type Limits struct {
	Enabled         bool `json:"enabled"`
	ReadsPerMinute  int  `json:"reads_per_minute"`
	ReadsPer10s     int  `json:"reads_per_10s_per_endpoint"`
	WritesPerMinute int  `json:"writes_per_minute"`
	WritesPer10s    int  `json:"writes_per_10s_per_endpoint"`
}

// RealLimits are the limits SPEC.md gives for the real service.
var RealLimits = Limits{ReadsPerMinute: 1000, ReadsPer10s: 250, WritesPerMinute: 200, WritesPer10s: 50}

// window counts requests in a fixed time window.
type window struct {
	start time.Time
	count int
}

// RateLimiter emulates the limits with fixed windows, which make Retry-After exact.
type RateLimiter struct {
	mu      sync.Mutex
	limits  Limits
	now     func() time.Time
	windows map[string]*window
}

// NewRateLimiter returns a limiter with the real limits, enabled or not.
func NewRateLimiter(enabled bool, now func() time.Time) *RateLimiter {
	l := RealLimits
	l.Enabled = enabled
	return &RateLimiter{limits: l, now: now, windows: map[string]*window{}}
}

// Limits returns the current settings.
func (r *RateLimiter) Limits() Limits {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.limits
}

// Set replaces the settings (zero numbers keep the real ones) and restarts the counting.
func (r *RateLimiter) Set(l Limits) {
	r.mu.Lock()
	defer r.mu.Unlock()
	def := RealLimits
	for _, p := range []struct{ v, d *int }{
		{&l.ReadsPerMinute, &def.ReadsPerMinute}, {&l.ReadsPer10s, &def.ReadsPer10s},
		{&l.WritesPerMinute, &def.WritesPerMinute}, {&l.WritesPer10s, &def.WritesPer10s},
	} {
		if *p.v <= 0 {
			*p.v = *p.d
		}
	}
	r.limits = l
	r.windows = map[string]*window{}
}

// take counts a request against a window; it returns how long until the window ends if
// the limit is already reached.
func (r *RateLimiter) take(key string, size time.Duration, limit int, now time.Time) (time.Duration, bool) {
	w := r.windows[key]
	start := now.Truncate(size)
	if w == nil || !w.start.Equal(start) {
		w = &window{start: start}
		r.windows[key] = w
	}
	if w.count >= limit {
		return start.Add(size).Sub(now), false
	}
	w.count++
	return 0, true
}

// allow counts the request; when a limit is exceeded it returns the error to answer with.
func (r *RateLimiter) allow(method, endpoint string) *apierror.Error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.limits.Enabled {
		return nil
	}
	kind, perMinute, per10s := "GET", r.limits.ReadsPerMinute, r.limits.ReadsPer10s
	if method != http.MethodGet && method != http.MethodHead {
		kind, perMinute, per10s = "write", r.limits.WritesPerMinute, r.limits.WritesPer10s
	}
	now := r.now()
	// The per-endpoint window is checked first so that a refused request is not counted
	// against the overall one.
	if wait, ok := r.take(kind+" "+method+" "+endpoint, 10*time.Second, per10s, now); !ok {
		return tooMany(fmt.Sprintf("You have exceeded the limit of %d requests per 10 seconds on this endpoint.", per10s), wait)
	}
	if wait, ok := r.take(kind, time.Minute, perMinute, now); !ok {
		return tooMany(fmt.Sprintf("You have exceeded the limit of %d %s requests per minute.", perMinute, kind), wait)
	}
	return nil
}

func tooMany(detail string, wait time.Duration) *apierror.Error {
	e := apierror.TooManyRequests(detail)
	secs := int((wait + time.Second - 1) / time.Second)
	e.Header = map[string]string{"Retry-After": strconv.Itoa(max(secs, 1))}
	return e
}

// Middleware refuses requests past the limits with 429 TOO_MANY_REQUESTS and Retry-After.
// An endpoint is a route (GET /api/roles/:id), so every id shares one counter.
func (r *RateLimiter) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !affected(c.Request().URL.Path) || c.Request().Method == http.MethodOptions {
				return next(c)
			}
			endpoint := c.Path()
			if endpoint == "" {
				endpoint = c.Request().URL.Path
			}
			if err := r.allow(c.Request().Method, endpoint); err != nil {
				return err
			}
			return next(c)
		}
	}
}
