package query

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/commercelayer-mock/provmock/models"
)

// Page sizes of the real service.
const (
	DefaultPageSize = 10
	MaxPageSize     = 25
	maxPageNumber   = 1 << 30
)

// Options change how lenient the parser is.
type Options struct {
	// LenientFilters ignores unknown filter attributes and predicates instead of answering
	// FILTER_NOT_ALLOWED, as the real service's filter engine (Ransack) may do.
	LenientFilters bool
}

// Params are the validated query parameters of one request.
type Params struct {
	// Fields maps a type to the fields to render of it; a type absent from the map renders whole.
	Fields  map[string]map[string]bool
	Include *Include
	Filters []Filter
	Sort    []SortKey
	Page    Page
}

// Include is one node of the include tree: the relationships to include below a resource.
type Include struct {
	Rel      *models.Rel // nil at the root
	Children []*Include
}

// Child returns the child node for the relationship name, or nil.
func (n *Include) Child(name string) *Include {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c.Rel.Name == name {
			return c
		}
	}
	return nil
}

// SortKey is one sort criterion; Column comes from the resource description.
type SortKey struct {
	Column string
	Desc   bool
}

// Page is the requested page; Number counts from 1.
type Page struct {
	Number int
	Size   int
}

// Offset is the number of rows before the page.
func (p Page) Offset() int { return (p.Number - 1) * p.Size }

// Wants reports whether the field of the type is to be rendered.
func (p *Params) Wants(typ, field string) bool {
	f, ok := p.Fields[typ]
	return !ok || f[field]
}

