package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// document builds one response: its primary records and the included ones, each once,
// with the linkage the include tree resolves; then writes it (render_write.go).
type document struct {
	a        *api
	st       *store.Store // as the request's user sees it: included records obey tenancy too
	ctx      context.Context
	base     string
	params   *query.Params
	nodes    map[nodeKey]*docNode
	primary  []*docNode
	included []*docNode
	// step numbers the include tree's queries, so that a node knows which query last
	// returned its record.
	step int
	// nodeSlab and linkSlab are where new nodes and their linkage come from, a chunk at a
	// time rather than one allocation each.
	nodeSlab []docNode
	linkSlab []linkage
	// scratch holds a link while it is put together, before it is escaped.
	scratch []byte
}

// docNode is one resource object: a record and, once an include resolved them, the
// resource identifiers of its relationships.
type docNode struct {
	def     *models.Resource
	rec     store.Record
	linkage []linkage // by index in def.Rels; nil until an include resolves one
	step    int       // the include query that last returned the record
}

// linkage is a relationship's resource identifiers, once resolved: a to-one's id ("" is
// none: null) or a to-many's ids. A relationship not resolved renders its links alone.
type linkage struct {
	resolved bool
	one      string
	many     []string
}

type nodeKey struct {
	def *models.Resource
	id  string
}

func (a *api) newDocument(c echo.Context, p *query.Params) *document {
	return &document{a: a, st: a.store(c), ctx: c.Request().Context(), base: a.baseURL(c), params: p,
		nodes: map[nodeKey]*docNode{}}
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

// node returns the node of a record, made once per document; isNew tells whether this
// call made it.
func (d *document) node(def *models.Resource, rec store.Record) (n *docNode, isNew bool) {
	key := nodeKey{def, rec.ID()}
	if n := d.nodes[key]; n != nil {
		return n, false
	}
	if len(d.nodeSlab) == 0 {
		d.nodeSlab = make([]docNode, 16)
	}
	n = &d.nodeSlab[0]
	d.nodeSlab = d.nodeSlab[1:]
	n.def, n.rec = def, rec
	d.nodes[key] = n
	return n, true
}

// resolve sets the linkage of a node's relationship (by its index in def.Rels).
func (d *document) resolve(n *docNode, rel int, l linkage) {
	if n.linkage == nil {
		count := len(n.def.Rels)
		if len(d.linkSlab) < count {
			d.linkSlab = make([]linkage, max(count, 64))
		}
		n.linkage = d.linkSlab[:count:count]
		d.linkSlab = d.linkSlab[count:]
	}
	l.resolved = true
	n.linkage[rel] = l
}

// addPrimary makes the nodes of the primary data and resolves the include tree below them.
func (d *document) addPrimary(def *models.Resource, recs []store.Record) error {
	if len(d.nodes) == 0 && len(recs) > 4 {
		d.nodes = make(map[nodeKey]*docNode, 2*len(recs)) // room for as many included
	}
	d.primary = make([]*docNode, len(recs))
	if len(d.nodeSlab) < len(recs) {
		d.nodeSlab = make([]docNode, len(recs))
	}
	for i, rec := range recs {
		d.primary[i], _ = d.node(def, rec)
	}
	return d.include(def, recs, d.params.Include)
}

// include loads, with one query per relationship and level, the records that the include
// tree names below recs, links them from their parents, and adds them to included.
func (d *document) include(def *models.Resource, recs []store.Record, tree *query.Include) error {
	if tree == nil || len(recs) == 0 {
		return nil
	}
	for _, child := range tree.Children {
		rel := child.Rel
		index := slices.IndexFunc(def.Rels, func(r models.Rel) bool { return r.Name == rel.Name })
		target := d.a.reg.Lookup(rel.Type)
		var related []store.Record
		var err error
		if rel.ToMany {
			ids := make([]string, len(recs))
			for i, r := range recs {
				ids[i] = r.ID()
			}
			related, err = d.st.GetMany(d.ctx, target, rel.FK, ids, polymorphic(def, rel)...)
		} else {
			ids := make([]string, 0, len(recs))
			for _, r := range recs {
				if fk := r.String(rel.FK); fk != "" {
					ids = append(ids, fk)
				}
			}
			related, err = d.st.GetMany(d.ctx, target, "id", ids)
		}
		if err != nil {
			return err
		}
		d.step++
		for _, r := range related {
			n, isNew := d.node(target, r)
			n.step = d.step
			if isNew {
				d.included = append(d.included, n)
			}
		}
		if rel.ToMany {
			for _, r := range recs {
				n, _ := d.node(def, r)
				d.resolve(n, index, linkage{})
			}
			for _, r := range related {
				if parent := d.nodes[nodeKey{def, r.String(rel.FK)}]; parent != nil && parent.linkage != nil {
					l := &parent.linkage[index]
					l.many = append(l.many, r.ID())
				}
			}
		} else {
			// Link only what the user may see: a record linked to one of another
			// organization (as a dataset may link them) shows the relationship empty.
			for _, r := range recs {
				n, _ := d.node(def, r)
				var l linkage
				if fk := r.String(rel.FK); fk != "" {
					if t := d.nodes[nodeKey{target, fk}]; t != nil && t.step == d.step {
						l.one = fk
					}
				}
				d.resolve(n, index, l)
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

// writeDoc writes any value as a document, as encoding/json encodes it (the descriptions
// of /api/public/resources); resources' documents are written by render_write.go.
func writeDoc(c echo.Context, status int, doc any) error {
	body, err := marshalJSON(doc)
	if err != nil {
		return err
	}
	return writeRendered(c, status, body, "")
}
