package control

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/store"
)

// Prefix is where the control API lives: never under /api, so it cannot clash with the
// emulated service.
const Prefix = "/_mock"

// maxFixtureBody bounds a fixture document posted to the control API.
const maxFixtureBody = 32 << 20

// Controller holds the state the control API works on.
type Controller struct {
	st         *store.Store
	adminToken string

	Journal *Journal
	Faults  *Faults
	Limits  *RateLimiter

	mu        sync.Mutex
	baseline  Baseline // what reset goes back to
	snapshots map[string]store.Snapshot
}

// Options configure a controller.
type Options struct {
	AdminToken  string           // when set, /_mock requires "Authorization: Bearer {token}"
	RateLimits  bool             // start with the real service's rate limits on
	JournalSize int              // requests kept; 0 means 1000
	Now         func() time.Time // nil means time.Now
	// Rand draws the chance of faults with a probability, in [0, 1); nil means math/rand.
	// Tests set it to make such faults deterministic.
	Rand func() float64
}

// New returns a controller whose reset goes back to what st holds now.
// Baseline is what reset goes back to: the dataset loaded at start (or by a replace), or a
// snapshot of the records a file database already held.
type Baseline interface {
	Restore(ctx context.Context, st *store.Store) error
	Counts() map[string]int
}

// SnapshotBaseline is a snapshot as a baseline.
type SnapshotBaseline store.Snapshot

// Restore replaces every record with the snapshot's.
func (b SnapshotBaseline) Restore(ctx context.Context, st *store.Store) error {
	return st.Restore(ctx, store.Snapshot(b))
}

// Counts returns how many records of each type the snapshot holds.
func (b SnapshotBaseline) Counts() map[string]int { return counts(store.Snapshot(b)) }

// ImageBaseline is a database image as a baseline: reset copies it back, which is faster
// than deleting and inserting the records.
type ImageBaseline struct {
	Image   *store.Image
	Records map[string]int // how many records of each type the image holds
}

// Restore replaces the whole database with the image.
func (b ImageBaseline) Restore(ctx context.Context, st *store.Store) error {
	return st.RestoreImage(ctx, b.Image)
}

// Counts returns how many records of each type the image holds.
func (b ImageBaseline) Counts() map[string]int { return maps.Clone(b.Records) }

// Close releases the image.
func (b ImageBaseline) Close() error { return b.Image.Close() }

func New(st *store.Store, baseline Baseline, opts Options) *Controller {
	if opts.JournalSize <= 0 {
		opts.JournalSize = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	faults := NewFaults()
	if opts.Rand != nil {
		faults.rand = opts.Rand
	}
	return &Controller{
		st: st, adminToken: opts.AdminToken, baseline: baseline, snapshots: map[string]store.Snapshot{},
		Journal: NewJournal(opts.JournalSize), Faults: faults, Limits: NewRateLimiter(opts.RateLimits, opts.Now),
	}
}

// Mount adds the control API and the request-level middleware (journal, faults, rate
// limits, in that order) to the server.
func (ctl *Controller) Mount(e *echo.Echo, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	e.Use(ctl.Journal.Middleware(now), ctl.Faults.Middleware(), ctl.Limits.Middleware())
	g := e.Group(Prefix, ctl.requireAdmin)
	g.GET("", ctl.index)
	g.POST("/reset", ctl.reset)
	g.POST("/fixtures", ctl.loadFixtures)
	g.GET("/fixtures", ctl.exportFixtures)
	g.GET("/users", ctl.listUsers)
	g.GET("/snapshots", ctl.listSnapshots)
	g.POST("/snapshots", ctl.saveSnapshot)
	g.POST("/snapshots/:name/restore", ctl.restoreSnapshot)
	g.DELETE("/snapshots/:name", ctl.deleteSnapshot)
	g.GET("/requests", ctl.listRequests)
	g.DELETE("/requests", ctl.clearRequests)
	g.GET("/faults", ctl.listFaults)
	g.POST("/faults", ctl.addFault)
	g.DELETE("/faults", ctl.clearFaults)
	g.DELETE("/faults/:id", ctl.removeFault)
	g.GET("/rate-limits", ctl.getLimits)
	g.PUT("/rate-limits", ctl.setLimits)
}

// problem is the control API's error body.
type problem struct {
	Error string `json:"error"`
}

func fail(c echo.Context, status int, msg string) error {
	return c.JSON(status, problem{msg})
}

func (ctl *Controller) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ctl.adminToken == "" {
			return next(c)
		}
		scheme, token, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(token), []byte(ctl.adminToken)) != 1 {
			return fail(c, http.StatusUnauthorized, "the control API needs Authorization: Bearer {admin token}")
		}
		return next(c)
	}
}

