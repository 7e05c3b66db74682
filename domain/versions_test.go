package domain

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// The versions of a batch must store exactly what recordVersion stores one by one, which
// json.Marshal writes: appendCreateChanges is json.Marshal(changesOf(def, nil, rec)).
func TestAppendCreateChangesIsMarshal(t *testing.T) {
	def := &models.Resource{Type: "things", Attrs: []models.Attr{
		{Name: "name", Kind: models.String}, {Name: "z", Kind: models.String}, {Name: "A", Kind: models.String},
		{Name: "can_read", Kind: models.Boolean}, {Name: "can_create", Kind: models.Boolean},
		{Name: "expires_in", Kind: models.Integer}, {Name: "ratio", Kind: models.Number}, {Name: "whole", Kind: models.Number},
		{Name: "metadata", Kind: models.Object}, {Name: "restrictions", Kind: models.Object}, {Name: "full", Kind: models.Object},
		{Name: "plain", Kind: models.String}, {Name: "edges", Kind: models.String}, {Name: "bad", Kind: models.String},
		{Name: "secret", Kind: models.String, Flags: models.Hidden},
		{Name: "created_at", Kind: models.String}, {Name: "updated_at", Kind: models.String},
	}, Rels: []models.Rel{
		{Name: "organization", Type: "organizations", FK: "organization_id"},
		{Name: "children", Type: "things", FK: "parent_id", ToMany: true},
	}}
	cases := []store.Record{
		{},
		{"id": "thing00001", "created_at": "2025-01-01T00:00:00.000Z", "updated_at": "2025-01-01T00:00:00.000Z"},
		{"name": "Role <1> & \"quoted\" \u2028 é", "organization_id": "orgBlueBrd"},
		{"can_read": true, "can_create": false, "name": nil, "secret": "s"},
		{"expires_in": int64(math.MaxInt64), "ratio": 1e21, "whole": float64(3)},
		{"metadata": json.RawMessage(`{ "b": [1, 2],  "a": "x" }`), "z": "<script>", "A": ""},
		// Each side of plainJSON's edges: printable ASCII as it is, the rest escaped.
		{"restrictions": map[string]any{}, "full": map[string]any{"a": 1}, "metadata": json.RawMessage(nil)},
		{"plain": " ~orders!", "edges": "tab\there \\ \"q\"\x1f\x7f", "bad": "\xff"},
	}
	names := createChangeNames(def)
	for _, rec := range cases {
		want, err := json.Marshal(changesOf(def, nil, rec))
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]any, len(names))
		for i, name := range names {
			vals[i] = rec[name]
		}
		got, err := appendCreateChanges([]byte("kept"), names, vals)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "kept"+string(want) {
			t.Errorf("appendCreateChanges(%v) = %s, want kept%s", rec, got, want)
		}
	}
}
