package store

import (
	"context"
	"fmt"
	"sync/atomic"

	"gorm.io/gorm"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

// Search indexes: what serves start and cont on an attribute the descriptions mark Searched
// (models.Searched). A prefix reads a range of a case-insensitive index, part of the schema
// (wantSchema, prefixRange); a substring reads a trigram index where the engine has one
// (SQLite's FTS5: sqlite_search.go), which is not: it is kept beside the schema, made and
// checked at every open and restore (syncSearch), and a store without it scans as before.
// Either only narrows the records that the match itself then decides, so an index never
// changes what a list answers.

// searchIndex is the trigram index of one Searched attribute.
type searchIndex struct {
	table, column string
}

// searchIndexes are those reg's descriptions call for.
func searchIndexes(reg *models.Registry) []searchIndex {
	var out []searchIndex
	for _, def := range reg.All() {
		for _, a := range def.Attrs {
			if a.Flags.Has(models.Searched) && a.Stored() && a.Kind == models.String {
				out = append(out, searchIndex{def.Type, a.Name})
			}
		}
	}
	return out
}

// searchState is which trigram indexes lists may use, shared by every handle on the
// database: those in step with their tables (key table "." column).
type searchState struct {
	usable atomic.Pointer[map[string]bool]
}

func (st *searchState) has(table, column string) bool {
	m := st.usable.Load()
	return m != nil && (*m)[table+"."+column]
}

// syncSearch makes the trigram indexes the descriptions call for, or mends them, and notes
// which lists may use (see dialect.syncSearch).
func (s *Store) syncSearch() error {
	s.search.usable.Store(nil)
	var usable map[string]bool
	err := s.unprepared.Transaction(func(tx *gorm.DB) error {
		if err := s.dialect.beginWrite(tx); err != nil {
			return err
		}
		var err error
		usable, err = s.dialect.syncSearch(tx, searchIndexes(s.reg))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: search indexes: %w", err)
	}
	s.search.usable.Store(&usable)
	return nil
}

// findDenseSubstrings returns the substrings of the filters (key substringKey) that the
// trigram index narrows to more than a quarter of their table's records: reading those by
// rowid, each where the table has it, is slower than reading the whole table in its order (28%
// of 100,000 records: 18 ms instead of 20; all of them: 40 instead of 25), so lists scan for
// them.
func (s *Store) findDenseSubstrings(ctx context.Context, def *models.Resource, filters []query.Filter) (map[string]bool, error) {
	var dense map[string]bool
	db := s.db.WithContext(s.statementContext(ctx))
	for _, f := range filters {
		if f.Pred.Op != query.OpLike || f.Pred.Pattern != query.Contains {
			continue
		}
		for i, path := range f.Paths {
			table := def.Type
			if n := len(path.Hops); n > 0 {
				table = path.Hops[n-1].Type
			}
			if !s.search.has(table, path.Column) {
				continue
			}
			for _, v := range f.ValuesFor(i) {
				needle, _ := v.(string)
				yes, err := s.dialect.denseSubstring(db, searchIndex{table, path.Column}, needle)
				if err != nil {
					return nil, err
				}
				if yes {
					if dense == nil {
						dense = map[string]bool{}
					}
					dense[substringKey(table, path.Column, needle)] = true
				}
			}
		}
	}
	return dense, nil
}

func substringKey(table, column, needle string) string { return table + "." + column + "\x00" + needle }

// SearchIndexes reports which Searched attributes (type "." attribute) lists narrow with a
// trigram index: none where the engine has none (SQLite built without the tag sqlite_fts5).
func (s *Store) SearchIndexes(context.Context) []string {
	var out []string
	for _, ix := range searchIndexes(s.reg) {
		if s.search.has(ix.table, ix.column) {
			out = append(out, ix.table+"."+ix.column)
		}
	}
	return out
}
