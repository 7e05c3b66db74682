package store

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

// SetWithoutFTS5 makes the stores opened until restore act as a build without FTS5 does.
func SetWithoutFTS5(t *testing.T) {
	withoutFTS5 = true
	t.Cleanup(func() { withoutFTS5 = false })
}

// TestSubstringPlan checks with EXPLAIN QUERY PLAN that cont on a searched attribute reads
// the trigram index and then the records it finds by rowid, where the build has FTS5.
func TestSubstringPlan(t *testing.T) {
	if !MemoryIsSQLite() {
		t.Skip("SQLite only")
	}
	reg := models.Provisioning()
	st, err := Open(Memory, reg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if len(st.SearchIndexes(context.Background())) == 0 {
		t.Skip("built without FTS5 (the tag sqlite_fts5): substrings are scanned")
	}
	c := captureSQL(t, st)
	def := reg.Lookup("api_credentials")
	for _, value := range []string{"caf", "Café crème", "a_%\\b"} {
		p, err := query.Parse(reg, def, url.Values{"filter[q][name_cont]": {value}}, query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c.stmts = nil
		if _, _, err := st.List(context.Background(), def, ListQuery{Filters: p.Filters, Limit: 1, Offset: -1}); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range c.stmts {
			if isSearchProbe(stmt.sql) {
				continue
			}
			plan := explainPlan(t, st, stmt)
			for _, want := range []string{"SEARCH api_credentials USING INTEGER PRIMARY KEY (rowid=?)", "SCAN api_credentials__search__name VIRTUAL TABLE"} {
				if !strings.Contains(plan, want) {
					t.Errorf("cont %q: plan of %s\nlacks %q:\n%s", value, stmt.sql, want, plan)
				}
			}
		}
	}
}

func TestTrigramQuery(t *testing.T) {
	for needle, want := range map[string]string{
		"ab":     "",
		"a\x00b": "",
		"1%_":    `("1%_")`,
		`a"b`:    `("a""b" OR "a""B" OR "A""b" OR "A""B")`,
		"12345":  `("123") AND ("345")`,
	} {
		got, ok := trigramQuery(needle)
		if ok != (want != "") || got != want {
			t.Errorf("trigramQuery(%q) = %q, %v; want %q", needle, got, ok, want)
		}
	}
}

// CheckSearchIndexes fails unless every trigram index lists use holds exactly the tokens of
// its table's text (FTS5's integrity-check against the external content).
func CheckSearchIndexes(t *testing.T, st *Store) {
	t.Helper()
	for _, ix := range searchIndexes(st.reg) {
		if !st.search.has(ix.table, ix.column) {
			continue
		}
		vt := quote(ix.ftsTable())
		if err := st.unprepared.Exec("INSERT INTO " + vt + "(" + vt + ", rank) VALUES ('integrity-check', 1)").Error; err != nil {
			t.Errorf("trigram index of %s.%s: %v", ix.table, ix.column, err)
		}
	}
}
