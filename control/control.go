package control

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/frontdoor"
	"github.com/commercelayer-mock/provmock/store"
)

// Prefix is where the control API lives: never under /api, so it cannot clash with the
// emulated service.
const Prefix = "/_mock"

// Limits of the control API's state, when the options leave them out.
const (
	DefaultFixturesBytes = 32 << 20 // a fixtures document posted to the control API
	DefaultMaxSnapshots  = 32
	DefaultSnapshotBytes = 128 << 20 // all snapshots together, as Snapshot.Size counts
	DefaultMaxFaults     = 100
)

// Controller holds the state the control API works on.
type Controller struct {
	st         *store.Store
	adminToken string
	tokens     *auth.Issuer

	Journal *Journal
	Faults  *Faults
	Limits  *RateLimiter

	guard hostGuard

	fixturesBytes               int64
	maxSnapshots, snapshotBytes int

	start       *Start // the control file's faults and rate limits, if any
	startLimits Limits // the rate limits as configured at start

	mu            sync.Mutex
	baseline      Baseline // what reset goes back to
	snapshots     map[string]savedSnapshot
	snapshotTotal int // sum of the snapshots' sizes
}

// savedSnapshot is a named snapshot with its size, as counted against the limit.
type savedSnapshot struct {
	snap store.Snapshot
	size int
}

// Options configure a controller.
type Options struct {
	AdminToken  string // when set, /_mock requires "Authorization: Bearer {token}"
	RateLimits  bool   // start with the real service's rate limits on
	JournalSize int    // requests kept; 0 means 1000
	// JournalBytes bounds the journal's entries in all, JournalBodyBytes what it keeps of a
	// body; 0 means DefaultJournalBytes and DefaultJournalBodyBytes.
	JournalBytes, JournalBodyBytes int
	Now                            func() time.Time // nil means time.Now
	// Rand draws the chance of faults with a probability, in [0, 1); nil means math/rand.
	// Tests set it to make such faults deterministic.
	Rand func() float64
	// ClientOf names the client a request counts against for rate limits; nil is the
	// remote address (RemoteAddress).
	ClientOf func(*http.Request) string
	// ListenAddr and AllowHosts name the hosts the control API answers besides loopback
	// names and IP addresses.
	ListenAddr string
	AllowHosts []string
	// FixturesBytes bounds a fixtures document posted to the control API; MaxSnapshots and
	// SnapshotBytes the snapshots kept, by number and by bytes in all; MaxFaults the fault
	// rules. 0 means the defaults above.
	FixturesBytes int64
	MaxSnapshots  int
	SnapshotBytes int
	MaxFaults     int
	// Start holds the fault rules and rate limits of a control file, which the mock starts
	// with and reset goes back to; nil is none and the real limits.
	Start *Start
	// Tokens is the API's token issuer, with which POST /tokens mints tokens; with nil that
	// endpoint answers 404.
	Tokens *auth.Issuer
	// FaultCodes are the error codes a fault rule may name: the ones the mounted APIs'
	// error writers know.
	FaultCodes []string
}

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

// New returns a controller whose reset goes back to baseline and to the start state of
// opts.Start.
func New(st *store.Store, baseline Baseline, opts Options) *Controller {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	faults := NewFaults(opts.MaxFaults, opts.FaultCodes)
	if opts.FixturesBytes <= 0 {
		opts.FixturesBytes = DefaultFixturesBytes
	}
	if opts.MaxSnapshots <= 0 {
		opts.MaxSnapshots = DefaultMaxSnapshots
	}
	if opts.SnapshotBytes <= 0 {
		opts.SnapshotBytes = DefaultSnapshotBytes
	}
	if opts.Rand != nil {
		faults.rand = opts.Rand
	}
	limits := limitsAtStart(opts.RateLimits, opts.Start)
	ctl := &Controller{
		st: st, adminToken: opts.AdminToken, tokens: opts.Tokens, baseline: baseline, snapshots: map[string]savedSnapshot{},
		fixturesBytes: opts.FixturesBytes, maxSnapshots: opts.MaxSnapshots, snapshotBytes: opts.SnapshotBytes,
		Journal: NewJournal(opts.JournalSize, opts.JournalBytes, opts.JournalBodyBytes), Faults: faults, Limits: NewRateLimiter(limits.Enabled, opts.Now, opts.ClientOf),
		guard: newHostGuard(opts.ListenAddr, opts.AllowHosts),
		start: opts.Start, startLimits: limits,
	}
	ctl.Limits.Set(limits)
	startFaults := opts.Start != nil
	if st.Shared() {
		faults.shared = st
		ctl.Journal.shared = st
		ctl.Limits.share(st)
		// The environment's rules: the first instance's start rules, kept while it runs on.
		_, kept, err := st.LookupShared(context.Background(), faultsKey)
		startFaults = startFaults && err == nil && !kept
	}
	if startFaults {
		// Checked by ParseStart and, against the limit, by CheckStart.
		_ = faults.restoreStart(opts.Start.Faults)
	}
	return ctl
}

