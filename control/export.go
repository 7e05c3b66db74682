package control

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// exportFixtures writes every record the mock holds now as a dataset in the fixtures
// format, which POST /_mock/fixtures and --fixtures read back: YAML by default, JSON with
// ?format=json or Accept: application/json.
func (ctl *Controller) exportFixtures(c echo.Context) error {
	snap, err := ctl.st.Dump(c.Request().Context())
	if err != nil {
		return err
	}
	types := exportTypes(ctl.st.Registry(), snap)
	asJSON := c.QueryParam("format") == "json" ||
		(c.QueryParam("format") == "" && strings.Contains(c.Request().Header.Get("Accept"), "application/json"))
	if asJSON {
		return c.JSONBlob(http.StatusOK, types.json())
	}
	if f := c.QueryParam("format"); f != "" && f != "yaml" {
		return fail(c, http.StatusBadRequest, "format is yaml (the default) or json")
	}
	out, err := types.yaml()
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="fixtures.yaml"`)
	return c.Blob(http.StatusOK, "application/yaml", out)
}

// field is one attribute or to-one relationship of an exported record.
type field struct {
	name  string
	kind  models.Kind
	value any
	time  bool
}

type exportedType struct {
	name    string
	records [][]field
}

type exportedDataset []exportedType

// exportTypes lists, in the registry's dependency order, the types that hold records, each
// record's fields in the type's column order, foreign keys under their relationship's name.
func exportTypes(reg *models.Registry, snap store.Snapshot) exportedDataset {
	var out exportedDataset
	for _, def := range reg.All() {
		recs := snap[def.Type]
		if len(recs) == 0 {
			continue
		}
		t := exportedType{name: def.Type}
		for _, rec := range recs {
			fields := []field{{name: "id", kind: models.String, value: rec.ID()}}
			for _, a := range def.Attrs {
				if a.Stored() && !fixtures.Derived(def.Type, a.Name) {
					fields = append(fields, field{name: a.Name, kind: a.Kind, value: rec[a.Name], time: a.Kind == models.Time})
				}
			}
			for _, rel := range def.Rels {
				if !rel.ToMany {
					fields = append(fields, field{name: rel.Name, kind: models.String, value: rec[rel.FK]})
				}
			}
			t.records = append(t.records, fields)
		}
		out = append(out, t)
	}
	return out
}

// jsonValue is a field's value as JSON writes it: objects as they are stored.
func (f field) jsonValue() any {
	if raw, ok := f.value.(json.RawMessage); ok {
		return raw
	}
	return f.value
}

func (d exportedDataset) json() []byte {
	var b bytes.Buffer
	b.WriteString("{")
	for i, t := range d {
		if i > 0 {
			b.WriteString(",")
		}
		name, _ := json.Marshal(t.name)
		b.WriteString("\n  " + string(name) + ": [")
		for j, rec := range t.records {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n    {")
			for k, f := range rec {
				if k > 0 {
					b.WriteString(", ")
				}
				key, _ := json.Marshal(f.name)
				val, err := json.Marshal(f.jsonValue())
				if err != nil {
					val = []byte("null") // stored values are all JSON; never reached
				}
				b.Write(key)
				b.WriteString(": ")
				b.Write(val)
			}
			b.WriteString("}")
		}
		b.WriteString("\n  ]")
	}
	b.WriteString("\n}\n")
	return b.Bytes()
}

func (d exportedDataset) yaml() ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	for _, t := range d {
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, rec := range t.records {
			m := &yaml.Node{Kind: yaml.MappingNode}
			for _, f := range rec {
				val, err := f.yamlNode()
				if err != nil {
					return nil, err
				}
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: f.name}, val)
			}
			list.Content = append(list.Content, m)
		}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: t.name}, list)
	}
	var b bytes.Buffer
	b.WriteString("# The records of a running provmock, in the fixtures format (GET /_mock/fixtures).\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// yamlNode is a field's value as the fixtures loader reads it: timestamps as YAML
// timestamps, objects as mappings, NULL as null (leaving it out would load the default).
func (f field) yamlNode() (*yaml.Node, error) {
	var v any = f.value
	switch val := f.value.(type) {
	case json.RawMessage:
		var obj any
		if err := json.Unmarshal(val, &obj); err != nil {
			return nil, err
		}
		v = obj
	case string:
		if f.time {
			if t, err := time.Parse(store.TimeFormat, val); err == nil {
				v = t
			}
		}
	}
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	return n, nil
}
