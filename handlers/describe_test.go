package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"testing"

	"github.com/commercelayer-mock/provmock/handlers"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

type describedResource struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Attributes struct {
		Path          string           `json:"path"`
		Singleton     bool             `json:"singleton"`
		Operations    []string         `json:"operations"`
		Actions       []map[string]any `json:"actions"`
		Attributes    []map[string]any `json:"attributes"`
		Relationships []map[string]any `json:"relationships"`
		Sortable      []string         `json:"sortable_fields"`
		Filters       []string         `json:"filters"`
		FilterQ       []struct {
			Attribute  string   `json:"attribute"`
			Predicates []string `json:"predicates"`
		} `json:"filter_q"`
		FilterQRels []string `json:"filter_q_relationships"`
	} `json:"attributes"`
}

// TestPublicResources reads GET /api/public/resources without a token and checks it against
// the registry, type by type; then that the mock serves what it says: every advertised sort
// field, filter and predicate is accepted, and every attribute it calls not sortable or not
// filterable is refused.
func TestPublicResources(t *testing.T) {
	s := mustFiltersServer(t, handlers.Config{})
	rec := s.do(t, request{path: "/api/public/resources", headers: map[string]string{"Authorization": ""}})
	mustStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != handlers.MediaType {
		t.Fatalf("Content-Type = %q", ct)
	}
	var doc struct {
		Data  []describedResource `json:"data"`
		Meta  map[string]any      `json:"meta"`
		Links map[string]string   `json:"links"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Links["self"] != testBase+"/api/public/resources" {
		t.Errorf("links = %v", doc.Links)
	}
	reg := models.Provisioning()
	if len(doc.Data) != len(reg.All()) || doc.Meta["record_count"] != float64(len(reg.All())) {
		t.Fatalf("%d resources (meta %v), registry has %d", len(doc.Data), doc.Meta, len(reg.All()))
	}
	for i, def := range reg.All() {
		got := doc.Data[i]
		if got.Type != "resources" || got.ID != def.Type {
			t.Fatalf("data[%d] = %s/%s, want resources/%s", i, got.Type, got.ID, def.Type)
		}
		t.Run(def.Type, func(t *testing.T) { checkDescription(t, s, reg, def, got) })
	}
}

func checkDescription(t *testing.T, s *testServer, reg *models.Registry, def *models.Resource, got describedResource) {
	d := got.Attributes
	if d.Path != "/api/"+def.Path || d.Singleton != def.Singleton {
		t.Errorf("path %s singleton %v", d.Path, d.Singleton)
	}
	var ops []string
	for op, name := range map[models.Op]string{models.OpList: "list", models.OpCreate: "create", models.OpRetrieve: "retrieve", models.OpUpdate: "update", models.OpDelete: "delete"} {
		if def.Offers(op) {
			ops = append(ops, name)
		}
	}
	if !reflect.DeepEqual(sorted(ops), sorted(d.Operations)) {
		t.Errorf("operations %v, want %v", d.Operations, ops)
	}
	if len(d.Actions) != len(def.Actions) {
		t.Errorf("actions %v, want %d", d.Actions, len(def.Actions))
	}
	// Attributes: every one the API knows (hidden ones are no part of it), with its flags.
	attrs := []map[string]any{}
	sortable, filterable := []string{"id"}, map[string]bool{"id": true}
	topLevel := []string{"id", "ids"}
	for _, a := range def.Attrs {
		if a.Flags.Has(models.Hidden) {
			continue
		}
		attrs = append(attrs, map[string]any{"name": a.Name, "type": a.Kind.String(),
			"creatable": a.Flags.Has(models.Create), "updatable": a.Flags.Has(models.Update), "required": a.Flags.Has(models.Required),
			"nullable": a.Flags.Has(models.Nullable), "write_only": a.Flags.Has(models.Trigger),
			"sortable": a.Flags.Has(models.Sortable), "filterable": a.Flags.Has(models.Filterable)})
		if a.Flags.Has(models.Sortable) {
			sortable = append(sortable, a.Name)
		}
		if a.Flags.Has(models.Filterable) {
			filterable[a.Name] = true
			if a.Kind != models.Object {
				topLevel = append(topLevel, a.Name)
			}
			if a.Kind == models.Time {
				topLevel = append(topLevel, a.Name+"_from", a.Name+"_to")
			}
		}
	}
	if !reflect.DeepEqual(d.Attributes, attrs) {
		t.Errorf("attributes\n got %v\nwant %v", d.Attributes, attrs)
	}
	rels := []map[string]any{}
	var relFilters []string
	for _, rel := range def.Rels {
		card, through := "to_one", true
		if rel.ToMany {
			card, through = "to_many", rel.Flags.Has(models.Filterable)
		}
		rels = append(rels, map[string]any{"name": rel.Name, "type": rel.Type, "cardinality": card,
			"creatable": rel.Flags.Has(models.Create), "updatable": rel.Flags.Has(models.Update), "required": rel.Flags.Has(models.Required),
			"filterable": through})
		if through {
			relFilters = append(relFilters, rel.Name)
		}
		if !rel.ToMany {
			topLevel = append(topLevel, rel.Name+"_id")
		}
	}
	if !reflect.DeepEqual(d.Relationships, rels) {
		t.Errorf("relationships\n got %v\nwant %v", d.Relationships, rels)
	}
	if !reflect.DeepEqual(d.Sortable, sortable) {
		t.Errorf("sortable %v, want %v", d.Sortable, sortable)
	}
	if !reflect.DeepEqual(sorted(d.FilterQRels), sorted(relFilters)) {
		t.Errorf("filter_q_relationships %v, want %v", d.FilterQRels, relFilters)
	}
	if !reflect.DeepEqual(sorted(d.Filters), sorted(topLevel)) {
		t.Errorf("filters %v, want %v", d.Filters, topLevel)
	}
	described := map[string]bool{}
	for _, f := range d.FilterQ {
		described[f.Attribute] = true
	}
	if !reflect.DeepEqual(described, filterable) {
		t.Errorf("filter_q attributes %v, want %v", described, filterable)
	}
	if !def.Offers(models.OpList) {
		return
	}
	// What it says is what the list serves.
	list := "/api/" + def.Path + "?"
	expect := func(query string, status int) {
		t.Helper()
		if rec := s.get(t, list+query); rec.Code != status {
			t.Errorf("GET %s%s: %d, want %d: %s", list, query, rec.Code, status, rec.Body.String())
		}
	}
	for _, a := range def.Attrs {
		if a.Flags.Has(models.Hidden) || a.Flags.Has(models.Trigger) {
			continue
		}
		if !a.Flags.Has(models.Sortable) {
			expect("sort="+a.Name, http.StatusBadRequest)
		}
		if !filterable[a.Name] {
			expect(fq(a.Name+"_eq", "x"), http.StatusBadRequest)
		}
	}
	for _, f := range d.Sortable {
		expect("sort=-"+f, http.StatusOK)
	}
	for _, f := range d.FilterQ {
		kind := models.String
		if a := def.Attr(f.Attribute); a != nil {
			kind = a.Kind
		}
		for _, pred := range f.Predicates {
			value, applies := predicateValue(pred, kind)
			if !applies {
				t.Errorf("%s advertised for %s (%s)", pred, f.Attribute, kind)
			}
			expect(fq(f.Attribute+"_"+pred, value), http.StatusOK)
		}
	}
	for _, rel := range d.FilterQRels {
		expect(fq(rel+"_id_eq", "x"), http.StatusOK)
	}
	for _, rel := range def.Rels {
		if rel.ToMany && !rel.Flags.Has(models.Filterable) {
			expect(fq(rel.Name+"_id_eq", "x"), http.StatusBadRequest)
		}
	}
	for _, name := range d.Filters {
		value := "x"
		for _, tl := range query.TopLevelFilters(def) {
			if tl.Name == name {
				value = kindValue(tl.Path.Kind)
			}
		}
		expect(url.Values{"filter[" + name + "]": {value}}.Encode(), http.StatusOK)
	}
}

func sorted(items []string) []string {
	out := append([]string(nil), items...)
	sort.Strings(out)
	return out
}