// Mount adds the request-level features (journal, faults, rate limits, in that order) to
// the front door, for every API family, and the control API as a family of its own.
func (ctl *Controller) Mount(fd *frontdoor.Server, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	fd.Observe(ctl.Journal.Middleware(now))
	fd.UseOnFamilies(ctl.Faults.Middleware())
	fd.UseOnFamilies(ctl.Limits.Middleware())
	// The guard runs before routing, so that unknown paths under /_mock are refused the same way.
	fd.Mount(frontdoor.Family{Name: "control", Prefixes: []string{Prefix}, Internal: true, WriteError: writeError,
		Pre: ctl.guard.middleware, Routes: ctl.routes})
}

func (ctl *Controller) routes(e *echo.Echo) {
	// The admin token guards each route, not the group: a group's middleware would add a
	// catch-all route, which answers 404 where the router knows the path and would say 405.
	// An unknown path answers 404 with no token: it reveals nothing.
	g := e.Group(Prefix)
	g.GET("", ctl.index, ctl.requireAdmin)
	g.GET("/openapi.json", ctl.openAPI, ctl.requireAdmin)
	g.POST("/reset", ctl.reset, ctl.requireAdmin)
	g.POST("/fixtures", ctl.loadFixtures, ctl.requireAdmin)
	g.GET("/fixtures", ctl.exportFixtures, ctl.requireAdmin)
	g.GET("/users", ctl.listUsers, ctl.requireAdmin)
	g.GET("/snapshots", ctl.listSnapshots, ctl.requireAdmin)
	g.POST("/snapshots", ctl.saveSnapshot, ctl.requireAdmin)
	g.POST("/snapshots/:name/restore", ctl.restoreSnapshot, ctl.requireAdmin)
	g.DELETE("/snapshots/:name", ctl.deleteSnapshot, ctl.requireAdmin)
	g.GET("/requests", ctl.listRequests, ctl.requireAdmin)
	g.DELETE("/requests", ctl.clearRequests, ctl.requireAdmin)
	g.GET("/faults", ctl.listFaults, ctl.requireAdmin)
	g.POST("/faults", ctl.addFault, ctl.requireAdmin)
	g.DELETE("/faults", ctl.clearFaults, ctl.requireAdmin)
	g.DELETE("/faults/:id", ctl.removeFault, ctl.requireAdmin)
	g.GET("/rate-limits", ctl.getLimits, ctl.requireAdmin)
	g.PUT("/rate-limits", ctl.setLimits, ctl.requireAdmin)
	g.POST("/tokens", ctl.mintToken, ctl.requireAdmin)
}

// problem is the control API's error body.
type problem struct {
	Error string `json:"error"`
}

func fail(c echo.Context, status int, msg string) error {
	frontdoor.NoteCode(c, frontdoor.StatusCode(status)) // for the request log
	return c.JSON(status, problem{msg})
}

// writeError is the control API's error writer: its own JSON, {"error": "..."}.
func writeError(c echo.Context, err error) {
	var (
		na frontdoor.MethodNotAllowed
		tl frontdoor.TooLarge
		he *echo.HTTPError
	)
	status, msg := http.StatusInternalServerError, "internal error: "+err.Error()
	switch {
	case errors.As(err, new(frontdoor.NotFound)):
		status, msg = http.StatusNotFound, fmt.Sprintf("the control API has no %s; GET %s lists its endpoints", c.Request().URL.Path, Prefix)
	case errors.As(err, &na):
		c.Response().Header().Set(echo.HeaderAllow, strings.Join(na.Allow, ", "))
		status, msg = http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s; allowed: %s", na.Method, c.Request().URL.Path, strings.Join(na.Allow, ", "))
	case errors.As(err, &tl):
		status, msg = http.StatusRequestEntityTooLarge, tl.Error()
	case errors.As(err, &he):
		status, msg = he.Code, fmt.Sprint(he.Message)
	}
	if c.Request().Method == http.MethodHead {
		frontdoor.NoteCode(c, frontdoor.StatusCode(status))
		_ = c.NoContent(status)
		return
	}
	_ = fail(c, status, msg)
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
		"GET " + Prefix + "/openapi.json",
		"POST " + Prefix + "/reset[?keep=data,faults,journal,rate-limits]",
		"POST " + Prefix + "/fixtures[?replace=true]", "GET " + Prefix + "/fixtures[?format=json]",
		"GET " + Prefix + "/users",
		"GET|POST " + Prefix + "/snapshots", "POST " + Prefix + "/snapshots/{name}/restore", "DELETE " + Prefix + "/snapshots/{name}",
		"GET|DELETE " + Prefix + "/requests[?method=&path=&status=&limit=]",
		"GET|POST|DELETE " + Prefix + "/faults", "DELETE " + Prefix + "/faults/{id}",
		"GET|PUT " + Prefix + "/rate-limits",
		"POST " + Prefix + "/tokens",
	}})
}

