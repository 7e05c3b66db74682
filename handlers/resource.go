package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/apierror"
	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// params parses the query string against the type whose resources the response lists.
func (a *api) params(c echo.Context, def *models.Resource) (*query.Params, error) {
	return query.Parse(a.reg, def, c.QueryParams(), a.cfg.Query)
}

// actor is the user the request acts as: the owner of its bearer token.
func (a *api) actor(c echo.Context) (store.Record, error) {
	user, _ := c.Get(userKey).(store.Record)
	if user == nil {
		return nil, apierror.Unauthorized()
	}
	return user, nil
}

// store is the database as the request's user sees it: their organizations and what is
// inside them; everything else answers as if it did not exist. A request without a user
// sees nothing.
// The handle is kept for the request, so that what the user may see is computed once (and
// again only after a write).
func (a *api) store(c echo.Context) *store.Store {
	user, _ := c.Get(userKey).(store.Record)
	if st, ok := c.Get(scopedStoreKey).(*store.Store); ok && st.Scope().Actor == user.ID() {
		return st
	}
	st := a.st.As(domain.UserScope(user.ID()))
	c.Set(scopedStoreKey, st)
	return st
}

// scopedStoreKey holds the request's scoped store handle in its echo.Context.
const scopedStoreKey = "provmock.scopedStore"

// service applies the request's writes as its user.
func (a *api) service(c echo.Context) *domain.Service { return domain.New(a.store(c)) }

func (a *api) list(def *models.Resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := a.params(c, def)
		if err != nil {
			return err
		}
		return a.writeList(c, def, p, nil)
	}
}

// writeList answers a page of def's records meeting the conditions and the query's filters.
func (a *api) writeList(c echo.Context, def *models.Resource, p *query.Params, where []store.Cond) error {
	recs, total, err := a.store(c).List(c.Request().Context(), def, store.ListQuery{
		Where: where, Filters: p.Filters, Sort: p.Sort, Limit: p.Page.Size, Offset: p.Page.Offset(),
	})
	if err != nil {
		return err
	}
	return a.newDocument(c, p).many(c, def, recs, total)
}

func (a *api) show(def *models.Resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := a.params(c, def)
		if err != nil {
			return err
		}
		rec, err := a.store(c).Get(c.Request().Context(), def, c.Param("id"))
		if err != nil {
			return err
		}
		return a.newDocument(c, p).one(c, http.StatusOK, def, rec)
	}
}

// write runs what every write shares, in the real service's order: the body's JSON, the
// query parameters, the body's members; then do, and the written resource's document.
func (a *api) write(c echo.Context, def *models.Resource, mode writeMode, status int,
	do func(in domain.Input, actor store.Record) (store.Record, error)) error {
	body, err := a.readBody(c)
	if err != nil {
		return err
	}
	p, err := a.params(c, def)
	if err != nil {
		return err
	}
	in, err := a.decodeInput(def, body, mode)
	if err != nil {
		return err
	}
	actor, err := a.actor(c)
	if err != nil {
		return err
	}
	rec, err := do(in, actor)
	if err != nil {
		return err
	}
	d := a.newDocument(c, p)
	if status == http.StatusCreated {
		c.Response().Header().Set("Location", selfLink(d.base, def, rec.ID()))
	}
	return d.one(c, status, def, rec)
}

func (a *api) create(def *models.Resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		return a.write(c, def, writeMode{flag: models.Create, forbidID: true}, http.StatusCreated,
			func(in domain.Input, actor store.Record) (store.Record, error) {
				return a.service(c).Create(c.Request().Context(), def, in, actor)
			})
	}
}

func (a *api) update(def *models.Resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("id")
		return a.write(c, def, writeMode{flag: models.Update, requireID: true, urlID: id}, http.StatusOK,
			func(in domain.Input, actor store.Record) (store.Record, error) {
				return a.service(c).Update(c.Request().Context(), def, id, in, actor)
			})
	}
}

func (a *api) destroy(def *models.Resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := a.params(c, def); err != nil {
			return err
		}
		actor, err := a.actor(c)
		if err != nil {
			return err
		}
		if err := a.service(c).Delete(c.Request().Context(), def, c.Param("id"), actor); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}

