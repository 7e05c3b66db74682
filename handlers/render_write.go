package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// The JSON:API documents, written in the order and with the escaping that encoding/json
// gave the google/jsonapi payloads the mock used to marshal: a resource object's type, id,
// attributes (by name), relationships (by name) and links; a relationship's links (self,
// related) and data; a list's data, included, links (first, last, next, prev) and meta
// (page_count, record_count).

// renderPlan is what writing a type's resource objects needs from its description, worked
// out once per type: the rendered attributes and the relationships in key order, each with
// its member name already written as JSON.
type renderPlan struct {
	attrs []plannedAttr
	rels  []plannedRel
}

type plannedAttr struct {
	name string
	key  []byte // `"name":`
}

type plannedRel struct {
	rel   *models.Rel
	index int    // in the type's Rels
	key   []byte // `"name":`
}

var renderPlans sync.Map // *models.Resource -> *renderPlan

func planOf(def *models.Resource) *renderPlan {
	if p, ok := renderPlans.Load(def); ok {
		return p.(*renderPlan)
	}
	p := &renderPlan{}
	for i := range def.Attrs {
		if attr := &def.Attrs[i]; attr.Rendered() {
			p.attrs = append(p.attrs, plannedAttr{name: attr.Name, key: memberKey(attr.Name)})
		}
	}
	for i := range def.Rels {
		p.rels = append(p.rels, plannedRel{rel: &def.Rels[i], index: i, key: memberKey(def.Rels[i].Name)})
	}
	// encoding/json writes a map's members in the order of their keys.
	slices.SortFunc(p.attrs, func(a, b plannedAttr) int { return strings.Compare(a.name, b.name) })
	slices.SortFunc(p.rels, func(a, b plannedRel) int { return strings.Compare(a.rel.Name, b.rel.Name) })
	actual, _ := renderPlans.LoadOrStore(def, p)
	return actual.(*renderPlan)
}

func memberKey(name string) []byte { return append(appendString(nil, name, false), ':') }

// appendNode writes a resource object.
func (d *document) appendNode(b []byte, n *docNode) ([]byte, error) {
	def, plan := n.def, planOf(n.def)
	id := n.rec.ID()
	fields, sparse := d.params.Fields[def.Type]
	b = append(b, `{"type":`...)
	b = appendString(b, def.Type, false)
	if id != "" {
		b = append(b, `,"id":`...)
		b = appendString(b, id, false)
	}
	open := false
	for i := range plan.attrs {
		attr := &plan.attrs[i]
		if sparse && !fields[attr.name] {
			continue
		}
		if open {
			b = append(b, ',')
		} else {
			b = append(b, `,"attributes":{`...)
			open = true
		}
		b = append(b, attr.key...)
		var err error
		if b, err = appendValue(b, n.rec[attr.name]); err != nil {
			return b, err
		}
	}
	if open {
		b = append(b, '}')
	}
	// scratch holds the resource's self link, and each relationship's links after it.
	d.scratch = append(append(append(append(d.scratch[:0], d.base...), "/api/"...), def.Type...), '/')
	d.scratch = append(d.scratch, id...)
	self := len(d.scratch)
	open = false
	for i := range plan.rels {
		pr := &plan.rels[i]
		if sparse && !fields[pr.rel.Name] {
			continue
		}
		if open {
			b = append(b, ',')
		} else {
			b = append(b, `,"relationships":{`...)
			open = true
		}
		b = append(b, pr.key...)
		b = append(b, `{"links":{"self":`...)
		d.scratch = append(append(d.scratch[:self], "/relationships/"...), pr.rel.Name...)
		b = appendString(b, d.scratch, false)
		b = append(b, `,"related":`...)
		d.scratch = append(append(d.scratch[:self], '/'), pr.rel.Name...)
		b = appendString(b, d.scratch, false)
		b = append(b, '}')
		if n.linkage != nil && n.linkage[pr.index].resolved {
			b = append(b, `,"data":`...)
			l := &n.linkage[pr.index]
			b = appendLinkage(b, pr.rel, l.one, l.many)
		}
		b = append(b, '}')
	}
	if open {
		b = append(b, '}')
	}
	b = append(b, `,"links":{"self":`...)
	b = appendString(b, d.scratch[:self], false)
	return append(b, "}}"...), nil
}

// appendLinkage writes resource identifiers: a list for a to-many relationship, one or
// null for a to-one.
func appendLinkage(b []byte, rel *models.Rel, one string, many []string) []byte {
	if !rel.ToMany {
		if one == "" {
			return append(b, "null"...)
		}
		return appendIdentifier(b, rel.Type, one)
	}
	b = append(b, '[')
	for i, id := range many {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendIdentifier(b, rel.Type, id)
	}
	return append(b, ']')
}

func appendIdentifier(b []byte, typ, id string) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, typ, false)
	b = append(b, `,"id":`...)
	b = appendString(b, id, false)
	return append(b, '}')
}