func (ctl *Controller) index(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"endpoints": []string{
		"POST " + Prefix + "/reset",
		"POST " + Prefix + "/fixtures[?replace=true]", "GET " + Prefix + "/fixtures[?format=json]",
		"GET " + Prefix + "/users",
		"GET|POST " + Prefix + "/snapshots", "POST " + Prefix + "/snapshots/{name}/restore", "DELETE " + Prefix + "/snapshots/{name}",
		"GET|DELETE " + Prefix + "/requests[?method=&path=&status=&limit=]",
		"GET|POST|DELETE " + Prefix + "/faults", "DELETE " + Prefix + "/faults/{id}",
		"GET|PUT " + Prefix + "/rate-limits",
	}})
}

func counts(snap store.Snapshot) map[string]int {
	out := map[string]int{}
	for typ, recs := range snap {
		out[typ] = len(recs)
	}
	return out
}

// Reset puts the data back to the baseline: the fixtures loaded at start, or the last
// ones loaded with replace.
func (ctl *Controller) Reset(ctx context.Context) error {
	// Under the lock, so that a replace cannot release the baseline while it is copied.
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	return ctl.baseline.Restore(ctx, ctl.st)
}

// Close releases what the baseline holds, if anything.
func (ctl *Controller) Close() error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	return closeBaseline(ctl.baseline)
}

func closeBaseline(b Baseline) error {
	if c, ok := b.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func (ctl *Controller) reset(c echo.Context) error {
	if err := ctl.Reset(c.Request().Context()); err != nil {
		return err
	}
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	return c.JSON(http.StatusOK, map[string]any{"reset": true, "records": ctl.baseline.Counts()})
}

// loadFixtures loads a dataset in the hand-written format into the running mock, with the
// same checks and messages as at start-up. With replace=true the data is emptied first and
// the dataset becomes what reset goes back to.
func (ctl *Controller) loadFixtures(c echo.Context) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxFixtureBody))
	if err != nil {
		return fail(c, http.StatusRequestEntityTooLarge, err.Error())
	}
	replace, _ := strconv.ParseBool(c.QueryParam("replace"))
	ds, err := fixtures.Parse("request body", body, ctl.st.Registry())
	if err != nil {
		return fail(c, http.StatusBadRequest, err.Error())
	}
	ctx := c.Request().Context()
	err = ctl.st.Tx(ctx, func(tx *store.Store) error {
		if replace {
			if err := tx.DeleteAll(ctx); err != nil {
				return err
			}
		}
		return ds.Load(ctx, tx)
	})
	if err != nil {
		// The dataset was valid on its own; what failed is fitting it beside the records
		// already there (an id used twice, a reference to a record the dataset lacks).
		return fail(c, http.StatusConflict, err.Error())
	}
	if replace {
		ctl.mu.Lock()
		_ = closeBaseline(ctl.baseline)
		ctl.baseline = ds
		ctl.mu.Unlock()
	}
	return c.JSON(http.StatusOK, map[string]any{"loaded": ds.Counts(), "replace": replace})
}

