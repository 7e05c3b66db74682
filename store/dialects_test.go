package store_test

import (
	"context"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// TestDialectsGiveTheSameAnswers lists the same records, filtered and sorted, from an SQLite
// file and from an in-memory store (PostgreSQL in the PostgreSQL pass): case-insensitive
// matching beyond ASCII, the order of text (by code point) and of NULLs, number, boolean
// and JSON comparisons answer alike, and as written here.
func TestDialectsGiveTheSameAnswers(t *testing.T) {
	ctx := context.Background()
	reg := models.Provisioning()
	def := reg.Lookup("api_credentials")
	recs := []store.Record{
		{"id": "c1", "name": "Café Zürich", "kind": "sales_channel", "expires_in": int64(7200), "confidential": true, "metadata": `{"team":"a","n":1}`},
		{"id": "c2", "name": "CAFÉ ZÜRICH", "kind": "integration", "expires_in": nil, "confidential": false, "metadata": `{"team":"b","tags":["x","y"]}`},
		{"id": "c3", "name": "alpha", "kind": "integration", "expires_in": int64(86400), "confidential": true, "metadata": nil},
		{"id": "c4", "name": "Zed", "kind": "webapp", "expires_in": int64(600), "confidential": false, "metadata": `{"n":1.0}`},
		{"id": "c5", "name": "ΣΊΣΥΦΟΣ 100%", "kind": "webapp", "expires_in": nil, "confidential": true, "metadata": `{"team":"a","deep":{"k":[1,2]}}`},
		{"id": "c6", "name": "Kelvin \u212a", "kind": "webapp", "expires_in": int64(7200), "confidential": false},
		{"id": "c7", "name": "Émile_x", "kind": "sales_channel", "expires_in": int64(-1), "confidential": true},
	}
	cases := map[string][]string{
		"filter[q][name_cont]=café":                        {"c1", "c2"},
		"filter[q][name_cont]=zür":                         {"c1", "c2"},
		"filter[q][name_start]=σίσυφος":                    {"c5"},
		"filter[q][name_cont]=100%25":                      {"c5"},
		"filter[q][name_not_cont]=É":                       {"c3", "c4", "c5", "c6"},
		"filter[q][name_cont]=k":                           {"c6"}, // the Kelvin sign is not k; the K of Kelvin is
		"filter[q][name_end]=\u212a":                       {"c6"},
		"filter[q][name_cont]=_x":                          {"c7"},
		"filter[q][expires_in_gt]=600":                     {"c1", "c3", "c6"},
		"filter[q][expires_in_lteq]=600":                   {"c4", "c7"},
		"filter[q][expires_in_null]=true":                  {"c2", "c5"},
		"filter[q][expires_in_present]=true":               {"c1", "c3", "c4", "c6", "c7"},
		"filter[q][confidential_true]=true":                {"c1", "c3", "c5", "c7"},
		"filter[q][confidential_eq]=false":                 {"c2", "c4", "c6"},
		"filter[q][metadata_jcont]={\"team\":\"a\"}":       {"c1", "c5"},
		"filter[q][metadata_jcont]={\"n\":1}":              {"c1", "c4"},
		"filter[q][metadata_jcont]={\"tags\":[\"y\"]}":     {"c2"},
		"filter[q][metadata_jcont]={\"deep\":{\"k\":[2]}}": {"c5"},
		"sort=name":        {"c2", "c1", "c6", "c4", "c3", "c7", "c5"},
		"sort=-name":       {"c5", "c7", "c3", "c4", "c6", "c1", "c2"},
		"sort=expires_in":  {"c2", "c5", "c7", "c4", "c1", "c6", "c3"},
		"sort=-expires_in": {"c3", "c1", "c6", "c4", "c7", "c2", "c5"},
		"sort=kind,-name":  {"c3", "c2", "c7", "c1", "c5", "c4", "c6"},
	}
	file, err := store.Open(filepath.Join(t.TempDir(), "answers.db"), reg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	memory, err := store.Open(store.Memory, reg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer memory.Close()
	for _, st := range []*store.Store{file, memory} {
		for _, r := range recs {
			if _, err := st.Insert(ctx, def, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	for q, want := range cases {
		var filters []query.Filter
		var sort []query.SortKey
		if keys, ok := strings.CutPrefix(q, "sort="); ok {
			// Sorted by any column, sortable through the API or not: the store's order.
			for _, k := range strings.Split(keys, ",") {
				col, desc := strings.CutPrefix(k, "-")
				sort = append(sort, query.SortKey{Column: col, Desc: desc})
			}
		} else {
			values, err := url.ParseQuery(q)
			if err != nil {
				t.Fatal(err)
			}
			p, err := query.Parse(reg, def, values, query.Options{})
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			filters = p.Filters
		}
		for name, st := range map[string]*store.Store{"SQLite file": file, "in-memory store": memory} {
			got, _, err := st.List(ctx, def, store.ListQuery{Filters: filters, Sort: sort})
			if err != nil {
				t.Fatalf("%s, %s: %v", name, q, err)
			}
			ids := []string{}
			for _, r := range got {
				ids = append(ids, r.ID())
			}
			if !reflect.DeepEqual(ids, want) {
				t.Errorf("%s, %s: %v, want %v", name, q, ids, want)
			}
		}
	}
}
