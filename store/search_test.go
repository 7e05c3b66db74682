package store_test

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// gadgets is a type with two string attributes holding the same text: name, searched (and so
// served by the search indexes), and plain, which lists scan as before.
func gadgets(t *testing.T, searched bool) (*models.Registry, *models.Resource) {
	t.Helper()
	flags := models.Create | models.Update | models.Filterable
	nameFlags := flags
	if searched {
		nameFlags |= models.Searched
	}
	def := &models.Resource{Type: "gadgets", Ops: models.OpList | models.OpCreate | models.OpUpdate | models.OpDelete, Attrs: []models.Attr{
		{Name: "name", Kind: models.String, Flags: nameFlags},
		{Name: "plain", Kind: models.String, Flags: flags},
	}}
	reg, err := models.NewRegistry([]*models.Resource{def})
	if err != nil {
		t.Fatal(err)
	}
	return reg, reg.Lookup("gadgets")
}

// searchTexts are names that the patterns of searchPatterns tell apart: cases, scripts, the
// characters LIKE and GLOB give a meaning, the case variants fold keeps apart.
var searchTexts = []string{
	"Credential 0001", "credential 0002", "CREDENTIAL 0100", "Café", "CAFÉ noir", "café crème", "cafe", "Cafeteria",
	"über", "ÜBER alles", "Straße", "STRASSE", "ΣΊΣΥΦΟΣ", "σίσυφος", "ς final", "Kelvin \u212a", "kelvin k", "ſtar", "star",
	"100% sure", "100 percent", "a_b", "axb", "back\\slash", "back/slash", "[glob]", "*star*", "?q", "ǅungla", "ǆungla", "Ǆ",
	"日本語テキスト", "テキスト", "ab", "a", "", "x\u0130y", "xiy", "ĳssel", "Ĳssel", "naïve", "NAÏVE", "ΘΕΟΣ", "θεϑ",
}

var searchPatterns = []string{
	"c", "ca", "caf", "café", "CAFÉ", "Café n", "cafe", "cred", "CREDENTIAL 0", "credential 0001", "0", "00", "001",
	"ü", "übe", "ÜBER", "straße", "STRASSE", "ß", "σ", "Σίσ", "ΣΊΣΥΦΟΣ", "ς f", "σ f", "kelvin", "kelvin \u212a", "\u212a",
	"k", "ſt", "st", "star", "%", "0%", "% s", "_", "a_b", "a_", "\\", "k\\s", "back\\", "[gl", "*st", "?", "?q",
	"ǅun", "ǆUNG", "Ǆ", "日本", "本語テ", "テキスト", "i", "xİy", "ĳs", "ĲSS", "ïve", "Ï", "θεο", "ϑ", "ΘΕϑ", "zzz", "a", "ab",
}

