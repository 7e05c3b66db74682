package models_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"sort"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
)

// schemaNames maps each type to the name of its schemas in the official description.
var schemaNames = map[string]string{
	"api_credentials":         "apiCredential",
	"application_memberships": "applicationMembership",
	"identity_providers":      "identityProvider",
	"memberships":             "membership",
	"membership_profiles":     "membershipProfile",
	"organizations":           "organization",
	"permissions":             "permission",
	"roles":                   "role",
	"users":                   "user",
	"versions":                "version",
}

type schema struct {
	Properties map[string]*schema `json:"properties"`
	Required   []string           `json:"required"`
	Type       string             `json:"type"`
	ReadOnly   bool               `json:"readOnly"`
	Enum       []string           `json:"enum"`
}

// loadSchemas reads the components of the description PROVISIONING_OPENAPI names.
func loadSchemas(t *testing.T) map[string]*schema {
	t.Helper()
	path := os.Getenv("PROVISIONING_OPENAPI")
	if path == "" {
		t.Skip("PROVISIONING_OPENAPI is not set: no OpenAPI description to compare the resource descriptions with")
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("the official OpenAPI description is expected at %s (PROVISIONING_OPENAPI; the README's Tests section says where to get it): skipped", path)
	}
	if err != nil {
		t.Fatalf("PROVISIONING_OPENAPI: %v", err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]*schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Components.Schemas
}

func keys(m map[string]*schema) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// data returns the data member of a named schema, or nil when the description has none.
func data(schemas map[string]*schema, name string) *schema {
	s := schemas[name]
	if s == nil {
		return nil
	}
	return s.Properties["data"]
}

var kindNames = map[models.Kind]string{
	models.String: "string", models.Integer: "integer", models.Number: "number",
	models.Boolean: "boolean", models.Object: "object", models.Time: "string",
}

// TestDescriptionsMatchOpenAPI checks every resource description against the official one:
// the attributes and their JSON types, the relationships, and exactly which attributes and
// relationships a create and an update accept and require.
func TestDescriptionsMatchOpenAPI(t *testing.T) {
	schemas := loadSchemas(t)
	reg := models.Provisioning()
	for typ, name := range schemaNames {
		def := reg.Lookup(typ)
		t.Run(typ, func(t *testing.T) {
			res := data(schemas, name)
			if res == nil {
				t.Fatalf("no schema %s", name)
			}
			attrs := res.Properties["attributes"].Properties
			var rendered []string
			for _, a := range def.Attrs {
				if !a.Rendered() {
					continue
				}
				rendered = append(rendered, a.Name)
				if s := attrs[a.Name]; s != nil && s.Type != kindNames[a.Kind] {
					t.Errorf("%s is %s, the description says %s", a.Name, kindNames[a.Kind], s.Type)
				}
			}
			if got, want := sorted(rendered), keys(attrs); !reflect.DeepEqual(got, want) {
				t.Errorf("attributes:\n got %v\nwant %v", got, want)
			}
			var rels []string
			for _, r := range def.Rels {
				rels = append(rels, r.Name)
			}
			var wantRels []string
			if r := res.Properties["relationships"]; r != nil {
				wantRels = keys(r.Properties)
			}
			if got, want := sorted(rels), sorted(wantRels); !reflect.DeepEqual(got, want) {
				t.Errorf("relationships:\n got %v\nwant %v", got, want)
			}
			for _, op := range []struct {
				suffix string
				flag   models.Flag
			}{{"Create", models.Create}, {"Update", models.Update}} {
				body := data(schemas, name+op.suffix)
				var wantAttrs, wantReq, wantRels, wantRelReq []string
				if body != nil {
					if a := body.Properties["attributes"]; a != nil {
						wantAttrs, wantReq = keys(a.Properties), a.Required
					}
					if r := body.Properties["relationships"]; r != nil {
						wantRels, wantRelReq = keys(r.Properties), r.Required
					}
				}
				var gotAttrs, gotReq, gotRels, gotRelReq []string
				if body != nil {
					for _, a := range def.Attrs {
						if a.Flags.Has(op.flag) {
							gotAttrs = append(gotAttrs, a.Name)
							if op.flag == models.Create && a.Flags.Has(models.Required) {
								gotReq = append(gotReq, a.Name)
							}
						}
					}
					for _, r := range def.Rels {
						if r.Flags.Has(op.flag) {
							gotRels = append(gotRels, r.Name)
							if op.flag == models.Create && r.Flags.Has(models.Required) {
								gotRelReq = append(gotRelReq, r.Name)
							}
						}
					}
				}
				check := func(what string, got, want []string) {
					if !reflect.DeepEqual(sorted(got), sorted(want)) {
						t.Errorf("%s %s:\n got %v\nwant %v", op.suffix, what, sorted(got), sorted(want))
					}
				}
				check("attributes", gotAttrs, wantAttrs)
				check("required attributes", gotReq, wantReq)
				check("relationships", gotRels, wantRels)
				check("required relationships", gotRelReq, wantRelReq)
			}
		})
	}
}
