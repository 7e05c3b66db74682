package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/jsonapi"
	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// relationship is a relationship object: links always, data only when the relationship is
// included. google/jsonapi's relationship nodes always carry data, so the mock writes its own.
type relationship struct {
	Links relationshipLinks `json:"links"`
	Data  json.RawMessage   `json:"data,omitempty"`
}

type relationshipLinks struct {
	Self    string `json:"self"`
	Related string `json:"related"`
}

// document builds one response: its primary nodes and the included ones, each once.
type document struct {
	a        *api
	st       *store.Store // as the request's user sees it: included records obey tenancy too
	ctx      context.Context
	base     string
	params   *query.Params
	nodes    map[string]*jsonapi.Node
	primary  map[string]bool
	included []*jsonapi.Node
}

func (a *api) newDocument(c echo.Context, p *query.Params) *document {
	return &document{a: a, st: a.store(c), ctx: c.Request().Context(), base: a.baseURL(c), params: p,
		nodes: map[string]*jsonapi.Node{}, primary: map[string]bool{}}
}

// baseURL is the configured base, or the scheme and host the request came to.
func (a *api) baseURL(c echo.Context) string {
	if a.cfg.BaseURL != "" {
		return a.cfg.BaseURL
	}
	return c.Scheme() + "://" + c.Request().Host
}

func selfLink(base string, def *models.Resource, id string) string {
	return base + "/api/" + def.Type + "/" + id
}

// node returns the resource object of a record, built once per document.
func (d *document) node(def *models.Resource, rec store.Record) *jsonapi.Node {
	key := def.Type + "/" + rec.ID()
	if n := d.nodes[key]; n != nil {
		return n
	}
	self := selfLink(d.base, def, rec.ID())
	n := &jsonapi.Node{Type: def.Type, ID: rec.ID(), Attributes: map[string]any{}, Links: &jsonapi.Links{"self": self}}
	for i := range def.Attrs {
		attr := &def.Attrs[i]
		if attr.Rendered() && d.params.Wants(def.Type, attr.Name) {
			n.Attributes[attr.Name] = rec[attr.Name]
		}
	}
	if len(def.Rels) > 0 {
		n.Relationships = map[string]any{}
	}
	for _, rel := range def.Rels {
		if d.params.Wants(def.Type, rel.Name) {
			n.Relationships[rel.Name] = &relationship{Links: relationshipLinks{
				Self:    self + "/relationships/" + rel.Name,
				Related: self + "/" + rel.Name,
			}}
		}
	}
	d.nodes[key] = n
	return n
}

// addPrimary builds the nodes of the primary data and resolves the include tree below them.
func (d *document) addPrimary(def *models.Resource, recs []store.Record) ([]*jsonapi.Node, error) {
	nodes := make([]*jsonapi.Node, len(recs))
	for i, rec := range recs {
		nodes[i] = d.node(def, rec)
		d.primary[def.Type+"/"+rec.ID()] = true
	}
	return nodes, d.include(def, recs, d.params.Include)
}

// include loads, with one query per relationship and level, the records that the include
// tree names below recs, links them from their parents, and adds them to included.
func (d *document) include(def *models.Resource, recs []store.Record, tree *query.Include) error {
	if tree == nil || len(recs) == 0 {
		return nil
	}
	for _, child := range tree.Children {
		rel := child.Rel
		target := d.a.reg.Lookup(rel.Type)
		linked := map[string][]string{} // parent id -> related ids
		var related []store.Record
		var err error
		if rel.ToMany {
			ids := make([]string, len(recs))
			for i, r := range recs {
				ids[i] = r.ID()
			}
			related, err = d.st.GetMany(d.ctx, target, rel.FK, ids, polymorphic(def, rel)...)
			for _, r := range related {
				parent := r.String(rel.FK)
				linked[parent] = append(linked[parent], r.ID())
			}
		} else {
			var ids []string
			for _, r := range recs {
				if fk := r.String(rel.FK); fk != "" {
					ids = append(ids, fk)
				}
			}
			related, err = d.st.GetMany(d.ctx, target, "id", ids)
			// Link only what the user may see: a record linked to one of another
			// organization (as a dataset may link them) shows the relationship empty.
			seen := map[string]bool{}
			for _, r := range related {
				seen[r.ID()] = true
			}
			for _, r := range recs {
				if fk := r.String(rel.FK); seen[fk] {
					linked[r.ID()] = []string{fk}
				}
			}
		}
		if err != nil {
			return err
		}
		for _, r := range recs {
			if ro, ok := d.node(def, r).Relationships[rel.Name].(*relationship); ok {
				ro.Data = linkageJSON(rel, linked[r.ID()])
			}
		}
		for _, r := range related {
			key := target.Type + "/" + r.ID()
			_, seen := d.nodes[key]
			n := d.node(target, r)
			if !seen && !d.primary[key] {
				d.included = append(d.included, n)
			}
		}
		if err := d.include(target, related, child); err != nil {
			return err
		}
	}
	return nil
}

