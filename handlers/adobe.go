package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/frontdoor"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// The Adobe family (SPEC-ADOBE.md): Experience Platform's Destination SDK credentials API
// behind the Platform gateway's header checks, and the IMS token endpoint its clients get
// tokens from.

// CredentialsPath is where the Destination SDK serves credentials configurations.
const CredentialsPath = "/data/core/activation/authoring/credentials"

// AdobePrefixes are the paths the Adobe family owns: Platform's gateway and IMS.
var AdobePrefixes = []string{"/data", "/ims"}

// AdobeHeaders are the request headers of Platform's gateway, which CORS admits.
var AdobeHeaders = []string{"x-api-key", "x-gw-ims-org-id", "x-sandbox-name"}

// adobeMediaType is the type of every answer of the family.
const adobeMediaType = echo.MIMEApplicationJSON

// adobeAPI holds the Adobe family's dependencies.
type adobeAPI struct {
	st          *store.Store // unscoped: handlers use a.store(c), which sees the request's org and sandbox
	tokens      *auth.Issuer
	credentials *models.Resource
	cfg         Config
	log         *slog.Logger
	cache       *responseCache
}

// AdobeFamily returns the Adobe family, serving the store's data, for the front door to
// mount. The store's registry must hold the Adobe types (models.All).
func AdobeFamily(st *store.Store, cfg Config) frontdoor.Family {
	_, f := newAdobeFamily(st, cfg)
	return f
}

func newAdobeFamily(st *store.Store, cfg Config) (*adobeAPI, frontdoor.Family) {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.CacheBytes <= 0 {
		cfg.CacheBytes = DefaultCacheBytes
	}
	if cfg.IMSTokenTTL <= 0 {
		cfg.IMSTokenTTL = auth.DefaultIMSTTL
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tokens := cfg.Tokens
	if tokens == nil {
		tokens = auth.NewIssuer(auth.Options{})
	}
	a := &adobeAPI{st: st, tokens: tokens, credentials: st.Registry().Lookup("adobe_credentials"),
		cfg: cfg, log: log, cache: newResponseCache(cfg.CacheBytes)}
	return a, frontdoor.Family{
		Name:         "adobe",
		Prefixes:     AdobePrefixes,
		WriteError:   a.writeError,
		Pre:          a.gateway,
		Routes:       a.routes,
		AllowHeaders: AdobeHeaders,
	}
}

// NewAdobeServer returns a front door serving the Adobe family alone: what its tests use
// when they need no Provisioning API.
func NewAdobeServer(st *store.Store, cfg Config) *echo.Echo {
	fd := frontdoor.New(frontdoor.Config{Logger: cfg.Logger})
	fd.Mount(AdobeFamily(st, cfg))
	return fd.Echo()
}

// routes registers the family's routes:
//
//	POST   /data/core/activation/authoring/credentials               create
//	GET    /data/core/activation/authoring/credentials               list
//	GET    /data/core/activation/authoring/credentials/{instanceId}  retrieve
//	PUT    /data/core/activation/authoring/credentials/{instanceId}  replace
//	DELETE /data/core/activation/authoring/credentials/{instanceId}  delete
//	POST   /ims/token/v3, /ims/token/v2                               client_credentials
//
// The gateway's header checks (the family's Pre) run on every /data request before routing,
// so that they come before 404 and 405; the Content-Type check and the response cache are the routes' own.
func (a *adobeAPI) routes(e *echo.Echo) {
	e.POST("/ims/token/v3", a.imsToken)
	e.POST("/ims/token/v2", a.imsToken)
	guard := []echo.MiddlewareFunc{a.contentType, a.cached}
	member := CredentialsPath + "/:id"
	e.POST(CredentialsPath, a.create, guard...)
	e.GET(CredentialsPath, a.list, guard...)
	e.HEAD(CredentialsPath, a.list, guard...)
	e.GET(member, a.retrieve, guard...)
	e.HEAD(member, a.retrieve, guard...)
	e.PUT(member, a.replace, guard...)
	e.DELETE(member, a.remove, guard...)
}

// tenant is who a /data request acts for, once the gateway has checked its headers.
type tenant struct {
	clientID, org, sandbox string
}

const tenantKey = "provmock.adobeTenant"

func tenantOf(c echo.Context) (tenant, bool) {
	t, ok := c.Get(tenantKey).(tenant)
	return t, ok
}

// underData reports whether a path is Platform's, behind the gateway.
func underData(path string) bool { return path == "/data" || strings.HasPrefix(path, "/data/") }

// gateway runs Platform's header checks, in SPEC-ADOBE.md's order; a repeated header
// counts by its first value. Preflights never get here: CORS answers them first.
func (a *adobeAPI) gateway(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if !underData(r.URL.Path) {
			return next(c)
		}
		h := r.Header
		authz := h.Get("Authorization")
		if strings.TrimSpace(authz) == "" {
			return gatewayErrorOf("403010")
		}
		scheme, token, _ := strings.Cut(authz, " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			return gatewayErrorOf("401013")
		}
		claims, err := a.tokens.VerifyIMS(token)
		if err != nil {
			return gatewayErrorOf("401013")
		}
		key := h.Get("x-api-key")
		switch {
		case key == "":
			return gatewayErrorOf("403000")
		case key != claims.ClientID:
			return gatewayErrorOf("403003")
		}
		org := h.Get("x-gw-ims-org-id")
		switch {
		case org == "":
			return gatewayErrorOf("400003")
		case org != claims.Org:
			return gatewayErrorOf("403025")
		}
		sandbox := h.Get("x-sandbox-name")
		if sandbox == "" {
			sandbox = models.DefaultSandbox
		}
		c.Set(tenantKey, tenant{clientID: claims.ClientID, org: org, sandbox: sandbox})
		return next(c)
	}
}

