package mock

import (
	"cmp"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/console"
	"github.com/commercelayer-mock/provmock/control"
	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/frontdoor"
	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/imagecache"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// Options configure a mock; the zero value serves the demo data from memory.
type Options struct {
	// Fixtures is a dataset in the hand-written format (YAML or JSON); nil loads the demo
	// dataset, NoFixtures none. FixturesName names it in errors.
	Fixtures     []byte
	FixturesName string
	// DBPath is an SQLite file, a postgres:// URL (a database several mocks may share), or
	// "" for memory. A database that already holds records keeps them and the fixtures are
	// not loaded.
	DBPath         string
	BaseURL        string // base of links; "" is the address requests come to
	LenientFilters bool
	// TokenKey signs the access tokens (RS512); nil is a 2048-bit key generated when the
	// first token is issued or verified (see Mock.PrepareTokens), so tokens do not survive
	// the mock. Mocks given the same key accept each other's tokens.
	TokenKey     *rsa.PrivateKey
	TokenTTL     time.Duration // 0 is two hours
	IMSTokenTTL  time.Duration // lifetime of the Adobe family's IMS tokens; 0 is auth.DefaultIMSTTL (24 hours)
	AdminToken   string        // protects /_mock when set
	RateLimits   bool          // the real service's rate limits, on from the start
	AllowOrigins []string      // CORS of the API; empty admits any origin. Never the control API's
	// ListenAddr is the host:port the mock listens on: the control API answers requests
	// to its host besides loopback names and IP addresses. AllowHosts names more hosts
	// the control API answers (".example.test" admits its subdomains too).
	ListenAddr  string
	AllowHosts  []string
	Logger      *slog.Logger // server errors; nil discards them
	RequestLog  *slog.Logger // one line per request; nil logs none
	JournalSize int          // requests the journal keeps; 0 is control.DefaultJournalSize
	// JournalBytes bounds the journal in all, JournalBodyBytes what it keeps of each
	// request's body; 0 is control.DefaultJournalBytes and DefaultJournalBodyBytes.
	JournalBytes, JournalBodyBytes int
	// FixturesBytes bounds a fixtures document posted to the control API; MaxSnapshots and
	// SnapshotBytes the snapshots kept; MaxFaults the fault rules. 0 is control's default
	// (DefaultFixturesBytes, DefaultMaxSnapshots...).
	FixturesBytes int64
	MaxSnapshots  int
	SnapshotBytes int
	MaxFaults     int
	MaxBody       int64 // largest request body in bytes; 0 is handlers.DefaultMaxBody
	CacheBytes    int64 // budget of the response cache in bytes; 0 is handlers.DefaultCacheBytes
	// Now is the mock's clock: timestamps of records, token lifetimes, rate-limit windows and
	// the journal's times; nil is time.Now. Tests set it to drive time-dependent behaviour.
	Now func() time.Time
	// Rand draws the chance of faults given a probability, in [0, 1); nil is math/rand.
	Rand func() float64
	// Control is a control file: {"faults": [...], "rate_limits": {...}} in the control
	// API's JSON, the fault rules and rate limits the mock starts with and reset goes back
	// to; nil is none. ControlName names it in errors.
	Control     []byte
	ControlName string
	// ImageCache is a directory where images of loaded datasets are kept for later runs of
	// the same binary (see New); "" keeps them in this process only.
	ImageCache string

	start *control.Start // the parsed Control
}

// NoFixtures starts a mock with no records at all.
var NoFixtures = []byte{}

// Mock is a running mock's state: its handler serves the API and the control API.
type Mock struct {
	st     *store.Store
	front  *frontdoor.Server
	ctl    *control.Controller
	tokens *auth.Issuer
	imsTTL time.Duration
	// Loaded is how many records of each type were loaded at start, counted in the tables
	// (types without records left out) whether the fixtures or their image filled them; nil
	// when a file database kept its records.
	Loaded map[string]int
}

// New builds a mock: it opens the store, loads the fixtures and assembles the server.
//
// An in-memory mock whose fixtures set every record's created_at starts from an image of
// the database they make (package imagecache), made by the first mock with those fixtures
// and copied by later ones, which is several times faster; its reset copies the image
// back.
func New(ctx context.Context, opts Options) (*Mock, error) {
	start, err := parseControl(opts)
	if err != nil {
		return nil, err
	}
	opts.start = start
	reg := models.All()
	data, name := opts.Fixtures, opts.FixturesName
	if data == nil {
		data, name = fixtures.Demo(), fixtures.DemoName
	}
	if name == "" {
		name = "fixtures"
	}
	inMemory := opts.DBPath == "" || opts.DBPath == store.Memory
	// Opening the store is the longest step before the data, so it starts first, beside
	// the rest; an in-memory store opens empty, for an image or the schema.
	opening := make(chan opened, 1)
	openStore := func() {
		st, err := store.Open(opts.DBPath, reg, store.Options{Now: opts.Now, NoSchema: inMemory})
		opening <- opened{st, err}
	}
	go openStore()
	var imageKey string
	if inMemory {
		// Within a process the schema and the code are fixed, so the fixtures' bytes name
		// the image; on disk, the cache adds the executable to the key.
		imageKey = imagecache.Key(data)
		entry, ok, refused := lookupImage(opts.ImageCache, imageKey)
		if refused != nil && opts.Logger != nil {
			// An image file that is not what was written (edited, truncated): removed, and
			// the fixtures are loaded instead, which writes a new one.
			opts.Logger.Warn("cached image not used", "error", refused)
		}
		if ok {
			img := store.NewImage(entry.Data)
			err := img.Open() // beside the store's opening
			o := <-opening
			if o.err != nil {
				img.Close()
				return nil, o.err
			}
			if err == nil && !o.st.Images() {
				err = store.ErrNoImages
			}
			if err == nil {
				m, err := fromImage(ctx, reg, o.st, img, entry.Records, opts)
				if err == nil {
					return m, nil
				}
			}
			// A damaged or foreign file: forget it, and load the fixtures into a new store
			// as if it had not been there.
			if opts.Logger != nil {
				opts.Logger.Warn("cached image not used", "error", err)
			}
			img.Close()
			o.st.Close()
			imagecache.Remove(opts.ImageCache, imageKey)
			go openStore()
		}
	}
	// Parsing the dataset and opening the database are independent: they overlap.
	type parsed struct {
		ds  *fixtures.Dataset
		err error
	}
	parsing := make(chan parsed, 1)
	go func() {
		ds, err := fixtures.Parse(name, data, reg)
		parsing <- parsed{ds, err}
	}()
	o := <-opening
	st, err := o.st, o.err
	if err == nil && inMemory {
		err = st.CreateSchema()
	}
	p := <-parsing
	if err == nil {
		err = p.err
	}
	var baseline control.Baseline
	var loaded map[string]int
	if err == nil {
		baseline, loaded, err = load(ctx, st, p.ds, inMemory, imageKey, opts)
	}
	if err != nil {
		if st != nil {
			st.Close()
		}
		return nil, err
	}
	if st.Shared() {
		// What reset goes back to, for every instance: the fixtures of the first to start,
		// until a replace.
		if err := control.ShareBaseline(ctx, st, name, data, false); err != nil {
			st.Close()
			return nil, err
		}
	}
	if opts.TokenKey == nil && st.Shared() {
		if opts.TokenKey, err = sharedTokenKey(ctx, st); err != nil {
			st.Close()
			return nil, err
		}
	}
	m := &Mock{st: st, Loaded: loaded}
	m.buildServer(opts)
	m.mountControl(baseline, opts)
	return m, nil
}

type opened struct {
	st  *store.Store
	err error
}

// fromImage starts a mock whose empty store is filled from an image; records are the
// image's counts by type, if known. When it fails, closing st and img is the caller's.
func fromImage(ctx context.Context, reg *models.Registry, st *store.Store, img *store.Image, records map[string]int, opts Options) (*Mock, error) {
	// Copying the image into the store and building the server are independent: they
	// overlap.
	restored := make(chan error, 1)
	go func() {
		err := st.RestoreImage(ctx, img)
		if err == nil && records == nil {
			records, err = img.Counts(reg)
		}
		restored <- err
	}()
	m := &Mock{st: st}
	m.buildServer(opts)
	if err := <-restored; err != nil {
		return nil, err
	}
	m.Loaded = records
	m.mountControl(control.ImageBaseline{Image: img, Records: records}, opts)
	return m, nil
}

// load fills a new store with the dataset, or, for a file database that already holds
// data, keeps it; it returns what reset goes back to and the counts of what it loaded.
func load(ctx context.Context, st *store.Store, dataset *fixtures.Dataset, inMemory bool, imageKey string, opts Options) (control.Baseline, map[string]int, error) {
	if !inMemory {
		// Whether the database is empty and loading it are one transaction: of instances
		// starting together on one empty database (PostgreSQL), the first loads the
		// fixtures, and the others, whose transactions wait for its own, find them there.
		empty := false
		err := st.Unscoped().Tx(ctx, func(tx *store.Store) error {
			var err error
			if empty, err = tx.IsEmpty(ctx); err != nil || !empty {
				return err
			}
			return dataset.Load(ctx, tx)
		})
		if err != nil {
			return nil, nil, err
		}
		if !empty {
			// A file database that already holds data keeps it, and reset goes back to it.
			// One made before memberships carried their account gets them linked first.
			if _, err := domain.LinkMembershipAccounts(ctx, st); err != nil {
				return nil, nil, err
			}
			snap, err := st.Dump(ctx)
			if err != nil {
				return nil, nil, err
			}
			return control.SnapshotBaseline(snap), nil, nil
		}
	}
	if inMemory {
		if err := dataset.Load(ctx, st); err != nil {
			return nil, nil, err
		}
	}
	// Counted in the tables, as a start from the image counts them: every start with the
	// same data reports the same counts.
	loaded, err := st.Counts(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !inMemory || !dataset.Reproducible() || !st.Images() {
		return dataset, loaded, nil // an engine without images reloads the dataset on reset
	}
	data, err := st.Serialize(ctx)
	if err != nil {
		return nil, nil, err
	}
	// A cache that cannot be written costs later starts time, nothing else.
	if err := imagecache.Put(opts.ImageCache, imageKey, data, loaded); err != nil && opts.Logger != nil {
		opts.Logger.Warn("image cache not written", "dir", opts.ImageCache, "error", err)
	}
	return control.ImageBaseline{Image: store.NewImage(data), Records: loaded}, loaded, nil
}

// buildServer makes the token issuer, the front door and the Provisioning family around
// the store.
func (m *Mock) buildServer(opts Options) {
	m.tokens = auth.NewIssuer(auth.Options{Key: opts.TokenKey, TTL: opts.TokenTTL, Now: opts.Now})
	m.imsTTL = opts.IMSTokenTTL
	m.front = frontdoor.New(frontdoor.Config{AllowOrigins: opts.AllowOrigins, RequestLog: opts.RequestLog, Logger: opts.Logger})
	m.front.Mount(handlers.Family(m.st, handlers.Config{
		BaseURL:    opts.BaseURL,
		Query:      query.Options{LenientFilters: opts.LenientFilters},
		Logger:     opts.Logger,
		Tokens:     m.tokens,
		MaxBody:    opts.MaxBody,
		CacheBytes: opts.CacheBytes,
	}))
	m.front.Mount(handlers.AdobeFamily(m.st, handlers.Config{
		Logger: opts.Logger, Tokens: m.tokens, MaxBody: opts.MaxBody, CacheBytes: opts.CacheBytes, IMSTokenTTL: opts.IMSTokenTTL,
	}))
}

// faultCodes are the codes a fault rule may name, on the paths of every family mounted.
func faultCodes() []string { return append(handlers.FaultCodes(), handlers.AdobeFaultCodes()...) }

// parseControl reads the control file of the options, if any, and checks it against the
// fault limit.
func parseControl(opts Options) (*control.Start, error) {
	if opts.Control == nil {
		return nil, nil
	}
	name := opts.ControlName
	if name == "" {
		name = "control file"
	}
	start, err := control.ParseStart(name, opts.Control, faultCodes())
	if err == nil {
		err = control.CheckStart(start, opts.MaxFaults)
	}
	return start, err
}

// mountControl adds the request-level features, the control API (whose reset goes back to
// baseline) and the console.
func (m *Mock) mountControl(baseline control.Baseline, opts Options) {
	m.ctl = control.New(m.st, baseline, control.Options{
		AdminToken: opts.AdminToken, RateLimits: opts.RateLimits, JournalSize: opts.JournalSize,
		JournalBytes: opts.JournalBytes, JournalBodyBytes: opts.JournalBodyBytes,
		FixturesBytes: opts.FixturesBytes, MaxSnapshots: opts.MaxSnapshots, SnapshotBytes: opts.SnapshotBytes,
		MaxFaults: opts.MaxFaults,
		Now:       opts.Now, Rand: opts.Rand, ListenAddr: opts.ListenAddr, AllowHosts: opts.AllowHosts,
		ClientOf: rateLimitClient(m.tokens), Tokens: m.tokens, FaultCodes: faultCodes(), Start: opts.start,
	})
	m.ctl.Mount(m.front, opts.Now)
	consoleCfg := console.Config{Registry: m.st.Registry(), BaseURL: opts.BaseURL, Credentials: m.demoCredentials(opts)}
	// Neither an API nor the mock's own: its pages only, with plain JSON errors.
	m.front.Mount(frontdoor.Family{Name: "console", Routes: func(e *echo.Echo) { console.Mount(e, consoleCfg) }})
}

// rateLimitClient names the client a request counts against, as the real service counts:
// the application of a valid access token, else the remote address. It is the rate
// limits' only dependence on tokens.
func rateLimitClient(tokens *auth.Issuer) func(*http.Request) string {
	return func(r *http.Request) string {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if strings.EqualFold(scheme, "Bearer") {
			token = strings.TrimSpace(token)
			// An IMS token the gateway just verified is looked up, not checked with the
			// signature as a Provisioning token first, which it is not.
			if !tokens.VerifiedIMS(token) {
				if app, err := tokens.Application(token); err == nil && app != "" {
					return "application " + app
				}
			}
			if ims, err := tokens.VerifyIMS(token); err == nil {
				return "IMS client " + ims.ClientID
			}
		}
		return control.RemoteAddress(r)
	}
}

// RateLimiter returns the mock's rate limiter: its settings and how much it holds.
func (m *Mock) RateLimiter() *control.RateLimiter { return m.ctl.Limits }

// demoCredentials lists the users' credentials for the landing page, unless an admin
// token protects the control API, which then is the only place that shows them.
func (m *Mock) demoCredentials(opts Options) func(context.Context) ([]console.Credentials, error) {
	if opts.AdminToken != "" {
		return nil
	}
	return func(ctx context.Context) ([]console.Credentials, error) {
		users, err := m.Users(ctx)
		out := make([]console.Credentials, 0, len(users))
		for _, u := range users {
			if u.String("client_id") == "" {
				continue // an account that cannot sign in
			}
			out = append(out, console.Credentials{Email: u.String("email"), ClientID: u.String("client_id"), ClientSecret: u.String("client_secret")})
		}
		return out, err
	}
}

// Handler serves the API (/api, /oauth/token), the control API (/_mock), /healthz, the
// landing page (/) and the console (/console).
func (m *Mock) Handler() http.Handler { return m.front.Echo() }

// Reset returns the mock to its start state: the data to the fixtures loaded at start (or
// the last replace), the fault rules to the control file's, the journal emptied, the rate
// limits as configured at start with their counters at zero.
func (m *Mock) Reset(ctx context.Context) error { return m.ctl.Reset(ctx) }

// ReplaceFixtures empties the data and loads the dataset (name names it in errors), which
// becomes what reset goes back to, as POST /_mock/fixtures?replace=true does; on an error
// the data stays as it was. It returns how many records of each type it loaded.
func (m *Mock) ReplaceFixtures(ctx context.Context, name string, data []byte) (map[string]int, error) {
	return m.ctl.LoadFixtures(ctx, name, data, true)
}

// Journal returns the requests the mock received, newest first.
func (m *Mock) Journal() []control.Entry { return m.ctl.Journal.List(control.Filter{}) }

// Users returns the users of the data, with their credentials, oldest first.
func (m *Mock) Users(ctx context.Context) ([]store.Record, error) {
	recs, _, err := m.st.List(ctx, m.st.Registry().Lookup("users"), store.ListQuery{})
	return recs, err
}

// Token signs an access token for the user with those client credentials, as the token
// endpoint would.
func (m *Mock) Token(ctx context.Context, clientID, clientSecret string) (string, error) {
	user, err := domain.UserByCredentials(ctx, m.st, clientID, clientSecret)
	if err != nil {
		return "", err
	}
	tok, err := m.tokens.Issue(user.ID(), clientID)
	return tok.AccessToken, err
}

// Integrations returns the Adobe integrations of the data, with their credentials, oldest
// first.
func (m *Mock) Integrations(ctx context.Context) ([]store.Record, error) {
	recs, _, err := m.st.List(ctx, m.st.Registry().Lookup("adobe_integrations"), store.ListQuery{})
	return recs, err
}

// IMSToken signs an IMS access token for the Adobe integration with those client
// credentials, as POST /ims/token/v3 would; its lifetime is the mock's IMS token lifetime.
func (m *Mock) IMSToken(ctx context.Context, clientID, clientSecret string) (string, error) {
	in, err := domain.IntegrationByCredentials(ctx, m.st, clientID, clientSecret)
	if err != nil {
		return "", err
	}
	tok, err := m.tokens.IssueIMS(clientID, in.String("technical_account_id"), in.String("ims_org"), "openid,AdobeID", cmp.Or(m.imsTTL, auth.DefaultIMSTTL))
	return tok.AccessToken, err
}

// PrepareTokens starts generating the token signing key in the background, when the mock
// was given none, so that the first token request does not wait for it.
func (m *Mock) PrepareTokens() { m.tokens.Prepare() }

// Close releases the database and the image reset goes back to.
func (m *Mock) Close() error {
	return errors.Join(m.ctl.Close(), m.st.Close())
}

// Server is a mock served on a loopback address.
type Server struct {
	*Mock
	*httptest.Server
}

// Start serves a new mock on a loopback address; Close stops it.
func Start(ctx context.Context, opts Options) (*Server, error) {
	m, err := New(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Server{Mock: m, Server: httptest.NewServer(m.Handler())}, nil
}

// Close stops the server and releases the database.
func (s *Server) Close() {
	s.Server.Close()
	_ = s.Mock.Close()
}

// Token signs an access token for the client credentials.
func (s *Server) Token(clientID, clientSecret string) (string, error) {
	return s.Mock.Token(context.Background(), clientID, clientSecret)
}

// IMSToken signs an Adobe IMS access token for the integration with those client
// credentials, as POST /ims/token/v3 would.
func (s *Server) IMSToken(clientID, clientSecret string) (string, error) {
	return s.Mock.IMSToken(context.Background(), clientID, clientSecret)
}

// NewTestServer starts a mock for one test and stops it when the test ends; it fails the
// test if the mock cannot start.
func NewTestServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	srv, err := Start(context.Background(), opts)
	if err != nil {
		tb.Fatalf("mock: %v", err)
	}
	tb.Cleanup(srv.Close)
	return srv
}

// String describes the server.
func (s *Server) String() string { return fmt.Sprintf("provmock at %s", s.URL) }