// Parse validates the query string of a request on resources of type def, in the order the
// real service checks it: unknown parameters, fields, include, filter, sort, page.
func Parse(reg *models.Registry, def *models.Resource, values url.Values, opts Options) (*Params, error) {
	p := &Params{Include: &Include{}, Page: Page{Number: 1, Size: DefaultPageSize}}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic: the first bad key in key order is reported

	var fieldKeys, filterKeys, pageKeys []string
	for _, k := range keys {
		head, _, ok := splitKey(k)
		switch {
		case !ok:
			return nil, &Error{Problem: ParamNotAllowed, Param: k}
		case head == "fields" && k != "fields":
			fieldKeys = append(fieldKeys, k)
		case head == "filter" && k != "filter":
			filterKeys = append(filterKeys, k)
		case head == "page" && k != "page":
			pageKeys = append(pageKeys, k)
		case k == "include" || k == "sort":
		default:
			return nil, &Error{Problem: ParamNotAllowed, Param: k}
		}
	}
	for _, k := range fieldKeys {
		if err := p.parseFields(reg, k, values.Get(k)); err != nil {
			return nil, err
		}
	}
	if v, ok := values["include"]; ok {
		if err := p.parseInclude(reg, def, v[0]); err != nil {
			return nil, err
		}
	}
	for _, k := range filterKeys {
		f, err := parseFilter(reg, def, k, values.Get(k), opts)
		if err != nil {
			return nil, err
		}
		if f != nil {
			p.Filters = append(p.Filters, *f)
		}
	}
	if v, ok := values["sort"]; ok {
		if err := p.parseSort(def, v[0]); err != nil {
			return nil, err
		}
	}
	for _, k := range pageKeys {
		if err := p.parsePage(k, values.Get(k)); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// splitKey splits "filter[q][name_eq]" into "filter" and ["q", "name_eq"]; ok is false for
// a malformed key (an unclosed or stray bracket).
func splitKey(k string) (head string, segments []string, ok bool) {
	i := strings.IndexByte(k, '[')
	if i < 0 {
		return k, nil, !strings.ContainsRune(k, ']')
	}
	head, rest := k[:i], k[i:]
	for rest != "" {
		if rest[0] != '[' {
			return "", nil, false
		}
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return "", nil, false
		}
		seg := rest[1:j]
		if strings.ContainsAny(seg, "[") {
			return "", nil, false
		}
		segments = append(segments, seg)
		rest = rest[j+1:]
	}
	return head, segments, head != ""
}

func splitList(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

func (p *Params) parseFields(reg *models.Registry, key, value string) error {
	_, segs, _ := splitKey(key)
	if len(segs) != 1 {
		return &Error{Problem: ParamNotAllowed, Param: key}
	}
	typ := segs[0]
	def := reg.Lookup(typ)
	if def == nil {
		return &Error{Problem: InvalidResource, Type: typ}
	}
	set := map[string]bool{}
	for _, f := range splitList(value) {
		f = strings.TrimSpace(f)
		if !def.IsField(f) {
			return &Error{Problem: InvalidField, Type: typ, Field: f}
		}
		set[f] = true
	}
	if p.Fields == nil {
		p.Fields = map[string]map[string]bool{}
	}
	p.Fields[typ] = set
	return nil
}

// Bounds of include: rendering runs a query per node of the include tree, so an endless
// path (the relationships form cycles: role.organization.roles...) or a huge list would
// keep one request busy for seconds.
const (
	// MaxIncludeDepth is the longest chain of relationships through the registry that visits
	// no type twice (organizations.memberships.membership_profile.application_memberships.
	// api_credential.role.permissions), so no path that reaches something new is refused.
	MaxIncludeDepth = 7
	// MaxIncludeNodes bounds the distinct relationships of the whole include tree.
	MaxIncludeNodes = 50
)

func (p *Params) parseInclude(reg *models.Registry, def *models.Resource, value string) error {
	nodes := 0
	for _, path := range splitList(value) {
		path = strings.TrimSpace(path)
		if strings.Count(path, ".") >= MaxIncludeDepth {
			segs := strings.SplitN(path, ".", MaxIncludeDepth+2)
			shown := strings.Join(segs[:MaxIncludeDepth+1], ".")
			if len(segs) > MaxIncludeDepth+1 {
				shown += "..."
			}
			return &Error{Problem: IncludeTooDeep, Value: shown, Max: MaxIncludeDepth}
		}
		node, typ := p.Include, def
		for _, name := range strings.Split(path, ".") {
			rel := typ.Rel(name)
			if rel == nil {
				return &Error{Problem: InvalidInclude, Type: typ.Type, Field: name}
			}
			child := node.Child(name)
			if child == nil {
				if nodes++; nodes > MaxIncludeNodes {
					return &Error{Problem: IncludeTooLarge, Max: MaxIncludeNodes}
				}
				child = &Include{Rel: rel}
				node.Children = append(node.Children, child)
			}
			node, typ = child, reg.Lookup(rel.Type)
		}
	}
	return nil
}

// Sortable reports whether the type can be sorted by the field.
func Sortable(def *models.Resource, field string) bool {
	if field == "id" {
		return true
	}
	a := def.Attr(field)
	return a != nil && a.Flags.Has(models.Sortable)
}

func (p *Params) parseSort(def *models.Resource, value string) error {
	for _, item := range splitList(value) {
		item = strings.TrimSpace(item)
		key := SortKey{Column: item}
		if strings.HasPrefix(item, "-") {
			key = SortKey{Column: item[1:], Desc: true}
		}
		if !Sortable(def, key.Column) {
			return &Error{Problem: InvalidSortCriteria, Type: def.Type, Field: key.Column}
		}
		p.Sort = append(p.Sort, key)
	}
	return nil
}

func (p *Params) parsePage(key, value string) error {
	_, segs, _ := splitKey(key)
	if len(segs) != 1 || (segs[0] != "number" && segs[0] != "size") {
		return &Error{Problem: ParamNotAllowed, Param: key}
	}
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n < 1 {
		return &Error{Problem: InvalidPageValue, Param: segs[0], Value: value}
	}
	if segs[0] == "number" {
		// Any page past the end is empty; the cap only keeps the offset from overflowing.
		p.Page.Number = min(n, maxPageNumber)
		return nil
	}
	if n > MaxPageSize {
		return &Error{Problem: PageSizeTooLarge, Max: MaxPageSize}
	}
	p.Page.Size = n
	return nil
}