// appendNodes writes a list of resource objects.
func (d *document) appendNodes(b []byte, nodes []*docNode) ([]byte, error) {
	b = append(b, '[')
	for i, n := range nodes {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = d.appendNode(b, n); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendIncluded writes the included member, when anything is included.
func (d *document) appendIncluded(b []byte) ([]byte, error) {
	if len(d.included) == 0 {
		return b, nil
	}
	b = append(b, `,"included":`...)
	return d.appendNodes(b, d.included)
}

// one writes a single-resource document.
func (d *document) one(c echo.Context, status int, def *models.Resource, rec store.Record) error {
	if err := d.addPrimary(def, []store.Record{rec}); err != nil {
		return err
	}
	buf := getDocBuffer()
	defer putDocBuffer(buf)
	b, err := d.appendNode(append(*buf, `{"data":`...), d.primary[0])
	if err == nil {
		b, err = d.appendIncluded(b)
	}
	*buf = b
	if err != nil {
		return err
	}
	*buf = append(b, '}')
	return writeRendered(c, status, *buf, "")
}

// many writes a page of a list with its counts and pagination links.
func (d *document) many(c echo.Context, def *models.Resource, recs []store.Record, total int64) error {
	if err := d.addPrimary(def, recs); err != nil {
		return err
	}
	buf := getDocBuffer()
	defer putDocBuffer(buf)
	b, err := d.appendNodes(append(*buf, `{"data":`...), d.primary)
	if err == nil {
		b, err = d.appendIncluded(b)
	}
	*buf = b
	if err != nil {
		return err
	}
	page := d.params.Page
	pages := int((total + int64(page.Size) - 1) / int64(page.Size))
	b = d.appendPageLinks(append(b, `,"links":`...), c, page, pages)
	b = append(b, `,"meta":{"page_count":`...)
	b = strconv.AppendInt(b, int64(pages), 10)
	b = append(b, `,"record_count":`...)
	b = strconv.AppendInt(b, total, 10)
	*buf = append(b, "}}"...)
	return writeRendered(c, http.StatusOK, *buf, "")
}

// appendPageLinks writes first, last, next and prev, each keeping the request's other
// parameters: the query url.Values.Encode makes, page[number] and page[size] set.
func (d *document) appendPageLinks(b []byte, c echo.Context, page query.Page, pages int) []byte {
	const numberKey, sizeKey = "page[number]", "page[size]"
	params := c.QueryParams()
	keys := make([]string, 0, len(params)+2)
	for k := range params {
		if k != numberKey && k != sizeKey {
			keys = append(keys, k)
		}
	}
	keys = append(keys, numberKey, sizeKey)
	slices.Sort(keys)
	// The encoded query around page[number]'s value, which is each link's own.
	room := len(c.Request().URL.RawQuery) + 32
	before, after := make([]byte, 0, room), make([]byte, 0, room)
	for _, k := range keys {
		if k == numberKey {
			continue
		}
		values := params[k]
		if k == sizeKey {
			values = []string{strconv.Itoa(page.Size)}
		}
		escaped := url.QueryEscape(k)
		for _, v := range values {
			part := &after
			if k < numberKey {
				part = &before
			}
			if len(*part) > 0 || part == &after {
				*part = append(*part, '&')
			}
			*part = append(append(append(*part, escaped...), '='), url.QueryEscape(v)...)
		}
	}
	if len(before) > 0 {
		before = append(before, '&')
	}
	before = append(append(before, url.QueryEscape(numberKey)...), '=')
	path := c.Request().URL.Path
	link := func(b []byte, member string, number int) []byte {
		b = append(b, member...)
		d.scratch = append(append(append(d.scratch[:0], d.base...), path...), '?')
		d.scratch = append(d.scratch, before...)
		d.scratch = strconv.AppendInt(d.scratch, int64(number), 10)
		d.scratch = append(d.scratch, after...)
		return appendString(b, d.scratch, false)
	}
	last := max(pages, 1)
	b = link(b, `{"first":`, 1)
	b = link(b, `,"last":`, last)
	if page.Number < pages {
		b = link(b, `,"next":`, page.Number+1)
	}
	if page.Number > 1 {
		b = link(b, `,"prev":`, min(page.Number-1, last))
	}
	return append(b, '}')
}

// writeLinkage writes a relationship document: the relationship's links and its resource
// identifiers.
func writeLinkage(c echo.Context, self string, rel *models.Rel, ids []string) error {
	buf := getDocBuffer()
	defer putDocBuffer(buf)
	b := append(*buf, `{"links":{"self":`...)
	b = appendString(b, self+"/relationships/"+rel.Name, false)
	b = append(b, `,"related":`...)
	b = appendString(b, self+"/"+rel.Name, false)
	b = append(b, `},"data":`...)
	var one string
	if len(ids) > 0 {
		one = ids[0]
	}
	b = appendLinkage(b, rel, one, ids)
	*buf = append(b, '}')
	return writeRendered(c, http.StatusOK, *buf, "")
}

// writeRendered writes a document's bytes with their media type ("" is JSON:API's);
// headers are set before the status. A successful GET gets an ETag and fills the response
// cache, which keeps its own copy: body may be a pooled buffer.
func writeRendered(c echo.Context, status int, body []byte, mediaType string) error {
	d := cachedDoc{body: body, mediaType: mediaType}
	if status == http.StatusOK && c.Request().Method == http.MethodGet {
		d.etag = etagOf(body)
		if slot, ok := c.Get(cacheSlotKey).(*cacheSlot); ok {
			d.body = bytes.Clone(body)
			slot.cache.docs.put(slot.key, slot.gen, d)
		}
	}
	return serveDoc(c, status, d)
}