func counts(snap store.Snapshot) map[string]int {
	out := map[string]int{}
	for typ, recs := range snap {
		out[typ] = len(recs)
	}
	return out
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

// loadFixtures loads a dataset in the hand-written format into the running mock, with the
// same checks and messages as at start-up. With replace=true the data is emptied first and
// the dataset becomes what reset goes back to.
func (ctl *Controller) loadFixtures(c echo.Context) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, ctl.fixturesBytes))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			return fail(c, http.StatusRequestEntityTooLarge, fmt.Sprintf(
				"a fixtures document is at most %d bytes (--max-fixtures-body)", ctl.fixturesBytes))
		}
		return fail(c, http.StatusBadRequest, "reading the fixtures document: "+err.Error())
	}
	if len(bytes.TrimSpace(body)) == 0 {
		// Most likely a client that lost its body (curl -d @missing-file sends none); an
		// empty dataset is written {}.
		return fail(c, http.StatusBadRequest, "the body is empty: send a fixtures document (YAML or JSON; an empty dataset is {})")
	}
	replace, _ := strconv.ParseBool(c.QueryParam("replace"))
	loaded, err := ctl.LoadFixtures(c.Request().Context(), "request body", body, replace)
	if _, conflict := errors.AsType[*loadConflict](err); conflict {
		return fail(c, http.StatusConflict, err.Error())
	}
	if err != nil {
		return fail(c, http.StatusBadRequest, err.Error())
	}
	return c.JSON(http.StatusOK, map[string]any{"loaded": loaded, "replace": replace})
}

// loadConflict is a valid dataset that does not fit beside the records already there (an
// id used twice, a reference to a record the dataset lacks).
type loadConflict struct{ err error }

func (e *loadConflict) Error() string { return e.err.Error() }
func (e *loadConflict) Unwrap() error { return e.err }

// LoadFixtures loads a dataset in the hand-written format (name names it in errors) into
// the running mock, in one transaction: on any error nothing changes. With replace the
// data is emptied first and the dataset becomes what reset goes back to. It returns how
// many records of each type it loaded.
func (ctl *Controller) LoadFixtures(ctx context.Context, name string, data []byte, replace bool) (map[string]int, error) {
	ds, err := fixtures.Parse(name, data, ctl.st.Registry())
	if err != nil {
		return nil, err
	}
	err = ctl.st.Tx(ctx, func(tx *store.Store) error {
		if replace {
			if err := tx.DeleteAll(ctx); err != nil {
				return err
			}
		}
		return ds.Load(ctx, tx)
	})
	if err != nil {
		return nil, &loadConflict{err}
	}
	if replace && ctl.st.Shared() {
		// The environment's baseline: every instance resets to it from now on.
		if err := ShareBaseline(ctx, ctl.st, name, data, true); err != nil {
			return nil, err
		}
	}
	if replace {
		ctl.mu.Lock()
		_ = closeBaseline(ctl.baseline)
		ctl.baseline = ds
		ctl.mu.Unlock()
	}
	return ds.Counts(), nil
}

type snapshotInfo struct {
	Name    string         `json:"name"`
	Records map[string]int `json:"records"`
	Bytes   int            `json:"bytes"` // as counted against --snapshot-bytes
}

