package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/models"
)

// addRoutes registers the whole API surface. For every resource type of the registry:
//
//	GET    /api/{type}                          list        (where the type offers it)
//	POST   /api/{type}                          create
//	GET    /api/{type}/{id}                     retrieve
//	PATCH  /api/{type}/{id}                     update
//	DELETE /api/{type}/{id}                     delete
//	GET    /api/{type}/{id}/{relationship}      the related resource or list
//	GET    /api/{type}/{id}/relationships/{rel} the relationship's linkage
//	POST|PATCH /api/{type}/{id}/{action}        custom actions (memberships resend,
//	                                            organizations transfer_ownership)
//	GET|PATCH  /api/user                        the singleton user
//	GET    /api/public/resources                the self-description (no token needed)
//
// plus, as auth.commercelayer.io serves them, POST /oauth/token, POST /oauth/revoke and
// GET /.well-known/jwks.json.
// Any other method on these paths is a 405 whose Allow header the router computes; any
// other path under /api is a 404 RECORD_NOT_FOUND. Both are routing outcomes, decided
// before any header is looked at (the real service's router answers before its
// controllers authenticate and check Content-Type and Accept), so only the offered
// operations go through the guard; the front door hands them to handleError.
func addRoutes(e *echo.Echo, a *api) {
	e.POST("/oauth/token", a.token)
	e.POST("/oauth/revoke", a.revoke)
	e.GET("/.well-known/jwks.json", a.jwks)
	g := &router{group: e.Group("/api"), guard: []echo.MiddlewareFunc{a.authenticate, a.negotiate, a.cached}}
	public := &router{group: g.group, guard: []echo.MiddlewareFunc{a.negotiate}}
	public.route("/public/resources", opHandlers{http.MethodGet: a.publicResources})
	for _, def := range a.reg.Of(models.ProvisioningFamily) {
		if def.Singleton {
			g.route("/"+def.Path, opHandlers{
				http.MethodGet:   a.showSingleton(def),
				http.MethodPatch: a.updateSingleton(def),
			})
			continue
		}
		collection := "/" + def.Path
		member := collection + "/:id"
		g.route(collection, opHandlers{
			http.MethodGet:  when(def.Offers(models.OpList), a.list(def)),
			http.MethodPost: when(def.Offers(models.OpCreate), a.create(def)),
		})
		g.route(member, opHandlers{
			http.MethodGet:    when(def.Offers(models.OpRetrieve), a.show(def)),
			http.MethodPatch:  when(def.Offers(models.OpUpdate), a.update(def)),
			http.MethodDelete: when(def.Offers(models.OpDelete), a.destroy(def)),
		})
		for i := range def.Rels {
			rel := &def.Rels[i]
			g.route(member+"/"+rel.Name, opHandlers{http.MethodGet: a.related(def, rel)})
			g.route(member+"/relationships/"+rel.Name, opHandlers{http.MethodGet: a.linkage(def, rel)})
		}
		for i := range def.Actions {
			act := &def.Actions[i]
			g.route(member+"/"+act.Name, opHandlers{act.Method: a.action(def, act)})
			if len(act.Attrs) == 0 {
				a.bodyOptional["/api"+member+"/"+act.Name] = true
			}
		}
	}
}

type opHandlers map[string]echo.HandlerFunc

func when(ok bool, h echo.HandlerFunc) echo.HandlerFunc {
	if !ok {
		return nil
	}
	return h
}

// router registers the API's paths; guard (authentication, then content negotiation, in
// the real service's order) wraps the offered operations only.
type router struct {
	group *echo.Group
	guard []echo.MiddlewareFunc
}

// route registers the handlers of one path; the router answers the other methods 405,
// with the methods registered here in Allow.
func (g *router) route(path string, hs opHandlers) {
	for m, h := range hs {
		if h != nil {
			g.group.Add(m, path, h, g.guard...)
		}
	}
	// HEAD is GET without the body (net/http drops it), as in the real service's router.
	if h := hs[http.MethodGet]; h != nil {
		g.group.Add(http.MethodHead, path, h, g.guard...)
	}
}