type snapshotInfo struct {
	Name    string         `json:"name"`
	Records map[string]int `json:"records"`
}

func (ctl *Controller) listSnapshots(c echo.Context) error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	out := []snapshotInfo{}
	for name, snap := range ctl.snapshots {
		out = append(out, snapshotInfo{name, counts(snap)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return c.JSON(http.StatusOK, out)
}

func (ctl *Controller) saveSnapshot(c echo.Context) error {
	var req struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(io.LimitReader(c.Request().Body, 4096)).Decode(&req); err != nil || strings.TrimSpace(req.Name) == "" {
		return fail(c, http.StatusBadRequest, `send {"name": "..."}`)
	}
	snap, err := ctl.st.Dump(c.Request().Context())
	if err != nil {
		return err
	}
	ctl.mu.Lock()
	ctl.snapshots[req.Name] = snap
	ctl.mu.Unlock()
	return c.JSON(http.StatusCreated, snapshotInfo{req.Name, counts(snap)})
}

func (ctl *Controller) restoreSnapshot(c echo.Context) error {
	ctl.mu.Lock()
	snap, ok := ctl.snapshots[c.Param("name")]
	ctl.mu.Unlock()
	if !ok {
		return fail(c, http.StatusNotFound, "no snapshot named "+strconv.Quote(c.Param("name")))
	}
	if err := ctl.st.Restore(c.Request().Context(), snap); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, snapshotInfo{c.Param("name"), counts(snap)})
}

func (ctl *Controller) deleteSnapshot(c echo.Context) error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	if _, ok := ctl.snapshots[c.Param("name")]; !ok {
		return fail(c, http.StatusNotFound, "no snapshot named "+strconv.Quote(c.Param("name")))
	}
	delete(ctl.snapshots, c.Param("name"))
	return c.NoContent(http.StatusNoContent)
}

func (ctl *Controller) listRequests(c echo.Context) error {
	f := Filter{Method: c.QueryParam("method"), PathPrefix: c.QueryParam("path")}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"status", &f.Status}, {"limit", &f.Limit}} {
		if v := c.QueryParam(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fail(c, http.StatusBadRequest, p.name+" must be a whole number")
			}
			*p.dst = n
		}
	}
	return c.JSON(http.StatusOK, ctl.Journal.List(f))
}

func (ctl *Controller) clearRequests(c echo.Context) error {
	ctl.Journal.Clear()
	return c.NoContent(http.StatusNoContent)
}

func (ctl *Controller) listFaults(c echo.Context) error {
	return c.JSON(http.StatusOK, ctl.Faults.List())
}

func (ctl *Controller) addFault(c echo.Context) error {
	var rule Fault
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rule); err != nil {
		return fail(c, http.StatusBadRequest, "a fault is a JSON object: "+err.Error())
	}
	added, err := ctl.Faults.Add(rule)
	if err != nil {
		return fail(c, http.StatusBadRequest, err.Error())
	}
	return c.JSON(http.StatusCreated, added)
}

func (ctl *Controller) clearFaults(c echo.Context) error {
	ctl.Faults.Clear()
	return c.NoContent(http.StatusNoContent)
}

func (ctl *Controller) removeFault(c echo.Context) error {
	if !ctl.Faults.Remove(c.Param("id")) {
		return fail(c, http.StatusNotFound, "no fault with id "+strconv.Quote(c.Param("id")))
	}
	return c.NoContent(http.StatusNoContent)
}

func (ctl *Controller) getLimits(c echo.Context) error {
	return c.JSON(http.StatusOK, ctl.Limits.Limits())
}

func (ctl *Controller) setLimits(c echo.Context) error {
	var l Limits
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return fail(c, http.StatusBadRequest, "rate limits are a JSON object: "+err.Error())
	}
	ctl.Limits.Set(l)
	return c.JSON(http.StatusOK, ctl.Limits.Limits())
}