func (ctl *Controller) listSnapshots(c echo.Context) error {
	if ctl.st.Shared() {
		return ctl.listSharedSnapshots(c)
	}
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	out := []snapshotInfo{}
	for name, saved := range ctl.snapshots {
		out = append(out, snapshotInfo{name, counts(saved.snap), saved.size})
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
	if ctl.st.Shared() {
		return ctl.saveSharedSnapshot(c, req.Name, snap)
	}
	size := snap.Size()
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	old, replacing := ctl.snapshots[req.Name]
	number, total := len(ctl.snapshots)+1, ctl.snapshotTotal+size
	if replacing {
		number, total = number-1, total-old.size
	}
	if number > ctl.maxSnapshots {
		return fail(c, http.StatusConflict, fmt.Sprintf(
			"at most %d snapshots are kept (--max-snapshots): delete one first", ctl.maxSnapshots))
	}
	if total > ctl.snapshotBytes {
		return fail(c, http.StatusConflict, fmt.Sprintf(
			"snapshots would hold %d bytes, over the limit of %d (--snapshot-bytes): delete some first", total, ctl.snapshotBytes))
	}
	ctl.snapshots[req.Name] = savedSnapshot{snap, size}
	ctl.snapshotTotal = total
	return c.JSON(http.StatusCreated, snapshotInfo{req.Name, counts(snap), size})
}

func (ctl *Controller) restoreSnapshot(c echo.Context) error {
	if ctl.st.Shared() {
		return ctl.restoreSharedSnapshot(c)
	}
	ctl.mu.Lock()
	saved, ok := ctl.snapshots[c.Param("name")]
	ctl.mu.Unlock()
	if !ok {
		return fail(c, http.StatusNotFound, "no snapshot named "+strconv.Quote(c.Param("name")))
	}
	if err := ctl.st.Restore(c.Request().Context(), saved.snap); err != nil {
		// Restore is one transaction: the data is as it was.
		return fail(c, http.StatusInternalServerError, "the snapshot could not be restored, nothing changed: "+err.Error())
	}
	return c.JSON(http.StatusOK, snapshotInfo{c.Param("name"), counts(saved.snap), saved.size})
}

func (ctl *Controller) deleteSnapshot(c echo.Context) error {
	if ctl.st.Shared() {
		return ctl.deleteSharedSnapshot(c)
	}
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	saved, ok := ctl.snapshots[c.Param("name")]
	if !ok {
		return fail(c, http.StatusNotFound, "no snapshot named "+strconv.Quote(c.Param("name")))
	}
	ctl.snapshotTotal -= saved.size
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
	if errors.Is(err, errTooManyFaults) {
		return fail(c, http.StatusConflict, fmt.Sprintf("%v (--max-faults): delete one first", err))
	}
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

// mintToken signs an access token for a user of the data, named by user_id or email, with
// any lifetime: ttl_seconds (default the configured one) may be zero or negative for a
// token that is already expired, so that a suite can test its refresh path at once. The
// answer is the token endpoint's document.
func (ctl *Controller) mintToken(c echo.Context) error {
	if ctl.tokens == nil {
		return fail(c, http.StatusNotFound, "this mock issues no tokens")
	}
	var req struct {
		UserID     string `json:"user_id"`
		Email      string `json:"email"`
		TTLSeconds *int64 `json:"ttl_seconds"`
	}
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || (req.UserID == "") == (req.Email == "") {
		return fail(c, http.StatusBadRequest, `send {"user_id": "..."} or {"email": "..."}, and optionally "ttl_seconds"`)
	}
	ctx := c.Request().Context()
	users := ctl.st.Registry().Lookup("users")
	var user store.Record
	if req.UserID != "" {
		u, err := ctl.st.Get(ctx, users, req.UserID)
		if store.IsNotFound(err) {
			return fail(c, http.StatusNotFound, "no user with id "+strconv.Quote(req.UserID))
		}
		if err != nil {
			return err
		}
		user = u
	} else {
		recs, _, err := ctl.st.List(ctx, users, store.ListQuery{})
		if err != nil {
			return err
		}
		for _, u := range recs {
			if strings.EqualFold(u.String("email"), req.Email) {
				user = u
				break
			}
		}
		if user == nil {
			return fail(c, http.StatusNotFound, "no user with email "+strconv.Quote(req.Email))
		}
	}
	ttl := ctl.tokens.TTL()
	if req.TTLSeconds != nil {
		ttl = time.Duration(*req.TTLSeconds) * time.Second
	}
	tok, err := ctl.tokens.IssueFor(user.ID(), user.String("client_id"), ttl)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{
		"access_token": tok.AccessToken, "token_type": "bearer", "expires_in": tok.ExpiresIn,
		"scope": auth.Scope, "created_at": tok.CreatedAt,
	})
}