// polymorphic returns the extra condition of a polymorphic to-many relationship.
func polymorphic(def *models.Resource, rel *models.Rel) []store.Cond {
	if rel.TypeColumn == "" {
		return nil
	}
	return []store.Cond{{Column: rel.TypeColumn, Value: def.Type}}
}

// linkageJSON renders resource identifiers: one or null for to-one, a list for to-many.
func linkageJSON(rel *models.Rel, ids []string) json.RawMessage {
	var v any
	if rel.ToMany {
		list := make([]identifier, len(ids))
		for i, id := range ids {
			list[i] = identifier{Type: rel.Type, ID: id}
		}
		v = list
	} else if len(ids) > 0 {
		v = identifier{Type: rel.Type, ID: ids[0]}
	}
	b, _ := marshalJSON(v)
	return b
}

// marshalJSON encodes a document as it is: unlike json.Marshal it leaves &, < and > alone
// (links carry & between their parameters; the real service writes them so).
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeDoc writes a document with the JSON:API media type; headers are set before the
// status. A successful GET gets an ETag and fills the response cache.
func writeDoc(c echo.Context, status int, doc any) error {
	body, err := marshalJSON(doc)
	if err != nil {
		return err
	}
	d := cachedDoc{body: body}
	if status == http.StatusOK && c.Request().Method == http.MethodGet {
		d.etag = etagOf(body)
		if slot, ok := c.Get(cacheSlotKey).(*cacheSlot); ok {
			slot.cache.docs.put(slot.key, slot.gen, d)
		}
	}
	return serveDoc(c, status, d)
}

// one writes a single-resource document.
func (d *document) one(c echo.Context, status int, def *models.Resource, rec store.Record) error {
	nodes, err := d.addPrimary(def, []store.Record{rec})
	if err != nil {
		return err
	}
	return writeDoc(c, status, &jsonapi.OnePayload{Data: nodes[0], Included: d.included})
}

// many writes a page of a list with its counts and pagination links.
func (d *document) many(c echo.Context, def *models.Resource, recs []store.Record, total int64) error {
	nodes, err := d.addPrimary(def, recs)
	if err != nil {
		return err
	}
	if nodes == nil {
		nodes = []*jsonapi.Node{}
	}
	page := d.params.Page
	pages := int((total + int64(page.Size) - 1) / int64(page.Size))
	payload := &jsonapi.ManyPayload{
		Data:     nodes,
		Included: d.included,
		Meta:     &jsonapi.Meta{"record_count": total, "page_count": pages},
		Links:    d.pageLinks(c, page, pages),
	}
	return writeDoc(c, http.StatusOK, payload)
}

// pageLinks are first, prev, next and last, each keeping the request's other parameters.
func (d *document) pageLinks(c echo.Context, page query.Page, pages int) *jsonapi.Links {
	link := func(n int) string {
		q := url.Values{}
		for k, v := range c.QueryParams() {
			q[k] = v
		}
		q.Set("page[number]", strconv.Itoa(n))
		q.Set("page[size]", strconv.Itoa(page.Size))
		return d.base + c.Request().URL.Path + "?" + q.Encode()
	}
	last := max(pages, 1)
	links := jsonapi.Links{"first": link(1), "last": link(last)}
	if page.Number > 1 {
		links["prev"] = link(min(page.Number-1, last))
	}
	if page.Number < pages {
		links["next"] = link(page.Number + 1)
	}
	return &links
}
