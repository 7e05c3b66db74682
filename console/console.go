package console

import (
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/models"
)

// Path is where the console is served.
const Path = "/console"

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// readmeURL is the project's README, linked from the landing page.
const readmeURL = "https://github.com/commercelayer-mock/provmock#readme"

// API is an API the mock serves, listed on the landing page.
type API struct {
	Name string `json:"name"`
	// Path is where it lives on the mock ("/api"); the landing page prefixes the base URL.
	Path string `json:"-"`
	URL  string `json:"base_url"`
}

// Credentials are client credentials of a user of the data.
type Credentials struct {
	Email        string `json:"email"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// Config is what the console needs from the mock.
type Config struct {
	// Registry describes the resource types the console browses.
	Registry *models.Registry
	// BaseURL prefixes the URLs the landing page gives; "" is the scheme and host the
	// request came to.
	BaseURL string
	// APIs are the APIs served, beside the Provisioning API and its token endpoint,
	// which are always listed.
	APIs []API
	// Credentials lists the demo credentials the landing page shows; nil shows none (when
	// the control API is protected, the credentials are its business).
	Credentials func(ctx context.Context) ([]Credentials, error)
}

// Mount adds the landing page (GET /) and the console (GET /console...) to e.
func Mount(e *echo.Echo, cfg Config) {
	c := &console{cfg: cfg, pages: template.Must(template.New("").Funcs(template.FuncMap{
		"json": func(v any) (template.JS, error) {
			b, err := json.Marshal(v)
			return template.JS(b), err
		},
	}).ParseFS(templateFiles, "templates/*.html")), types: describe(cfg.Registry)}
	assets, err := fs.Sub(assetFiles, "assets")
	if err != nil {
		panic(err) // the embedded tree has the directory: never reached
	}
	static := http.StripPrefix(Path+"/assets/", http.FileServerFS(assets))
	e.GET("/", c.landing)
	e.GET(Path, c.page("home"))
	e.GET(Path+"/journal", c.page("journal"))
	e.GET(Path+"/control", c.page("control"))
	e.GET(Path+"/resources/:type", c.page("table"))
	e.GET(Path+"/resources/:type/:id", c.page("record"))
	e.GET(Path+"/assets/*", echo.WrapHandler(static))
}

type console struct {
	cfg   Config
	pages *template.Template
	types []typeInfo
}

// typeInfo is what the pages show of a resource type.
type typeInfo struct {
	Type      string    `json:"type"`
	Path      string    `json:"path"`
	Singleton bool      `json:"singleton"`
	Listable  bool      `json:"listable"`
	Columns   []string  `json:"columns"` // the table's
	Attrs     []string  `json:"attrs"`   // every rendered attribute
	Rels      []relInfo `json:"rels"`
}

type relInfo struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	ToMany bool   `json:"to_many"`
}

// mainColumns is how many attributes a type's table shows besides the id and created_at.
const mainColumns = 4

func describe(reg *models.Registry) []typeInfo {
	var out []typeInfo
	for _, def := range reg.Of(models.ProvisioningFamily) {
		t := typeInfo{Type: def.Type, Path: def.Path, Singleton: def.Singleton, Listable: def.Offers(models.OpList)}
		for _, a := range def.Attrs {
			if !a.Rendered() {
				continue
			}
			t.Attrs = append(t.Attrs, a.Name)
			// The main attributes: the type's own short values, in its order.
			if len(t.Columns) < mainColumns && a.Kind != models.Object && a.Kind != models.Time &&
				a.Name != "reference" && a.Name != "reference_origin" {
				t.Columns = append(t.Columns, a.Name)
			}
		}
		t.Columns = append(t.Columns, "created_at")
		for _, r := range def.Rels {
			t.Rels = append(t.Rels, relInfo{r.Name, r.Type, r.ToMany})
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b typeInfo) int { return strings.Compare(a.Type, b.Type) })
	return out
}

func (c *console) lookup(typ string) (typeInfo, bool) {
	for _, t := range c.types {
		if t.Type == typ {
			return t, true
		}
	}
	return typeInfo{}, false
}

// pageData is what a console page's template gets.
type pageData struct {
	Page  string
	Title string
	Types []typeInfo
	Type  typeInfo
	ID    string
}

func (c *console) page(name string) echo.HandlerFunc {
	return func(ctx echo.Context) error {
		d := pageData{Page: name, Types: c.types}
		switch name {
		case "home":
			d.Title = "Data"
		case "journal":
			d.Title = "Request journal"
		case "control":
			d.Title = "Control"
		case "table", "record":
			t, ok := c.lookup(ctx.Param("type"))
			if !ok {
				return c.notFound(ctx)
			}
			d.Type, d.ID, d.Title = t, ctx.Param("id"), t.Type
			if d.ID != "" {
				d.Title = t.Type + " " + d.ID
			}
		}
		return c.render(ctx, http.StatusOK, "console.html", d)
	}
}

func (c *console) notFound(ctx echo.Context) error {
	return c.render(ctx, http.StatusNotFound, "console.html", pageData{Page: "missing", Title: "Not found", Types: c.types})
}

func (c *console) render(ctx echo.Context, status int, name string, data any) error {
	var b strings.Builder
	if err := c.pages.ExecuteTemplate(&b, name, data); err != nil {
		return err
	}
	h := ctx.Response().Header()
	// The pages run only their own script and load nothing from elsewhere.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	return ctx.HTML(status, b.String())
}

// landing is the landing page's content, also its JSON.
type landing struct {
	Name        string        `json:"name"`
	About       string        `json:"about"`
	APIs        []API         `json:"apis"`
	Credentials []Credentials `json:"credentials"`
	Links       []link        `json:"links"`
}

type link struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

func (c *console) landing(ctx echo.Context) error {
	base := c.cfg.BaseURL
	if base == "" {
		base = ctx.Scheme() + "://" + ctx.Request().Host
	}
	base = strings.TrimRight(base, "/")
	d := landing{
		Name:  "provmock",
		About: "A stateful mock of the Commerce Layer Provisioning API, for tests and local development.",
		APIs: []API{
			{Name: "Provisioning API", URL: base + "/api"},
			{Name: "Token endpoint (OAuth 2.0 client credentials)", URL: base + "/oauth/token"},
		},
		Credentials: []Credentials{},
		Links: []link{
			{"Console", base + Path},
			{"Control API reference", base + "/_mock"},
			{"Control API description (OpenAPI 3)", base + "/_mock/openapi.json"},
			{"README", readmeURL},
		},
	}
	for _, a := range c.cfg.APIs {
		d.APIs = append(d.APIs, API{Name: a.Name, URL: base + a.Path})
	}
	if c.cfg.Credentials != nil {
		creds, err := c.cfg.Credentials(ctx.Request().Context())
		if err != nil {
			return err
		}
		d.Credentials = append(d.Credentials, creds...)
	}
	if prefersJSON(ctx.Request().Header.Get("Accept")) {
		return ctx.JSON(http.StatusOK, d)
	}
	return c.render(ctx, http.StatusOK, "landing.html", d)
}

// prefersJSON reports whether an Accept header asks for JSON rather than a page: browsers
// list text/html first; a client that names JSON and not HTML gets JSON.
func prefersJSON(accept string) bool {
	html, json := strings.Index(accept, "text/html"), strings.Index(accept, "json")
	return json >= 0 && (html < 0 || json < html)
}