// related serves GET /api/{type}/{id}/{rel}: the related resource, or a full list of them on
// which every query parameter works as on the top-level list.
func (a *api) related(def *models.Resource, rel *models.Rel) echo.HandlerFunc {
	target := a.reg.Lookup(rel.Type)
	return func(c echo.Context) error {
		p, err := a.params(c, target)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		parent, err := a.store(c).Get(ctx, def, c.Param("id"))
		if err != nil {
			return err
		}
		if rel.ToMany {
			where := append([]store.Cond{{Column: rel.FK, Value: parent.ID()}}, polymorphic(def, rel)...)
			return a.writeList(c, target, p, where)
		}
		fk := parent.String(rel.FK)
		var rec store.Record
		if fk != "" {
			rec, err = a.store(c).Get(ctx, target, fk)
			if err != nil && !store.IsNotFound(err) {
				return err
			}
		}
		if rec == nil {
			// Unset, or a record the user may not see: empty either way.
			return writeRendered(c, http.StatusOK, []byte(`{"data":null}`), "")
		}
		return a.newDocument(c, p).one(c, http.StatusOK, target, rec)
	}
}

// linkage serves GET /api/{type}/{id}/relationships/{rel}: the resource identifiers.
func (a *api) linkage(def *models.Resource, rel *models.Rel) echo.HandlerFunc {
	target := a.reg.Lookup(rel.Type)
	return func(c echo.Context) error {
		if len(c.QueryParams()) > 0 {
			for k := range c.QueryParams() {
				return apierror.ParamNotAllowed(k)
			}
		}
		ctx := c.Request().Context()
		parent, err := a.store(c).Get(ctx, def, c.Param("id"))
		if err != nil {
			return err
		}
		var ids []string
		if rel.ToMany {
			recs, err := a.store(c).GetMany(ctx, target, rel.FK, []string{parent.ID()}, polymorphic(def, rel)...)
			if err != nil {
				return err
			}
			for _, r := range recs {
				ids = append(ids, r.ID())
			}
		} else if fk := parent.String(rel.FK); fk != "" {
			// Only a record the user may see is named.
			switch _, err := a.store(c).Get(ctx, target, fk); {
			case err == nil:
				ids = []string{fk}
			case !store.IsNotFound(err):
				return err
			}
		}
		self := selfLink(a.baseURL(c), def, parent.ID())
		return writeLinkage(c, self, rel, ids)
	}
}

// action serves a custom action; it answers 202 with no body.
func (a *api) action(def *models.Resource, act *models.Action) echo.HandlerFunc {
	return func(c echo.Context) error {
		body, err := a.readBody(c)
		if err != nil {
			return err
		}
		if _, err := a.params(c, def); err != nil {
			return err
		}
		in := domain.Input{Attrs: map[string]any{}}
		// An action without parameters ignores its body; one with parameters reads them
		// like an update of the resource.
		if len(act.Attrs) > 0 {
			in, err = a.decodeInput(def, body, writeMode{flag: models.Update, urlID: c.Param("id"), attrs: act.Attrs})
			if err != nil {
				return err
			}
		}
		actor, err := a.actor(c)
		if err != nil {
			return err
		}
		if err := a.service(c).Action(c.Request().Context(), def, c.Param("id"), act.Name, in, actor); err != nil {
			return err
		}
		return c.NoContent(http.StatusAccepted)
	}
}

// showSingleton serves GET /api/user: the user the request acts as.
func (a *api) showSingleton(def *models.Resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := a.params(c, def)
		if err != nil {
			return err
		}
		actor, err := a.actor(c)
		if err != nil {
			return err
		}
		return a.newDocument(c, p).one(c, http.StatusOK, def, actor)
	}
}

// updateSingleton serves PATCH /api/user; data.id is optional but must be the user's.
func (a *api) updateSingleton(def *models.Resource) echo.HandlerFunc {
	return func(c echo.Context) error {
		actor, err := a.actor(c)
		if err != nil {
			return err
		}
		return a.write(c, def, writeMode{flag: models.Update, urlID: actor.ID()}, http.StatusOK,
			func(in domain.Input, actor store.Record) (store.Record, error) {
				return a.service(c).Update(c.Request().Context(), def, actor.ID(), in, actor)
			})
	}
}