// TestSearchIndexesMatchTheScan compares, for every pattern, the records a searched attribute
// matches (through its indexes) with those the same text in a plain attribute matches (a scan).
func TestSearchIndexesMatchTheScan(t *testing.T) {
	ctx := context.Background()
	reg, def := gadgets(t, true)
	st, err := store.Open(store.Memory, reg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	insertGadgets(t, st, def, "g", searchTexts)
	compareSearch(t, st, reg, def, 100)
	store.CheckSearchIndexes(t, st)

	// Writes keep the indexes in step: renamed, deleted and new records.
	err = st.Tx(ctx, func(tx *store.Store) error {
		for i, text := range searchTexts {
			id := fmt.Sprintf("g%03d", i)
			switch i % 3 {
			case 0:
				renamed := strings.ToUpper(text) + " renamed"
				if _, err := tx.Update(ctx, def, id, store.Record{"name": renamed, "plain": renamed}); err != nil {
					return err
				}
			case 1:
				if err := tx.Delete(ctx, def, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	insertGadgets(t, st, def, "h", []string{"late café", "LATE CREDENTIAL"})
	compareSearch(t, st, reg, def, 100)
	store.CheckSearchIndexes(t, st)
}

func insertGadgets(t *testing.T, st *store.Store, def *models.Resource, prefix string, texts []string) {
	t.Helper()
	ctx := context.Background()
	for i, text := range texts {
		rec := store.Record{"id": fmt.Sprintf("%s%03d", prefix, i), "name": text, "plain": text, "created_at": "2024-01-01T00:00:00.000Z"}
		if _, err := st.Insert(ctx, def, rec); err != nil {
			t.Fatal(err)
		}
	}
}

// idsOf lists the ids of the records the filters select, sorted.
func idsOf(t *testing.T, st *store.Store, def *models.Resource, values url.Values) []string {
	t.Helper()
	p, err := query.Parse(st.Registry(), def, values, query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, total, err := st.List(context.Background(), def, store.ListQuery{Filters: p.Filters})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(recs))
	for _, r := range recs {
		ids = append(ids, r["id"].(string))
	}
	if int(total) != len(ids) {
		t.Fatalf("%v: count %d, listed %d", values, total, len(ids))
	}
	slices.Sort(ids)
	return ids
}

// compareSearch fails unless every predicate served by the search indexes selects the same
// records on name as on plain; it returns how many patterns matched something.
func compareSearch(t *testing.T, st *store.Store, reg *models.Registry, def *models.Resource, minMatched int) {
	t.Helper()
	matched := 0
	for _, pred := range []string{"start", "cont", "start_any", "cont_any", "cont_all", "not_cont", "not_start"} {
		for _, pat := range searchPatterns {
			value := pat
			if strings.HasSuffix(pred, "_any") || strings.HasSuffix(pred, "_all") {
				value = pat + ",caf"
			}
			got := idsOf(t, st, def, url.Values{"filter[q][name_" + pred + "]": {value}})
			want := idsOf(t, st, def, url.Values{"filter[q][plain_" + pred + "]": {value}})
			if !slices.Equal(got, want) {
				t.Errorf("name_%s=%q selects %v, plain_%s selects %v", pred, value, got, pred, want)
			}
			if len(want) > 0 {
				matched++
			}
		}
	}
	if matched < minMatched {
		t.Errorf("only %d patterns matched anything", matched)
	}
}

// TestSearchIndexesUpgrade: a database made before attributes were searched gets the search
// indexes, filled with the records it holds; one whose trigram indexes a build without FTS5
// left behind (dropping their triggers, so that it could write) gets them rebuilt; and the
// lists of each build match the scan.
func TestSearchIndexesUpgrade(t *testing.T) {
	if !store.MemoryIsSQLite() {
		t.Skip("SQLite only: PostgreSQL has no search indexes")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "older.db")
	oldReg, oldDef := gadgets(t, false)
	older, err := store.Open(path, oldReg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	insertGadgets(t, older, oldDef, "g", searchTexts)
	older.Close()

	reg, def := gadgets(t, true)
	reopen := func(withFTS5 bool) *store.Store {
		t.Helper()
		st, err := store.Open(path, reg, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := st.SearchIndexes(ctx); withFTS5 != (len(got) == 1) {
			t.Fatalf("search indexes %v (FTS5: %v)", got, withFTS5)
		}
		return st
	}
	st := reopen(ftsBuild(t))
	compareSearch(t, st, reg, def, 100)
	store.CheckSearchIndexes(t, st)
	st.Close()

	t.Run("a build without FTS5 writes, then one with it reopens", func(t *testing.T) {
		store.SetWithoutFTS5(t)
		st := reopen(false)
		insertGadgets(t, st, def, "n", []string{"written without the index", "CAFÉ sans index"})
		if _, err := st.Update(ctx, def, "g003", store.Record{"name": "renamed caf", "plain": "renamed caf"}); err != nil {
			t.Fatal(err)
		}
		if err := st.Delete(ctx, def, "g004"); err != nil {
			t.Fatal(err)
		}
		compareSearch(t, st, reg, def, 100)
		st.Close()
	})
	st = reopen(ftsBuild(t))
	defer st.Close()
	compareSearch(t, st, reg, def, 100)
	store.CheckSearchIndexes(t, st)
}

// ftsBuild reports whether the test binary's SQLite has FTS5 (the tag sqlite_fts5).
func ftsBuild(t *testing.T) bool {
	reg, _ := gadgets(t, true)
	st, err := store.Open(store.Memory, reg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return len(st.SearchIndexes(context.Background())) > 0
}

// TestSearchIndexesOfALaterSchema: a store opened without a schema gets the trigram indexes
// with it, as one opened with it does.
func TestSearchIndexesOfALaterSchema(t *testing.T) {
	reg, _ := gadgets(t, true)
	st, err := store.Open(store.Memory, reg, store.Options{NoSchema: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateSchema(); err != nil {
		t.Fatal(err)
	}
	if got := st.SearchIndexes(context.Background()); (len(got) == 1) != (store.MemoryIsSQLite() && ftsBuild(t)) {
		t.Errorf("search indexes %v", got)
	}
}
