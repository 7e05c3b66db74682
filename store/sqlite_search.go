package store

import (
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// SQLite's trigram indexes: an FTS5 table per Searched attribute, with the trigram tokenizer,
// case-sensitive (so that it matches characters exactly: which case variants a pattern
// matches is fold's to say, not FTS5's own folding, which is of another Unicode version), over
// the table as external content (it keeps no copy of the text), kept in step by triggers on
// the table. FTS5 is in mattn/go-sqlite3 only with the build tag sqlite_fts5: a build without
// it serves lists by scanning, and drops the triggers of a database a build with it made, so
// that it can still write; the index is in step exactly while its triggers exist, so a build
// with it rebuilds one that lacks them.

// searchTableMark is in the name of every table of a trigram index (and of FTS5's own
// tables for it): readSchema leaves them out, as they are no table of the descriptions.
const searchTableMark = "__search__"

func (ix searchIndex) ftsTable() string { return ix.table + searchTableMark + ix.column }

// searchObjects are the statements that create the index's table and triggers, by name.
func (ix searchIndex) searchObjects() (table string, triggers map[string]string) {
	vt, t, c := quote(ix.ftsTable()), quote(ix.table), quote(ix.column)
	table = fmt.Sprintf("CREATE VIRTUAL TABLE %s USING fts5(%s, content=%s, content_rowid='rowid', tokenize='trigram case_sensitive 1', detail=none, columnsize=0)",
		vt, c, sqlString(ix.table))
	add := fmt.Sprintf("INSERT INTO %s(rowid, %s) VALUES (new.rowid, new.%s);", vt, c, c)
	remove := fmt.Sprintf("INSERT INTO %s(%s, rowid, %s) VALUES ('delete', old.rowid, old.%s);", vt, vt, c, c)
	name := ix.ftsTable()
	triggers = map[string]string{
		name + "_insert": fmt.Sprintf("CREATE TRIGGER %s AFTER INSERT ON %s BEGIN %s END", quote(name+"_insert"), t, add),
		name + "_delete": fmt.Sprintf("CREATE TRIGGER %s AFTER DELETE ON %s BEGIN %s END", quote(name+"_delete"), t, remove),
		name + "_update": fmt.Sprintf("CREATE TRIGGER %s AFTER UPDATE OF %s ON %s BEGIN %s %s END", quote(name+"_update"), c, t, remove, add),
	}
	return table, triggers
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// withoutFTS5, set by tests, makes the store act as a build without FTS5 does.
var withoutFTS5 bool

// hasFTS5 reports whether the SQLite linked in has FTS5.
func hasFTS5(db *gorm.DB) (bool, error) {
	if withoutFTS5 {
		return false, nil
	}
	var used int
	err := db.Raw("SELECT sqlite_compileoption_used('ENABLE_FTS5')").Row().Scan(&used)
	return used == 1, err
}

// syncSearch, in the transaction tx, makes every index whose table exists and its triggers,
// filling it from the table, unless it and they are there already as this build makes them;
// without FTS5 it drops their triggers instead. It returns the indexes lists may use.
func (sqliteDialect) syncSearch(tx *gorm.DB, indexes []searchIndex) (map[string]bool, error) {
	fts, err := hasFTS5(tx)
	if err != nil {
		return nil, err
	}
	have := map[string]string{} // name: sql
	err = eachRow(tx, `SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type IN ('table', 'trigger')`, func(rows *sql.Rows) error {
		var name, stmt string
		if err := rows.Scan(&name, &stmt); err != nil {
			return err
		}
		have[name] = stmt
		return nil
	})
	if err != nil {
		return nil, err
	}
	usable := map[string]bool{}
	for _, ix := range indexes {
		if _, ok := have[ix.table]; !ok {
			continue
		}
		table, triggers := ix.searchObjects()
		var stmts []string
		if !fts {
			for name := range triggers {
				if _, ok := have[name]; ok {
					stmts = append(stmts, "DROP TRIGGER "+quote(name))
				}
			}
		} else {
			current := have[ix.ftsTable()] == table
			for name, stmt := range triggers {
				current = current && have[name] == stmt
			}
			if !current {
				for name := range triggers {
					if _, ok := have[name]; ok {
						stmts = append(stmts, "DROP TRIGGER "+quote(name))
					}
				}
				if _, ok := have[ix.ftsTable()]; ok {
					stmts = append(stmts, "DROP TABLE "+quote(ix.ftsTable()))
				}
				stmts = append(stmts, table)
				for _, name := range []string{ix.ftsTable() + "_insert", ix.ftsTable() + "_delete", ix.ftsTable() + "_update"} {
					stmts = append(stmts, triggers[name])
				}
				stmts = append(stmts, fmt.Sprintf("INSERT INTO %[1]s(%[1]s) VALUES ('rebuild')", quote(ix.ftsTable())))
			}
			usable[ix.table+"."+ix.column] = true
		}
		for _, stmt := range stmts {
			if err := tx.Exec(stmt).Error; err != nil {
				return nil, err
			}
		}
	}
	return usable, nil
}

// substringNarrow is the condition that the record's row is among those the trigram index
// finds for text holding the needle: every case variant (fold's) of some of its trigrams.
func (sqliteDialect) substringNarrow(table string, ix searchIndex, needle string) (string, []any, bool) {
	match, ok := trigramQuery(needle)
	if !ok {
		return "", nil, false
	}
	vt := quote(ix.ftsTable())
	return fmt.Sprintf("%s.rowid IN (SELECT rowid FROM %s WHERE %s MATCH ?)", table, vt, vt), []any{match}, true
}

// denseSubstring estimates from the records of the first sixteenth of the rowids (the
// oldest), which the index reads as a range: counting every candidate of a needle most
// records hold would cost a few milliseconds of its own.
func (sqliteDialect) denseSubstring(db *gorm.DB, ix searchIndex, needle string) (bool, error) {
	match, ok := trigramQuery(needle)
	if !ok {
		return false, nil
	}
	var last sql.NullInt64
	if err := db.Raw("SELECT max(rowid) FROM " + quote(ix.table)).Row().Scan(&last); err != nil || !last.Valid {
		return false, err
	}
	window := last.Int64
	if window > 16*1024 {
		window /= 16
	}
	vt := quote(ix.ftsTable())
	var n int64
	err := db.Raw(fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM %s WHERE %s MATCH ? AND rowid <= ? LIMIT ?)", vt, vt),
		match, window, window/4+1).Row().Scan(&n)
	return n > window/4, err
}

// Bounds of a trigram query: how many of the needle's trigrams it asks for, and how many
// spellings of one (case variants) it may try; a trigram with more is left out.
const (
	maxTrigrams        = 6
	maxTrigramVariants = 64
)

// trigramQuery is the FTS5 query that finds every text holding the needle ignoring case as
// fold does (and maybe others): for some of the needle's trigrams, every spelling of it that
// folds alike, AND'ed. ok is false for a needle the index cannot narrow: shorter than three
// characters, not UTF-8, or with a NUL (the end of the text for LIKE).
func trigramQuery(needle string) (string, bool) {
	if !utf8.ValidString(needle) || strings.IndexByte(needle, 0) >= 0 {
		return "", false
	}
	runes := []rune(needle)
	if len(runes) < 3 {
		return "", false
	}
	// Trigrams side by side from the start, and the last one.
	var starts []int
	for i := 0; i+3 <= len(runes) && len(starts) < maxTrigrams-1; i += 3 {
		starts = append(starts, i)
	}
	if last := len(runes) - 3; starts[len(starts)-1] != last {
		starts = append(starts, last)
	}
	var groups []string
	for _, i := range starts {
		spellings := []string{""}
		for _, r := range runes[i : i+3] {
			variants := foldVariants(r)
			if len(spellings)*len(variants) > maxTrigramVariants {
				spellings = nil
				break
			}
			next := make([]string, 0, len(spellings)*len(variants))
			for _, s := range spellings {
				for _, v := range variants {
					next = append(next, s+string(v))
				}
			}
			spellings = next
		}
		if len(spellings) == 0 {
			continue
		}
		terms := make([]string, len(spellings))
		for j, s := range spellings {
			terms[j] = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		groups = append(groups, "("+strings.Join(terms, " OR ")+")")
	}
	if len(groups) == 0 {
		return "", false
	}
	return strings.Join(groups, " AND "), true
}
