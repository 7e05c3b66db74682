package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

// The self-description at GET /api/public/resources: every resource type with its
// operations, attributes, relationships, sortable fields and filters. It is generated from
// the resource descriptions and the query parser's own tables, so it says exactly what the
// mock serves. Its shape is the mock's own (no public source shows the real one's): a
// JSON:API document with one "resources" object per type.

type resourceDescription struct {
	Type       string            `json:"type"`
	ID         string            `json:"id"`
	Attributes resourceDescribed `json:"attributes"`
}

type resourceDescribed struct {
	Path          string             `json:"path"`
	Singleton     bool               `json:"singleton"`
	Operations    []string           `json:"operations"`
	Actions       []actionDescribed  `json:"actions"`
	Attributes    []attrDescribed    `json:"attributes"`
	Relationships []relDescribed     `json:"relationships"`
	Sortable      []string           `json:"sortable_fields"`
	Filters       []string           `json:"filters"`
	FilterQ       []filterQDescribed `json:"filter_q"`
	FilterQRels   []string           `json:"filter_q_relationships"`
}

type actionDescribed struct {
	Name   string `json:"name"`
	Method string `json:"method"`
}

type attrDescribed struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Creatable  bool   `json:"creatable"`
	Updatable  bool   `json:"updatable"`
	Required   bool   `json:"required"`
	Nullable   bool   `json:"nullable"`
	WriteOnly  bool   `json:"write_only"`
	Sortable   bool   `json:"sortable"`
	Filterable bool   `json:"filterable"`
}

type relDescribed struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Cardinality string `json:"cardinality"`
	Creatable   bool   `json:"creatable"`
	Updatable   bool   `json:"updatable"`
	Required    bool   `json:"required"`
	Filterable  bool   `json:"filterable"`
}

// filterQDescribed is one attribute of filter[q][{attribute}_{predicate}] and its predicates.
type filterQDescribed struct {
	Attribute  string   `json:"attribute"`
	Predicates []string `json:"predicates"`
}

var operationNames = []struct {
	op   models.Op
	name string
}{{models.OpList, "list"}, {models.OpCreate, "create"}, {models.OpRetrieve, "retrieve"}, {models.OpUpdate, "update"}, {models.OpDelete, "delete"}}

// describeResource describes one type from its description.
func describeResource(def *models.Resource) resourceDescription {
	d := resourceDescribed{Path: "/api/" + def.Path, Singleton: def.Singleton,
		Operations: []string{}, Actions: []actionDescribed{}, Attributes: []attrDescribed{}, Relationships: []relDescribed{},
		Sortable: []string{"id"}, Filters: []string{}, FilterQRels: []string{},
		FilterQ: []filterQDescribed{{Attribute: "id", Predicates: query.PredicatesFor(models.String)}}}
	for _, o := range operationNames {
		if def.Offers(o.op) {
			d.Operations = append(d.Operations, o.name)
		}
	}
	for _, act := range def.Actions {
		d.Actions = append(d.Actions, actionDescribed{act.Name, act.Method})
	}
	for _, a := range def.Attrs {
		if a.Flags.Has(models.Hidden) {
			continue
		}
		d.Attributes = append(d.Attributes, attrDescribed{Name: a.Name, Type: a.Kind.String(),
			Creatable: a.Flags.Has(models.Create), Updatable: a.Flags.Has(models.Update), Required: a.Flags.Has(models.Required),
			Nullable: a.Flags.Has(models.Nullable), WriteOnly: a.Flags.Has(models.Trigger),
			Sortable: query.Sortable(def, a.Name), Filterable: a.Flags.Has(models.Filterable)})
		if query.Sortable(def, a.Name) {
			d.Sortable = append(d.Sortable, a.Name)
		}
		if a.Flags.Has(models.Filterable) {
			d.FilterQ = append(d.FilterQ, filterQDescribed{Attribute: a.Name, Predicates: query.PredicatesFor(a.Kind)})
		}
	}
	for _, rel := range def.Rels {
		card := "to_one"
		if rel.ToMany {
			card = "to_many"
		}
		filterable := !rel.ToMany || rel.Flags.Has(models.Filterable)
		d.Relationships = append(d.Relationships, relDescribed{Name: rel.Name, Type: rel.Type, Cardinality: card,
			Creatable: rel.Flags.Has(models.Create), Updatable: rel.Flags.Has(models.Update), Required: rel.Flags.Has(models.Required),
			Filterable: filterable})
		if filterable {
			d.FilterQRels = append(d.FilterQRels, rel.Name)
		}
	}
	for _, f := range query.TopLevelFilters(def) {
		d.Filters = append(d.Filters, f.Name)
	}
	return resourceDescription{Type: "resources", ID: def.Type, Attributes: d}
}

// publicResources serves GET /api/public/resources; it needs no token.
func (a *api) publicResources(c echo.Context) error {
	self := a.baseURL(c) + "/api/public/resources"
	data := make([]resourceDescription, 0, len(a.reg.Of(models.ProvisioningFamily)))
	for _, def := range a.reg.Of(models.ProvisioningFamily) {
		data = append(data, describeResource(def))
	}
	return writeDoc(c, http.StatusOK, map[string]any{
		"data":  data,
		"meta":  map[string]any{"record_count": len(data)},
		"links": map[string]string{"self": self},
	})
}