// contentType refuses a write whose body is not declared application/json.
func (a *adobeAPI) contentType(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodPost || r.Method == http.MethodPut {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != echo.MIMEApplicationJSON {
				return errBadContentType
			}
		}
		return next(c)
	}
}

// cached serves a GET from the response cache, whose entries are per org and sandbox: what
// a request sees depends on nothing else.
func (a *adobeAPI) cached(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		t, ok := tenantOf(c)
		if c.Request().Method != http.MethodGet || !ok {
			return next(c)
		}
		key := t.org + "\n" + t.sandbox + "\n" + c.Request().URL.Path
		if d, ok := a.cache.docs.get(key, generations(c, a.st)); ok {
			return serveDoc(c, http.StatusOK, d)
		}
		a.cache.offer(c, key, a.st)
		return next(c)
	}
}

// store is the handle that sees the request's org and sandbox only.
func (a *adobeAPI) store(c echo.Context) *store.Store {
	t, _ := tenantOf(c)
	return a.st.As(domain.AdobeScope(t.clientID, t.org, t.sandbox))
}

// listOrder is the list's order: by createdDate, then instanceId.
var listOrder = []query.SortKey{{Column: "created_at"}, {Column: "id"}}

func (a *adobeAPI) list(c echo.Context) error {
	recs, _, err := a.store(c).List(c.Request().Context(), a.credentials, store.ListQuery{Sort: listOrder})
	if err != nil {
		return err
	}
	buf := getDocBuffer()
	defer putDocBuffer(buf)
	b := append(*buf, `{"items":[`...)
	for i, rec := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCredential(b, rec)
	}
	*buf = append(b, "]}"...)
	return writeAdobeDoc(c, *buf)
}

func (a *adobeAPI) retrieve(c echo.Context) error {
	id := c.Param("id")
	rec, err := a.store(c).Get(c.Request().Context(), a.credentials, id)
	if store.IsNotFound(err) {
		return credentialNotFound{id}
	}
	if err != nil {
		return err
	}
	return a.one(c, rec)
}

