package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// widgets describes a type as an older build has it (name only) or as a newer one does (an
// attribute of each stored kind with a default besides).
func widgets(t *testing.T, newer bool) (*models.Registry, *models.Resource) {
	t.Helper()
	def := &models.Resource{Type: "widgets", Attrs: []models.Attr{{Name: "name", Kind: models.String, Flags: models.Create}}}
	if newer {
		def.Attrs = append(def.Attrs,
			models.Attr{Name: "color", Kind: models.String, Default: "it's blue"},
			models.Attr{Name: "size", Kind: models.Integer, Default: 3},
			models.Attr{Name: "ratio", Kind: models.Number, Default: 0.5},
			models.Attr{Name: "on", Kind: models.Boolean, Default: true},
			models.Attr{Name: "shape", Kind: models.Object, Default: map[string]any{"sides": 4}},
			models.Attr{Name: "note", Kind: models.String}, // no default: NULL
		)
	}
	reg, err := models.NewRegistry([]*models.Resource{def})
	if err != nil {
		t.Fatal(err)
	}
	return reg, reg.Lookup("widgets")
}

// sharedDatabases are the databases two builds may serve at once: an SQLite file, and a
// PostgreSQL schema in the PostgreSQL pass.
func sharedDatabases(t *testing.T) map[string]string {
	dbs := map[string]string{"sqlite file": filepath.Join(t.TempDir(), "shared.db")}
	if base := os.Getenv("PROVMOCK_TEST_POSTGRES"); base != "" {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		// Left to the throwaway cluster of the pass, as the instances tests' schemas are.
		q.Set("search_path", fmt.Sprintf("older_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9))
		u.RawQuery = q.Encode()
		dbs["postgres schema"] = u.String()
	}
	return dbs
}

// TestRecordsAnOlderBuildInsertsGetTheColumnsANewerOneAdded: a newer build adds columns to a
// database an older build still serves; what the older one inserts afterwards, not knowing
// the columns, holds their defaults, as the records there were before do, not NULL.
func TestRecordsAnOlderBuildInsertsGetTheColumnsANewerOneAdded(t *testing.T) {
	ctx := context.Background()
	for name, db := range sharedDatabases(t) {
		t.Run(name, func(t *testing.T) {
			oldReg, oldDef := widgets(t, false)
			older, err := store.Open(db, oldReg, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer older.Close()
			if _, err := older.Insert(ctx, oldDef, store.Record{"id": "before", "name": "made before the upgrade"}); err != nil {
				t.Fatal(err)
			}

			newReg, newDef := widgets(t, true)
			newer, err := store.Open(db, newReg, store.Options{})
			if err != nil {
				t.Fatalf("the newer build refused the older one's database: %v", err)
			}
			defer newer.Close()
			if _, err := older.Insert(ctx, oldDef, store.Record{"id": "after", "name": "made by the older build afterwards"}); err != nil {
				t.Fatal(err)
			}

			for _, id := range []string{"before", "after"} {
				rec, err := newer.Get(ctx, newDef, id)
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]any{"color": "it's blue", "size": int64(3), "ratio": 0.5, "on": true, "shape": json.RawMessage(`{"sides":4}`), "note": nil}
				for col, v := range want {
					if fmt.Sprint(rec[col]) != fmt.Sprint(v) {
						t.Errorf("%s.%s = %#v, want %#v", id, col, rec[col], v)
					}
				}
			}
		})
	}
}