func (a *adobeAPI) create(c echo.Context) error {
	fields, err := a.readCredential(c)
	if err != nil {
		return err
	}
	t, _ := tenantOf(c)
	rec, err := domain.CreateCredential(c.Request().Context(), a.store(c), a.credentials, t.org, t.sandbox, fields)
	if err != nil {
		return err
	}
	return a.one(c, rec)
}

func (a *adobeAPI) replace(c echo.Context) error {
	id := c.Param("id")
	fields, err := a.readCredential(c)
	if err != nil {
		return err
	}
	rec, err := domain.ReplaceCredential(c.Request().Context(), a.store(c), a.credentials, id, fields)
	if store.IsNotFound(err) {
		return credentialNotFound{id}
	}
	if err != nil {
		return err
	}
	return a.one(c, rec)
}

func (a *adobeAPI) remove(c echo.Context) error {
	id := c.Param("id")
	err := domain.DeleteCredential(c.Request().Context(), a.store(c), a.credentials, id)
	if store.IsNotFound(err) {
		return credentialNotFound{id}
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// readCredential reads a write body: one JSON object, in UTF-8, within the size limit, whose
// members the credential rules accept.
func (a *adobeAPI) readCredential(c echo.Context) (store.Record, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, a.cfg.MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, frontdoor.TooLarge{Limit: a.cfg.MaxBody}
		}
		return nil, domain.CredentialViolations{domain.ErrNotOneObject}
	}
	trimmed := bytes.TrimSpace(body)
	var doc map[string]json.RawMessage
	if len(trimmed) == 0 || trimmed[0] != '{' || checkJSON(trimmed) != nil || json.Unmarshal(trimmed, &doc) != nil {
		return nil, domain.CredentialViolations{domain.ErrNotOneObject}
	}
	return domain.CredentialFields(doc)
}

func (a *adobeAPI) one(c echo.Context, rec store.Record) error {
	buf := getDocBuffer()
	defer putDocBuffer(buf)
	*buf = appendCredential(*buf, rec)
	return writeAdobeDoc(c, *buf)
}

// writeAdobeDoc writes a successful answer, keeping a GET's in the response cache.
func writeAdobeDoc(c echo.Context, body []byte) error {
	return writeRendered(c, http.StatusOK, body, adobeMediaType)
}

// appendCredential renders a credential as the Destination SDK does: its id, dates, type,
// name when set, then its auth objects in the table's order. Strings are escaped as
// json.Marshal escapes them (<, > and & too); the objects are stored as they are written.
func appendCredential(b []byte, rec store.Record) []byte {
	b = append(b, `{"instanceId":`...)
	b = appendString(b, rec.ID(), true)
	b = append(b, `,"createdDate":`...)
	b = appendString(b, rec.String("created_at"), true)
	b = append(b, `,"lastModifiedDate":`...)
	b = appendString(b, rec.String("updated_at"), true)
	b = append(b, `,"type":`...)
	b = appendString(b, rec.String("type"), true)
	if name, ok := rec["name"].(string); ok {
		b = append(b, `,"name":`...)
		b = appendString(b, name, true)
	}
	for _, o := range models.AuthObjects {
		if raw := objectText(rec[o.Member]); raw != nil {
			b = append(append(append(b, `,"`...), o.Member...), `":`...)
			b = append(b, raw...)
		}
	}
	return append(b, '}')
}

// objectText is a stored auth object's JSON text, or nil when the credential has none.
func objectText(v any) []byte {
	switch o := v.(type) {
	case json.RawMessage:
		return o
	case string:
		return []byte(o)
	}
	return nil
}

// imsTokenTTL is the lifetime of the IMS tokens the family issues.
func (a *adobeAPI) imsTokenTTL() time.Duration { return a.cfg.IMSTokenTTL }
